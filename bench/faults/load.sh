#!/usr/bin/env bash
# Load: DURATION seconds (default 300) at CLIENTS concurrent connections (default 100) over a mix
# of pages and API reads, signed in as a coordinator of the demo data, on a fresh SQLite file
# (or on a fresh PostgreSQL database with BACKEND=postgres).
# Passes when there is no non-2xx/3xx answer, no socket error and no timeout.
#
#   bench/faults/load.sh            DURATION=60 CLIENTS=100 BACKEND=postgres bench/faults/load.sh
SCENARIO=load
source "$(dirname "$0")/lib.sh"

DURATION=${DURATION:-300}
CLIENTS=${CLIENTS:-100}
THREADS=${THREADS:-2}
BACKEND=${BACKEND:-sqlite}

build
if [[ $BACKEND == postgres ]]; then pg_database; url=$PG_URL; else url="sqlite://$WORK/onward.db"; fi
base_env "$url"
port=$(free_port)
start_instance web "$port" --demo
base="http://127.0.0.1:$port"

demo_coordinator web "$port"

# Participants the coordinator may see, for the detail pages.
mapfile -t ids < <(curl -fs -H "Authorization: Bearer $token" "$base/api/v1/participants?per_page=20" |
    python3 -c 'import json,sys; d=json.load(sys.stdin); print("\n".join(str(p["id"]) for p in d["items"][:10]))')
((${#ids[@]} > 0)) || { echo "the coordinator sees no participants" >&2; exit 1; }

paths=(/ /participants "/participants?q=a" /cohorts /programmes /milestones /handovers)
api=(/api/v1/participants "/api/v1/participants?q=a" /api/v1/cohorts /api/v1/alerts)
for id in "${ids[@]}"; do
    paths+=("/participants/$id" "/participants/$id/exit-plan")
    api+=("/api/v1/participants/$id")
done
# Every path must answer 2xx/3xx once before the load, so a wrong path fails here, not as noise.
for p in "${paths[@]}"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$p")
    [[ $code =~ ^[23] ]] || { echo "page $p answered $code before the load" >&2; exit 1; }
done
for p in "${api[@]}"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base$p")
    [[ $code =~ ^[23] ]] || { echo "API $p answered $code before the load" >&2; exit 1; }
done

lua=$WORK/mix.lua
{
    echo "local pages = {"
    printf '  "%s",\n' "${paths[@]}"
    echo "}"
    echo "local api = {"
    printf '  "%s",\n' "${api[@]}"
    echo "}"
    cat <<EOF
local n = 0
request = function()
  n = n + 1
  if n % 3 == 0 then
    local p = api[math.floor(n / 3) % #api + 1]
    return wrk.format("GET", p, { ["Authorization"] = "Bearer $token" })
  end
  local p = pages[n % #pages + 1]
  return wrk.format("GET", p, { ["Cookie"] = "$cookie" })
end
local bad = 0
response = function(status, headers, body)
  if status >= 400 then bad = bad + 1 end
end
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("WRK requests=%d non2xx3xx=%d connect=%d read=%d write=%d timeout=%d status=%d p50_ms=%.1f p99_ms=%.1f max_ms=%.1f rps=%.0f\n",
    summary.requests, e.status, e.connect, e.read, e.write, e.timeout, e.status,
    latency:percentile(50) / 1000, latency:percentile(99) / 1000, latency.max / 1000,
    summary.requests / (summary.duration / 1e6)))
end
EOF
} >"$lua"

log "load: ${DURATION}s at $CLIENTS connections on $BACKEND ($(( ${#paths[@]} )) pages, ${#api[@]} API reads)"
rss_peak=0
(
    while kill -0 "$PID_web" 2>/dev/null; do
        awk '/VmHWM/ { print $2 }' "/proc/$PID_web/status" >"$WORK/hwm" 2>/dev/null || true
        sleep 5
    done
) &
cleanup "kill $!"
wrk -t "$THREADS" -c "$CLIENTS" -d "${DURATION}s" --timeout 10s --latency -s "$lua" "$base" | tee "$WORK/wrk.txt" >&2
rss_peak=$(cat "$WORK/hwm" 2>/dev/null || echo 0)
line=$(grep '^WRK ' "$WORK/wrk.txt")
get() { sed -n "s/.* $1=\([0-9.]*\).*/\1/p" <<<"$line"; }
requests=$(get requests)
errors=$(($(get non2xx3xx) + $(get connect) + $(get read) + $(get write) + $(get timeout)))
ok=yes
((errors == 0)) || ok=no
grep -qi ' panicked' "$WORK/web.log" && ok=no
echo "RESULT scenario=load backend=$BACKEND duration_s=$DURATION clients=$CLIENTS requests=$requests rps=$(get rps) p50_ms=$(get p50_ms) p99_ms=$(get p99_ms) max_ms=$(get max_ms) non2xx3xx=$(get non2xx3xx) socket_errors=$(($(get connect) + $(get read) + $(get write))) timeouts=$(get timeout) peak_rss_mb=$((rss_peak / 1024)) sent=0 received=0 lost=0 duplicated=0 errors=$errors ok=$ok"
[[ $ok == yes ]]
