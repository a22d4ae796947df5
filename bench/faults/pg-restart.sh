#!/usr/bin/env bash
# PostgreSQL restart: two instances (two ports) on one fresh PostgreSQL database, the demo's
# reminders decided by the sweep (every minute, local morning 00:00) and EMAILS more emails
# (default 200) falling due over the run; requests on both instances throughout; PostgreSQL
# stopped OUTAGE_AT seconds in (default 30) for OUTAGE_SECONDS (default 15) and started again.
# Passes when requests during the outage answer 503 (never 500, never a hang beyond
# MAX_WAIT_S seconds, default 5), both instances answer 200 again without a restart, and every
# email arrives exactly once.
#
# It stops the machine's shared PostgreSQL cluster: the trap starts it again whatever happens.
#
#   bench/faults/pg-restart.sh
SCENARIO=pg-restart
source "$(dirname "$0")/lib.sh"

EMAILS=${EMAILS:-200}
RUN_SECONDS=${RUN_SECONDS:-90}
OUTAGE_AT=${OUTAGE_AT:-30}
OUTAGE_SECONDS=${OUTAGE_SECONDS:-15}
MAX_WAIT_S=${MAX_WAIT_S:-5}
CLUSTER_VERSION=$(ls /etc/postgresql)

pg_start() { pg_ctlcluster --skip-systemctl-redirect "$CLUSTER_VERSION" main start; }
pg_stop() { pg_ctlcluster --skip-systemctl-redirect "$CLUSTER_VERSION" main stop; }

build
pg_database
url=$PG_URL
# Registered after the database's drop, so it runs before it: PostgreSQL is always started again.
cleanup "pg_ctlcluster --skip-systemctl-redirect $CLUSTER_VERSION main status || pg_ctlcluster --skip-systemctl-redirect $CLUSTER_VERSION main start"
base_env "$url"
export ONWARD_JOBS_DISABLED=daily-digest,absence-alerts,handovers,retention
export ONWARD_CRON_REMINDER_SWEEP='0 * * * * *'
export ONWARD_CRON_OUTBOX_DELIVERY='*/5 * * * * *'
sink_port=$(free_port)
export ONWARD_SMTP_URL=smtp://127.0.0.1:$sink_port
received=$WORK/received.txt
start_sink "$sink_port" "$received" "${SINK_DELAY:-0.05}"

port_a=$(free_port)
port_b=$(free_port)
start_instance a "$port_a" --demo
start_instance b "$port_b"
demo_coordinator a "$port_a"
queue_emails "$EMAILS" "$RUN_SECONDS"

log "requests on both instances for ${RUN_SECONDS}s; PostgreSQL stops at ${OUTAGE_AT}s for ${OUTAGE_SECONDS}s"
python3 "$FAULTS_DIR/probe.py" --base "http://127.0.0.1:$port_a" --base "http://127.0.0.1:$port_b" \
    --cookie "$cookie" --token "$token" --duration "$RUN_SECONDS" --workers 8 \
    --out "$WORK/requests.csv" &
probe=$!
cleanup "kill $probe"
sleep "$OUTAGE_AT"
stop_at=$(date +%s.%N)
log "stopping PostgreSQL"
pg_stop
sleep "$OUTAGE_SECONDS"
start_at=$(date +%s.%N)
pg_start
up_at=$(date +%s.%N)
log "PostgreSQL started again"
wait "$probe"

# Requests that began while the database was down (from the stop command until the start
# command) against those from 5 s after it was back.
read -r during during_503 during_5xx_other slowest_during after after_bad slowest errors_socket < <(
    awk -F, -v s="$stop_at" -v b="$start_at" -v u="$up_at" '
        { late = ($1 >= u + 5) }
        $1 >= s && $1 < b { d++; if ($4 == 503) d503++; else if ($4 >= 500) dother++; if ($5 > sd) sd = $5 }
        late { a++; if ($4 < 200 || $4 >= 400) abad++ }
        $4 == 0 { sock++ }
        $5 > slow { slow = $5 }
        END { printf "%d %d %d %.3f %d %d %.3f %d\n", d, d503, dother, sd, a, abad, slow, sock }
    ' "$WORK/requests.csv")
total=$(wc -l <"$WORK/requests.csv")
codes=$(cut -d, -f4 "$WORK/requests.csv" | sort | uniq -c | awk '{ printf "%s:%s ", $2, $1 }')
log "requests: $total ($codes); during the outage $during ($during_503 answered 503, slowest ${slowest_during}s); after it $after ($after_bad not 2xx/3xx); slowest ${slowest}s"
ready_a=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port_a/health/ready")
ready_b=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port_b/health/ready")

log "waiting for every email (a lease held when the database went away runs out after 120 s)"
wait_delivered "$received" "${WAIT_LIMIT:-300}" || true
count_mail "$received"
reminders=$(sql "SELECT count(*) FROM notifications WHERE kind <> 'alert' AND status IN ('pending','sent','failed')")
log "outbox: $(outbox_states); $reminders of the emails are reminders decided by the sweep"

errors=0
grep -h ' panicked' "$WORK"/*.log >&2 && errors=$((errors + 1))
((UNKNOWN == 0)) || errors=$((errors + 1))
((errors_socket == 0)) || errors=$((errors + errors_socket))
((during_5xx_other == 0)) || errors=$((errors + during_5xx_other))
((after_bad == 0)) || errors=$((errors + after_bad))
status=ok
awk -v a="$slowest" -v m="$MAX_WAIT_S" 'BEGIN { exit !(a <= m) }' || status=failed
[[ $ready_a == 200 && $ready_b == 200 ]] || status=failed
((during > 0 && during_503 > 0 && reminders > 0)) || status=failed
((LOST == 0 && DUPLICATED == 0 && errors == 0)) || status=failed
echo "RESULT scenario=pg-restart requests=$total during_outage=$during answered_503=$during_503 other_5xx=$during_5xx_other slowest_s=$slowest after_not_ok=$after_bad ready=$ready_a,$ready_b reminders=$reminders sent=$SENT received=$RECEIVED lost=$LOST duplicated=$DUPLICATED errors=$errors status=$status"
[[ $status == ok ]]
