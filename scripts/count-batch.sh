#!/usr/bin/env bash
# Batch speed-up of `budgie count --offline` over many files: the same 200 requests counted
# on every core and on one (`taskset -c 0`, which leaves budgie one core to count on), best of
# RUNS runs each by the wall clock, process start to exit. Also checks that both runs print
# the same lines in the same (input) order. For scale, the machine's own ceiling: two
# separate one-core processes counting half the files each, side by side (on a machine shared
# with other work, a second core may not be there to be had).
#
# The 200 requests (about 160 KB each, a text block per document) share out the 32 MB of UDHR
# + Rosetta Code texts that scripts/build_count_requests.py builds from ctok 1.3.0's fixtures
# (fetched by scripts/fetch-test-data.sh into .cache/).
#
# Usage: scripts/count-batch.sh   Environment: RUNS (default 5), FILES (default 200).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-test-data.sh
cache="${BUDGIE_TEST_DATA:-$PWD/.cache}"
model=claude-sonnet-4-6
runs="${RUNS:-5}"
files="${FILES:-200}"
requests="$cache/count-requests/$model"
python3 scripts/build_count_requests.py "$cache/ctok-1.3.0/tests/fixtures" "$requests" "$model" >/dev/null
batch="$cache/count-batch/$files"
rm -rf "$batch"
mkdir -p "$batch"
python3 - "$requests/mixed-32mb.texts.json" "$batch" "$model" "$files" <<'PY'
import json, sys
texts, out, model, n = json.load(open(sys.argv[1], encoding="utf-8")), sys.argv[2], sys.argv[3], int(sys.argv[4])
for i in range(n):
    docs = texts[i::n]
    body = {"model": model, "messages": [{"role": "user", "content": [{"type": "text", "text": d} for d in docs]}]}
    with open(f"{out}/req-{i:04d}.json", "w", encoding="utf-8") as f:
        json.dump(body, f, ensure_ascii=False)
PY
cargo build --quiet --release --bin budgie
budgie="$PWD/target/release/budgie"
mapfile -t inputs < <(ls "$batch"/*.json)
bytes=$(cat "${inputs[@]}" | wc -c)

# Best wall-clock seconds of a command over $runs runs; its output goes to $out.
best_seconds() {
    local out=$1 best="" start end
    shift
    for _ in $(seq "$runs"); do
        start=$(date +%s%N)
        "$@" >"$out" 2>/dev/null
        end=$(date +%s%N)
        if [ -z "$best" ] || [ $((end - start)) -lt "$best" ]; then best=$((end - start)); fi
    done
    awk -v ns="$best" 'BEGIN { printf "%.6f\n", ns / 1e9 }'
}

all_out=$(mktemp)
one_out=$(mktemp)
trap 'rm -f "$all_out" "$one_out"' EXIT
one=$(best_seconds "$one_out" taskset -c 0 "$budgie" count --offline "${inputs[@]}")
all=$(best_seconds "$all_out" "$budgie" count --offline "${inputs[@]}")
half=$(( ${#inputs[@]} / 2 ))
# Two one-core processes side by side, each on half the files.
two_processes() {
    taskset -c 0 "$budgie" count --offline "${inputs[@]:0:half}" >/dev/null 2>&1 &
    taskset -c 1 "$budgie" count --offline "${inputs[@]:half}" >/dev/null 2>&1
    wait
}
two=$(best_seconds /dev/null two_processes)
same=$(cmp -s "$one_out" "$all_out" && echo "same lines, same order" || echo "OUTPUTS DIFFER")
echo "budgie count --offline, $files files ($(awk -v b="$bytes" 'BEGIN { printf "%.1f MB", b / 1e6 }')), best of $runs by the wall clock, $(nproc) cores"
awk -v one="$one" -v all="$all" -v s="$same" 'BEGIN {
    printf "one core (taskset -c 0): %7.1f ms\nall cores:               %7.1f ms\nspeed-up: %.2fx (%s)\n", one * 1e3, all * 1e3, one / all, s
}'
awk -v one="$one" -v two="$two" 'BEGIN {
    printf "ceiling: two one-core processes on half the files each, side by side: %.1f ms (%.2fx)\n", two * 1e3, one / two
}'
[ "$same" = "same lines, same order" ]
