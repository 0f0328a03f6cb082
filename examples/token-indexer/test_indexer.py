#!/usr/bin/env python3
"""Tests of indexer.py against a fake Solana JSON-RPC server (stdlib only).

Run from the repository root: python3 examples/token-indexer/test_indexer.py
"""
import base64
import hashlib
import json
import os
import queue
import struct
import subprocess
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

INDEXER = os.path.join(os.path.dirname(os.path.abspath(__file__)), "indexer.py")
TASK = "Gradua1Task111111111111111111111111111111111"
WORK_START = 120  # with --slots 20 the indexed range is [100, 120)
TOKEN = "TokenkegQfeZyiNwAJbNbGKPFXCWuBvf9Ss623VQ5DA"
TOKEN_2022 = "TokenzQdBNbLqP5VEhdkAbS1wqb4AcjtH5JLHZnCJRUH"
MINT = "So11111111111111111111111111111111111111112"
ALICE, BOB = "A1ice1111111111111111111111111111111111111", "Bob11111111111111111111111111111111111111111"
ALICE_ATA, BOB_ATA = "AtaA111111111111111111111111111111111111111", "AtaB111111111111111111111111111111111111111"


def key(pubkey, signer=False, writable=True):
    return {"pubkey": pubkey, "signer": signer, "writable": writable, "source": "transaction"}


def balance(index, amount, owner=None, program=TOKEN):
    b = {"accountIndex": index, "mint": MINT, "programId": program,
         "uiTokenAmount": {"amount": amount, "decimals": 9, "uiAmount": None, "uiAmountString": ""}}
    if owner is not None:
        b["owner"] = owner
    return b


def tx(sig, keys, pre, post, err=None):
    return {"transaction": {"signatures": [sig], "message": {"accountKeys": keys, "instructions": []}},
            "meta": {"err": err, "fee": 5000, "preTokenBalances": pre, "postTokenBalances": post},
            "version": 0}


# Slot 105: a vote-like tx with no token balances, then Alice sends 250 to Bob's new account
# (no pre balance); Alice's second token account (index 3) is unchanged and must be left out.
# Slot 107: skipped (listed by getBlocks, but getBlock answers -32007).
# Slot 111: a failed Token-2022 transfer, which must be ignored.
BLOCKS = {
    105: {"blockhash": "h105", "transactions": [
        tx("VoteSig", [key(ALICE, signer=True)], [], []),
        tx("GoodSig", [key(ALICE, signer=True), key(ALICE_ATA), key(BOB_ATA), key("AtaC1111")],
           [balance(1, "1000", ALICE), balance(3, "7", ALICE)],
           [balance(1, "750", ALICE), balance(2, "250", BOB), balance(3, "7", ALICE)]),
    ]},
    111: {"blockhash": "h111", "transactions": [
        tx("BadSig", [key(ALICE, signer=True), key(ALICE_ATA), key(BOB_ATA)],
           [balance(1, "750", ALICE, TOKEN_2022)], [balance(1, "0", ALICE, TOKEN_2022),
                                                    balance(2, "750", BOB, TOKEN_2022)],
           err={"InstructionError": [0, "Custom"]}),
    ]},
}
SKIPPED = {107}

# What the index of [100, 120) must contain, written out by hand.
EXPECTED = [
    {"slot": 105, "signature": "GoodSig", "mint": MINT, "owner": ALICE, "account": ALICE_ATA,
     "pre": "1000", "post": "750"},
    {"slot": 105, "signature": "GoodSig", "mint": MINT, "owner": BOB, "account": BOB_ATA,
     "pre": "0", "post": "250"},
]


def expected_root():
    leaves = [hashlib.sha256(json.dumps(r, sort_keys=True, separators=(",", ":")).encode()).digest()
              for r in EXPECTED]
    return hashlib.sha256(leaves[0] + leaves[1]).digest()  # two leaves: one level


