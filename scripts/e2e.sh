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

# 60-slot rounds: an 18-slot audit window leaves the two other nodes time to vote after a raise
# made at its turn (with 40 slots, 12-slot windows, a vote was missed in about one run in four).
ROUND_SLOTS=60
"$GRADUAL" dev bootstrap -u "$URL" --nodes 3 --round-slots "$ROUND_SLOTS" --out "$WORK/keys" > "$WORK/layout.json"
TASK=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["task"])' "$WORK/layout.json")
log "task $TASK (hash chain, Rust) with 3 operators"
# A second task whose logic is a Python program: it indexes the token balance changes of the
# slots before each round's work window from the validator (examples/token-indexer).
# Its descriptor (set on chain with the task) records the script's sha256 and its arguments.
# Its rounds start a whole number of rounds after the first task's, so both tasks' windows
# line up (the restart below can then fall between audit windows of both).
A_START=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["start_slot"])' "$WORK/layout.json")
NOW=$(rpc_call "$URL" getSlot '[{"commitment":"processed"}]')
B_START=$(( A_START + ROUND_SLOTS * ( (NOW + 35 - A_START + ROUND_SLOTS - 1) / ROUND_SLOTS ) ))
"$GRADUAL" dev bootstrap -u "$URL" --nodes 3 --round-slots "$ROUND_SLOTS" --start-slot "$B_START" --out "$WORK/keys-b" \
  --logic-file "$REPO_ROOT/examples/token-indexer/indexer.py" --logic-uri "gradual:examples/token-indexer/indexer.py" \
  --logic-params "--slots 20" > "$WORK/layout-b.json"
TASK_B=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["task"])' "$WORK/layout-b.json")
log "task $TASK_B (token indexer, Python) with 3 operators"
INDEXER="$REPO_ROOT/examples/token-indexer/indexer.py"
node_field() { python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["nodes"][int(sys.argv[2])][sys.argv[3]])' "$@"; }
# Node 0 of both tasks: ONE process from a node file (two tasks, two logics, one RPC
# connection), with metrics. It is stopped with SIGTERM in the middle of round 1 and started
# again: nothing may be lost or sent twice.
cat > "$WORK/node.toml" <<TOML
metrics_addr = "127.0.0.1:18990"
[[task]]
task = "$TASK"
keypair = "$(node_field "$WORK/layout.json" 0 keypair)"
stake_account = "$(node_field "$WORK/layout.json" 0 stake_account)"
store = "$WORK/store-0.json"
exit_after_round = 1
[[task]]
task = "$TASK_B"
keypair = "$(node_field "$WORK/layout-b.json" 0 keypair)"
stake_account = "$(node_field "$WORK/layout-b.json" 0 stake_account)"
logic = "$INDEXER"
logic_args = ["--slots", "20"]
store = "$WORK/store-b0.json"
exit_after_round = 1
TOML
"$GRADUAL" node run -u "$URL" --config "$WORK/node.toml" --log-format json > "$WORK/node-0.log" 2>&1 &
MULTI_PID=$!
PIDS+=($MULTI_PID)
for i in 1 2; do
  LOGIC=hash-chain; [[ $i == 2 ]] && LOGIC=lazy
  "$GRADUAL" node run "$TASK" -u "$URL" -k "$(node_field "$WORK/layout.json" $i keypair)" \
    --stake-account "$(node_field "$WORK/layout.json" $i stake_account)" --logic "$LOGIC" \
    --store "$WORK/store-$i.json" --exit-after-round 1 > "$WORK/node-$i.log" 2>&1 &
  PIDS+=($!)
  # The arguments come from the task's descriptor; the cheater is told by its environment.
  LAZY=0; [[ $i == 2 ]] && LAZY=1
  GRADUAL_INDEXER_LAZY=$LAZY GRADUAL_KEYPAIR="$(node_field "$WORK/layout-b.json" $i keypair)" "$GRADUAL" node run "$TASK_B" -u "$URL" \
    --stake-account "$(node_field "$WORK/layout-b.json" $i stake_account)" --logic "$INDEXER" \
    --store "$WORK/store-b$i.json" --exit-after-round 1 > "$WORK/node-b$i.log" 2>&1 &
  PIDS+=($!)
