#!/usr/bin/env bash
# SIGKILL during delivery: EMAILS emails queued (default 400), a slow SMTP sink (SINK_DELAY seconds
# per message, default 0.2), the instance killed with kill -9 KILLS times (default 3) while it
# delivers, and started again each time. Passes when every email arrived, none twice.
#
# SMTP cannot be exactly-once: an instance killed after the sink's 250 and before it notes the
# email sent will send it again after its lease (120 s) runs out. The script counts those
# doubles; with ALLOW_DUPLICATES=1 they are reported but do not fail the run.
#
#   bench/faults/sigkill-delivery.sh       BACKEND=postgres EMAILS=400 KILLS=5 bench/faults/sigkill-delivery.sh
SCENARIO=sigkill-delivery
source "$(dirname "$0")/lib.sh"

EMAILS=${EMAILS:-400}
KILLS=${KILLS:-3}
SINK_DELAY=${SINK_DELAY:-0.2}
BACKEND=${BACKEND:-sqlite}

build
if [[ $BACKEND == postgres ]]; then pg_database; url=$PG_URL; else url="sqlite://$WORK/onward.db"; fi
base_env "$url"
export ONWARD_JOBS_DISABLED=reminder-sweep,daily-digest,absence-alerts,handovers,retention
export ONWARD_CRON_OUTBOX_DELIVERY='*/2 * * * * *'
sink_port=$(free_port)
export ONWARD_SMTP_URL=smtp://127.0.0.1:$sink_port
received=$WORK/received.txt

"$BIN" migrate >/dev/null
add_people
queue_emails "$EMAILS" 0
start_sink "$sink_port" "$received" "$SINK_DELAY"

port=$(free_port)
errors=0
for ((k = 1; k <= KILLS; k++)); do
    start_instance "web$k" "$port"
    pid_var="PID_web$k"
    # Kill at evenly spaced points of the delivery: after k/(KILLS+1) of the emails arrived.
    target=$((EMAILS * k / (KILLS + 1)))
    while (($(wc -l <"$received") < target)); do
        kill -0 "${!pid_var}" 2>/dev/null || { echo "instance died on its own" >&2; errors=$((errors + 1)); break; }
        sleep 0.05
    done
    log "kill -9 after $(wc -l <"$received") of $EMAILS received ($(outbox_states))"
    kill -9 "${!pid_var}"
    wait "${!pid_var}" 2>/dev/null || true
done
start_instance final "$port"
log "started again; waiting for the rest (leases of killed runs expire after 120 s)"
started=$SECONDS
wait_delivered "$received" "${WAIT_LIMIT:-400}" || true
# Anything sent twice after the last line arrives too: give the queue a few more runs.
sleep 6
count_mail "$received"
log "outbox: $(outbox_states); last delivery $((SECONDS - started)) s after the restart"

grep -h ' panicked' "$WORK"/*.log >&2 && errors=$((errors + 1))
((UNKNOWN == 0)) || errors=$((errors + 1))
status=ok
((LOST == 0 && errors == 0)) || status=failed
((DUPLICATED == 0)) || [[ -n ${ALLOW_DUPLICATES:-} ]] || status=failed
echo "RESULT scenario=sigkill-delivery backend=$BACKEND kills=$KILLS sent=$SENT received=$RECEIVED lost=$LOST duplicated=$DUPLICATED errors=$errors status=$status"
[[ $status == ok ]]
