#!/usr/bin/env bash
# Back up the database (pg_dump custom format) and the attachment folder, together.
#   DATABASE_URL=postgresql://user@host/db UPLOAD_FOLDER=/srv/petitions/uploads scripts/backup.sh /backups
# Writes DEST/petitions-<UTC time>/{db.dump, uploads.tar, MANIFEST, SHA256SUMS} and prints the
# directory. The dump is taken first, then the files: a file written between the two is
# kept (its row comes with the next backup); no row in the dump lacks its file, because a
# file is written before its case is committed (services/uploads.store).
set -euo pipefail
dest_root=${1:?usage: backup.sh DEST_DIR}
url=${DATABASE_URL:?set DATABASE_URL (postgresql://...)}
uploads=${UPLOAD_FOLDER:?set UPLOAD_FOLDER}
url=${url/postgresql+psycopg:/postgresql:}
stamp=$(date -u +%Y%m%dT%H%M%SZ)
dest="$dest_root/petitions-$stamp"
mkdir -p "$dest"
pg_dump --format=custom --compress=6 --no-owner --file="$dest/db.dump" "$url"
tar -C "$uploads" -cf "$dest/uploads.tar" .
{
    echo "created_at=$stamp"
    echo "database=${url##*/}"
    echo "server_version=$(psql "$url" -tAc 'SHOW server_version')"
    echo "cases=$(psql "$url" -tAc 'SELECT count(*) FROM cases')"
    echo "attachments=$(psql "$url" -tAc 'SELECT count(*) FROM attachments')"
    echo "files=$(find "$uploads" -type f | wc -l)"
} > "$dest/MANIFEST"
(cd "$dest" && sha256sum db.dump uploads.tar MANIFEST > SHA256SUMS)
echo "$dest"
