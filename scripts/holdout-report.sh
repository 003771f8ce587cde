#!/usr/bin/env bash
# Accuracy of the offline tokenizer on ctok's HELD-OUT sets (rosetta_holdout, multipl_e).
# A report only: these sets are never used by the tests or for tuning, so they stay an honest
# measure of how budgie does on text it has not seen.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-test-data.sh
cargo build --quiet --release --example count_texts
fixtures="${BUDGIE_TEST_DATA:-$PWD/.cache}/ctok-1.3.0/tests/fixtures"
for set in rosetta_holdout multipl_e; do
    python3 scripts/tokenizer_report.py "$fixtures" "$set" target/release/examples/count_texts
done
