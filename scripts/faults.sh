#!/usr/bin/env bash
# make faults: fault injection against a PRIVATE PostgreSQL cluster (port 55432) and a
# private Redis (port 56379), started and stopped by faults/conftest.py; the shared
# servers are never touched. Needs root (or the postgres user) for initdb/pg_ctl, and
# root for the 64 KB tmpfs of the full-disk test.
#   bash scripts/faults.sh            # all scenarios, with their reports
#   bash scripts/faults.sh -k redis   # one
set -euo pipefail
cd "$(dirname "$0")/.."
command -v redis-server >/dev/null || { echo "redis-server is needed (apt-get install redis-server)"; exit 1; }
[ -x "${PG_BIN:-/usr/lib/postgresql/15/bin}/initdb" ] || {
    echo "PostgreSQL server binaries are needed (apt-get install postgresql), or set PG_BIN"; exit 1; }
exec .venv/bin/python -m pytest faults -q -s -p no:logging -p no:cacheprovider "$@"
