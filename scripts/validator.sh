# solana-test-validator helpers shared by scripts/e2e.sh and scripts/soak.sh (sourced).
#
# Validator binary, in order: `solana-test-validator` on PATH; the prebuilt copy in
# ../shared/tools relative to the repository (unpacked into the persistent cache, which later
# runs from any clone reuse). Without any,
# find_validator prints nothing and the caller says it skipped (building agave-validator takes
# ~1 hour: `cargo install agave-validator --version 4.2.2 --locked --bin solana-test-validator`,
# needs libclang-dev).

find_validator() {
  local v gz
  v="$(command -v solana-test-validator || true)"
  if [[ -n "$v" ]]; then echo "$v"; return; fi
  gz="$REPO_ROOT/../shared/tools/solana-test-validator-4.2.2-x86_64-linux.gz"
  v="$GRADUAL_CACHE/bin/solana-test-validator"
  # Unpacked by an earlier run into the persistent cache (scripts/env.sh).
  if [[ ! -f "$gz" ]]; then
    [[ -x "$v" ]] && echo "$v"
    return 0
  fi
  mkdir -p "$GRADUAL_CACHE/bin"
  if [[ ! -x "$v" ]]; then
    gunzip -c "$gz" > "$v.tmp" && chmod +x "$v.tmp" && mv "$v.tmp" "$v"
  fi
  echo "$v"
}

# start_validator BINARY WORKDIR RPC_PORT: starts it in the background (pid in VPID) with the
# program loaded at its Anchor.toml address, and waits until it answers getHealth.
start_validator() {
  local bin=$1 work=$2 port=$3 base=$(( $3 - 800 )) i
  local program_id
  program_id="$(python3 -c 'import tomllib;print(tomllib.load(open("Anchor.toml","rb"))["programs"]["localnet"]["gradual"])')"
  "$bin" --ledger "$work/ledger" --reset --quiet --bind-address 127.0.0.1 \
    --rpc-port "$port" --faucet-port $(( port + 1001 )) --gossip-port $(( base + 1 )) \
    --dynamic-port-range $(( base + 100 ))-$(( base + 200 )) \
    --bpf-program "$program_id" target/deploy/gradual.so > "$work/validator.log" 2>&1 &
  VPID=$!
  for i in $(seq 1 60); do
    if rpc_call "http://127.0.0.1:$port" getHealth >/dev/null 2>&1; then return 0; fi
    sleep 1
  done
  echo "validator did not become healthy" >&2
  tail -20 "$work/validator.log" >&2
  return 1
}

# rpc_call URL METHOD [JSON_PARAMS]: prints the result, fails on an error answer.
rpc_call() {
  python3 - "$@" <<'PY'
import json, sys, urllib.request
params = json.loads(sys.argv[3]) if len(sys.argv) > 3 else []
req = urllib.request.Request(sys.argv[1], data=json.dumps({"jsonrpc": "2.0", "id": 1, "method": sys.argv[2], "params": params}).encode(), headers={"Content-Type": "application/json"})
r = json.load(urllib.request.urlopen(req, timeout=5))
if "error" in r:
    sys.exit(str(r["error"]))
print(json.dumps(r["result"]))
PY
}
