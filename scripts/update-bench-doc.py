#!/usr/bin/env python3
"""Copies the figures a bench/scale run printed (`| name | value |` rows on stdout) into the
matching rows of docs/benchmarks.md, keeping each row's notes. Usage:
  cargo test -p gradual-tests --test bench -- --nocapture | scripts/update-bench-doc.py
"""
import re
import sys

measured = {}
for line in sys.stdin:
    m = re.match(r"^\| (.+?) \| (\d+) \|(?: (\d+) \|)?\s*$", line.strip())
    if m:
        measured[m.group(1)] = (int(m.group(2)), m.group(3) and int(m.group(3)))

path = "docs/benchmarks.md"
out = []
changed = 0
for line in open(path):
    cells = line.rstrip("\n").split(" | ")
    if line.startswith("| ") and len(cells) >= 2:
        name = cells[0][2:]
        if name in measured:
            value, second = measured[name]
            cells[1] = f"{value:,}"
            if second is not None and len(cells) >= 3:
                last = cells[2].endswith(" |")
                cells[2] = f"{second:,}" + (" |" if last else "")
            if len(cells) == 2 and not cells[1].endswith(" |"):
                cells[1] += " |"
            new = " | ".join(cells) + "\n"
            if new != line:
                changed += 1
            line = new
    out.append(line)
open(path, "w").writelines(out)
print(f"updated {changed} rows of {path}", file=sys.stderr)
