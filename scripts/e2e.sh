#!/usr/bin/env bash
# End-to-end on a real solana-test-validator: the program loaded with --bpf-program, tasks and
# operators created through the `gradual` CLI, three `gradual node run` processes (one lazy
# cheater) through two rounds, then the slash and the claims are checked through the CLI.
#
# Validator binary, in order: `solana-test-validator` on PATH; the prebuilt copy in
# ../shared/tools (unpacked into the cache); otherwise this script says so and exits 0
# (building agave-validator takes ~1 hour: `cargo install agave-validator --version 4.2.2
# --locked --bin solana-test-validator`, needs libclang-dev).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
log() { printf '[e2e] %s\n' "$*" >&2; }

VALIDATOR="$(command -v solana-test-validator || true)"
if [[ -z "$VALIDATOR" ]]; then
  for gz in "$REPO_ROOT/../shared/tools/solana-test-validator-4.2.2-x86_64-linux.gz" /work/shared/tools/solana-test-validator-4.2.2-x86_64-linux.gz; do
    if [[ -f "$gz" ]]; then
      mkdir -p "$GRADUAL_CACHE/bin"
      VALIDATOR="$GRADUAL_CACHE/bin/solana-test-validator"
      if [[ ! -x "$VALIDATOR" ]]; then
        log "unpacking $gz"
        gunzip -c "$gz" > "$VALIDATOR.tmp" && chmod +x "$VALIDATOR.tmp" && mv "$VALIDATOR.tmp" "$VALIDATOR"
      fi
      break
    fi
  done
fi
if [[ -z "$VALIDATOR" ]]; then
  log "SKIPPED: no solana-test-validator found (see the header of this script)"
  exit 0
fi

[[ -f target/deploy/gradual.so ]] || scripts/build.sh
cargo build --quiet --locked -p gradual-cli
GRADUAL="$CARGO_TARGET_DIR/debug/gradual"

WORK="$(mktemp -d)"
PORT=18899
URL="http://127.0.0.1:$PORT"
PIDS=()
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  [[ -n "${VPID:-}" ]] && kill "$VPID" 2>/dev/null && wait "$VPID" 2>/dev/null || true
  rm -rf "$WORK"
}
trap cleanup EXIT

log "starting $VALIDATOR"
"$VALIDATOR" --ledger "$WORK/ledger" --reset --quiet --bind-address 127.0.0.1 \
  --rpc-port "$PORT" --faucet-port 19900 --gossip-port 18001 --dynamic-port-range 18100-18200 \
  --bpf-program "$(python3 -c 'import tomllib;print(tomllib.load(open("Anchor.toml","rb"))["programs"]["localnet"]["gradual"])')" \
  target/deploy/gradual.so > "$WORK/validator.log" 2>&1 &
VPID=$!
for i in $(seq 1 60); do
  if python3 - "$URL" <<'PY' 2>/dev/null; then break; fi
import json, sys, urllib.request
req = urllib.request.Request(sys.argv[1], data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": "getHealth"}).encode(), headers={"Content-Type": "application/json"})
assert json.load(urllib.request.urlopen(req, timeout=2)).get("result") == "ok"
PY
  sleep 1
  [[ $i == 60 ]] && { log "validator did not become healthy"; tail -20 "$WORK/validator.log"; exit 1; }
done
log "validator healthy at $URL"
started=$(date +%s)

"$GRADUAL" dev bootstrap -u "$URL" --nodes 3 --round-slots 40 --out "$WORK/keys" > "$WORK/layout.json"
TASK=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["task"])' "$WORK/layout.json")
log "task $TASK with 3 operators"
for i in 0 1 2; do
  read -r KP STAKE < <(python3 -c 'import json,sys;n=json.load(open(sys.argv[1]))["nodes"][int(sys.argv[2])];print(n["keypair"], n["stake_account"])' "$WORK/layout.json" "$i")
  LOGIC=hash-chain; [[ $i == 2 ]] && LOGIC=lazy
  "$GRADUAL" node run "$TASK" -u "$URL" -k "$KP" --stake-account "$STAKE" --logic "$LOGIC" \
    --store "$WORK/store-$i.json" --exit-after-round 1 > "$WORK/node-$i.log" 2>&1 &
  PIDS+=($!)
done
for p in "${PIDS[@]}"; do
  if ! timeout 300 tail --pid="$p" -f /dev/null; then log "a node did not finish in time"; exit 1; fi
done
PIDS=()

fail=0
# migrations: the bootstrap creates the listed tasks once; a second run changes nothing.
python3 - "$WORK/layout.json" > "$WORK/tasks.toml" <<'PY'
import json, sys
l = json.load(open(sys.argv[1]))
for i in (1, 2):
    print(f"""[[task]]
task_id = {i}
reward_mint = "{l['reward_mint']}"
stake_mint = "{l['stake_mint']}"
[task.rounds]
round_slots = 100
submission_slots = 20
audit_slots = 30
distribution_slots = 20
distribution_audit_slots = 20
bounty_per_round = 1.0
minimum_stake = 0.01
""")
PY
KP0=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["nodes"][0]["keypair"])' "$WORK/layout.json")
"$GRADUAL" migrate -u "$URL" -k "$KP0" --tasks "$WORK/tasks.toml" > "$WORK/migrate-1.txt"
"$GRADUAL" migrate -u "$URL" -k "$KP0" --tasks "$WORK/tasks.toml" > "$WORK/migrate-2.txt"
if [[ $(grep -c created "$WORK/migrate-1.txt") == 2 && $(grep -c unchanged "$WORK/migrate-2.txt") == 2 ]]; then
  log "migrate: 2 tasks created, second run unchanged: OK"
else
  log "migrate: FAIL"; cat "$WORK/migrate-1.txt" "$WORK/migrate-2.txt" >&2; fail=1
fi
for r in 0 1; do
  "$GRADUAL" round show "$TASK" "$r" -u "$URL" --output json > "$WORK/round-$r.json"
  python3 - "$WORK/round-$r.json" "$r" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
round_ = sys.argv[2]
accepted = [l for l in r["lists"] if l["claimed"] == l["entries"]]
ok = r["status"] == "Accepted" and r["slashed"] == 1 and r["submissions"] == 3 and accepted
print(f"[e2e] round {round_}: status {r['status']}, {r['submissions']} submissions, {r['slashed']} slashed, lists {r['lists']}: {'OK' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
done
KP2=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["nodes"][2]["keypair"])' "$WORK/layout.json")
"$GRADUAL" node status "$TASK" -u "$URL" -k "$KP2" --output json > "$WORK/cheater.json"
python3 - "$WORK/cheater.json" <<'PY' || fail=1
import json, sys
n = json.load(open(sys.argv[1]))
ok = n["slashed"] > 0
print(f"[e2e] cheater node {n['node']}: slashed {n['slashed']}: {'OK' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
log "finished in $(( $(date +%s) - started ))s after the validator was healthy"
if [[ $fail != 0 ]]; then
  for i in 0 1 2; do log "node $i:"; tail -15 "$WORK/node-$i.log" >&2; done
  exit 1
fi
log "PASS"
