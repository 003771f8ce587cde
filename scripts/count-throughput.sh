#!/usr/bin/env bash
# Whole-request offline counting throughput, process start to exit, beside ctok's pure-Python
# counter on the same texts in the same run. (Peak memory: scripts/count-memory.sh.)
#
# The requests are built by scripts/build_count_requests.py from ctok 1.3.0's fixture texts
# (fetched by scripts/fetch-test-data.sh): `mixed` holds every UDHR translation and every
# Rosetta Code sample (about 8 MB) as one text block each; `ascii`, `latin`, `cjk` and `code`
# about 2 MB of one kind each; `single-7mb` about 7 MB of the mixed texts in one text block.
# budgie's time is the best of RUNS runs of `budgie count --offline FILE` by the wall clock
# (hyperfine when installed, else a loop on `date +%s%N`): this VM is shared, and the best run
# is the one others disturbed least. ctok's time is one pass over the request's texts inside
# Python, vocabulary loaded and interpreter started beforehand (which favours ctok).
#
# Usage: scripts/count-throughput.sh [CORPUS...]   (default: mixed ascii latin cjk code single-7mb)
# Environment: RUNS (default 10), FAMILY (v3, the default, or v4.7), NO_CTOK=1 to skip ctok,
# BASELINE=path/to/an/older/budgie to time that binary too, on the same requests in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-test-data.sh
cache="${BUDGIE_TEST_DATA:-$PWD/.cache}"
src="$cache/ctok-1.3.0"
venv="$cache/ctok-venv"
runs="${RUNS:-10}"
case "${FAMILY:-v3}" in
    v3) model=claude-sonnet-4-6 ctok_version=3.0 ;;
    v4.7) model=claude-opus-4-7 ctok_version=4.7 ;;
    *) echo "FAMILY must be v3 or v4.7" >&2; exit 2 ;;
esac
corpora=("$@")
[ ${#corpora[@]} -gt 0 ] || corpora=(mixed ascii latin cjk code single-7mb)

if [ -z "${NO_CTOK:-}" ] && [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet regex
fi
cargo build --quiet --release --bin budgie
budgie="$PWD/target/release/budgie"
requests="$cache/count-requests/$model"
python3 scripts/build_count_requests.py "$src/tests/fixtures" "$requests" "$model" >/dev/null

# Best wall-clock seconds of `BINARY count --offline FILE` over $runs runs.
best_seconds() {
    local budgie=$1 file=$2
    if command -v hyperfine >/dev/null; then
        local json
        json=$(mktemp)
        hyperfine --style none -N --warmup 2 --runs "$runs" --export-json "$json" \
            "$budgie count --offline $file" >/dev/null 2>&1
        python3 -c 'import json, sys; print(min(json.load(open(sys.argv[1]))["results"][0]["times"]))' "$json"
        rm -f "$json"
    else
        "$budgie" count --offline "$file" >/dev/null # warm-up
        local best="" start end
        for _ in $(seq "$runs"); do
            start=$(date +%s%N)
            "$budgie" count --offline "$file" >/dev/null
            end=$(date +%s%N)
            if [ -z "$best" ] || [ $((end - start)) -lt "$best" ]; then best=$((end - start)); fi
        done
        awk -v ns="$best" 'BEGIN { printf "%.6f\n", ns / 1e9 }'
    fi
}

# Seconds ctok takes to count every text of a request (its vocabulary loaded beforehand).
ctok_seconds() {
    PYTHONPATH="$src" "$venv/bin/python" - "$1" "$ctok_version" <<'PY'
import json, sys, time
from ctok import token_count
texts = json.load(open(sys.argv[1], encoding="utf-8"))
token_count("warm up", sys.argv[2])
start = time.perf_counter()
for t in texts:
    token_count(t, sys.argv[2])
print(f"{time.perf_counter() - start:.6f}")
PY
}

echo "budgie count --offline, family ${FAMILY:-v3} ($model), best of $runs by the wall clock"
printf '%-10s %9s %9s %11s %12s %11s %9s\n' corpus request tokens budgie budgie ctok budgie/ctok
for corpus in "${corpora[@]}"; do
    file="$requests/$corpus.json"
    bytes=$(stat -c %s "$file")
    tokens=$("$budgie" count --offline --json "$file" |
        python3 -c 'import json, sys; print(json.load(sys.stdin)["input_tokens"])')
    rs=$(best_seconds "$budgie" "$file")
    if [ -z "${NO_CTOK:-}" ]; then
        py=$(ctok_seconds "$requests/$corpus.texts.json")
    else
        py=""
    fi
    awk -v c="$corpus" -v b="$bytes" -v t="$tokens" -v rs="$rs" -v py="$py" 'BEGIN {
        ctok = py == "" ? "-" : sprintf("%.1f s", py)
        ratio = py == "" ? "-" : sprintf("%.0fx", py / rs)
        printf "%-10s %6.2f MB %9d %8.1f ms %7.1f MB/s %11s %9s\n", c, b / 1e6, t, rs * 1e3, b / 1e6 / rs, ctok, ratio
    }'
    if [ -n "${BASELINE:-}" ]; then
        old=$(best_seconds "$BASELINE" "$file")
        awk -v b="$bytes" -v old="$old" -v rs="$rs" 'BEGIN {
            printf "  baseline %8.1f ms %7.1f MB/s (%.2fx slower)\n", old * 1e3, b / 1e6 / old, old / rs
        }'
    fi
done

