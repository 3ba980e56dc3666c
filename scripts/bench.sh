#!/usr/bin/env bash
# make bench: the application under gunicorn on PostgreSQL against bare references
# (scripts/bench/__main__.py). Sizes from the environment:
#   CASES=1000000 SECONDS_EACH=30 WARMUP=5 CONNECTIONS=16 BENCH_DB=petitions_bench bash scripts/bench.sh [--fresh]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v wrk >/dev/null; then
    echo "installing wrk (Debian package) for the load generator"
    if [ "$(id -u)" = 0 ]; then apt-get install -y -q wrk >/dev/null; else sudo apt-get install -y -q wrk >/dev/null; fi
fi
exec .venv/bin/python -m scripts.bench "$@"
