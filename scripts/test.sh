#!/usr/bin/env bash
# The whole test suite, on SQLite and on PostgreSQL, against real services.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
eval "$(bash scripts/test-services.sh)"
workers="${TEST_WORKERS:-2}"
status=0
echo "== Suite on SQLite (embedded default)"
TEST_DATABASE=sqlite "$PY" -m pytest -n "$workers" -p no:cacheprovider "$@" || status=$?
echo "== Suite on PostgreSQL ($TEST_POSTGRES_URL)"
TEST_DATABASE=postgresql "$PY" -m pytest -n "$workers" -p no:cacheprovider -m "not browser" "$@" || status=$?
exit $status
