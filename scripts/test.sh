#!/usr/bin/env bash
# Runs every test against the .so that scripts/build.sh produced.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
[[ -f "$SBF_OUT_DIR/gradual.so" ]] || { echo "error: $SBF_OUT_DIR/gradual.so missing: run scripts/build.sh first" >&2; exit 1; }
# program-test logs every instruction at debug level; keep the output to results and tables.
export RUST_LOG="${RUST_LOG:-error}"
cargo test --workspace --locked -- --nocapture "$@"
# The generated TypeScript client against the same .so (staleness check + lifecycle test).
scripts/ts-test.sh
# The example external logic (Python) against a fake RPC endpoint.
python3 examples/token-indexer/test_indexer.py
