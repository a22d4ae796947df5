#!/usr/bin/env bash
# Benchmark of the reminder sweep and email delivery (issue 4) on SQLite and on PostgreSQL.
#
#   bench/reminders.sh [PARTICIPANTS] [MILESTONES]      (defaults: 100000 10)
#
# Builds examples/bench_reminders.rs in release mode once, runs it on a new SQLite file and on a
# new database of the PostgreSQL server at $ONWARD_BENCH_POSTGRES_URL (default
# postgres://postgres@127.0.0.1:5432/postgres; the benchmark creates `onward_bench_<random>`
# there and drops it at the end), prints each run's tables, then one table comparing the two.
# Extra options for the example (e.g. --max-emails 5000 --repeats 7) go in $ONWARD_BENCH_ARGS.
set -euo pipefail
cd "$(dirname "$0")/.."

participants=${1:-100000}
milestones=${2:-10}
pg_url=${ONWARD_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/postgres}
read -r -a extra <<< "${ONWARD_BENCH_ARGS:-}"

cargo build --release --example bench_reminders
bin=${CARGO_TARGET_DIR:-target}/release/examples/bench_reminders

out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

echo "## Reminder benchmark: $participants participants x $milestones milestones"
echo
echo "- date: $(date -u +%Y-%m-%dT%H:%MZ)"
echo "- machine: $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/^Mem:/ {print $2}') GiB RAM"
echo "- commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- src migrations templates 2>/dev/null || echo ' (with uncommitted changes)')"
echo "- PostgreSQL: $(psql "$pg_url" -Atc 'show server_version' 2>/dev/null || echo 'unknown')"

status=0
"$bin" --database-url "sqlite://$out/ignored.db" --participants "$participants" \
    --milestones "$milestones" --summary "$out/sqlite.txt" "${extra[@]}" || status=1
"$bin" --database-url "$pg_url" --participants "$participants" \
    --milestones "$milestones" --summary "$out/postgres.txt" "${extra[@]}" || status=1

if [[ -s $out/sqlite.txt && -s $out/postgres.txt ]]; then
    echo
    echo "### SQLite and PostgreSQL side by side (ratio: PostgreSQL / SQLite)"
    echo
    echo "| measure | SQLite | PostgreSQL | ratio |"
    echo "|---|---:|---:|---:|"
    awk -F= '
        FNR == NR { sqlite[$1] = $2; next }
        { pg[$1] = $2 }
        END {
            n = split("load_s first_sweep_s first_sweep_items first_sweep_queued repeat_sweep_median_s " \
                      "delivery_plain_emails_per_s smtp_only_plain_emails_per_s " \
                      "delivery_quickack_emails_per_s smtp_only_quickack_emails_per_s " \
                      "part_milestone_items_s part_sharing_bases_s part_decided_keys_s " \
                      "part_render_us_per_email part_enqueue_us_per_row part_email_bytes " \
                      "peak_rss_mb database_size_mb", keys, " ")
            for (i = 1; i <= n; i++) {
                k = keys[i]
                ratio = (sqlite[k] + 0 > 0) ? sprintf("%.2f", pg[k] / sqlite[k]) : "-"
                printf "| %s | %s | %s | %s |\n", k, sqlite[k], pg[k], ratio
            }
        }' "$out/sqlite.txt" "$out/postgres.txt"
fi
exit $status
