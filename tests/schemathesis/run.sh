#!/usr/bin/env bash
# Schemathesis against Onward's own OpenAPI document (/api/openapi.json), in CI.
#
#   tests/schemathesis/run.sh            (SQLite; DATABASE_URL=postgres://... to run on PostgreSQL)
#
# Starts `onward serve --demo` on a new database and a free port, then, for a token of each role
# (admin, coordinator, mentor, probation officer, agency user, auditor), lets Schemathesis generate
# requests for every operation: valid ones from the schema and invalid ones. It fails on any 5xx, any
# response whose status, headers or body the schema does not describe, and more (see
# schemathesis.toml for the one check that is off, and why). Settings: SCHEMATHESIS_MAX_EXAMPLES (default 30 per operation), SCHEMATHESIS_ROLES.
set -euo pipefail
cd "$(dirname "$0")/../.."

command -v schemathesis >/dev/null || pip install -q -r tests/schemathesis/requirements.txt
cargo build --quiet --bin onward
bin=${CARGO_TARGET_DIR:-target}/debug/onward

work=$(mktemp -d)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
export DATABASE_URL=${DATABASE_URL:-sqlite://$work/onward.db}
export ONWARD_BIND=127.0.0.1:$port ONWARD_OUTBOX_DIR=$work/outbox ONWARD_LOG_FORMAT=json
export ONWARD_DATA_KEY=${ONWARD_DATA_KEY:-$("$bin" keys generate)}
"$bin" serve --demo > "$work/server.log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  if [ "${status:-1}" -ne 0 ]; then
    echo "--- server log (last 40 lines) ---"
    tail -40 "$work/server.log"
  fi
  rm -rf "$work"
}
trap cleanup EXIT

for _ in $(seq 1 60); do
  curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null 2>&1 && break
  sleep 1
done
curl -fsS "http://127.0.0.1:$port/health/ready" >/dev/null

roles=${SCHEMATHESIS_ROLES:-"admin coordinator.bishkek mentor.bishkek probation.bishkek housing auditor"}
status=0
for who in $roles; do
  token=$("$bin" token create --email "$who@onward.test" | tail -1)
  echo
  echo "==> Schemathesis as $who@onward.test"
  schemathesis --config-file tests/schemathesis/schemathesis.toml run "http://127.0.0.1:$port/api/openapi.json" \
    --header "Authorization: Bearer $token" \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-30}" \
    --seed 1 \
    --suppress-health-check all \
    --request-timeout 10 \
    --generation-database none \
    --no-color || status=1
done
# Our own errors (a 5xx is logged with its request id); actix's notes on malformed requests it
# refused before reaching Onward do not count.
if grep '"level":"ERROR"' "$work/server.log" | grep -v '"target":"actix_http::' | grep -q .; then
  echo "the server logged errors during the run:"
  grep '"level":"ERROR"' "$work/server.log" | grep -v '"target":"actix_http::' | head -20
  status=1
fi
exit $status
