#!/usr/bin/env bash
# A SQLite database that cannot store changes, while the instance runs: the database lives on a
# small ext4 file system of its own (a loop mount, DISK_MB, default 32), and each fault of FAULTS
# (default "full readonly") is put on and taken off again:
#   full      the file system filled to the last block (the WAL truncated first, so every write
#             needs new space);
#   readonly  the database and its WAL made immutable (chattr +i): the kernel refuses every write,
#             also through files the instance already holds open (a read-only remount refuses
#             while files are open for writing, so it cannot be done under a running instance).
# Passes when, under each fault, writes (API and form) answer 503 saying nothing was saved (never
# a raw SQL error), reads answer 200 (reads of personal data, which are audited, answer the same
# 503: nothing is shown that could not be recorded), nothing half-written remains (`onward audit verify`,
# `PRAGMA integrity_check`, counts match the writes that succeeded), and once the fault is gone
# writes work again without a restart. Needs root (mount, chattr).
#
#   bench/faults/sqlite-readonly.sh          FAULTS=full bench/faults/sqlite-readonly.sh
SCENARIO=sqlite-readonly
source "$(dirname "$0")/lib.sh"

FAULTS=${FAULTS:-full readonly}
DISK_MB=${DISK_MB:-32}
WRITES=${WRITES:-5}

build
disk=$WORK/disk
mkdir -p "$disk"
truncate -s "${DISK_MB}M" "$WORK/disk.img"
mkfs.ext4 -q -F "$WORK/disk.img"
mount -o loop "$WORK/disk.img" "$disk"
cleanup "umount -l '$disk'"
db=$disk/onward.db
cleanup "chattr -i '$db' '$db-wal' '$db-shm'; rm -f '$disk/filler'"
base_env "sqlite://$db"
port=$(free_port)
start_instance web "$port" --demo
base="http://127.0.0.1:$port"
demo_coordinator web "$port"
site_id=$(sql "SELECT site_id FROM users WHERE email = '$coord_email'")

