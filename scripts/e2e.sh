#!/usr/bin/env bash
# End-to-end on a real solana-test-validator: the program loaded with --bpf-program, tasks and
# operators created through the `gradual` CLI, three `gradual node run` processes (one lazy
# cheater) through two rounds, then the slash and the claims are checked through the CLI.
#
# The validator: see scripts/validator.sh (skipped, with a message, when none is available).
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
log() { printf '[e2e] %s\n' "$*" >&2; }

source "$REPO_ROOT/scripts/validator.sh"
VALIDATOR="$(find_validator)"
if [[ -z "$VALIDATOR" ]]; then
  log "SKIPPED: no solana-test-validator found (see scripts/validator.sh)"
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
  if [[ -n "${E2E_KEEP:-}" ]]; then echo "[e2e] kept $WORK" >&2; else rm -rf "$WORK"; fi
}
trap cleanup EXIT

log "starting $VALIDATOR"
start_validator "$VALIDATOR" "$WORK" "$PORT"
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
# Every task and node command's happy path and main errors, through the CLI.
j() { python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));[d:=d[int(k) if k.isdigit() else k] for k in sys.argv[2].split(".")];print(d)' "$1" "$2"; }
ok() { local what=$1; shift; if out=$("$GRADUAL" -u "$URL" "$@" 2>&1); then log "cli $what: OK"; else log "cli $what: FAIL: $out"; fail=1; fi; }
refused() { local what=$1 pattern=$2; shift 2
  if out=$("$GRADUAL" -u "$URL" "$@" 2>&1); then log "cli $what: FAIL (accepted)"; fail=1
  elif grep -q "$pattern" <<<"$out"; then log "cli $what refused: $(tail -1 <<<"$out")"; else log "cli $what: FAIL: $out"; fail=1; fi; }
# `exits WHAT CODE PATTERN ARGS...`: the command exits with CODE and says PATTERN.
exits() { local what=$1 code=$2 pattern=$3; shift 3; local rc=0
  out=$("$GRADUAL" -u "$URL" "$@" 2>&1) || rc=$?
  if [[ $rc == "$code" ]] && grep -q "$pattern" <<<"$out"; then log "cli $what: OK (exit $rc: $(tail -1 <<<"$out"))"
  else log "cli $what: FAIL (exit $rc, wanted $code): $out"; fail=1; fi; }
L="$WORK/layout.json"
AUTH=$(j "$L" authority); AREW=$(j "$L" authority_rewards)
KP1=$(j "$L" nodes.1.keypair); STAKE1=$(j "$L" nodes.1.stake_account); REW1=$(j "$L" nodes.1.reward_account)
cat > "$WORK/task.toml" <<TOML
task_id = 77
reward_mint = "$(j "$L" reward_mint)"
stake_mint = "$(j "$L" stake_mint)"
start_in_slots = 500
[rounds]
round_slots = 100
submission_slots = 20
audit_slots = 30
distribution_slots = 20
distribution_audit_slots = 20
bounty_per_round = 1.0
minimum_stake = 0.01
TOML
"$GRADUAL" -u "$URL" -k "$AUTH" task create --config "$WORK/task.toml" --output json > "$WORK/task2.json" && log "cli task create: OK" || fail=1
T2=$(j "$WORK/task2.json" task)
ok "task fund" -k "$AUTH" task fund "$T2" 1.5 --from "$AREW"
refused "task fund (too much)" "insufficient balance" -k "$AUTH" task fund "$T2" 1000000 --from "$AREW"
"$GRADUAL" -u "$URL" task show "$T2" --output json > "$WORK/show.json" -k "$AUTH"
[[ $(j "$WORK/show.json" bounty_vault) == 1500000 && $(j "$WORK/show.json" status) == Active ]] && log "cli task show: OK" || { log "cli task show: FAIL"; fail=1; }
ok "node join" -k "$KP1" node join "$T2" --stake 0.02 --stake-account "$STAKE1" --reward-account "$REW1"
ok "node stake" -k "$KP1" node stake "$T2" 0.01 --stake-account "$STAKE1"
ok "node unstake" -k "$KP1" node unstake "$T2" 0.005
"$GRADUAL" -u "$URL" -k "$KP1" node status "$T2" --output json > "$WORK/status.json"
[[ $(( $(j "$WORK/status.json" active_stake) + $(j "$WORK/status.json" pending_stake) )) == 25000 && $(j "$WORK/status.json" unbonding) == 5000 ]] && log "cli node status: OK" || { log "cli node status: FAIL $(cat "$WORK/status.json")"; fail=1; }
refused "node status (not joined)" "has not joined" -k "$AUTH" node status "$T2"
refused "node join (below minimum)" "StakeBelowMinimum" -k "$KP0" node join "$T2" --stake 0.001 --stake-account "$(j "$L" nodes.0.stake_account)" --reward-account "$(j "$L" nodes.0.reward_account)"
refused "task create (unknown mint)" "does not exist" -k "$AUTH" task create --config <(sed 's/^reward_mint = .*/reward_mint = "11111111111111111111111111111112"/; s/task_id = 77/task_id = 78/' "$WORK/task.toml")
ok "task update" -k "$AUTH" task update "$T2" --config "$WORK/task.toml"
refused "task update (round in flight)" "UpdateAffectsRoundInFlight" -k "$AUTH" task update "$TASK" --config "$WORK/task.toml" --effective-round 0
ok "task pause" -k "$AUTH" task pause "$T2"
ok "task resume" -k "$AUTH" task resume "$T2"
ok "task pause (again)" -k "$AUTH" task pause "$T2"
# node run: SIGTERM stops it cleanly (exit 0); terminal states have their own exit codes.
"$GRADUAL" -u "$URL" -k "$KP1" node run "$T2" --stake-account "$STAKE1" --store "$WORK/t2-store.json" > "$WORK/t2-run.log" 2>&1 &
T2_PID=$!
sleep 4
kill -TERM "$T2_PID"; rc=0; wait "$T2_PID" || rc=$?
[[ $rc == 0 ]] && grep -q "SIGTERM: stopping" "$WORK/t2-run.log" && log "cli node run (SIGTERM): OK (exit 0)" \
  || { log "cli node run (SIGTERM): FAIL (exit $rc): $(cat "$WORK/t2-run.log")"; fail=1; }
exits "node run (not a member)" 4 "not a member" -k "$AUTH" node run "$T2" --stake-account "$AREW"
ok "task close" -k "$AUTH" task close "$T2" --to "$AREW"
exits "node run (task closed)" 3 "is closed" -k "$KP1" node run "$T2" --stake-account "$STAKE1"
ok "node withdraw (closed task)" -k "$KP1" node withdraw "$T2" --to "$STAKE1"
"$GRADUAL" -u "$URL" -k "$KP0" node reclaim "$TASK" --output json > "$WORK/reclaim.json" \
  && log "cli node reclaim: OK $(cat "$WORK/reclaim.json")" || { log "cli node reclaim: FAIL"; fail=1; }
refused "node reclaim (no node)" "has no node" -k "$AUTH" node reclaim "$TASK"
"$GRADUAL" -u "$URL" -k "$KP0" node claim "$TASK" --output json > "$WORK/claim.json"
[[ $(j "$WORK/claim.json" total) == 0 ]] && log "cli node claim: OK (the runner had claimed everything)" || { log "cli node claim: FAIL"; fail=1; }

log "finished in $(( $(date +%s) - started ))s after the validator was healthy"
if [[ $fail != 0 ]]; then
  for i in 0 1 2; do log "node $i:"; tail -15 "$WORK/node-$i.log" >&2; done
  exit 1
fi
log "PASS"
