# petitions: the two quick-start commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := FLASK_APP=petitions $(VENV)/bin/flask
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-test migrate worker sweep translations update-translations bench-sweep bench load faults fuzz clean clean-machine

$(VENV)/.installed: setup.cfg setup.py
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PY) -m pip install -q -e '.[test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## make run: SQLite under instance/, migrated, demo data on first run, http://$(HOST):$(PORT)
run: install translations
	$(FLASK) db upgrade
	SQLITE_SYNCHRONOUS=$${SQLITE_SYNCHRONOUS:-NORMAL} $(FLASK) seed demo --if-empty
	HOST=$(HOST) PORT=$(PORT) bash scripts/run.sh

## make test: the whole suite on SQLite and PostgreSQL, with real Redis and SMTP
test: install-test translations
	bash scripts/test.sh

migrate: install
	$(FLASK) db upgrade

## an RQ worker and the recurring sweep trigger (production: run them under systemd)
worker: install
	$(FLASK) worker

sweep: install
	$(FLASK) sweep

## seed CASES cases (default 100000) into DATABASE_URL and time one deadline sweep
CASES ?= 100000
bench-sweep: install
	$(FLASK) seed scale --cases $(CASES)
	$(FLASK) bench-sweep

## the benchmark of issue 7 (gunicorn on PostgreSQL, ratios against bare references); not in make test
bench: install-test
	$(VENV)/bin/pip install -q -e '.[load]'
	bash scripts/bench.sh

## a bounded load run on loopback (public form, look-ups, officer pages together)
load: install-test
	$(VENV)/bin/pip install -q -e '.[load]'
	bash scripts/load.sh

## fault injection: PostgreSQL/Redis restarts, a worker killed mid-sweep, a full attachment disk
faults: install-test
	bash scripts/faults.sh

## schemathesis against /api/v1/openapi.json
fuzz: install-test
	$(VENV)/bin/pip install -q -e '.[fuzz]'
	bash scripts/fuzz.sh

## the README's two commands in a fresh Debian root (debootstrap), own network namespace; root; not in make test
clean-machine:
	bash scripts/clean-machine.sh

translations: install
	@$(VENV)/bin/pybabel compile -d translations >/dev/null

## extract and merge messages after changing user-visible text
update-translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache
