# Shared settings for the build and test scripts (sourced, not run).
# One persistent cache outside the clone, so CI and every later build reuse the work.
if [[ -z "${GRADUAL_CACHE:-}" ]]; then
  if mkdir -p /var/cache/gradual 2>/dev/null && [[ -w /var/cache/gradual ]]; then
    GRADUAL_CACHE=/var/cache/gradual
  else
    GRADUAL_CACHE="${XDG_CACHE_HOME:-$HOME/.cache}/gradual"
  fi
fi
export GRADUAL_CACHE
mkdir -p "$GRADUAL_CACHE"
# Host builds (SDK, tests, IDL) share one target dir; the SBF build has its own under sbf/.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$GRADUAL_CACHE/target}"
export SBF_CACHE_DIR="${SBF_CACHE_DIR:-$GRADUAL_CACHE/sbf}"
REPO_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export REPO_ROOT
export SBF_OUT_DIR="${SBF_OUT_DIR:-$REPO_ROOT/target/deploy}"
