#!/usr/bin/env bash
# Back up Onward's PostgreSQL database while it serves, and check the copy before keeping it.
#
#   DATABASE_URL=postgres://user:password@host:5432/onward ops/backup-postgres.sh FILE
#
# pg_dump reads the whole database in one repeatable-read transaction: the copy is the database
# at one instant while Onward keeps writing. The dump (custom format) is then restored into a
# scratch database on the same server (the user needs CREATEDB), where `onward audit verify`
# walks the audit chain; the scratch database is dropped and the dump kept as FILE only if that
# passed. FILE must not exist. ONWARD_BIN names the onward binary (default: `onward` on PATH).
set -euo pipefail
umask 077   # the dump holds every record: readable by its owner only

file=${1:?usage: DATABASE_URL=postgres://... $0 FILE}
url=${DATABASE_URL:?DATABASE_URL must name the PostgreSQL database to back up}
onward=${ONWARD_BIN:-onward}
case $url in postgres://* | postgresql://*) ;; *) echo "DATABASE_URL is not a postgres:// URL" >&2; exit 1 ;; esac
[ -e "$file" ] && { echo "$file already exists; a backup never replaces a file" >&2; exit 1; }

# The URL of another database on the same server: same user, host and options.
base=${url%%\?*}
query=${url#"$base"}
scratch=onward_backup_check_$$_$RANDOM
scratch_url=${base%/*}/$scratch$query

partial=$file.partial
rm -f "$partial"
cleanup() {
    psql "$url" -qXc "DROP DATABASE IF EXISTS $scratch WITH (FORCE)" >/dev/null 2>&1 || true
    rm -f "$partial"
}
trap cleanup EXIT

pg_dump --format=custom --no-owner --no-privileges --file="$partial" "$url"

psql "$url" -qXc "CREATE DATABASE $scratch" >/dev/null
pg_restore --exit-on-error --single-transaction --no-owner --no-privileges \
    --dbname="$scratch_url" "$partial"
verdict=$(DATABASE_URL=$scratch_url ONWARD_CONFIG=/nonexistent "$onward" audit verify)

mv "$partial" "$file"
echo "backup written to $file: restores cleanly, $verdict"
