#!/usr/bin/env bash
# Typing latency of the real release binary against vim, and budgie's start-up to first frame.
#
# In a private tmux server (own socket), for each editor: open the same workspace file, type
# 2,000 characters at once (tmux send-keys), and poll the screen until the last characters are
# drawn. Prints both times and the ratio (target: budgie ≤ 2× vim). Then starts budgie on the
# example workspace and polls until its first frame is on screen (target: < 100 ms).
# Then typing into a 1 MB block of mixed prose and code (a turn budgie opens on; the same text
# in vim): both editors start with the cursor at its end, and 2,000 keys are sent one by one
# (one send-keys each, as a user types); the time runs from the first key to the last drawn.
#
# Usage: scripts/typing-latency.sh [runs]   (default 5 runs each; the median is reported)
set -euo pipefail
cd "$(dirname "$0")/.."

RUNS=${1:-5}
command -v tmux >/dev/null || { echo "tmux is required" >&2; exit 2; }
command -v vim >/dev/null || { echo "vim is required" >&2; exit 2; }

cargo build --release --quiet
BIN=$PWD/target/release/budgie

WORK=$(mktemp -d)
# A private tmux server per run (its own socket), so runs never race a server shutting down.
RUN=0
SOCKET="budgie-latency-$$-0"
cleanup() { tmux -L "$SOCKET" kill-server 2>/dev/null || true; rm -rf "$WORK"; }
trap cleanup EXIT

export BUDGIE_HOME="$WORK/home"
cp assets/example.budgie.json "$WORK/draft.budgie.json"

# 2,000 characters: 40 lines of 49 letters and spaces plus Enter (\r), ending in a marker.
MARKER="ENDMARK42"
TEXT=""
line="the quick brown fox jumps over the lazy dog again"
for _ in $(seq 1 40); do TEXT+="${line:0:49}"$'\r'; done
TEXT="${TEXT:0:$((2000 - ${#MARKER}))}$MARKER"
[ "${#TEXT}" -eq 2000 ] || { echo "text is ${#TEXT} characters" >&2; exit 1; }

now_ns() { date +%s%N; }

tm() { tmux -L "$SOCKET" "$@"; }

# Wait until the pane shows $1; set WAITED to the nanoseconds since $2. (No subshells: the
# socket name changes per run and must stay visible.)
wait_for() {
  local needle=$1 start=$2 deadline=$(( $(now_ns) + 30000000000 ))
  while ! tm capture-pane -p -t main 2>/dev/null | grep -qF -- "$needle"; do
    if [ "$(now_ns)" -gt "$deadline" ]; then
      echo "timed out waiting for '$needle'" >&2
      tm capture-pane -p -t main >&2
      exit 1
    fi
  done
  WAITED=$(( $(now_ns) - start ))
}

# Start a shell in a fresh session, so the timing excludes tmux's own start-up.
fresh_session() {
  tm kill-server 2>/dev/null || true
  RUN=$((RUN + 1))
  SOCKET="budgie-latency-$$-$RUN"
  tm new-session -d -x 160 -y 48 -s main "env -u ANTHROPIC_API_KEY PS1='READY> ' sh"
  wait_for "READY>" "$(now_ns)"
}

# Type into an editor already on screen (ready when $2 shows); WAITED = time to the marker.
type_into() {
  local launch=$1 ready=$2 prefix=${3:-}
  fresh_session
  tm send-keys -t main "$launch" Enter
  wait_for "$ready" "$(now_ns)"
  local start; start=$(now_ns)
  tm send-keys -t main -l "$prefix$TEXT"
  wait_for "$MARKER" "$start"
}

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
ms() { awk -v ns="$1" 'BEGIN { printf "%.1f", ns / 1e6 }'; }

budgie_times=()
vim_times=()
for _ in $(seq 1 "$RUNS"); do
  cp assets/example.budgie.json "$WORK/draft.budgie.json"
  type_into "exec $BIN $WORK/draft.budgie.json" "tokens"
  budgie_times+=("$WAITED")
  cp assets/example.budgie.json "$WORK/draft.budgie.json"
  # vim: no plugins or swap file; go to the end and open a line in insert mode.
  # vim: no config, plugins or swap file; at the last line, 'o' opens a line in insert mode.
  type_into "exec vim -u NONE -N -n -c 'set nowrap laststatus=2' -c 'normal! G' $WORK/draft.budgie.json" "draft.budgie.json" "o"
  vim_times+=("$WAITED")
