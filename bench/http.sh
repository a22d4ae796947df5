#!/usr/bin/env bash
# HTTP benchmark (issue 7): Onward's pages under load, against a bare server running only each
# page's main query, on SQLite and PostgreSQL, at several sizes.
#
#   bench/http.sh [PARTICIPANTS ...]          (default: 1000 10000 100000; 10 milestones each)
#
# Per backend and size: a fresh database (a new SQLite file; a new PostgreSQL database
# onward_http_<random> on $ONWARD_BENCH_POSTGRES_URL, dropped at the end), `onward seed`,
# then the release server is started (start-up = exec until /health/ready answers 200), a
# coordinator signs in, and for each page `wrk --latency` runs $DURATION at $CONNECTIONS
# connections against Onward and then against examples/bench_bare.rs (same database, same pool);
# then the server's peak memory (VmHWM), and `onward jobs run reminder-sweep` twice (first run
# and repeat). Results: one markdown table per run on stdout and key=value lines in $OUT_DIR.
# Environment: BACKENDS (default "sqlite postgres"), DURATION (10s), CONNECTIONS (32),
# THREADS (2), OUT_DIR ($CARGO_TARGET_DIR/bench-http), ONWARD_BENCH_POSTGRES_URL.
set -euo pipefail
cd "$(dirname "$0")/.."

