#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh into an EMPTY database and attachment folder.
#   scripts/restore.sh BACKUP_DIR postgresql://user@host/new_db /srv/petitions/uploads-restored
# Checks the checksums first; creates the database if it does not exist; refuses a database
# that already has tables or a folder that is not empty (never restores over live data).
set -euo pipefail
src=${1:?usage: restore.sh BACKUP_DIR TARGET_DATABASE_URL TARGET_UPLOAD_FOLDER}
url=${2:?target database URL}
uploads=${3:?target upload folder}
url=${url/postgresql+psycopg:/postgresql:}
(cd "$src" && sha256sum --quiet -c SHA256SUMS)
db=${url##*/}
db=${db%%\?*}
admin=${url%/*}/postgres
if [ -z "$(psql "$admin" -tAc "SELECT 1 FROM pg_database WHERE datname = '$db'")" ]; then
    psql "$admin" -qc "CREATE DATABASE \"$db\""
fi
if [ "$(psql "$url" -tAc "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")" != "0" ]; then
    echo "refusing: database $db already has tables" >&2
    exit 1
fi
mkdir -p "$uploads"
if [ -n "$(ls -A "$uploads")" ]; then
    echo "refusing: $uploads is not empty" >&2
    exit 1
fi
pg_restore --no-owner --exit-on-error --dbname="$url" "$src/db.dump"
tar -C "$uploads" -xf "$src/uploads.tar"
psql "$url" -qc "ANALYZE"
expected=$(sed -n 's/^cases=//p' "$src/MANIFEST")
got=$(psql "$url" -tAc 'SELECT count(*) FROM cases')
files=$(find "$uploads" -type f | wc -l)
echo "restored $got cases (backup said $expected), $files files into $db and $uploads"
[ "$got" = "$expected" ]
