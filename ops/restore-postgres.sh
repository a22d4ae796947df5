#!/usr/bin/env bash
# Restore a backup made by ops/backup-postgres.sh into a new, empty PostgreSQL database.
#
#   createdb onward_restored      # or CREATE DATABASE, as a user allowed to
#   DATABASE_URL=postgres://user:password@host:5432/onward_restored ops/restore-postgres.sh FILE
#
# The restore is one transaction (all or nothing) and refuses a database that already has
# Onward's tables. It ends with `onward audit verify` on the restored database. Point Onward's
# DATABASE_URL at it (with the same ONWARD_DATA_KEY as before) and start it.
# ONWARD_BIN names the onward binary (default: `onward` on PATH).
set -euo pipefail

file=${1:?usage: DATABASE_URL=postgres://.../NEW_DATABASE $0 FILE}
url=${DATABASE_URL:?DATABASE_URL must name the new, empty database}
onward=${ONWARD_BIN:-onward}
[ -f "$file" ] || { echo "$file: no such backup" >&2; exit 1; }

tables=$(psql "$url" -AtXc "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
if [ "$tables" != 0 ]; then
    echo "the database of DATABASE_URL is not empty ($tables tables); restore into a new one" >&2
    exit 1
fi

pg_restore --exit-on-error --single-transaction --no-owner --no-privileges --dbname="$url" "$file"
verdict=$(ONWARD_CONFIG=/nonexistent "$onward" audit verify)
echo "restored $file: $verdict"