class FakeRpc(BaseHTTPRequestHandler):
    state = {"slot": 500, "fail_get_block": False, "calls": []}

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        method, params = req["method"], req["params"]
        self.state["calls"].append(method)
        if method == "getBlock" and self.state["fail_get_block"]:
            self.send_response(500)
            self.end_headers()
            return
        answer = {"jsonrpc": "2.0", "id": req["id"]}
        if method == "getSlot":
            answer["result"] = self.state["slot"]
        elif method == "getFirstAvailableBlock":
            answer["result"] = self.state.get("first_block", 0)
        elif method == "getBlocks":
            start, end = params[0], params[1]
            answer["result"] = [s for s in sorted(set(BLOCKS) | SKIPPED) if start <= s <= end]
        elif method == "getBlock" and params[0] in SKIPPED:
            answer["error"] = {"code": -32007, "message": f"Slot {params[0]} was skipped"}
        elif method == "getBlock" and params[0] in BLOCKS:
            assert params[1]["encoding"] == "jsonParsed"
            answer["result"] = BLOCKS[params[0]]
        else:
            answer["error"] = {"code": -32601, "message": "Method not found"}
        body = json.dumps(answer).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class Logic:
    """One indexer process spoken to over protocol 1."""

    def __init__(self, url, *args, lane="work"):
        env = dict(os.environ, GRADUAL_RPC_URL=url, GRADUAL_LOGIC_LANE=lane)
        self.proc = subprocess.Popen(
            [sys.executable, INDEXER, "--wait-secs", "1", "--rpc-timeout", "2", *args],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            text=True, env=env)
        self.lines = queue.Queue()
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        self.next_id = 0

    def _read(self):
        for line in self.proc.stdout:
            self.lines.put(line)

    def call(self, method, **params):
        self.next_id += 1
        self.proc.stdin.write(json.dumps({"id": self.next_id, "method": method, "params": params}) + "\n")
        self.proc.stdin.flush()
        answer = json.loads(self.lines.get(timeout=8))
        assert answer["id"] == self.next_id, answer
        return answer

    def work(self, work_start=WORK_START):
        answer = self.call("work", task=TASK, round=3, node_index=0,
                           work_start=work_start, work_end=work_start + 50)
        return base64.b64decode(answer["result"]["proof"]) if "result" in answer else answer

    def audit(self, proof, work_start=WORK_START):
        answer = self.call("audit_submission", task=TASK, round=3, node_index=1,
                           work_start=work_start, work_end=work_start + 50, target=0,
                           proof=base64.b64encode(proof).decode())
        return answer["result"]["verdict"]

    def close(self):
        self.proc.stdin.close()
        return self.proc.wait(timeout=5)


class IndexerTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = ThreadingHTTPServer(("127.0.0.1", 0), FakeRpc)
        threading.Thread(target=cls.server.serve_forever, daemon=True).start()
        cls.url = f"http://127.0.0.1:{cls.server.server_address[1]}"

    @classmethod
    def tearDownClass(cls):
        cls.server.shutdown()
        cls.server.server_close()

    def setUp(self):
        FakeRpc.state.update(slot=500, fail_get_block=False, calls=[], first_block=0)
        self.procs = []

    def tearDown(self):
        for p in self.procs:
            if p.proc.poll() is None:
                p.proc.kill()
                p.proc.wait()
            p.reader.join(timeout=2)  # the reader ends at EOF, before its pipe is closed
            for pipe in (p.proc.stdin, p.proc.stdout):
                try:
                    pipe.close()
                except OSError:
                    pass  # stdin already closed by a test, or broken by the kill

    def logic(self, *args, lane="work"):
        p = Logic(self.url, *args, lane=lane)
        self.procs.append(p)
        return p

    def test_honest_work_and_audits(self):
        logic = self.logic()
        hello = logic.call("hello", protocol=1, lane="work")["result"]
        self.assertEqual(hello, {"name": "token-indexer", "methods": ["work", "audit_submission"]})

        proof = logic.work()
        self.assertEqual(len(proof), 56)
        magic, start, end, count, root = struct.unpack("<4sQQI32s", proof)
        self.assertEqual((magic, start, end, count), (b"GTI1", 100, 120, 2))
        self.assertEqual(root, expected_root())
        self.assertEqual(FakeRpc.state["calls"].count("getBlock"), 3)  # 105, 107 (skipped), 111

        self.assertEqual(logic.audit(proof), "valid")
        flipped = proof[:-1] + bytes([proof[-1] ^ 1])
        self.assertEqual(logic.audit(flipped), "invalid")
        self.assertEqual(logic.audit(b"abc"), "invalid")
        self.assertEqual(logic.audit(b"XXXX" + proof[4:]), "invalid")
        wrong_range = struct.pack("<4sQQI32s", b"GTI1", 101, 120, count, root)
        self.assertEqual(logic.audit(wrong_range), "invalid")
        # The index was computed once and served from the cache since.
        self.assertEqual(FakeRpc.state["calls"].count("getBlock"), 3)

        self.assertIn("error", logic.call("frobnicate", round=3))
        self.assertEqual(logic.close(), 0)

    def test_rpc_failure_is_unknown_never_invalid(self):
        FakeRpc.state["fail_get_block"] = True
        auditor = self.logic(lane="audit")
        honest = struct.pack("<4sQQI32s", b"GTI1", 100, 120, 2, expected_root())
        self.assertEqual(auditor.audit(honest), "unknown")
        self.assertEqual(auditor.audit(honest[:-1] + b"\0"), "unknown")
        self.assertIn("error", auditor.work())
        # Once the RPC node recovers, the same process gives real verdicts.
        FakeRpc.state["fail_get_block"] = False
        self.assertEqual(auditor.audit(honest), "valid")
        self.assertEqual(auditor.close(), 0)

    def test_pruned_history_is_unknown_never_invalid(self):
        FakeRpc.state["first_block"] = 101  # the endpoint no longer has slot 100
        auditor = self.logic(lane="audit")
        honest = struct.pack("<4sQQI32s", b"GTI1", 100, 120, 2, expected_root())
        self.assertEqual(auditor.audit(honest), "unknown")
        self.assertEqual(auditor.audit(honest[:-1] + b"\0"), "unknown")
        self.assertNotIn("getBlock", FakeRpc.state["calls"])
        FakeRpc.state["first_block"] = 0
        self.assertEqual(auditor.audit(honest), "valid")

    def test_unconfirmed_range(self):
        FakeRpc.state["slot"] = 110  # the node has not confirmed work_start yet
        logic = self.logic("--wait-secs", "0.3")
        self.assertIn("error", logic.work())
        self.assertEqual(logic.audit(struct.pack("<4sQQI32s", b"GTI1", 100, 120, 0, bytes(32))),
                         "unknown")
        self.assertNotIn("getBlock", FakeRpc.state["calls"])

    def test_lazy_proof_is_caught(self):
        lazy = self.logic("--lazy")
        proof = lazy.work()
        magic, start, end, count, root = struct.unpack("<4sQQI32s", proof)
        self.assertEqual((magic, start, end, count), (b"GTI1", 100, 120, 0))
        self.assertEqual(root, hashlib.sha256(b"gradual-token-indexer-lazy").digest())
        self.assertEqual(FakeRpc.state["calls"], [])  # read no block at all
        auditor = self.logic(lane="audit")
        self.assertEqual(auditor.audit(proof), "invalid")

    def test_range_clamped_at_zero(self):
        proof = self.logic("--lazy").work(work_start=5)
        self.assertEqual(struct.unpack("<4sQQI32s", proof)[1:4], (0, 5, 0))


if __name__ == "__main__":
    unittest.main(verbosity=2)
