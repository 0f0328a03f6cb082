#!/usr/bin/env bash
# Where the bytes of target/deploy/gradual.so go:
#   scripts/so-size.sh [top-N]
# Relinks the program once with SBF_LINK_DUMP set, so the link wrapper (scripts/sbf/sbf-link.sh)
# keeps the final LLVM IR module that sbpf-linker compiled, compiles that module again with the
# same toolchain's `llc` (rustup component llvm-tools) into a BPF object that keeps its symbol
# table, then prints the .so's size, the code per crate and the N largest functions
# (scripts/sbf/so-size.py). target/deploy/gradual.so is not changed. Takes one program rebuild.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$REPO_ROOT"
TOP="${1:-25}"
OUT="$REPO_ROOT/target/so-size"
rm -rf "$OUT" && mkdir -p "$OUT"

# A relink is needed to capture the link line: touch the crate so cargo relinks it.
touch programs/gradual/src/lib.rs
SBF_LINK_DUMP="$OUT" SBF_OUT_DIR="$OUT" scripts/sbf/build-sbf.sh programs/gradual "$OUT" >&2
IR="$OUT/libgradual.so.ll/post-opt.ll"
[[ -s "$IR" ]] || { echo "error: no IR module written to $IR" >&2; exit 1; }
cmp -s "$OUT/gradual.so" target/deploy/gradual.so ||
  echo "note: target/deploy/gradual.so differs from this build (stale? run scripts/build.sh)" >&2

TOOLCHAIN="${SBF_TOOLCHAIN:-nightly-2026-09-01}"
SYSROOT="$(rustup run "$TOOLCHAIN" rustc --print sysroot)"
BIN="$SYSROOT/lib/rustlib/$(rustup run "$TOOLCHAIN" rustc -vV | sed -n 's/^host: //p')/bin"
if [[ ! -x "$BIN/llc" ]]; then
  rustup component add llvm-tools --toolchain "$TOOLCHAIN" >&2
fi
# The code generation options of scripts/sbf/build-sbf.sh.
"$BIN/llc" -O2 -march=bpfel -mcpu=v4 -mattr=+allows-misaligned-mem-access \
  --bpf-allows-libcalls --bpf-stack-size=4096 --disable-movsx --disable-ldsx --disable-bswap --disable-gotox \
  -filetype=obj -o "$OUT/gradual.o" "$IR"
"$BIN/llvm-nm" --print-size --size-sort --radix=d "$OUT/gradual.o" > "$OUT/symbols.txt"
python3 scripts/sbf/so-size.py target/deploy/gradual.so "$OUT/symbols.txt" "$TOP"
