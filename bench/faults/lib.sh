# Shared helpers for the fault scripts in bench/faults/ (sourced, not run).
#
# Each scenario gets its own work folder ($WORK), its own ports, its own SQLite file or its own
# PostgreSQL database (created here, dropped on exit), and ends with one line
#   RESULT scenario=... sent=N received=N lost=N duplicated=N errors=N
# and exit status 0 only when the scenario held.
set -euo pipefail

FAULTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$FAULTS_DIR/../.." && pwd)
TARGET=${CARGO_TARGET_DIR:-$ROOT/target}
BIN=$TARGET/release/onward
PG_ADMIN_URL=${ONWARD_FAULTS_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable}
VENV=${ONWARD_FAULTS_VENV:-/tmp/onward-faults-venv}
WORK=$(mktemp -d "/tmp/onward-faults-${SCENARIO:-x}.XXXXXX")
PASSWORD='Faults-Pa55word-Long'

CLEANUPS=()
on_exit() {
    local status=$?
    local i
    for ((i = ${#CLEANUPS[@]} - 1; i >= 0; i--)); do
        eval "${CLEANUPS[$i]}" >/dev/null 2>&1 || true
    done
    if [[ -z ${KEEP_WORK:-} ]]; then rm -rf "$WORK"; else echo "work folder kept: $WORK"; fi
    exit "$status"
}
trap on_exit EXIT
trap 'exit 130' INT TERM
cleanup() { CLEANUPS+=("$1"); }

log() { echo "[$(date -u +%H:%M:%S)] $*" >&2; }

build() {
    [[ -n ${NO_BUILD:-} && -x $BIN ]] && return
    log "building the release binary"
    (cd "$ROOT" && cargo build --release --quiet --bin onward)
}

# A TCP port nobody listens on now.
free_port() {
    python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# The sink needs aiosmtpd, pinned; installed once into a venv of its own.
sink_python() {
    if [[ ! -x $VENV/bin/python ]] || ! "$VENV/bin/python" -c 'import aiosmtpd' 2>/dev/null; then
        python3 -m venv "$VENV" >&2
        "$VENV/bin/pip" install --quiet 'aiosmtpd==1.4.6' >&2
    fi
    echo "$VENV/bin/python"
}

# start_sink PORT LOGFILE [DELAY]: sets SINK_PID.
start_sink() {
    local port=$1 file=$2 delay=${3:-0} py
    py=$(sink_python)
    touch "$file"
    "$py" "$FAULTS_DIR/smtp_sink.py" --port "$port" --log "$file" --delay "$delay" \
        >>"$WORK/sink.log" 2>&1 &
    SINK_PID=$!
    cleanup "kill $SINK_PID"
    local i
    for i in $(seq 1 100); do
        if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then return; fi
        sleep 0.1
    done
    echo "the SMTP sink did not start" >&2
    cat "$WORK/sink.log" >&2
    return 1
}

stop_sink() {
    kill "$SINK_PID" 2>/dev/null || true
    wait "$SINK_PID" 2>/dev/null || true
}

# A fresh PostgreSQL database, dropped on exit; sets PG_URL. (Not called in $(...): the clean-up
# must be registered in this shell.)
pg_database() {
    local name
    name="onward_faults_${SCENARIO//-/_}_$(date +%s)_$RANDOM"
    psql "$PG_ADMIN_URL" -qAt -c "CREATE DATABASE $name" >/dev/null
    cleanup "psql '$PG_ADMIN_URL' -qAt -c 'DROP DATABASE IF EXISTS $name WITH (FORCE)'"
    PG_URL="${PG_ADMIN_URL%%/postgres\?*}/$name?sslmode=disable"
}

# Environment every instance and CLI command of a scenario shares; callers add their own.
base_env() {
    export DATABASE_URL=$1
    export ONWARD_DATA_KEY=${ONWARD_DATA_KEY:-$("$BIN" keys generate)}
    export ONWARD_LOCAL_MORNING=00:00
    export ONWARD_MAIL_FROM='Onward <onward@faults.test>'
    export ONWARD_OUTBOX_DIR=$WORK/outbox
    export RUST_LOG=${RUST_LOG:-warn,onward=info}
    # Nothing runs on a schedule unless a scenario asks for it.
    export ONWARD_JOBS_DISABLED=${ONWARD_JOBS_DISABLED:-all}
}

# start_instance NAME PORT [extra args to serve]: sets PID_<NAME>; log in $WORK/NAME.log.
start_instance() {
    local name=$1 port=$2
    shift 2
    ONWARD_BIND=127.0.0.1:$port ONWARD_INSTANCE=$name "$BIN" serve "$@" >>"$WORK/$name.log" 2>&1 &
    local pid=$!
    printf -v "PID_$name" '%s' "$pid"
    cleanup "kill $pid"
    wait_ready "$port" 60 || { tail -20 "$WORK/$name.log" >&2; return 1; }
}

wait_ready() {
    local port=$1 limit=${2:-30} i
    for ((i = 0; i < limit * 10; i++)); do
        if curl -fs -o /dev/null --max-time 2 "http://127.0.0.1:$port/health/ready"; then return 0; fi
        sleep 0.1
    done
    echo "instance on port $port not ready after ${limit}s" >&2
    return 1
}

# add_people: a site, a coordinator (coordinator@faults.test) and an admin, by the CLI.
add_people() {
    "$BIN" site add --code FLT --name 'Faults Prison' --time-zone UTC >/dev/null
    echo "$PASSWORD" | "$BIN" user add --email coordinator@faults.test --role coordinator \
        --site FLT --name 'Faults Coordinator' --password-stdin >/dev/null
    echo "$PASSWORD" | "$BIN" user add --email admin@faults.test --role admin \
        --name 'Faults Admin' --password-stdin >/dev/null
}

# login PORT EMAIL: prints the `Cookie:` header value of a signed-in session.
login() {
    local port=$1 email=$2 jar="$WORK/jar.$RANDOM" csrf
    csrf=$(curl -fs -c "$jar" "http://127.0.0.1:$port/login" |
        sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p')
    curl -fs -o /dev/null -b "$jar" -c "$jar" "http://127.0.0.1:$port/login" \
        --data-urlencode "email=$email" --data-urlencode "password=$PASSWORD" \
        --data-urlencode "csrf_token=$csrf" --data-urlencode "next=/"
    awk '$6 == "onward_session" { print "onward_session=" $7 }' "$jar"
}

# demo_coordinator NAME PORT: the demo printed its logins once into NAME's log; sign in as its
# coordinator. Sets coord_email, cookie (a session's Cookie value) and token (an API token).
demo_coordinator() {
    local name=$1 port=$2 coord_password
    read -r coord_email coord_password < <(awk '$1 == "coordinator" { print $2, $3; exit }' "$WORK/$name.log")
    PASSWORD=$coord_password
    cookie=$(login "$port" "$coord_email")
    [[ -n $cookie ]] || { echo "could not sign in as $coord_email" >&2; return 1; }
    token=$("$BIN" token create --email "$coord_email")
}

# sql "STATEMENT": run against $DATABASE_URL (sqlite3 or psql), unaligned output.
sql() {
    case $DATABASE_URL in
        sqlite:*) sqlite3 -batch "${DATABASE_URL#sqlite://}" "$1" ;;
        *) psql "$DATABASE_URL" -qAt -v ON_ERROR_STOP=1 -c "$1" ;;
    esac
}

# queue_emails N [SPREAD_SECONDS]: N pending emails to the coordinator, due from now over SPREAD
# seconds, each with its own Message-ID (as enqueue would write them).
queue_emails() {
    local n=$1 spread=${2:-0} now_expr series
    case $DATABASE_URL in
        sqlite:*)
            sqlite3 -batch "${DATABASE_URL#sqlite://}" "
                WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < $n)
                INSERT INTO notifications (dedupe_key, kind, mandatory, to_address, language,
                    subject, body_text, body_html, message_id, status, attempts,
                    next_attempt_at, created_at)
                SELECT 'faults|' || i || '|' || hex(randomblob(4)), 'alert', 1,
                    'coordinator@faults.test', 'en', 'Fault test ' || i, 'Body ' || i,
                    '<p>Body ' || i || '</p>',
                    '<onward.faults.' || lower(hex(randomblob(12))) || '@faults.test>',
                    'pending', 0,
                    strftime('%Y-%m-%d %H:%M:%f', 'now', '+' || (i * $spread / $n) || ' seconds'),
                    strftime('%Y-%m-%d %H:%M:%f', 'now')
                FROM s;"
            ;;
        *)
            psql "$DATABASE_URL" -qAt -v ON_ERROR_STOP=1 -c "
                INSERT INTO notifications (dedupe_key, kind, mandatory, to_address, language,
                    subject, body_text, body_html, message_id, status, attempts,
                    next_attempt_at, created_at)
                SELECT 'faults|' || i || '|' || md5(random()::text), 'alert', true,
                    'coordinator@faults.test', 'en', 'Fault test ' || i, 'Body ' || i,
                    '<p>Body ' || i || '</p>',
                    '<onward.faults.' || md5(random()::text) || '@faults.test>',
                    'pending', 0,
                    (now() at time zone 'utc') + make_interval(secs => i * $spread / $n),
                    now() at time zone 'utc'
                FROM generate_series(1, $n) AS i" >/dev/null
            ;;
    esac
}