done

b=$(printf '%s\n' "${budgie_times[@]}" | median)
v=$(printf '%s\n' "${vim_times[@]}" | median)
echo "typing 2,000 characters, median of $RUNS runs:"
echo "  budgie (release): $(ms "$b") ms"
echo "  vim:              $(ms "$v") ms"
awk -v b="$b" -v v="$v" 'BEGIN { printf "  ratio budgie/vim: %.2f (target <= 2)\n", b / v }'

# Typing in a 1 MB block: a workspace whose user turn is ~1 MB of Markdown prose and
# Rust/Python code; vim edits the same text.
python3 - "$WORK" <<'PY'
import json, sys
work = sys.argv[1]
prose = ("You review pull requests for a payments team. Point out what could lose or "
         "double-charge money first, then what is hard to read; quote the line you mean.")
rust = ("```rust\nfn settle(ledger: &mut Ledger, id: TxId) -> Result<(), Error> {\n"
        "    let tx = ledger.pending.remove(&id).ok_or(Error::Unknown(id))?;\n"
        "    ledger.balance += tx.amount;\n    Ok(())\n}\n```")
python = ("```python\ndef refund(order, amount):\n    if amount > order.paid:\n"
          "        raise ValueError(f\"refund {amount} exceeds {order.paid}\")\n"
          "    return order.with_refund(amount)\n```")
parts, size, i = [], 0, 0
while size < 1 << 20:
    part = f"## Rule {i}\n\n{prose}\n\n{rust}\n\n{prose}\n{python}\n\n"
    parts.append(part); size += len(part); i += 1
text = "".join(parts)
text = text.rstrip("\n")
request = {"model": "claude-sonnet-4-5", "system": "Review the rules below.",
           "messages": [{"role": "user", "content": text}]}
open(f"{work}/big.json", "w").write(json.dumps(request))
open(f"{work}/big.txt", "w").write(text)
PY
KEYS=2000
# Type one key per send-keys (letters, a space every sixth), the last ones a marker.
type_one_by_one() {
  local i c word="abcde" marker="ZZEND"
  for ((i = 0; i < KEYS - ${#marker}; i++)); do
    if (( i % 6 == 5 )); then c=" "; else c=${word:$((i % 5)):1}; fi
    tm send-keys -t main -l "$c"
  done
  tm send-keys -t main -l "$marker"
}

big_budgie=()
big_vim=()
for _ in $(seq 1 "$RUNS"); do
  # budgie opens with the cursor at the end of the last user turn: here, the 1 MB block.
  fresh_session
  cp "$WORK/big.json" "$WORK/big-run.json"
  tm send-keys -t main "exec $BIN $WORK/big-run.json" Enter
  wait_for "tokens" "$(now_ns)"
  start=$(now_ns)
  type_one_by_one
  wait_for "ZZEND" "$start"
  big_budgie+=("$WAITED")
  fresh_session
  tm send-keys -t main "exec vim -u NONE -N -n -c 'set wrap laststatus=2' -c 'normal! G' $WORK/big.txt" Enter
  wait_for "big.txt" "$(now_ns)"
  tm send-keys -t main -l "A"
  start=$(now_ns)
  type_one_by_one
  wait_for "ZZEND" "$start"
  big_vim+=("$WAITED")
done
b=$(printf '%s\n' "${big_budgie[@]}" | median)
v=$(printf '%s\n' "${big_vim[@]}" | median)
echo "typing $KEYS keys one by one at the end of a 1 MB block, median of $RUNS runs:"
echo "  budgie (release): $(ms "$b") ms"
echo "  vim:              $(ms "$v") ms"
awk -v b="$b" -v v="$v" 'BEGIN { printf "  ratio budgie/vim: %.2f (target <= 2)\n", b / v }'

# Start-up to first frame with the example workspace (no file argument).
starts=()
for _ in $(seq 1 "$RUNS"); do
  fresh_session
  start=$(now_ns)
  tm send-keys -t main "exec $BIN" Enter
  wait_for "tokens" "$start"
  starts+=("$WAITED")
done
s=$(printf '%s\n' "${starts[@]}" | median)
echo "start-up to first frame (example workspace), median of $RUNS: $(ms "$s") ms (target < 100)"
