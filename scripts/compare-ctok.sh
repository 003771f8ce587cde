#!/usr/bin/env bash
# Time ctok's pure-Python counter and budgie's offline tokenizer on the same texts (ctok's
# Rosetta Code sample, 1,741 documents) and print the speed ratio per family.
# ctok runs from the sdist fetched by scripts/fetch-test-data.sh, with its one dependency
# (`regex`) installed into a venv under the cache.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-test-data.sh
cache="${BUDGIE_TEST_DATA:-$PWD/.cache}"
src="$cache/ctok-1.3.0"
venv="$cache/ctok-venv"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
    "$venv/bin/pip" install --quiet regex
fi
cargo build --quiet --release --example count_texts
corpus="$src/tests/fixtures/${1:-rosetta}.jsonl.gz"
for family in v3 v4.7; do
    version=$([ "$family" = v3 ] && echo 3.0 || echo 4.7)
    py=$(PYTHONPATH="$src" "$venv/bin/python" - "$corpus" "$version" <<'PY'
import gzip, json, sys, time
from ctok import token_count
texts = [json.loads(l)["text"] for l in gzip.open(sys.argv[1], "rt", encoding="utf-8") if l.strip()]
token_count("warm up", sys.argv[2])          # load the vocabulary outside the timing
start = time.perf_counter()             # wall clock, as budgie's side reports it
for t in texts:
    token_count(t, sys.argv[2])
elapsed = time.perf_counter() - start
mb = sum(len(t.encode()) for t in texts) / 1e6
print(f"{mb / elapsed:.3f} {elapsed:.2f}")
PY
)
    rs=$(target/release/examples/count_texts "$family" "$corpus" 2>&1 >/dev/null)
    py_mbs=${py% *}
    rs_mbs=$(echo "$rs" | sed -E 's/.*\(([0-9.]+) MB\/s.*/\1/')
    echo "$family: ctok (Python) ${py_mbs} MB/s (${py#* } s) | $rs"
    awk -v a="$rs_mbs" -v b="$py_mbs" -v f="$family" 'BEGIN { printf "%s: budgie is %.0fx ctok\n", f, a / b }'
done
