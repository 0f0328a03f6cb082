#!/usr/bin/env python3
"""A counting JSON-RPC proxy for the soak (scripts/soak.sh).

Forwards every POST to the upstream validator and counts the requests by caller and method:
a node points its RPC URL at http://HOST:PORT/n/<name>, so every request it makes (however the
client library makes it) is attributed to it. The signature of every sendTransaction is kept, so
the report can look up which transactions landed, failed or were dropped, and what fees they
paid. GET /stats returns the counts as JSON; GET /reset clears them.

Usage: rpc-proxy.py LISTEN_PORT UPSTREAM_URL
"""
import base64
import http.client
import json
import sys
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALPHABET = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58(data: bytes) -> str:
    n = int.from_bytes(data, "big")
    out = ""
    while n:
        n, r = divmod(n, 58)
        out = ALPHABET[r] + out
    return "1" * (len(data) - len(data.lstrip(b"\0"))) + out


def first_signature(wire_b64: str):
    """The fee payer's signature of a base64 wire transaction (compact-u16 count, then 64-byte
    signatures)."""
    try:
        raw = base64.b64decode(wire_b64)
        i = 0
        while raw[i] & 0x80:
            i += 1
    except Exception:  # noqa: BLE001 - a malformed transaction is forwarded, not counted
        return None
    sig = raw[i + 1 : i + 65]
    return b58(sig) if len(sig) == 64 else None


class Stats:
    def __init__(self):
        self.lock = threading.Lock()
        self.reset()

    def reset(self):
        with self.lock:
            self.methods = {}  # caller -> method -> count
            self.signatures = {}  # caller -> [signature] (first send of each)
            self.sends = {}  # caller -> sendTransaction requests (rebroadcasts included)
            self.refused = {}  # "Instruction: error" -> simulations that failed (no fee paid)
            self.late_scans = {}  # caller -> getProgramAccounts after its first one

    def record(self, caller: str, request: dict):
        method = request.get("method", "?")
        with self.lock:
            per = self.methods.setdefault(caller, {})
            per[method] = per.get(method, 0) + 1
            if method == "getProgramAccounts" and per[method] > 1:
                self.late_scans[caller] = self.late_scans.get(caller, 0) + 1
            if method == "sendTransaction":
                params = request.get("params") or []
                encoding = "base58"
                if len(params) > 1 and isinstance(params[1], dict):
                    encoding = params[1].get("encoding", "base58")
                sig = first_signature(params[0]) if params and encoding == "base64" else None
                self.sends[caller] = self.sends.get(caller, 0) + 1
                sigs = self.signatures.setdefault(caller, [])
                if sig and sig not in sigs:
                    sigs.append(sig)

    def record_refusal(self, response: bytes):
        """A failed simulation: which instruction, which error (from its logs)."""
        try:
            value = json.loads(response)["result"]["value"]
        except (ValueError, KeyError, TypeError):
            return
        if not value or value.get("err") is None:
            return
        logs = value.get("logs") or []
        ix = next((l.split("Instruction: ")[1] for l in logs if "Instruction: " in l), "?")
        err = next((l.split("Error Code: ")[1].split(".")[0] for l in logs if "Error Code: " in l), json.dumps(value["err"]))
        key = f"{ix}: {err}"
        with self.lock:
            self.refused[key] = self.refused.get(key, 0) + 1

    def snapshot(self):
        with self.lock:
            return {
                "methods": self.methods,
                "signatures": self.signatures,
                "send_requests": self.sends,
                "refused_simulations": self.refused,
                "steady_state_scans": self.late_scans,
            }


# A node's first scan fills its node directory at start-up; any later one is a steady-state
# scan (the runner scans again only when a node it does not know joined).
STATS = Stats()
UPSTREAM = urllib.parse.urlparse(sys.argv[2] if len(sys.argv) > 2 else "http://127.0.0.1:8899")
LOCAL = threading.local()


def upstream():
    conn = getattr(LOCAL, "conn", None)
    if conn is None:
        conn = http.client.HTTPConnection(UPSTREAM.hostname, UPSTREAM.port, timeout=60)
        LOCAL.conn = conn
    return conn


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):  # quiet
        pass

    def reply(self, code: int, body: bytes):
        self.send_response(code)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        if self.path == "/stats":
            self.reply(200, json.dumps(STATS.snapshot()).encode())
        elif self.path == "/reset":
            STATS.reset()
            self.reply(200, b"{}")
        else:
            self.reply(404, b"{}")

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        parts = self.path.strip("/").split("/")
        caller = parts[1] if len(parts) >= 2 and parts[0] == "n" else "other"
        simulation = False
        try:
            req = json.loads(body)
            for r in req if isinstance(req, list) else [req]:
                STATS.record(caller, r)
                simulation |= r.get("method") == "simulateTransaction"
        except (ValueError, AttributeError):
            pass
        for attempt in range(2):
            try:
                conn = upstream()
                conn.request("POST", "/", body, {"Content-Type": "application/json"})
                resp = conn.getresponse()
                data = resp.read()
                if simulation:
                    STATS.record_refusal(data)
                self.reply(resp.status, data)
                return
            except (OSError, http.client.HTTPException):
                LOCAL.conn = None
                if attempt == 1:
                    self.reply(502, b'{"error":"upstream unavailable"}')


def main():
    port = int(sys.argv[1])
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    server.daemon_threads = True
    server.serve_forever()


if __name__ == "__main__":
    main()
