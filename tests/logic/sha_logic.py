#!/usr/bin/env python3
"""A task logic for the external-logic protocol tests (protocol 1, docs/operators.md).

The proof of node i for round r is sha256("gradual-ext|<task>|<r>|<i>"); an auditor recomputes
it. argv[1] picks a behaviour: honest (default), forge (submits zeros), malformed-work (answers
work with a line that is not JSON), crash-work / crash-audit (exits with status 3 instead of
answering), slow-audit (never answers an audit in time), unknown-audit (answers "unknown").
"""
import base64
import hashlib
import json
import os
import sys
import time

MODE = sys.argv[1] if len(sys.argv) > 1 else "honest"


def proof(task, rnd, node):
    return hashlib.sha256(f"gradual-ext|{task}|{rnd}|{node}".encode()).digest()


def answer(rid, result):
    sys.stdout.write(json.dumps({"id": rid, "result": result}) + "\n")
    sys.stdout.flush()


for line in sys.stdin:
    req = json.loads(line)
    rid, method, p = req["id"], req["method"], req["params"]
    if method == "hello":
        answer(rid, {"name": f"sha-test ({MODE})", "methods": ["work", "audit_submission"]})
    elif method == "work":
        if MODE == "malformed-work":
            print("proof: 42", flush=True)
            continue
        if MODE == "crash-work":
            os._exit(3)
        data = bytes(32) if MODE == "forge" else proof(p["task"], p["round"], p["node_index"])
        answer(rid, {"proof": base64.b64encode(data).decode()})
    elif method == "audit_submission":
        if MODE == "crash-audit":
            os._exit(3)
        if MODE == "slow-audit":
            time.sleep(3600)
        if MODE == "unknown-audit":
            answer(rid, {"verdict": "unknown"})
            continue
        ok = base64.b64decode(p["proof"]) == proof(p["task"], p["round"], p["target"])
        answer(rid, {"verdict": "valid" if ok else "invalid"})
    else:
        sys.stdout.write(json.dumps({"id": rid, "error": f"unknown method {method}"}) + "\n")
        sys.stdout.flush()
