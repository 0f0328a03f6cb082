#!/usr/bin/env python3
"""Keeps the last complete view of each round during the soak (scripts/soak.sh): runners close a
settled round's list and Round after their retention, so the report reads what this saved.

Usage: soak-watch.py GRADUAL URL KEYPAIR TASK ROUNDS OUT_DIR  (runs until killed)"""
import json
import os
import subprocess
import sys
import time

gradual, url, keypair, task, rounds, out = sys.argv[1:7]
os.makedirs(out, exist_ok=True)
while True:
    for r in range(int(rounds)):
        p = subprocess.run([gradual, "-u", url, "-k", keypair, "round", "show", task, str(r), "--output", "json"], capture_output=True, text=True)
        if p.returncode != 0:
            continue
        try:
            view = json.loads(p.stdout)
        except ValueError:
            continue
        path = os.path.join(out, f"round-{r}.json")
        # The distributor closes its list a few slots before the crank closes the Round: a view
        # in between has no list and must not replace one that has it.
        accepted = lambda v: any(l.get("status") == "Accepted" for l in v.get("lists", []))
        if os.path.exists(path) and not accepted(view):
            try:
                with open(path) as f:
                    if accepted(json.load(f)):
                        continue
            except ValueError:
                pass
        with open(path + ".tmp", "w") as f:
            json.dump(view, f)
        os.replace(path + ".tmp", path)
    time.sleep(5)
