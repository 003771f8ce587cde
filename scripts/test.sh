#!/usr/bin/env bash
# The test command: install what the tests need when it is missing (redis-server, for the
# shared limiter's tests), fetch the test data (cached), then run every test.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v redis-server >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "installing redis-server (Debian package) for the shared limiter's tests"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq redis-server >/dev/null
  elif [ -n "${CI:-}" ]; then
    echo "redis-server is missing and cannot be installed here (needs root and apt-get)" >&2
    exit 1
  else
    echo "note: redis-server is not installed; the shared limiter's tests will be skipped" >&2
  fi
fi
if [ -n "${CI:-}" ]; then
  # The tests start their own servers; under CI one must start, or the run fails.
  redis-server --version
fi
scripts/fetch-test-data.sh
cargo test --all-targets
# The fleet tests time several budgie processes against a rate-enforcing fake API: they run
# alone, one at a time, after everything else, so the rest of the suite cannot slow them.
cargo test --test it limiter::redis_fleet -- --ignored --test-threads=1