sizes=("$@")
[[ ${#sizes[@]} -gt 0 ]] || sizes=(1000 10000 100000)
backends=${BACKENDS:-sqlite postgres}
duration=${DURATION:-10s}
connections=${CONNECTIONS:-32}
threads=${THREADS:-2}
pg_url=${ONWARD_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
out_dir=${OUT_DIR:-${CARGO_TARGET_DIR:-target}/bench-http}
port=${ONWARD_BENCH_PORT:-18090}
bare_port=$((port + 1))
mkdir -p "$out_dir"

cargo build --release --bin onward --example bench_bare >&2
target=${CARGO_TARGET_DIR:-target}
onward=$target/release/onward
bare=$target/release/examples/bench_bare
password="bench password 2026"
key=$("$onward" keys generate)
work=$(mktemp -d)
lua=$work/request.lua
cat > "$lua" <<'LUA'
wrk.method = os.getenv("WRK_METHOD") or "GET"
local body = os.getenv("WRK_BODY")
if body and body ~= "" then
  wrk.body = body
  wrk.headers["Content-Type"] = "application/x-www-form-urlencoded"
end
local cookie = os.getenv("WRK_COOKIE")
if cookie and cookie ~= "" then wrk.headers["Cookie"] = cookie end
LUA

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

now_ms() { date +%s%3N; }

secs_since() { awk -v t="$1" -v n="$(now_ms)" 'BEGIN { printf "%.2f", (n - t) / 1000 }'; }

# wrk_run URL METHOD BODY COOKIE → "rps p50_ms p99_ms non2xx3xx" from wrk's --latency output
wrk_run() {
    WRK_METHOD=$2 WRK_BODY=$3 WRK_COOKIE=$4 \
        wrk -t "$threads" -c "$connections" -d "$duration" --timeout 10s --latency -s "$lua" "$1" \
        > "$work/wrk.txt" 2>&1 || true
    awk '
        function ms(v) {
            if (v ~ /us$/) return v / 1000; if (v ~ /ms$/) return v + 0;
            if (v ~ /m$/) return v * 60000; if (v ~ /s$/) return v * 1000; return v
        }
        $1 == "50%" { p50 = ms($2) } $1 == "99%" { p99 = ms($2) }
        /^Requests\/sec:/ { rps = $2 } /Non-2xx or 3xx/ { bad = $NF }
        END { printf "%.0f %.2f %.2f %d\n", rps, p50, p99, bad + 0 }' "$work/wrk.txt"
}

wait_ready() {
    local url=$1 pid=$2
    for _ in $(seq 1 6000); do
        curl -sf -o /dev/null "$url" && return 0
        kill -0 "$pid" 2>/dev/null || return 1
        sleep 0.01
    done
    return 1
}

# The first CSRF token of a saved page.
csrf_of() { grep -o 'name="csrf_token" value="[^"]*"' "$1" | sed -n '1s/.*value="//; 1s/"$//p'; }

sql() {
    if [[ $backend == sqlite ]]; then sqlite3 "$db_file" "$1"; else psql "$db_url" -Atc "$1"; fi
}

for backend in $backends; do
    for n in "${sizes[@]}"; do
        run=$backend-$n
        summary=$out_dir/$run.txt
        : > "$summary"
        put() { echo "$1=$2" >> "$summary"; }
        tag=$(head -c 4 /dev/urandom | od -An -tx1 | tr -d ' \n')
        if [[ $backend == sqlite ]]; then
            db_file=$work/onward-$tag.db
            db_url=sqlite://$db_file
        else
            name=onward_http_$tag
            psql "$pg_url" -qc "CREATE DATABASE $name"
            db_url=$(python3 -c "import sys,urllib.parse as u; p=u.urlsplit(sys.argv[1]); print(u.urlunsplit(p._replace(path='/'+sys.argv[2])))" "$pg_url" "$name")
        fi
        export DATABASE_URL=$db_url ONWARD_DATA_KEY=$key ONWARD_JOBS_DISABLED=all \
            ONWARD_CONFIG=/nonexistent RUST_LOG=warn ONWARD_OUTBOX_DIR=$work/outbox
        put backend "$backend"
        put participants "$n"
        put load_before "$(cut -d' ' -f1-3 /proc/loadavg)"

        "$onward" migrate > /dev/null   # only serve and migrate create a database
        t=$(now_ms)
        echo "$password" | "$onward" seed --participants "$n" --milestones 10 --password-stdin \
            > "$work/seed.txt" 2> "$work/seed.err" || { cat "$work/seed.err" >&2; exit 1; }
        put seed_s "$(secs_since "$t")"
        put milestones "$(awk '$1 == "milestones" {print $2}' "$work/seed.txt")"

        ONWARD_BIND=127.0.0.1:$port "$onward" serve > "$work/serve.log" 2>&1 &
        pid=$!
        pids+=("$pid")
        t=$(now_ms)
        wait_ready "http://127.0.0.1:$port/health/ready" "$pid" || { cat "$work/serve.log" >&2; exit 1; }
        put startup_ms "$(( $(now_ms) - t ))"
        "$bare" --bind "127.0.0.1:$bare_port" > "$work/bare.log" 2>&1 &
        bare_pid=$!
        pids+=("$bare_pid")
        wait_ready "http://127.0.0.1:$bare_port/participants/3" "$bare_pid" || { cat "$work/bare.log" >&2; exit 1; }

        # Sign in as the Bishkek coordinator.
        jar=$work/jar-$tag
        curl -s -c "$jar" -b "$jar" -o "$work/page.html" "http://127.0.0.1:$port/login"
        csrf=$(csrf_of "$work/page.html")
        curl -s -o /dev/null -c "$jar" -b "$jar" "http://127.0.0.1:$port/login" \
            --data-urlencode "email=coordinator1@staff.example.org" \
            --data-urlencode "password=$password" --data-urlencode "csrf_token=$csrf" \
            --data-urlencode "next=/"
        cookie=$(awk '!/^#/ || /^#HttpOnly_/ { if (NF >= 7) printf "%s%s=%s", sep, $6, $7; sep="; " }' "$jar")
        # A held session of a Bishkek cohort, and its marks as they stand (re-submitted as is).
        session=$(sql "SELECT min(id) FROM cohort_sessions WHERE status = 'held' AND cohort_id IN (SELECT id FROM cohorts WHERE site_id = 1)")
        curl -s -b "$jar" -o "$work/page.html" "http://127.0.0.1:$port/sessions/$session/register"
        page_csrf=$(csrf_of "$work/page.html")
        marks=$(sql "SELECT participant_id || '|' || mark || '|' || coalesce(late_minutes, 0) FROM attendance WHERE session_id = $session" \
            | awk -F'|' '{ printf "&mark_%s=%s", $1, $2; if ($2 == "late") printf "&late_%s=%s", $1, $3 }')
        participant=$(sql "SELECT min(id) FROM participants WHERE site_id = 1 AND NOT restricted")
        put session "$session"
        put participant "$participant"

        endpoints=(
            "list|GET|/participants|"
            "search|GET|/participants?q=bek|"
            "participant|GET|/participants/$participant|"
            "register|POST|/sessions/$session/register|csrf_token=$page_csrf$marks"
            "home|GET|/|"
        )
        for e in "${endpoints[@]}"; do
            IFS='|' read -r label method path body <<< "$e"
            # A check that the page answers as expected before it is measured.
            code=$(curl -s -o /dev/null -w '%{http_code}' -X "$method" -b "$jar" \
                ${body:+--data "$body"} "http://127.0.0.1:$port$path")
            put "${label}_status" "$code"
            read -r rps p50 p99 bad < <(wrk_run "http://127.0.0.1:$port$path" "$method" "$body" "$cookie")
            put "${label}_rps" "$rps"; put "${label}_p50_ms" "$p50"; put "${label}_p99_ms" "$p99"
            put "${label}_errors" "$bad"
            read -r rps p50 p99 bad < <(wrk_run "http://127.0.0.1:$bare_port$path" "$method" "$body" "")
            put "${label}_bare_rps" "$rps"; put "${label}_bare_p50_ms" "$p50"
            put "${label}_bare_p99_ms" "$p99"; put "${label}_bare_errors" "$bad"
        done
        put vmhwm_mb "$(awk '/^VmHWM/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")"
        put vmrss_mb "$(awk '/^VmRSS/ { printf "%.0f", $2 / 1024 }' "/proc/$pid/status")"
        kill "$pid" "$bare_pid"
        wait "$pid" "$bare_pid" 2>/dev/null || true
        put audit_rows "$(sql 'SELECT count(*) FROM audit_events')"

        for i in 1 2; do
            t=$(now_ms)
            "$onward" jobs run reminder-sweep > "$work/sweep.txt" 2>&1 || cat "$work/sweep.txt" >&2
            put "sweep${i}_s" "$(secs_since "$t")"
            put "sweep${i}_result" "$(tail -1 "$work/sweep.txt" | tr '=' ':')"
        done
        put load_after "$(cut -d' ' -f1-3 /proc/loadavg)"

        if [[ $backend == sqlite ]]; then
            rm -f "$db_file" "$db_file-wal" "$db_file-shm"
        else
            psql "$pg_url" -qc "DROP DATABASE IF EXISTS $name WITH (FORCE)"
        fi

        # The run's table.
        awk -F= '{ v[$1] = $2 } END {
            printf "\n### %s, %d participants (%s milestones)\n\n", v["backend"], v["participants"], v["milestones"]
            printf "seed %.1f s; start-up %d ms; server VmHWM %s MB; reminder sweep %.2f s first, %.2f s repeat; load %s → %s\n\n", v["seed_s"], v["startup_ms"], v["vmhwm_mb"], v["sweep1_s"], v["sweep2_s"], v["load_before"], v["load_after"]
            print "| page | status | Onward req/s | p50 ms | p99 ms | bare req/s | bare p50 | bare p99 | ratio |"
            print "|---|---|---:|---:|---:|---:|---:|---:|---:|"
            split("list search participant register home", pages, " ")
            for (i = 1; i <= 5; i++) {
                p = pages[i]; b = v[p "_bare_rps"] + 0
                printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", p, v[p "_status"], v[p "_rps"], v[p "_p50_ms"], v[p "_p99_ms"], v[p "_bare_rps"], v[p "_bare_p50_ms"], v[p "_bare_p99_ms"], (b > 0 ? sprintf("%.2f", v[p "_rps"] / b) : "-")
            }
        }' "$summary"
    done
done