# What the 503 says, in English or (the demo coordinator's language) Russian.
NOT_SAVED='could not be saved|не удалось сохранить'
n=0
errors=0
created=0
fail() { echo "FAIL: $*" >&2; errors=$((errors + 1)); }
# api_write N: create participant N through the API; prints the status, body in $WORK/body.
# (Called in $(...), a subshell: the caller counts N.)
api_write() {
    local n=$1
    curl -s -o "$WORK/body" -D "$WORK/headers" -w '%{http_code}' --max-time 30 \
        -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
        -d "{\"case_reference\":\"FLT-2026-$((100000 + n))\",\"given_name\":\"Fault\",\"family_name\":\"Test$n\",\"date_of_birth\":\"1990-04-12\",\"site_id\":$site_id,\"status\":\"in_custody\",\"sentence_start\":\"2022-01-10\",\"earliest_release_date\":\"2027-03-01\"}" \
        "$base/api/v1/participants"
}
# form_write N: the same through the page's form, with the session's CSRF token.
form_write() {
    local n=$1 csrf
    csrf=$(curl -s -H "Cookie: $cookie" "$base/participants/new" |
        sed -n 's/.*name="csrf_token" value="\([^"]*\)".*/\1/p' | head -1)
    curl -s -o "$WORK/body" -w '%{http_code}' --max-time 30 -H "Cookie: $cookie" \
        --data-urlencode "csrf_token=$csrf" --data-urlencode "case_reference=FLT-2026-$((100000 + n))" \
        --data-urlencode "given_name=Fault" --data-urlencode "family_name=Form$n" \
        --data-urlencode "date_of_birth=1990-04-12" --data-urlencode "site_id=$site_id" \
        --data-urlencode "status=in_custody" "$base/participants"
}
# Writes that worked must be kept; count them.
expect_saved() {
    local what=$1 code=$2
    if [[ $code == 201 || $code == 303 ]]; then created=$((created + 1)); else fail "$what answered $code: $(head -c 300 "$WORK/body")"; fi
}
# Writes under a fault: 503, saying it was not saved, with no internal error text.
expect_refused() {
    local what=$1 code=$2 started=$3
    local took=$((SECONDS - started))
    [[ $code == 503 ]] || fail "$what answered $code under the fault (wanted 503): $(head -c 300 "$WORK/body")"
    grep -qiE "$NOT_SAVED" "$WORK/body" || fail "$what did not say the data could not be saved"
    if grep -qiE 'sqlite|diesel|disk i/o|readonly database|database or disk is full|insert into|syntax' "$WORK/body"; then
        fail "$what leaked an internal error: $(head -c 300 "$WORK/body")"
    fi
    ((took <= 5)) || fail "$what took ${took}s"
}
# Reads that need no writing answer 200. Reads of personal data are audited (the coordinator's
# home, the participant list and search, participant pages): with no audit record they must not
# be shown, so under a fault they answer the same 503 (checked when AUDITED_READS_REFUSED=1).
expect_reads() {
    local p code
    for p in /cohorts /programmes; do
        code=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: $cookie" "$base$p")
        [[ $code == 200 ]] || fail "page $p answered $code"
    done
    code=$(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $token" "$base/api/v1/cohorts")
    [[ $code == 200 ]] || fail "API read of cohorts answered $code"
    for p in / /participants; do
        code=$(curl -s -o "$WORK/body" -w '%{http_code}' -H "Cookie: $cookie" "$base$p")
        if [[ -n ${AUDITED_READS_REFUSED:-} ]]; then
            [[ $code == 503 ]] && grep -qiE "$NOT_SAVED" "$WORK/body" ||
                fail "the audited page $p answered $code under the fault"
        else
            [[ $code == 200 ]] || fail "page $p answered $code"
        fi
    done
}
consistent() {
    local phase=$1 audit_ok participants integrity
    audit_ok=$("$BIN" audit verify >/dev/null 2>&1 && echo yes || echo no)
    [[ $audit_ok == yes ]] || fail "audit verify failed after $phase"
    integrity=$(sql "PRAGMA integrity_check")
    [[ $integrity == ok ]] || fail "integrity_check after $phase: $integrity"
    participants=$(sql "SELECT count(*) FROM participants WHERE case_reference LIKE 'FLT-2026-%'")
    audited=$(sql "SELECT count(*) FROM audit_events WHERE action = 'participant.create' AND entity_id IN (SELECT CAST(id AS TEXT) FROM participants WHERE case_reference LIKE 'FLT-2026-%')")
    ((participants == created)) || fail "after $phase: $participants test participants stored, $created writes succeeded"
    ((audited == created)) || fail "after $phase: $audited creations audited, $created writes succeeded"
    log "after $phase: audit chain intact=$audit_ok, integrity=$integrity, participants written=$participants (succeeded $created), audited=$audited"
}

n=$((n + 1)); expect_saved "API write before any fault" "$(api_write $n)"
n=$((n + 1)); expect_saved "form write before any fault" "$(form_write $n)"
consistent "the writes before any fault"

summary=""
for fault in $FAULTS; do
    sqlite3 "$db" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
    case $fault in
        full) dd if=/dev/zero of="$disk/filler" bs=64k status=none 2>/dev/null || true; sync ;;
        readonly) chattr +i "$db" "$db-wal" ;;
        *) echo "unknown fault $fault" >&2; exit 2 ;;
    esac
    log "fault on: $fault ($(df -h --output=avail "$disk" | tail -1 | xargs) free)"
    before=$errors
    for ((i = 0; i < WRITES; i++)); do
        n=$((n + 1)); t=$SECONDS; code=$(api_write $n); expect_refused "API write ($fault)" "$code" "$t"
        [[ $code == 201 ]] && created=$((created + 1))
        n=$((n + 1)); t=$SECONDS; code=$(form_write $n); expect_refused "form write ($fault)" "$code" "$t"
        [[ $code == 303 ]] && created=$((created + 1))
    done
    AUDITED_READS_REFUSED=1 expect_reads
    ready=$(curl -s -o /dev/null -w '%{http_code}' "$base/health/ready")
    case $fault in
        full) rm -f "$disk/filler" ;;
        readonly) chattr -i "$db" "$db-wal" ;;
    esac
    log "fault off: $fault"
    n=$((n + 1)); expect_saved "API write after $fault" "$(api_write $n)"
    n=$((n + 1)); expect_saved "form write after $fault" "$(form_write $n)"
    expect_reads
    consistent "$fault"
    summary+=" $fault=$([[ $errors == "$before" ]] && echo ok || echo failed) ready_during_$fault=$ready"
done

grep -h ' panicked' "$WORK"/*.log >&2 && errors=$((errors + 1))
status=ok
((errors == 0)) || status=failed
echo "RESULT scenario=sqlite-readonly$summary writes_refused=$((${#FAULTS} > 0 ? WRITES * 2 : 0))x$(wc -w <<<"$FAULTS") writes_kept=$created sent=0 received=0 lost=0 duplicated=0 errors=$errors status=$status"
[[ $status == ok ]]
