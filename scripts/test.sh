#!/usr/bin/env bash
# The test command: fetch the test data the tests need (cached), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/fetch-test-data.sh
cargo test --all-targets
