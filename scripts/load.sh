#!/usr/bin/env bash
# make load: locust headless on loopback against gunicorn (2 workers) on PostgreSQL,
# then every receipt checked against the database (scripts/load/__main__.py).
#   DURATION=5m USERS=30 LOAD_CASES=100000 LOAD_DB=petitions_load bash scripts/load.sh [--fresh]
set -euo pipefail
cd "$(dirname "$0")/.."
exec .venv/bin/python -m scripts.load "$@"
