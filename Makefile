# petitions: the two quick-start commands are `make run` and `make test`.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
FLASK  := FLASK_APP=petitions $(VENV)/bin/flask
HOST   ?= 127.0.0.1
PORT   ?= 5000

.PHONY: run test install install-test migrate seed worker translations bench clean

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
	@echo "Serving on http://$(HOST):$(PORT)  (Ctrl+C to stop)"
	$(FLASK) run --host $(HOST) --port $(PORT)

## make test: the whole suite on SQLite and PostgreSQL, with real Redis and SMTP
test: install-test translations
	bash scripts/test.sh

migrate: install
	$(FLASK) db upgrade

translations: install
	@$(VENV)/bin/pybabel compile -d translations >/dev/null

## extract and merge messages after changing user-visible text
update-translations: install
	$(VENV)/bin/pybabel extract -F babel.cfg -k _l -k lazy_gettext -o translations/messages.pot .
	$(VENV)/bin/pybabel update -i translations/messages.pot -d translations --no-fuzzy-matching

clean:
	rm -rf $(VENV) instance .pytest_cache
