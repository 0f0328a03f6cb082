#!/usr/bin/env bash
# Builds everything a test run or a deploy needs, idempotently and fast when warm:
#   target/deploy/gradual.so            the program as a real SBPF v3 ELF (scripts/sbf/)
#   target/deploy/gradual_v2_probe.so   gradual's `vote` on Anchor 2.0 (probes/anchor-v2, measured only)
#   target/deploy/gradual-keypair.json  the program keypair (keys/), as `anchor deploy` expects
#   target/idl/gradual.json             the Anchor IDL from the program's idl-build feature
# No Solana platform-tools or anchor CLI needed; see docs/build.md.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"

log() { printf '[build] %s\n' "$*" >&2; }
start=$(date +%s)

mkdir -p target/deploy target/idl
"$REPO_ROOT/scripts/sbf/build-sbf.sh" programs/gradual target/deploy
cp -f keys/gradual-keypair.json target/deploy/gradual-keypair.json

if [[ "${GRADUAL_SKIP_IDL:-0}" != 1 ]]; then
  log "generating IDL"
  # The IDL tool is its own workspace (tools/idl-gen) with its own lock file.
  cargo build --quiet --release --manifest-path tools/idl-gen/Cargo.toml
  "$CARGO_TARGET_DIR/release/idl-gen" programs/gradual target/idl/gradual.json.tmp
  mv target/idl/gradual.json.tmp target/idl/gradual.json
  log "wrote target/idl/gradual.json"
fi
# Issue 13's Anchor 2.0 measurement: gradual's `vote` ported to anchor-lang 2.0.0-rc.2 (its own
# workspace and lock file), run side by side with gradual.so by tests/tests/anchor_v2.rs.
# Built last; it carries gradual's program id and is never deployed.
"$REPO_ROOT/scripts/sbf/build-sbf.sh" probes/anchor-v2 target/deploy
log "done in $(( $(date +%s) - start ))s"
