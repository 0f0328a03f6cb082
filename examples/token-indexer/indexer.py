#!/usr/bin/env python3
"""token-indexer: an example gradual task logic (external logic, protocol 1) in plain Python.

The work. For a round whose work window opens at slot `work_start`, index every SPL token
balance change (Token and Token-2022 programs alike) of the successful transactions
(`meta.err` is null) in the slots [work_start - SLOTS, work_start), SLOTS = --slots (default
20, the start clamped at 0). The range lies entirely before the window, so every node can read
the same confirmed blocks from its own RPC node and must reach the same answer. Each change,
from the jsonParsed `meta.preTokenBalances` / `postTokenBalances`, becomes one record

    {"slot", "signature", "mint", "owner", "account", "pre", "post"}

(signature: the transaction's first; account: the pubkey at that account index; pre / post:
raw amounts as decimal strings, "0" when absent; owner "" when absent), sorted by slot,
position of the transaction in its block, then account index. Leaf = sha256 of the record's
canonical JSON (sorted keys, no spaces); the root is a binary Merkle tree of sha256(left ||
right), an odd level pairing its last node with itself; no records: sha256(b"gradual-token-
indexer-empty").

The proof (56 bytes, little-endian): b"GTI1" | range start u64 | range end u64 (exclusive) |
record count u32 | root (32 bytes). An auditor recomputes the index (once per window, cached)
and compares bytes. It answers "invalid" only for a malformed proof, a wrong range, or a proof
that differs from an index it computed successfully; when it cannot compute the index (RPC
error, timeout, blocks not yet confirmed) it answers "unknown", which never accuses anyone.

An honest limitation: the result is the same for every node, so a lazy node could copy a proof
another node already submitted in the same window and pass every audit. Tasks that need each
node to do its own work must seed the work per node (as the built-in hash chain does, from the
task, the round and the node index).

Run: GRADUAL_RPC_URL=http://127.0.0.1:8899 indexer.py [--slots 20] [--lazy]; the runner sets
GRADUAL_LOGIC_LANE (work or audit) and speaks JSON lines on stdin/stdout; stderr is for logs.
"""
import argparse
import base64
import hashlib
import json
import os
import struct
import sys
import time
import urllib.error
import urllib.request

MAGIC = b"GTI1"
PROOF = struct.Struct("<4sQQI32s")  # magic, range start, range end, count, root: 56 bytes
EMPTY_ROOT = hashlib.sha256(b"gradual-token-indexer-empty").digest()
# What --lazy submits: never a real index's root (not even of an empty range), so an honest
# auditor always catches it.
LAZY_ROOT = hashlib.sha256(b"gradual-token-indexer-lazy").digest()
# JSON-RPC errors meaning "this slot has no block": skipped, or missing in long-term storage.
EMPTY_SLOT_CODES = (-32007, -32009)
CACHE_SIZE = 64

LANE = os.environ.get("GRADUAL_LOGIC_LANE", "?")


def log(msg):
    """One diagnostic line on stderr (stdout carries the protocol only)."""
    sys.stderr.write(f"token-indexer[{LANE}]: {msg}\n")
    sys.stderr.flush()


class Failure(Exception):
    """The index could not be computed now (transport, RPC or timeout); it may work later."""


class RpcError(Failure):
    """A JSON-RPC error answer (carries its code)."""

    def __init__(self, code, message):
        super().__init__(f"RPC error {code}: {message}")
        self.code = code


