#!/usr/bin/env bash
# make fuzz: schemathesis against the API's own OpenAPI document, on a throw-away app.
#
# Starts the app on a free loopback port with a temporary SQLite database (migrated,
# communes and agencies seeded), runs every check of schemathesis on every operation
# (FUZZ_EXAMPLES examples each, default 50; the whole run stays well under 10 minutes),
# prints how many test cases it generated, and exits non-zero on any failure. The officer
# operations run with an administrator's token on demo data.
set -uo pipefail
cd "$(dirname "$0")/.."
VENV="${VENV:-.venv}"
EXAMPLES="${FUZZ_EXAMPLES:-50}"
WORK="$(mktemp -d /tmp/petitions-fuzz.XXXXXX)"
PORT="$("$VENV/bin/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
server=""
cleanup() { [ -n "$server" ] && kill "$server" 2>/dev/null; wait 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT INT TERM

export FLASK_APP=petitions
export PETITIONS_INSTANCE="$WORK/instance"
export DATABASE_URL="sqlite:///$WORK/fuzz.sqlite3"
export UPLOAD_FOLDER="$WORK/uploads"
export SQLITE_SYNCHRONOUS=NORMAL
export MAIL_SERVER=127.0.0.1 MAIL_PORT=1 MAIL_TIMEOUT=1
# its own rate-limit counters, generous enough that the fuzzer reaches the handlers
# (the limits themselves are tested in tests/test_public_abuse.py)
export RATELIMIT_STORAGE_PREFIX="petitions-fuzz-$$"
export RATELIMIT_FILING="100000 per hour" RATELIMIT_FILING_ID="100000 per hour"
export RATELIMIT_FILING_ATTEMPTS="100000 per hour" RATELIMIT_LOOKUP="100000 per hour"
export RATELIMIT_FAILED_LOOKUP="100000 per hour"

"$VENV/bin/flask" db upgrade >"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
# units, agencies, one officer per role and a few letters, so that the officer
# operations are fuzzed with a valid token on real cases (not only answered 401)
"$VENV/bin/flask" seed demo --cases 40 >>"$WORK/setup.log" 2>&1 || { cat "$WORK/setup.log"; exit 1; }
ADMIN="$("$VENV/bin/python" - <<'PY'
from petitions import create_app
from petitions.extensions import db
from petitions.models import User
app = create_app()
with app.app_context():
    admins = [u.username for u in db.session.scalars(db.select(User).order_by(User.id))
              if u.has_role("admin")]
    print(admins[0] if admins else "")
PY
)"
TOKEN="$("$VENV/bin/flask" users token "$ADMIN" 2>/dev/null | head -1)"
[ -n "$TOKEN" ] || { echo "could not issue an officer token for '$ADMIN'"; exit 1; }
"$VENV/bin/flask" run --host 127.0.0.1 --port "$PORT" >"$WORK/server.log" 2>&1 &
server=$!
for _ in $(seq 1 100); do
  curl -fs "http://127.0.0.1:$PORT/api/v1/openapi.json" >/dev/null 2>&1 && break
  sleep 0.2
done

# One rule no parameter schema can state: the target 4 period must not end before it
# starts (`from` <= `to`, documented on the parameters); a schema-valid query may meet it,
# so 422 is an expected answer there. Every other check stays as strict as schemathesis makes it.
cat > "$WORK/schemathesis.toml" <<'TOML'
[[operations]]
include-path = "/api/v1/stats/target4"
checks.positive_data_acceptance.expected-statuses = ["2xx", "401", "403", "404", "409", "422", "429"]
TOML

echo "Fuzzing http://127.0.0.1:$PORT/api/v1/openapi.json ($EXAMPLES examples per operation)"
"$VENV/bin/schemathesis" --config-file "$WORK/schemathesis.toml" run "http://127.0.0.1:$PORT/api/v1/openapi.json" \
  -H "Authorization: Bearer $TOKEN" \
  --checks all --max-examples "$EXAMPLES" --request-timeout 20 --workers 1 \
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
if grep -q "Traceback" "$WORK/server.log"; then
  echo "server errors (from the server log):"; grep -B2 -A20 "Traceback" "$WORK/server.log" | head -80
  status=1
fi
exit $status
