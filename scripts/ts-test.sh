#!/usr/bin/env bash
# The TypeScript client (clients/ts): staleness check against idl/gradual.json, type-check and
# build, then the lifecycle test on the real .so in litesvm. Needs node >= 20 and npm.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT/clients/ts"
for tool in node npm; do
  command -v "$tool" >/dev/null || { echo "error: $tool not found (install Node.js >= 20)" >&2; exit 1; }
done
[[ -f "$SBF_OUT_DIR/gradual.so" ]] || { echo "error: $SBF_OUT_DIR/gradual.so missing: run scripts/build.sh first" >&2; exit 1; }
# Installs exactly package-lock.json (idempotent; npm's cache makes a warm install quick).
npm ci --no-audit --no-fund --loglevel=error
npm test
