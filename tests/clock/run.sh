#!/usr/bin/env bash
# The suite does not depend on today's date: run the unit and API tests (SQLite) with the clock
# moved a year ahead by libfaketime (Debian's `faketime`). Tests derive their dates from the clock
# or pass it in; a test that hard-codes "the future" fails here first.
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v faketime >/dev/null || { echo "faketime is missing (apt-get install faketime)"; exit 1; }
# The test binaries as cargo builds them (the run itself must not be under faketime: cargo
# compares file times).
mapfile -t binaries < <(cargo test --no-run --message-format=json 2>/dev/null | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and m.get("executable") and m["target"]["name"] in ("onward", "api") and m["profile"]["test"]:
        print(m["executable"])
')
[ ${#binaries[@]} -ge 2 ] || { echo "expected the unit and API test binaries, found: ${binaries[*]:-none}"; exit 1; }
for binary in "${binaries[@]}"; do
  echo "faketime +365d: $binary"
  faketime -f '+365d' "$binary" -q
done
