#!/usr/bin/env bash
# Show the limiter's spacing on real time against the fake rate-enforcing API:
#   1. one process, N requests at RPM          -> no 429, ~ (N-1) * 60 / (RPM * 0.92) s
#   2. two processes at once, sharing the state dir -> no 429, together at RPM
#   3. one process with --rpm 50x the server's -> every request counted after retry-after
# Usage: scripts/limiter-spacing.sh [RPM=120] [N=30]
# With BUDGIE=path/to/budgie (e.g. BUDGIE=target/debug/budgie after `cargo build`), also:
#   4. `budgie count --rpm RPM` over N files: one process; two processes together sharing one
#      BUDGIE_HOME; --rpm 50x the server's -> time, exit status, lines counted, server's stats
set -euo pipefail
cd "$(dirname "$0")/.."
RPM=${1:-120}
N=${2:-30}
cargo build -q --examples
bin=target/debug/examples
tmp=$(mktemp -d)
server_pid=
cleanup() { [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$bin/fake_rate_api" --rpm "$RPM" --burst 1 --rate-headers > "$tmp/server.log" &
server_pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/server.log" 2>/dev/null && break; sleep 0.1; done
base=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$tmp/server.log")
echo "fake API: $(head -1 "$tmp/server.log")"
stats() { curl -s "$base/stats"; echo; }

echo; echo "== 1. one process, $N requests at --rpm $RPM"
"$bin/limiter_spacing" --base "$base" --rpm "$RPM" --requests "$N" --name one | tail -n 6
echo "server so far: $(stats)"

echo; echo "== 2. two processes started together, sharing one state dir"
sleep 2
"$bin/limiter_spacing" --base "$base" --rpm "$RPM" --requests "$N" --shared "$tmp/state" --name A > "$tmp/a.log" &
a=$!
"$bin/limiter_spacing" --base "$base" --rpm "$RPM" --requests "$N" --shared "$tmp/state" --name B > "$tmp/b.log" &
b=$!
wait $a $b
tail -n 1 "$tmp/a.log"; tail -n 1 "$tmp/b.log"
cat "$tmp/a.log" "$tmp/b.log" | grep ' wall ' | awk '{ print $NF }' | sort -n | awk '
  { t = $1 + 0; if (NR == 1) first = t; if (NR > 1) { g = (t - p) * 1000; if (min == "" || g < min) min = g } p = t }
  END { printf "merged: %d attempts in %.2f s (%.1f rpm together), smallest gap %.1f ms\n", NR, p - first, (NR - 1) * 60 / (p - first), min }'
echo "server so far: $(stats)"

echo; echo "== 3. --rpm $((RPM * 50)), fifty times the server's limit"
sleep 2
"$bin/limiter_spacing" --base "$base" --rpm $((RPM * 50)) --requests "$N" --concurrency 8 --name over | tail -n 1
echo "server so far: $(stats)"
echo "   ... and against a server that sends no rate headers (only 429 + retry-after):"
"$bin/fake_rate_api" --rpm "$RPM" > "$tmp/bare.log" &
bare_pid=$!
for _ in $(seq 50); do grep -q listening "$tmp/bare.log" 2>/dev/null && break; sleep 0.1; done
bare=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$tmp/bare.log")
"$bin/limiter_spacing" --base "$bare" --rpm $((RPM * 50)) --requests "$N" --concurrency 8 --name over-bare | tail -n 1
echo "bare server: $(curl -s "$bare/stats")"
kill "$bare_pid" 2>/dev/null || true

if [ -n "${BUDGIE:-}" ]; then
  # `budgie count` itself, each scenario against a fresh fake API that allows no burst and
  # sends no rate headers (only 429 + retry-after): the strictest server Anthropic's rate-limit docs allow for.
  mkdir -p "$tmp/files"
  for i in $(seq "$N"); do
    printf '{"model":"claude-sonnet-4-5","messages":[{"role":"user","content":"file %s"}]}' "$i" > "$tmp/files/f$i.json"
  done
  strict_pid=
  start_strict() {
    "$bin/fake_rate_api" --rpm "$RPM" --burst 1 > "$tmp/strict.log" &
    strict_pid=$!
    for _ in $(seq 50); do grep -q listening "$tmp/strict.log" 2>/dev/null && break; sleep 0.1; done
    strict=$(sed -n 's/^listening on \([^ ]*\).*/\1/p' "$tmp/strict.log")
  }
  stop_strict() { kill "$strict_pid" 2>/dev/null || true; wait "$strict_pid" 2>/dev/null || true; }
  # count HOME RPM OUT: one `budgie count --no-cache --json` over the files; prints its exit status.
  count() {
    local status=0
    BUDGIE_HOME="$1" ANTHROPIC_API_KEY=test-key ANTHROPIC_BASE_URL="$strict" \
      "$BUDGIE" count --no-cache --rpm "$2" --json "$tmp/files" > "$3" 2> "$3.err" || status=$?
    echo "$status"
  }
  now() { date +%s.%N; }
  since() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }
  # Lines with the right count: the fake answers 7 + the words in the messages ("file N": 2).
  counted() { cat "$@" | grep -c '"input_tokens":9[,}]' || true; }

  echo; echo "== 4. budgie count over $N files, fake API at $RPM rpm, no burst, no rate headers"
  echo "-- a. one process, --rpm $RPM (expect no 429, ~ $(awk -v n="$N" -v r="$RPM" 'BEGIN { printf "%.1f", (n - 1) * 60 / (r * 0.92) }') s)"
  start_strict; start=$(now)
  status=$(count "$tmp/home-a" "$RPM" "$tmp/a.out")
  echo "took $(since "$start") s, exit $status, counted $(counted "$tmp/a.out")/$N; server: $(curl -s "$strict/stats")"
  stop_strict

  echo "-- b. two processes started together, one BUDGIE_HOME, --rpm $RPM each (expect no 429, ~ twice a)"
  start_strict; start=$(now)
  count "$tmp/home-b" "$RPM" "$tmp/b1.out" > "$tmp/b1.status" &
  b1=$!
  count "$tmp/home-b" "$RPM" "$tmp/b2.out" > "$tmp/b2.status" &
  b2=$!
  wait "$b1" "$b2"
  echo "took $(since "$start") s, exits $(cat "$tmp/b1.status") $(cat "$tmp/b2.status"), counted $(counted "$tmp/b1.out" "$tmp/b2.out")/$((2 * N)); server: $(curl -s "$strict/stats")"
  stop_strict

  echo "-- c. one process, --rpm $((RPM * 50)) (expect every file counted after honouring retry-after)"
  start_strict; start=$(now)
  status=$(count "$tmp/home-c" $((RPM * 50)) "$tmp/c.out")
  echo "took $(since "$start") s, exit $status, counted $(counted "$tmp/c.out")/$N; server: $(curl -s "$strict/stats")"
  stop_strict
fi
