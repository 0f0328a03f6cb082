#!/usr/bin/env bash
# Real-time soak on solana-test-validator (400 ms slots): N `gradual node run` processes (about
# 10% of them cheating with the lazy logic) through R rounds, every RPC request counted per node
# at a proxy in front of the validator (scripts/rpc-proxy.py). The runners close settled rounds
# after their retention, so scripts/soak-watch.py keeps the last view of each round. Writes
# target/soak/report.json (scripts/soak-report.py) and fails if a round was not paid, an honest node was not paid
# exactly, or a cheater was not slashed.
#
#   SOAK_NODES (16)  SOAK_ROUNDS (5)  SOAK_ROUND_SLOTS (100)  SOAK_CHEATERS (ceil(N/10))
#   SOAK_KEEP=1 keeps the work directory (node logs, stores, validator log).
# The validator comes from scripts/validator.sh (skipped, with a message, when none is found).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
log() { printf '[soak] %s\n' "$*" >&2; }
source scripts/validator.sh

NODES="${SOAK_NODES:-16}"
ROUNDS="${SOAK_ROUNDS:-5}"
ROUND_SLOTS="${SOAK_ROUND_SLOTS:-100}"
CHEATERS="${SOAK_CHEATERS:-$(( (NODES + 9) / 10 ))}"
OUT="$REPO_ROOT/target/soak"

VALIDATOR="$(find_validator)"
if [[ -z "$VALIDATOR" ]]; then
  log "SKIPPED: no solana-test-validator found (see scripts/validator.sh)"
  exit 0
fi
[[ -f target/deploy/gradual.so ]] || scripts/build.sh
cargo build --quiet --locked -p gradual-cli
GRADUAL="$CARGO_TARGET_DIR/debug/gradual"

WORK="$(mktemp -d)"
PORT=28899
PROXY_PORT=28999
URL="http://127.0.0.1:$PORT"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "${PROXY_PID:-}" ]] && kill "$PROXY_PID" 2>/dev/null || true
  [[ -n "${WATCH_PID:-}" ]] && kill "$WATCH_PID" 2>/dev/null || true
  [[ -n "${VPID:-}" ]] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null || true
  if [[ -n "${SOAK_KEEP:-}" ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log "starting $VALIDATOR"
start_validator "$VALIDATOR" "$WORK" "$PORT"
python3 scripts/rpc-proxy.py "$PROXY_PORT" "$URL" &
PROXY_PID=$!
log "validator at $URL, counting proxy at :$PROXY_PORT"

# Room for the joins (about 2 slots per operator with 8 at a time) before round 0.
"$GRADUAL" dev bootstrap -u "$URL" --nodes "$NODES" --round-slots "$ROUND_SLOTS" \
  --start-in-slots $(( 60 + 3 * NODES )) --out "$WORK/keys" > "$WORK/layout.json"
TASK=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["task"])' "$WORK/layout.json")
rpc_call "http://127.0.0.1:$PROXY_PORT" getHealth > /dev/null
python3 -c "import urllib.request;urllib.request.urlopen('http://127.0.0.1:$PROXY_PORT/reset')"
python3 scripts/soak-watch.py "$GRADUAL" "$URL" "$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["authority"])' "$WORK/layout.json")" \
  "$TASK" "$ROUNDS" "$WORK/rounds" &
WATCH_PID=$!
START_SLOT=$(rpc_call "$URL" getSlot '[{"commitment":"confirmed"}]')
log "task $TASK: $NODES nodes ($CHEATERS cheating), $ROUNDS rounds of $ROUND_SLOTS slots, from slot $START_SLOT"
for ((i = 0; i < NODES; i++)); do
  read -r KP STAKE < <(python3 -c 'import json,sys;n=json.load(open(sys.argv[1]))["nodes"][int(sys.argv[2])];print(n["keypair"], n["stake_account"])' "$WORK/layout.json" "$i")
  LOGIC=hash-chain; (( i >= NODES - CHEATERS )) && LOGIC=lazy
  GRADUAL_LOG="${SOAK_LOG:-warn}" "$GRADUAL" node run "$TASK" -u "http://127.0.0.1:$PROXY_PORT/n/$i" -k "$KP" --stake-account "$STAKE" \
    --logic "$LOGIC" --store "$WORK/store-$i.json" --exit-after-round $(( ROUNDS - 1 )) \
    > "$WORK/node-$i.log" 2>&1 &
  PIDS+=($!)
done
deadline=$(( ( (ROUNDS + 4) * ROUND_SLOTS + 3 * NODES + 120 ) * 2 / 5 + 120 ))
late=0
for p in "${PIDS[@]}"; do
  if ! timeout "$deadline" tail --pid="$p" -f /dev/null; then log "a node did not finish in ${deadline}s"; late=1; break; fi
done
# Nodes still running after the deadline are stopped before the report (and before cleanup).
for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
PIDS=()
END_SLOT=$(rpc_call "$URL" getSlot '[{"commitment":"confirmed"}]')
python3 -c "import urllib.request,sys;sys.stdout.write(urllib.request.urlopen('http://127.0.0.1:$PROXY_PORT/stats').read().decode())" > "$WORK/proxy.json"
mkdir -p "$OUT"
set +e
python3 scripts/soak-report.py --gradual "$GRADUAL" --url "$URL" --layout "$WORK/layout.json" \
  --proxy "$WORK/proxy.json" --cheaters "$CHEATERS" --rounds "$ROUNDS" --round-slots "$ROUND_SLOTS" \
  --start-slot "$START_SLOT" --end-slot "$END_SLOT" --snapshots "$WORK/rounds" --out "$OUT/report.json"
status=$?
set -e
[[ $late == 1 ]] && status=1
if [[ $status != 0 ]]; then
  for i in 0 $(( NODES - 1 )); do log "node $i:"; tail -20 "$WORK/node-$i.log" >&2; done
  exit $status
fi
log "PASS: $OUT/report.json"
