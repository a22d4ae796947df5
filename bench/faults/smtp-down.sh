#!/usr/bin/env bash
# SMTP down: the SMTP server is down for DOWN_SECONDS (default 600) while the demo's reminders are
# decided (sweep every minute, local morning 00:00) and EMAILS more emails (default 100) fall due
# over the outage; then it comes up. Passes when every email is delivered afterwards, once, and
# none was given up as failed. Retries back off (30 s doubling, at most an hour, 8 attempts), so the
# last retry after an outage of D seconds comes at most about D seconds after the server is back.
#
#   bench/faults/smtp-down.sh        DOWN_SECONDS=60 BACKEND=postgres bench/faults/smtp-down.sh
SCENARIO=smtp-down
source "$(dirname "$0")/lib.sh"

DOWN_SECONDS=${DOWN_SECONDS:-600}
EMAILS=${EMAILS:-100}
BACKEND=${BACKEND:-sqlite}

build
if [[ $BACKEND == postgres ]]; then pg_database; url=$PG_URL; else url="sqlite://$WORK/onward.db"; fi
base_env "$url"
export ONWARD_JOBS_DISABLED=daily-digest,absence-alerts,handovers,retention
export ONWARD_CRON_REMINDER_SWEEP='0 * * * * *'
export ONWARD_CRON_OUTBOX_DELIVERY='*/5 * * * * *'
sink_port=$(free_port)
export ONWARD_SMTP_URL=smtp://127.0.0.1:$sink_port
received=$WORK/received.txt
touch "$received"

port=$(free_port)
start_instance web "$port" --demo
add_people
queue_emails "$EMAILS" "$DOWN_SECONDS"
down_started=$SECONDS
log "SMTP down for ${DOWN_SECONDS}s (nothing listens on port $sink_port)"
while ((SECONDS - down_started < DOWN_SECONDS)); do
    sleep 30
    log "outbox: $(outbox_states)"
done
tried=$(sql "SELECT count(*) FROM notifications WHERE attempts > 0")
max_attempts=$(sql "SELECT max(attempts) FROM notifications")
start_sink "$sink_port" "$received"
up_at=$SECONDS
log "SMTP up; $tried emails had failed at least once (up to $max_attempts attempts)"
wait_delivered "$received" "${WAIT_LIMIT:-$((DOWN_SECONDS + 300))}" || true
count_mail "$received"
failed=$(sql "SELECT count(*) FROM notifications WHERE status = 'failed'")
log "outbox: $(outbox_states); all delivered $((SECONDS - up_at)) s after SMTP came back"

errors=0
grep -h ' panicked' "$WORK"/*.log >&2 && errors=$((errors + 1))
((UNKNOWN == 0)) || errors=$((errors + 1))
status=ok
((LOST == 0 && DUPLICATED == 0 && failed == 0 && errors == 0 && tried > 0)) || status=failed
echo "RESULT scenario=smtp-down backend=$BACKEND down_s=$DOWN_SECONDS retried=$tried max_attempts=$max_attempts given_up=$failed catch_up_s=$((SECONDS - up_at)) sent=$SENT received=$RECEIVED lost=$LOST duplicated=$DUPLICATED errors=$errors status=$status"
[[ $status == ok ]]