# The Message-IDs Onward owes (every email not cancelled and not folded into a digest).
expected_ids() {
    sql "SELECT message_id FROM notifications WHERE status IN ('pending','sent','failed') ORDER BY 1"
}

# count_mail RECEIVED_FILE: compares what Onward owes with what the sink recorded and sets
# SENT RECEIVED LOST DUPLICATED (lost and duplicated by Message-ID, not by count).
count_mail() {
    local file=$1
    expected_ids | sort -u >"$WORK/expected.ids"
    sort "$file" >"$WORK/received.sorted"
    sort -u "$file" >"$WORK/received.ids"
    SENT=$(wc -l <"$WORK/expected.ids")
    RECEIVED=$(wc -l <"$WORK/received.sorted")
    LOST=$(comm -23 "$WORK/expected.ids" "$WORK/received.ids" | wc -l)
    DUPLICATED=$((RECEIVED - $(wc -l <"$WORK/received.ids")))
    UNKNOWN=$(comm -13 "$WORK/expected.ids" "$WORK/received.ids" | wc -l)
}

# wait_delivered FILE LIMIT_SECONDS: until every owed email is in the sink's log and none is
# still pending (a row leased by a killed run is sent again only when its lease ran out), or the
# limit.
wait_delivered() {
    local file=$1 limit=$2 start=$SECONDS
    while ((SECONDS - start < limit)); do
        count_mail "$file"
        if ((LOST == 0)) && [[ $(sql "SELECT count(*) FROM notifications WHERE status = 'pending'" 2>/dev/null) == 0 ]]; then
            return 0
        fi
        sleep 2
    done
    return 1
}

outbox_states() {
    sql "SELECT status || '=' || count(*) FROM notifications GROUP BY status ORDER BY status" | paste -sd' '
}