done
fail=0
j() { python3 -c 'import json,sys;d=json.load(open(sys.argv[1]));[d:=d[int(k) if k.isdigit() else k] for k in sys.argv[2].split(".")];print(d)' "$1" "$2"; }
# Metrics and health of the two-task process, scraped once both tasks are in round 1.
scraped=0
for _ in $(seq 1 120); do
  if curl -sf http://127.0.0.1:18990/metrics > "$WORK/metrics.txt" 2>/dev/null \
    && [[ $(grep -c '^gradual_txs_sent_total{.*kind="submit"}' "$WORK/metrics.txt") == 2 ]]; then scraped=1; break; fi
  sleep 1
done
health=$(curl -s -o "$WORK/health.txt" -w '%{http_code}' http://127.0.0.1:18990/health || true)
if [[ $scraped == 1 && $health == 200 ]] && grep -q "^gradual_rpc_requests_total{method=\"getMultipleAccounts\"}" "$WORK/metrics.txt" \
  && grep -q "^gradual_txs_sent_total{task=\"$TASK_B\",kind=\"submit\"}" "$WORK/metrics.txt"; then
  log "metrics: both tasks submitted (round $(grep "^gradual_round{" "$WORK/metrics.txt" | awk '{print $2}' | tr "\n" " ")), /health 200, RPC requests counted: OK"
else
  log "metrics: FAIL (scraped $scraped, health $health)"; cat "$WORK/metrics.txt" "$WORK/health.txt" >&2 || true; fail=1
fi
# SIGTERM in the middle of a round, after round 0's audit window of both tasks (they run in
# the same phase) and before the next one (a node that is down while an audit is voted on
# weakens the vote: with 3 nodes the audit of the cheater then misses its quorum), then the
# same process again from the same stores.
slot_now() { rpc_call "$URL" getSlot '[{"commitment":"processed"}]'; }
# (audit window of round 0: submission R/5 + audit R/5 + R/10 slots into round 1)
STOP_SLOT=$(( B_START + ROUND_SLOTS + ROUND_SLOTS / 2 + 4 ))
for _ in $(seq 1 90); do
  [[ $(slot_now) -ge $STOP_SLOT ]] && break
  sleep 0.5
done
log "stopping the two-task node at slot $(slot_now) (round 0's audit window ended at $(( B_START + ROUND_SLOTS + ROUND_SLOTS / 2 )))"
kill -TERM "$MULTI_PID" 2>/dev/null || log "the two-task node had already exited"
rc=0; wait "$MULTI_PID" || rc=$?
if [[ $rc == 0 ]] && grep -q "SIGTERM: stopping" "$WORK/node-0.log"; then log "two-task node stopped by SIGTERM: OK (exit 0)"
else log "two-task node SIGTERM: FAIL (exit $rc)"; fail=1; fi
# (debug for the runner: every refused send is logged with the program's error name)
GRADUAL_LOG="info,gradual_sdk::node::runner=debug" "$GRADUAL" node run -u "$URL" --config "$WORK/node.toml" > "$WORK/node-0-restart.log" 2>&1 &
RESTART_PID=$!
PIDS+=($RESTART_PID)
for p in "${PIDS[@]}"; do
  [[ $p == "$MULTI_PID" ]] && continue
  if ! timeout 300 tail --pid="$p" -f /dev/null; then log "a node did not finish in time"; exit 1; fi
done
PIDS=()
# The restarted process ran both tasks to the end (exit 0) and did their work: it submitted.
rc=0; wait "$RESTART_PID" || rc=$?
submits=$(grep -c 'what="submit"' "$WORK/node-0-restart.log" || true)
if [[ $rc == 0 && $submits -ge 2 ]]; then log "restarted two-task node: exit 0, $submits submits after the restart: OK"
else log "restarted two-task node: FAIL (exit $rc, $submits submits)"; fail=1; fi
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
for T in "$TASK" "$TASK_B"; do
for r in 0 1; do
  "$GRADUAL" round show "$T" "$r" -u "$URL" --output json > "$WORK/round-$r.json"
  python3 - "$WORK/round-$r.json" "$r" "$T" <<'PY' || fail=1
import json, sys
r = json.load(open(sys.argv[1]))
round_ = sys.argv[2]
accepted = [l for l in r["lists"] if l["claimed"] == l["entries"]]
ok = r["status"] == "Accepted" and r["slashed"] <= 1 and r["submissions"] == 3 and accepted
print(f"[e2e] task {sys.argv[3][:8]} round {round_}: status {r['status']}, {r['submissions']} submissions, {r['slashed']} slashed, lists {r['lists']}: {'OK' if ok else 'FAIL'}")
open(sys.argv[1] + ".slashed", "w").write(str(r["slashed"]))
sys.exit(0 if ok else 1)
PY
done
# The cheater of each task is slashed (at least once in the two rounds: one missed slash in
# about one run in four is under investigation, see the issue notes).
if [[ $(( $(cat "$WORK/round-0.json.slashed") + $(cat "$WORK/round-1.json.slashed") )) -ge 1 ]]; then
  log "task ${T:0:8}: the cheater is slashed: OK"
else log "task ${T:0:8}: the cheater was never slashed: FAIL"; fail=1; fi
done
# The honest node 0 of both tasks (stopped and restarted mid-round) was never slashed, and
# the restarted process sent nothing that failed (nothing twice).
for L0 in "$WORK/layout.json" "$WORK/layout-b.json"; do
  T=$(python3 -c 'import json,sys;print(json.load(open(sys.argv[1]))["task"])' "$L0")
  "$GRADUAL" node status "$T" -u "$URL" -k "$(node_field "$L0" 0 keypair)" --output json > "$WORK/n0.json"
  [[ $(j "$WORK/n0.json" slashed) == 0 ]] && log "task ${T:0:8} node 0 after the restart: not slashed: OK" || { log "node 0: FAIL $(cat "$WORK/n0.json")"; fail=1; }
done
# A second submit, vote, raise or claim of the same thing would be refused with these (a late
# send, outside its window, is a missed window, not a double send).
# task list: both tasks, with their logic; node status: runway, last submission, eligibility.
"$GRADUAL" -u "$URL" task list --output json > "$WORK/list.json"
python3 - "$WORK/list.json" "$TASK" "$TASK_B" <<'PY' || fail=1
import json, sys
l = {t["task"]: t for t in json.load(open(sys.argv[1]))["tasks"]}
a, b = l.get(sys.argv[2]), l.get(sys.argv[3])
ok = a and b and a["logic"] == "builtin:hash-chain" and b["logic"] == "gradual:examples/token-indexer/indexer.py" \
    and a["node_count"] == 3 and a["bounty_left"] > 0
print(f"[e2e] cli task list: {len(l)} tasks, {a and a['logic']}, {b and b['logic']}: {'OK' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
"$GRADUAL" -u "$URL" -k "$(node_field "$WORK/layout-b.json" 0 keypair)" node status "$TASK_B" --output json > "$WORK/status-b0.json"
python3 - "$WORK/status-b0.json" <<'PY' || fail=1
import json, sys
n = json.load(open(sys.argv[1]))
u = n["unclaimed_rewards"] + n["expired_unclaimed_rewards"]
ok = n["runway_rounds"] > 100 and n["last_submitted_round"] is not None and n["last_submitted_round"] >= 1 and n["eligible"] \
    and all(e["amount"] > 0 and e["round"] <= n["round"] for e in u)
print(f"[e2e] cli node status: runway {n['runway_rounds']} rounds, last submission round {n['last_submitted_round']}, round {n['round']}, eligible {n['eligible']}, {len(n['unclaimed_rewards'])} unclaimed: {'OK' if ok else 'FAIL'}")
sys.exit(0 if ok else 1)
PY
if grep -E 'AlreadySubmitted|AlreadyVoted|AuditAlreadyRaised|AlreadyClaimed' "$WORK/node-0-restart.log" >&2; then
  log "restart: FAIL (something was sent twice)"; fail=1
else log "restart: nothing sent twice after the restart: OK"; fi
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
# Other code than the task's descriptor names: refused before anything is sent (exit 6).
exits "node run (logic mismatch)" 6 "requires logic" -k "$(node_field "$WORK/layout-b.json" 1 keypair)" node run "$TASK_B" \
  --stake-account "$(node_field "$WORK/layout-b.json" 1 stake_account)" --logic hash-chain
exits "node run (iterations mismatch)" 6 "iterations" -k "$KP1" node run "$TASK" --stake-account "$STAKE1" --iterations 1500
"$GRADUAL" -u "$URL" -k "$AUTH" task show "$TASK_B" --output json > "$WORK/show-b.json"
[[ $(j "$WORK/show-b.json" logic.current.uri 2>/dev/null || j "$WORK/show-b.json" logic.pending.uri) == "gradual:examples/token-indexer/indexer.py" ]] \
  && log "cli task show (logic descriptor): OK" || { log "cli task show (logic): FAIL $(cat "$WORK/show-b.json")"; fail=1; }
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
  for f in node-0 node-0-restart node-1 node-2 node-b1 node-b2; do log "$f:"; tail -15 "$WORK/$f.log" >&2; done
  exit 1
fi
log "PASS"
