#!/usr/bin/env bash
# make fuzz: schemathesis against the API's own OpenAPI document, on a throw-away app.
#
# Starts the app on a free loopback port with a temporary SQLite database (migrated,
# communes and agencies seeded), runs every check of schemathesis on every operation
# (FUZZ_EXAMPLES examples each, default 50; the whole run stays well under 10 minutes),
# prints how many test cases it generated, and exits non-zero on any failure. The officer
# operations run with the token of an officer who may fire every event, on demo data and on
# letters filed for the run; scripts/fuzz_hooks.py aims part of the requests at real tracking
# codes, access keys, open actions and their fields, and the script prints what they got.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
EXAMPLES="${FUZZ_EXAMPLES:-50}"
WORK="$(mktemp -d /tmp/petitions-fuzz.XXXXXX)"
PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
server=""
forget_redis() {
  "$VENV/bin/python" - "$REDIS_PREFIX" <<'PY' 2>/dev/null || true
import os, sys, redis
conn = redis.Redis.from_url(os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
for pattern in (sys.argv[1] + "*", "rq:*:" + sys.argv[1] + "*"):
    for key in conn.scan_iter(pattern, count=1000):
        conn.delete(key)
PY
}
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; forget_redis; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

export FLASK_APP=petitions
export PETITIONS_INSTANCE="$WORK/instance"
export DATABASE_URL="sqlite:///$WORK/fuzz.sqlite3"
export UPLOAD_FOLDER="$WORK/uploads"
export SQLITE_SYNCHRONOUS=NORMAL
export MAIL_SERVER=127.0.0.1 MAIL_PORT=1 MAIL_TIMEOUT=1
# its own rate-limit counters, generous enough that the fuzzer reaches the handlers
# (the limits themselves are tested in tests/test_public_abuse.py)
# (every Redis name of the run begins with REDIS_PREFIX: forgotten at the end)
export REDIS_PREFIX="petitions-fuzz-$$"
export RATELIMIT_FILING="100000 per hour" RATELIMIT_FILING_ID="100000 per hour"
export RATELIMIT_FILING_ATTEMPTS="100000 per hour" RATELIMIT_LOOKUP="100000 per hour"
export RATELIMIT_FAILED_LOOKUP="100000 per hour"

"$VENV/bin/flask" db upgrade >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
# units, agencies, one officer per role and a few letters, so that the officer
# operations are fuzzed with a valid token on real cases (not only answered 401)
"$VENV/bin/flask" seed demo --cases 40 >>"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
# an officer of the demo ward who may fire every event, letters with their access keys, and
# the ward's cases with the actions open on them: scripts/fuzz_hooks.py aims part of the
# generated requests at them, so the workflow and the look-up run (not only 401/404)
TOKEN="$("$VENV/bin/python" scripts/fuzz_setup.py "$WORK/data.json" 2>>"$WORK/setup.log" | head -1)"
[ -n "$TOKEN" ] || { cat "$WORK/setup.log"; echo "fuzz set-up failed"; exit 1; }
tail -1 "$WORK/setup.log"
export PETITIONS_FUZZ_DATA="$WORK/data.json" PETITIONS_FUZZ_ANSWERS="$WORK/answers.json"
export SCHEMATHESIS_HOOKS="$PWD/scripts/fuzz_hooks.py"
"$VENV/bin/flask" run --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null 2>&1 && break
  sleep 0.2
done

# One rule no parameter schema can state: the target 4 period must not end before it
# starts (`from` <= `to`, documented on the parameters); a schema-valid query may meet it,
# so 422 is an expected answer there. Every other check stays as strict as schemathesis makes it.
# Likewise an event the schema allows may be refused by the workflow: not open in the case's
# status, a missing field, a date before the last event (422, documented), or the case
# changed since (409). And a letter a citizen just filed (POST /api/v1/cases, which the
# stateful phase follows to the officer operations by its tracking code) goes to the agency
# of its commune or the one chosen: an officer of another agency does not see it (404,
# documented), and the public look-up needs the access key the link does not carry, so
# "created resource not found" (ST302) cannot apply to this API and is excluded below
# (--checks all overrides the config file, so it is excluded on the command line).
cat > "$WORK/schemathesis.toml" <<'TOML'
[[operations]]
include-path = "/api/v1/stats/target4"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]

[[operations]]
include-path = "/api/v1/cases/{tracking_code}/events"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]
TOML

echo "Fuzzing http://127.0.0.1:$PORT/api/v1/openapi.json ($EXAMPLES examples per operation)"
"$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  -H "Authorization: Bearer $TOKEN" \
  --checks all --exclude-checks ensure_resource_availability --max-examples "$EXAMPLES" --request-timeout 20 --workers 1 \
  --generation-deterministic --no-color \
  --report ndjson --report-ndjson-path "$WORK/events.ndjson" "$@"
status=$?

"$VENV/bin/python" - "$WORK/events.ndjson" <<'PY'
import json, sys
cases = 0
for line in open(sys.argv[1], encoding="utf-8"):
    try:
        event = json.loads(line)
    except ValueError:
        continue
    for name, body in event.items():
        if name == "ScenarioFinished" and isinstance(body, dict):
            recorder = body.get("recorder") or {}
            cases += len(recorder.get("cases") or {})
print(f"schemathesis generated {cases} test cases")
PY
echo "answers to the requests on a tracking code (status: count):"
"$VENV/bin/python" -c 'import json,sys; [print(f"  {k}: {v}") for k, v in sorted(json.load(open(sys.argv[1])).items())]' \
  "$WORK/answers.json" 2>/dev/null || echo "  (none recorded)"
if grep -q "Traceback" "$WORK/server.log"; then
  echo "server errors (from the server log):"; grep -B2 -A20 "Traceback" "$WORK/server.log" | head -80
  status=1
fi
exit $status