class Indexer:
    def __init__(self, args):
        self.url = args.rpc_url
        self.slots = args.slots
        self.wait_secs = args.wait_secs
        self.timeout = args.rpc_timeout
        self.cache = {}  # (work_start, slots) -> proof bytes, successes only
        self.next_id = 0

    def rpc(self, method, params):
        """One JSON-RPC call over HTTP POST; raises Failure on any kind of trouble."""
        self.next_id += 1
        body = json.dumps({"jsonrpc": "2.0", "id": self.next_id, "method": method,
                           "params": params}).encode()
        req = urllib.request.Request(self.url, data=body,
                                     headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                answer = json.loads(resp.read())
        except (urllib.error.URLError, OSError, ValueError) as e:  # HTTP/socket/JSON errors
            raise Failure(f"{method}: {e}") from e
        if not isinstance(answer, dict):
            raise Failure(f"{method}: answer is not a JSON object")
        if answer.get("error") is not None:
            err = answer["error"]
            if not isinstance(err, dict):
                raise Failure(f"{method}: RPC error {err!r}")
            raise RpcError(err.get("code"), err.get("message", ""))
        if "result" not in answer:
            raise Failure(f"{method}: answer has no result")
        return answer["result"]

    def range_for(self, work_start):
        return max(0, work_start - self.slots), work_start

    def wait_confirmed(self, slot):
        """Poll the confirmed slot until it reaches `slot`, so the whole range is settled."""
        deadline = time.monotonic() + self.wait_secs
        while True:
            try:
                current = self.rpc("getSlot", [{"commitment": "confirmed"}])
                if current >= slot:
                    return
                why = f"confirmed slot {current} < {slot}"
            except Failure as e:
                why = str(e)  # keep polling: the node may be restarting
            if time.monotonic() >= deadline:
                raise Failure(f"range not confirmed after {self.wait_secs}s ({why})")
            time.sleep(min(0.4, max(0.0, deadline - time.monotonic())))

    def records(self, start, end):
        """The balance-change records of the slots [start, end), in canonical order."""
        if start >= end:
            return []
        # An endpoint whose history starts after `start` (pruned, or restarted from a snapshot)
        # would miss blocks and produce another root: that is a transient failure ("unknown"),
        # never grounds to call a peer's proof invalid.
        first = self.rpc("getFirstAvailableBlock", [])
        if first > start:
            raise Failure(f"this RPC endpoint's history starts at slot {first}, after {start}")
        slots = self.rpc("getBlocks", [start, end - 1, {"commitment": "confirmed"}])
        out = []
        for slot in sorted(slots):
            try:
                block = self.rpc("getBlock", [slot, {
                    "encoding": "jsonParsed", "transactionDetails": "full",
                    "maxSupportedTransactionVersion": 0, "rewards": False,
                    "commitment": "confirmed"}])
            except RpcError as e:
                if e.code in EMPTY_SLOT_CODES:
                    continue  # skipped slot: no transactions
                raise
            if block is None:
                continue
            for tx in block.get("transactions") or []:  # block order = position order
                out.extend(tx_records(slot, tx))
        return out

    def proof(self, work_start):
        """The honest proof for a window opening at `work_start` (computed once, then cached)."""
        key = (work_start, self.slots)
        if key not in self.cache:
            if not self.url:
                raise Failure("no RPC URL: set GRADUAL_RPC_URL or pass --rpc-url")
            start, end = self.range_for(work_start)
            self.wait_confirmed(work_start)
            recs = self.records(start, end)
            root = merkle_root([leaf(r) for r in recs])
            log(f"indexed slots [{start}, {end}): {len(recs)} records, root {root.hex()[:16]}")
            if len(self.cache) >= CACHE_SIZE:
                self.cache.pop(next(iter(self.cache)))  # drop the oldest window
            self.cache[key] = PROOF.pack(MAGIC, start, end, len(recs), root)
        return self.cache[key]


def tx_records(slot, tx):
    """Records of one transaction: one per account index whose token amount changed."""
    meta = tx.get("meta")
    if meta is None or meta.get("err") is not None:
        return []  # failed (or meta-less) transactions change no balance
    keys = tx["transaction"]["message"]["accountKeys"]
    pre = {b["accountIndex"]: b for b in meta.get("preTokenBalances") or []}
    post = {b["accountIndex"]: b for b in meta.get("postTokenBalances") or []}
    out = []
    for i in sorted(set(pre) | set(post)):
        before, after = pre.get(i, {}), post.get(i, {})
        a0 = before.get("uiTokenAmount", {}).get("amount", "0")
        a1 = after.get("uiTokenAmount", {}).get("amount", "0")
        if a0 == a1:
            continue
        key = keys[i]
        out.append({
            "slot": slot,
            "signature": tx["transaction"]["signatures"][0],
            "mint": after.get("mint") or before.get("mint", ""),
            "owner": after.get("owner") or before.get("owner") or "",
            "account": key["pubkey"] if isinstance(key, dict) else key,
            "pre": a0,
            "post": a1,
        })
    return out


def leaf(record):
    return hashlib.sha256(json.dumps(record, sort_keys=True, separators=(",", ":")).encode()).digest()


def merkle_root(leaves):
    if not leaves:
        return EMPTY_ROOT
    level = list(leaves)
    while len(level) > 1:
        if len(level) % 2:
            level.append(level[-1])  # odd level: the last node pairs with itself
        level = [hashlib.sha256(level[i] + level[i + 1]).digest() for i in range(0, len(level), 2)]
    return level[0]


def handle(ix, args, method, p):
    """The result of one request; raises for an `error` answer."""
    if method == "hello":
        return {"name": "token-indexer", "methods": ["work", "audit_submission"]}
    if method == "work":
        work_start = int(p["work_start"])
        if args.lazy or os.environ.get("GRADUAL_INDEXER_LAZY") == "1":  # the cheat: right shape and range, a made-up root, no block read
            start, end = ix.range_for(work_start)
            return {"proof": base64.b64encode(PROOF.pack(MAGIC, start, end, 0, LAZY_ROOT)).decode()}
        return {"proof": base64.b64encode(ix.proof(work_start)).decode()}
    if method == "audit_submission":
        work_start, target = int(p["work_start"]), p["target"]
        proof = base64.b64decode(p["proof"], validate=True)
        if len(proof) != PROOF.size or proof[:4] != MAGIC:
            log(f"round {p['round']}: node {target}: malformed proof ({len(proof)} bytes)")
            return {"verdict": "invalid"}
        if PROOF.unpack(proof)[1:3] != ix.range_for(work_start):
            log(f"round {p['round']}: node {target}: proof covers the wrong range")
            return {"verdict": "invalid"}  # the range is known without any RPC
        try:
            expected = ix.proof(work_start)
        except Exception as e:  # noqa: BLE001 - any failure to index must not accuse
            log(f"round {p['round']}: node {target}: cannot index ({e}): unknown")
            return {"verdict": "unknown"}
        return {"verdict": "valid" if proof == expected else "invalid"}
    raise ValueError(f"unknown method {method!r}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rpc-url", default=os.environ.get("GRADUAL_RPC_URL"))
    ap.add_argument("--slots", type=int, default=20, help="slots indexed before the window")
    ap.add_argument("--wait-secs", type=float, default=8.0, help="wait for confirmation")
    ap.add_argument("--rpc-timeout", type=float, default=10.0, help="timeout of one RPC call")
    ap.add_argument("--lazy", action="store_true", help="cheat: submit a made-up index without reading any block (or GRADUAL_INDEXER_LAZY=1, "
                    "which leaves the arguments the task's descriptor fixes unchanged)")
    args = ap.parse_args()
    if args.slots < 1:
        ap.error("--slots must be at least 1")
    ix = Indexer(args)
    for line in sys.stdin:
        if not line.strip():
            continue
        rid = None
        try:
            req = json.loads(line)
            rid = req["id"]
            answer = {"id": rid, "result": handle(ix, args, req["method"], req.get("params") or {})}
        except Exception as e:  # noqa: BLE001 - every failure becomes an `error` answer
            log(f"request {rid}: {type(e).__name__}: {e}")
            answer = {"id": rid, "error": f"{type(e).__name__}: {e}"}
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
