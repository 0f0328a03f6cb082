#!/usr/bin/env python3
"""The soak's report (scripts/soak.sh): reads the outcome from the validator directly (never
through the counting proxy) and the proxy's per-node counts, writes report.json, prints a
summary and exits non-zero if a round went unpaid, an honest node was not paid exactly, or a
cheater was not slashed."""
import argparse
import base64
import hashlib
import json
import os
import subprocess
import sys
import urllib.request
from concurrent.futures import ThreadPoolExecutor


def rpc(url, method, params=None):
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    req = urllib.request.Request(url, data=body.encode(), headers={"Content-Type": "application/json"})
    r = json.load(urllib.request.urlopen(req, timeout=30))
    if "error" in r:
        raise RuntimeError(f"{method}: {r['error']}")
    return r["result"]


def cli(gradual, url, keypair, *args):
    out = subprocess.run([gradual, "-u", url, "-k", keypair, *args, "--output", "json"], capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"gradual {' '.join(args)}: {out.stderr.strip()}")
    return json.loads(out.stdout)


def equal_split(valid, budget):
    """sdk::node::logic::equal_split: budget / n each, the remainder one unit at a time to the
    lowest indexes."""
    n = len(valid)
    if n == 0 or budget < n:
        return {}
    return {i: budget // n + (1 if k < budget % n else 0) for k, i in enumerate(sorted(valid))}


def discriminator(name):
    return list(hashlib.sha256(f"account:{name}".encode()).digest()[:8])


def main():
    ap = argparse.ArgumentParser()
    for a in ("gradual", "url", "layout", "proxy", "out"):
        ap.add_argument(f"--{a}", required=True)
    ap.add_argument("--snapshots", default="", help="round views saved by soak-watch.py")
    for a in ("cheaters", "rounds", "round-slots", "start-slot", "end-slot"):
        ap.add_argument(f"--{a}", type=int, required=True)
    args = ap.parse_args()
    layout = json.load(open(args.layout))
    proxy = json.load(open(args.proxy))
    url, task = args.url, layout["task"]
    nodes = len(layout["nodes"])
    cheaters = set(range(nodes - args.cheaters, nodes))  # layout positions
    problems = []

    show = cli(args.gradual, url, layout["authority"], "task", "show", task)
    index_of = {n["node"]: n["index"] for n in show["nodes"]}
    slashed_of = {n["node"]: n["slashed"] for n in show["nodes"]}
    idx = [index_of[n["node"]] for n in layout["nodes"]]
    honest_idx = {idx[p] for p in range(nodes) if p not in cheaters}

    # Rounds: each paid in full, to the honest nodes only, by the protocol's equal split.
    expected = {i: 0 for i in honest_idx}
    rounds_paid = 0
    round_rows = []
    for r in range(args.rounds):
        # The last view the watcher saved (the runners close settled rounds after their
        # retention), else the chain now.
        snap = os.path.join(args.snapshots, f"round-{r}.json")
        if args.snapshots and os.path.exists(snap):
            s = json.load(open(snap))
        else:
            try:
                s = cli(args.gradual, url, layout["authority"], "round", "show", task, str(r))
            except RuntimeError as e:
                problems.append(f"round {r}: no view saved and {e}")
                continue
        accepted = [l for l in s["lists"] if l["status"] == "Accepted"]
        paid_in_full = bool(accepted) and all(l["claimed"] == l["entries"] for l in accepted)
        valid = set(s["submitted_nodes"]) - set(s["slashed_nodes"])
        split = equal_split(valid, accepted[0]["total"]) if accepted else {}
        listed = {i: a for i, a in accepted[0]["paid"]} if accepted else {}
        if s["status"] == "Accepted" and paid_in_full:
            rounds_paid += 1
        else:
            problems.append(f"round {r}: status {s['status']}, lists {s['lists']}")
        if accepted and accepted[0]["total"] != s["budget"]:
            problems.append(f"round {r}: the list declares {accepted[0]['total']}, the round's budget is {s['budget']}")
        if listed != split:
            problems.append(f"round {r}: the list pays {listed}, the equal split is {split}")
        if valid != honest_idx:
            problems.append(f"round {r}: paid set {sorted(valid)} is not the honest set {sorted(honest_idx)}")
        for i, a in split.items():
            if i in expected:
                expected[i] += a
        round_rows.append({"round": r, "status": s["status"], "attempt": s["attempt"], "submissions": s["submissions"], "slashed": s["slashed"], "audits": s["audits"]})

    # Honest nodes' reward wallets hold exactly what the rounds owed them.
    honest_paid_exactly = True
    for p, n in enumerate(layout["nodes"]):
        if p in cheaters:
            continue
        bal = int(rpc(url, "getTokenAccountBalance", [n["reward_account"]])["value"]["amount"])
        if bal != expected[idx[p]] or bal == 0:
            honest_paid_exactly = False
            problems.append(f"node {idx[p]}: reward wallet {bal}, owed {expected[idx[p]]}")
    cheaters_slashed = sum(1 for p in cheaters if slashed_of[layout["nodes"][p]["node"]] > 0)
    if cheaters_slashed != len(cheaters):
        problems.append(f"{cheaters_slashed} of {len(cheaters)} cheaters slashed")

    # Requests, as the proxy counted them, per node and per round the nodes ran.
    node_rounds = (args.end_slot - args.start_slot) / args.round_slots
    methods = {}
    per_node = []
    for caller, m in proxy["methods"].items():
        if not caller.isdigit():
            continue
        per_node.append(sum(m.values()))
        for k, v in m.items():
            methods[k] = methods.get(k, 0) + v
    denom = max(1, nodes) * node_rounds
    by_method = {k: round(v / denom, 1) for k, v in sorted(methods.items(), key=lambda kv: -kv[1])}

    # Transactions: every distinct signature a node sent, looked up on chain.
    sigs = [(c, s) for c, l in proxy["signatures"].items() for s in l]
    landed_ok, landed_failed, dropped = [], [], []
    for k in range(0, len(sigs), 256):
        chunk = sigs[k : k + 256]
        st = rpc(url, "getSignatureStatuses", [[s for _, s in chunk], {"searchTransactionHistory": True}])["value"]
        for (c, s), v in zip(chunk, st):
            if v is None:
                dropped.append(s)
            elif v.get("err") is None:
                landed_ok.append(s)
            else:
                landed_failed.append(s)

    def fetch(sig):
        for _ in range(3):
            try:
                t = rpc(url, "getTransaction", [sig, {"encoding": "json", "maxSupportedTransactionVersion": 0, "commitment": "confirmed"}])
                if t:
                    return t
            except RuntimeError:
                pass
        return None

    with ThreadPoolExecutor(8) as pool:
        txs = list(pool.map(fetch, landed_ok + landed_failed))
    fees = sum(t["meta"]["fee"] for t in txs if t)
    failed_why = {}
    for t in txs[len(landed_ok) :]:
        if not t:
            continue
        logs = t["meta"].get("logMessages") or []
        ixname = next((l.split("Instruction: ")[1] for l in logs if "Instruction: " in l), "?")
        err = next((l.split("Error Code: ")[1].split(".")[0] for l in logs if "Error Code: " in l), json.dumps(t["meta"]["err"]))
        key = f"{ixname}: {err}"
        failed_why[key] = failed_why.get(key, 0) + 1

    # Rent still held by per-round accounts at the end, by account type.
    names = {tuple(discriminator(n)): n for n in ("Audit", "DistributionList", "Node", "Round", "RoundShard", "Submission", "Task", "Vote")}
    program = json.load(open("idl/gradual.json"))["address"]
    accounts = rpc(url, "getProgramAccounts", [program, {"encoding": "base64", "dataSlice": {"offset": 0, "length": 8}}])
    rent = {}
    for a in accounts:
        disc = tuple(base64.b64decode(a["account"]["data"][0])[:8])
        name = names.get(disc, "other")
        rent[name] = rent.get(name, 0) + a["account"]["lamports"]
    per_round = ("Audit", "DistributionList", "Round", "RoundShard", "Submission", "Vote")
    rent_locked = sum(v for k, v in rent.items() if k in per_round)

    steady_scans = sum(proxy.get("steady_state_scans", {}).values())
    if steady_scans:
        problems.append(f"{steady_scans} program-account scans after the nodes' first (start-up) scan")
    report = {
        "nodes": nodes,
        "cheaters": len(cheaters),
        "rounds": args.rounds,
        "round_slots": args.round_slots,
        "rounds_paid": rounds_paid,
        "honest_paid_exactly": honest_paid_exactly,
        "cheaters_slashed": cheaters_slashed,
        "node_rounds_measured": round(node_rounds, 2),
        "rpc_requests_per_node_round": round(sum(per_node) / denom, 1),
        "rpc_requests_per_node_round_max": round(max(per_node, default=0) / node_rounds, 1),
        "rpc_by_method_per_node_round": by_method,
        "gpa_per_node_round": round(methods.get("getProgramAccounts", 0) / denom, 2),
        "gpa_per_node_round_steady_state": round(sum(proxy.get("steady_state_scans", {}).values()) / denom, 2),
        "txs_per_node_round": round(len(landed_ok + landed_failed) / denom, 2),
        "send_requests_per_node_round": round(sum(proxy["send_requests"].values()) / denom, 2),
        "failed_txs_per_round": round(len(landed_failed) / node_rounds, 2),
        "failed_txs": failed_why,
        "refused_at_simulation_per_round": {k: round(v / node_rounds, 2) for k, v in sorted(proxy.get("refused_simulations", {}).items(), key=lambda kv: -kv[1])},
        "dropped_txs": len(dropped),
        "fee_lamports_per_node_round": round(fees / denom),
        "rent_locked_lamports_at_end": rent_locked,
        "rent_by_account_type": rent,
        "round_outcomes": round_rows,
        "problems": problems,
    }
    with open(args.out, "w") as f:
        json.dump(report, f, indent=2)
    print(json.dumps({k: v for k, v in report.items() if k not in ("round_outcomes", "rent_by_account_type")}, indent=2))
    sys.exit(1 if problems else 0)


if __name__ == "__main__":
    main()
