#!/usr/bin/env bash
# Several `budgie count` processes, each on its own BUDGIE_HOME (standing in for machines),
# sharing one rate through one redis-server, against the fake API enforcing RPM like
# Anthropic's (a bucket of the per-second share, refilled continuously, 429 + retry-after):
#   1. 2 processes x N files          -> no 429, together at ~92 % of RPM
#   2. 4 processes x N files          -> the same with four
#   3. 4 processes, Redis killed after 10 s and restarted 15 s later -> every file counted,
#      no 429; while Redis is away each process takes 1/limiter_clients of the rate
# Prints per run: wall time, exit codes, files counted right, and the server's view (counted,
# 429s, first-to-last arrival span, the least gap between two arrivals) with the rate reached.
# Usage: scripts/redis-fleet.sh [RPM=120] [N=30]   (needs redis-server; about 2 minutes at 120)
set -euo pipefail
cd "$(dirname "$0")/.."
RPM=${1:-120}
N=${2:-30}
command -v redis-server >/dev/null || { echo "needs redis-server (apt-get install -y redis-server)" >&2; exit 1; }
cargo build -q --examples
cargo build -q
budgie=target/debug/budgie
tmp=$(mktemp -d)
redis_pid= api_pid=
cleanup() {
  [ -n "$redis_pid" ] && kill "$redis_pid" 2>/dev/null || true
  [ -n "$api_pid" ] && kill "$api_pid" 2>/dev/null || true
  rm -rf "$tmp"
}
trap cleanup EXIT
port=$((20000 + RANDOM % 20000))
start_redis() {
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no --dir "$tmp" >/dev/null &
  redis_pid=$!
  for _ in $(seq 100); do redis-cli -p "$port" ping >/dev/null 2>&1 && return; sleep 0.05; done
  echo "redis-server did not start" >&2; exit 1
}
kill_redis() { kill -9 "$redis_pid" 2>/dev/null || true; wait "$redis_pid" 2>/dev/null || true; redis_pid=; }
start_api() {
  target/debug/examples/fake_rate_api --rpm "$RPM" > "$tmp/api.log" &
  api_pid=$!
  for _ in $(seq 100); do grep -q listening "$tmp/api.log" 2>/dev/null && break; sleep 0.05; done
  base=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$tmp/api.log")
}
stop_api() { kill "$api_pid" 2>/dev/null || true; wait "$api_pid" 2>/dev/null || true; api_pid=; }
now() { date +%s.%N; }
since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# fleet P: P processes at once over N files each; prints what happened.
fleet() {
  local p=$1 pids=() start
  for i in $(seq "$p"); do
    mkdir -p "$tmp/run/home$i/config" "$tmp/run/files$i"
    echo "limiter_clients = $p" > "$tmp/run/home$i/config/config.toml"
    for j in $(seq "$N"); do
      printf '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"process %s file %s"}]}' "$i" "$j" > "$tmp/run/files$i/f$j.json"
    done
  done
  start=$(now)
  for i in $(seq "$p"); do
    BUDGIE_HOME="$tmp/run/home$i" ANTHROPIC_API_KEY=test-key ANTHROPIC_BASE_URL="$base" \
      BUDGIE_LIMITER_URL="redis://127.0.0.1:$port/0" \
      "$budgie" count --no-cache --json --rpm "$RPM" "$tmp/run/files$i" > "$tmp/run/out$i" 2> "$tmp/run/err$i" &
    pids+=($!)
  done
  [ -n "${DURING:-}" ] && $DURING
  local codes=""
  for pid in "${pids[@]}"; do wait "$pid" && codes="$codes 0" || codes="$codes $?"; done
  local counted
  counted=$(cat "$tmp"/run/out* | grep -c '"input_tokens":11[,}]' || true)
  local stats
  stats=$(curl -s "$base/stats")
  echo "took $(since "$start") s, exits:$codes, counted right $counted/$((p * N)); server: $stats"
  echo "$stats" | awk -v rpm="$RPM" -F'[:,}]' '{ for (i = 1; i < NF; i++) { if ($i ~ /"ok"/) ok = $(i+1); if ($i ~ /"span_s"/) span = $(i+1) } }
    END { if (span > 0) printf "   rate reached: %.1f rpm = %.1f %% of %d (first to last arrival)\n", (ok - 1) * 60 / span, (ok - 1) * 6000 / span / rpm, rpm }'
  grep -h "budgie:" "$tmp"/run/err* | sort | uniq -c | sed 's/^/   stderr: /' || true
  rm -rf "$tmp/run"
}

start_redis
echo "redis-server on 127.0.0.1:$port; fake API at $RPM rpm (bucket of the per-second share)"
echo; echo "== 1. two processes x $N files, --rpm $RPM each, one Redis"
start_api; fleet 2; stop_api
echo; echo "== 2. four processes x $N files"
redis-cli -p "$port" flushall >/dev/null
start_api; fleet 4; stop_api
echo; echo "== 3. four processes x $N files, Redis killed at 10 s, restarted at 25 s"
redis-cli -p "$port" flushall >/dev/null
outage() { sleep 10; kill_redis; echo "   (redis killed at 10 s)"; sleep 15; start_redis; echo "   (redis restarted at 25 s)"; }
start_api; DURING=outage fleet 4; stop_api
