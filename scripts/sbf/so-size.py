#!/usr/bin/env python3
"""so-size.py <gradual.so> <symbols.txt> [top-N]: code size per crate and per function.

symbols.txt is `llvm-nm --print-size --size-sort --radix=d` of the BPF object compiled from
the module sbpf-linker linked (scripts/so-size.sh); its function sizes sum to within a few
percent of the .so's text (the SBPF re-encoding changes little). Symbols are demangled with
c++filt (GNU binutils demangles Rust's v0 and legacy schemes).
"""
import collections
import re
import shutil
import subprocess
import sys

so, symbols = sys.argv[1], sys.argv[2]
top = int(sys.argv[3]) if len(sys.argv) > 3 else 25

sizes = collections.Counter()
for line in open(symbols, encoding="utf-8", errors="replace"):
    parts = line.split()
    # <address> <size> <type> <name>: code symbols only (t/T); read-only data is listed apart.
    if len(parts) >= 4 and parts[2] in ("t", "T", "r", "R", "d", "D"):
        key = parts[3] if parts[2] in "tT" else f"[data] {parts[3]}"
        sizes[key] += int(parts[1])

names = list(sizes)
demangled = names
if shutil.which("c++filt"):
    # Without the crate hashes ("core[bc43…]::fmt" -> "core::fmt").
    out = subprocess.run(["c++filt"], input="\n".join(names), capture_output=True, text=True)
    if out.returncode == 0 and len(out.stdout.splitlines()) == len(names):
        demangled = [re.sub(r"\[[0-9a-f]{6,}\]", "", d) for d in out.stdout.splitlines()]


def crate(sym: str) -> str:
    if sym.startswith("[data]"):
        return "(read-only data)"
    s = sym
    while s.startswith(("<", "&", "*", "(")):
        s = s.lstrip("<&*( ")
        if s.startswith("mut "):
            s = s[4:]
        if s.startswith("dyn "):
            s = s[4:]
    head = re.split(r"::|<| as |\[", s, maxsplit=1)[0]
    return head if head and not head.startswith("_") else "(unnamed)"


by_crate = collections.Counter()
rows = []
for raw, pretty in zip(names, demangled):
    by_crate[crate(pretty)] += sizes[raw]
    rows.append((sizes[raw], pretty))
total = sum(sizes.values())

KINDS = [
    ("account validation (derive(Accounts) try_accounts)", lambda n: " as anchor_lang::Accounts<" in n),
    ("instruction bodies (__global::*, handlers inlined)", lambda n: "::__private::__global::" in n),
    ("account exit / serialization", lambda n: "exit" in n or "try_serialize" in n or "AccountsExit" in n),
    ("error names and messages (logging)", lambda n: "::name" in n and "Error" in n or "fmt" in n),
]
by_kind = collections.Counter()
for raw, pretty in zip(names, demangled):
    kind = next((k for k, f in KINDS if f(pretty)), "other")
    by_kind[kind] += sizes[raw]
so_size = len(open(so, "rb").read())
print(f"{so}: {so_size:,} bytes; symbols in the compiled module: {total:,} bytes in {len(names):,} symbols")
print(f"\n{'crate':<40} {'bytes':>10} {'share':>7}")
for c, b in by_crate.most_common():
    if b * 200 < total:
        continue
    print(f"{c:<40} {b:>10,} {100 * b / total:>6.1f}%")
print(f"\n{'kind':<55} {'bytes':>10} {'share':>7}")
for k, b in by_kind.most_common():
    print(f"{k:<55} {b:>10,} {100 * b / total:>6.1f}%")
print(f"\n{'function':<100} {'bytes':>9}")
for b, name in sorted(rows, reverse=True)[:top]:
    print(f"{name[:100]:<100} {b:>9,}")
