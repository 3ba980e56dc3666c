#!/usr/bin/env bash
# Find, start or install the services the test suite talks to, and print what it uses
# as shell assignments (the test runner sources them). Messages go to stderr.
#   TEST_POSTGRES_URL  PostgreSQL server URL (database "test"); default: local 127.0.0.1:5432
#   REDIS_URL          Redis URL; default: local 127.0.0.1:6379
set -u
say() { echo "test-services: $*" >&2; }
as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
apt_ready=""
apt_install() {
  [ -n "$apt_ready" ] || { as_root apt-get update -qq >&2 || true; apt_ready=1; }
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "$@" >&2
}

# --- PostgreSQL -------------------------------------------------------------------
pg_url="${TEST_POSTGRES_URL:-}"
if [ -z "$pg_url" ] && [[ "${DATABASE_URL:-}" == postgres* ]]; then pg_url="$DATABASE_URL"; fi
if [ -z "$pg_url" ]; then
  pg_url="postgresql://postgres@127.0.0.1:5432/test"
  if ! pg_isready -q -h 127.0.0.1 -p 5432 2>/dev/null; then
    if ! command -v pg_ctlcluster >/dev/null 2>&1; then
      say "PostgreSQL not installed: installing Debian's postgresql"
      apt_install postgresql
    fi
    ver=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -1)
    say "starting PostgreSQL $ver"
    as_root pg_ctlcluster --skip-systemctl-redirect "$ver" main start >&2 2>&1 || true
    for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p 5432 && break; sleep 1; done
  fi
  # a fresh Debian install asks for a password on TCP: give the postgres role a known one
  if ! psql "$pg_url" -c 'select 1' >/dev/null 2>&1; then
    as_root su postgres -c "psql -q -c \"ALTER USER postgres PASSWORD 'postgres'\"" >&2 || true
    pg_url="postgresql://postgres:postgres@127.0.0.1:5432/test"
    psql "${pg_url%/test}/postgres" -tAc "select 1 from pg_database where datname='test'" 2>/dev/null | grep -q 1 \
      || psql "${pg_url%/test}/postgres" -c 'create database test' >&2 || true
  fi
fi
if psql "$pg_url" -tAc 'select version()' >/dev/null 2>&1; then
  say "PostgreSQL: $(psql "$pg_url" -tAc 'show server_version') at ${pg_url%%@*}@${pg_url#*@}"
else
  say "PostgreSQL: NOT reachable at $pg_url"; exit 1
fi

# --- Redis ------------------------------------------------------------------------
redis_url="${REDIS_URL:-redis://127.0.0.1:6379/0}"
if ! redis-cli -u "$redis_url" ping >/dev/null 2>&1; then
  command -v redis-server >/dev/null 2>&1 || { say "Redis not installed: installing redis-server"; apt_install redis-server; }
  say "starting Redis on 127.0.0.1:6379"
  mkdir -p /var/lib/redis /var/log/redis 2>/dev/null || true
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no \
    --dir /var/lib/redis --logfile /var/log/redis/ci.log >&2
  for _ in $(seq 1 20); do redis-cli -u "$redis_url" ping >/dev/null 2>&1 && break; sleep 0.5; done
fi
redis-cli -u "$redis_url" ping >/dev/null 2>&1 || { say "Redis: NOT reachable at $redis_url"; exit 1; }
say "Redis: $(redis-cli -u "$redis_url" info server | grep -m1 redis_version | tr -d '\r') at $redis_url"

# --- Chromium (the browser test) ----------------------------------------------------
chromium="${CHROMIUM:-/usr/bin/chromium}"
if [ ! -x "$chromium" ]; then say "Chromium not installed: installing Debian's chromium"; apt_install chromium; fi
say "Chromium: $("$chromium" --version 2>/dev/null | head -1)"

# --- LibreOffice (official documents: DOCX -> PDF) ----------------------------------
# No font package: the documents are laid out with the project's own Liberation Serif 2.x
# (petitions/documents/fonts, given to LibreOffice through its own FONTCONFIG_FILE), whatever
# fonts this machine has. poppler-utils: pdftotext/pdftoppm, to look at a PDF by hand.
soffice="${SOFFICE:-$(command -v soffice || true)}"
if [ -z "$soffice" ]; then
  say "LibreOffice not installed: installing libreoffice-writer-nogui, poppler-utils"
  apt_install libreoffice-writer-nogui poppler-utils
  soffice="$(command -v soffice)"
fi
say "LibreOffice: $("$soffice" --version 2>/dev/null | head -1)"

echo "export TEST_POSTGRES_URL='$pg_url'"
echo "export REDIS_URL='$redis_url'"
echo "export CHROMIUM='$chromium'"
echo "export SOFFICE='$soffice'"
