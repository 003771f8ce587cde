#!/usr/bin/env bash
# Peak resident memory of `budgie count --offline FILE` (/usr/bin/time -v) on requests of
# about 1, 7 and 32 MB, against the target of twice the file plus 30 MB.
#
# The requests are built by scripts/build_count_requests.py from ctok 1.3.0's UDHR and
# Rosetta Code texts (fetched by scripts/fetch-test-data.sh into .cache/): `mixed-*` hold a
# text block per document, `single-*` the same texts in one text block; the 32 MB ones are
# just under the API's request limit (32 MiB).
#
# Usage: scripts/count-memory.sh   (exits 1 when a request is over the target)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-test-data.sh
cache="${BUDGIE_TEST_DATA:-$PWD/.cache}"
model=claude-sonnet-4-6
requests="$cache/count-requests/$model"
python3 scripts/build_count_requests.py "$cache/ctok-1.3.0/tests/fixtures" "$requests" "$model" >/dev/null
[ -x /usr/bin/time ] || { echo "/usr/bin/time is not installed (apt-get install time)" >&2; exit 2; }
cargo build --quiet --release --bin budgie
budgie="$PWD/target/release/budgie"

echo "peak resident memory, budgie count --offline FILE (/usr/bin/time -v)"
over=0
for corpus in mixed-1mb mixed-7mb single-7mb mixed-32mb single-32mb; do
    file="$requests/$corpus.json"
    kb=$(/usr/bin/time -v "$budgie" count --offline "$file" 2>&1 >/dev/null |
        awk '/Maximum resident set size/ { print $NF }')
    bytes=$(stat -c %s "$file")
    if ! awk -v c="$corpus" -v b="$bytes" -v kb="$kb" 'BEGIN {
        peak = kb * 1024; target = 2 * b + 30 * 1048576
        printf "%-12s %6.2f MB request: %6.1f MB peak (%.1fx the file; target %.1f MB) %s\n",
            c, b / 1048576, peak / 1048576, peak / b, target / 1048576, peak <= target ? "ok" : "OVER"
        exit peak <= target ? 0 : 1
    }'; then
        over=1
    fi
done
exit "$over"
