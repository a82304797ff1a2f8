#!/usr/bin/env python3
"""A local stand-in for the providers' HTTP APIs, for Starling's tests.

It replays recorded provider traffic (from ../shared/data) with the faults a
test asks for. Python's standard library only; listens on 127.0.0.1 on a free
port, prints "port N" as its first line of stdout, and serves until killed.

A script (JSON) says what each request gets:

  {"token": "T",                        # Authorization: Bearer T, else 401
   "routes": {"/2/tweets/search/stream": [STEP, STEP, ...], ...}}

Each request to a route takes that route's next step; the last step repeats.
A route's key is "path?query" when the script has that key, else the path.
"{base}" in a header value or a body is replaced by the server's own address
(http://127.0.0.1:PORT), for Link headers and URLs that point back here.
A STEP is an object:

  {"status": 503, "headers": {...}, "body": "..."}      a plain answer
  {"drop": true}                                        close without an answer
  {"timeline": [STATUS, ...]}                           a Mastodon timeline: the
      statuses after ?min_id= (or all), `limit` of them, newest first
  {"ws": [EVENT, ...], "from": N, "count": N,           a WebSocket (Jetstream):
   "then": "close" | "cut" | "hold" | "stall"}           text messages from the
      list (those with time_us >= ?cursor= when the client sends one, else
      from index "from"), "count" of them; then a close frame,
      a cut (half a frame, then the TCP connection drops), hold (answer pings,
      send nothing) or stall (read nothing, answer nothing)
  {"status": 200, "lines": ["...", ...],                a stream (chunked)
   "keepalive": 0.05,          # send "\r\n" this often while idle (seconds)
   "delay": 0.01,              # wait this long before each line
   "drip": 0.001,              # send the bytes one at a time, this far apart
   "then": "close" | "cut" | "reset" | "stall" | "hold",
   "stall": 2.0}               # seconds of silence before closing ("stall")

  then: close = end the body cleanly; cut = send half of "cut_line" (or of
  the last line) and drop the connection; reset = TCP reset (RST);
  stall = keep the connection open and silent for "stall" seconds;
  hold = keep sending keep-alives until the client goes away.

Every request is logged as one JSON line to --log: method, path, query,
headers (the Authorization value replaced by "ok" or "wrong"), body.
"""
import argparse
import base64
import hashlib
import json
import socket
import ssl
import struct
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qsl, urlsplit


def ws_frame(opcode, payload):
    """A server-to-client WebSocket frame (FIN, unmasked)."""
    n = len(payload)
    if n < 126:
        head = struct.pack("!BB", 0x80 | opcode, n)
    elif n < 65536:
        head = struct.pack("!BBH", 0x80 | opcode, 126, n)
    else:
        head = struct.pack("!BBQ", 0x80 | opcode, 127, n)
    return head + payload


def ws_read(sock):
    """One client frame (masked): (opcode, payload), or (None, b"") at the end."""
    def exact(n):
        data = b""
        while len(data) < n:
            more = sock.recv(n - len(data))
            if not more:
                return None
            data += more
        return data
    head = exact(2)
    if head is None:
        return None, b""
    opcode, n = head[0] & 0x0F, head[1] & 0x7F
    if n == 126:
        n = struct.unpack("!H", exact(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", exact(8))[0]
    mask = exact(4) if head[1] & 0x80 else b"\0\0\0\0"
    payload = exact(n) if n else b""
    if payload is None:
        return None, b""
    return opcode, bytes(b ^ mask[i % 4] for i, b in enumerate(payload))


class State:
    def __init__(self, script, log_path):
        self.script = script
        self.counts = {}
        self.lock = threading.Lock()
        self.log = open(log_path, "a", encoding="utf-8") if log_path else None

    def step(self, path):
        steps = self.script.get("routes", {}).get(path)
        if not steps:
            return None
        with self.lock:
            n = self.counts.get(path, 0)
            self.counts[path] = n + 1
        return steps[min(n, len(steps) - 1)]

    def record(self, entry):
        if self.log:
            with self.lock:
                self.log.write(json.dumps(entry) + "\n")
                self.log.flush()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "provider-replay/1"

    def log_message(self, *args):
        pass

    def handle_any(self):
        state = self.server.state
        url = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length).decode("utf-8", "replace") if length else ""
        token = state.script.get("token")
        auth = self.headers.get("Authorization")
        headers = {k.lower(): v for k, v in self.headers.items()}
        if "authorization" in headers:
            headers["authorization"] = "ok" if auth == f"Bearer {token}" else "wrong"
        state.record({"method": self.command, "path": url.path, "query": url.query,
                      "headers": headers, "body": body, "time": time.time()})
        if token is not None and auth != f"Bearer {token}":
            return self.plain({"status": 401, "body": json.dumps(
                {"title": "Unauthorized", "type": "about:blank", "status": 401,
                 "detail": "Unauthorized"})})
        key = f"{url.path}?{url.query}"
        step = state.step(key if key in state.script.get("routes", {}) else url.path)
        if step is None:
            return self.plain({"status": 404, "body": "{\"title\":\"Not Found\"}"})
        if step.get("drop"):
            self.close_connection = True
            self.connection.shutdown(socket.SHUT_RDWR)
            return None
        if "ws" in step:
            return self.websocket(step, url.query)
        if "lines" in step:
            return self.stream(step)
        if "timeline" in step:
            return self.timeline(step, url.query)
        return self.plain(step)

    do_GET = handle_any
    do_POST = handle_any

    def base(self):
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def plain(self, step):
        body = step.get("body", "")
        if isinstance(body, str):
            body = body.replace("{base}", self.base())
        data = body.encode("utf-8") if isinstance(body, str) else json.dumps(body).encode()
        self.send_response(step.get("status", 200))
        for k, v in step.get("headers", {}).items():
            self.send_header(k, str(v).replace("{base}", self.base()))
        if step.get("status", 200) != 304:
            self.send_header("Content-Type", step.get("content_type", "application/json"))
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        self.wfile.flush()

    def timeline(self, step, query):
        args = dict(parse_qsl(query))
        key = lambda s: (len(s["id"]), s["id"])  # noqa: E731 (Mastodon ids: decimal strings)
        statuses = sorted(step["timeline"], key=key)
        if "min_id" in args:
            floor = {"id": args["min_id"]}
            statuses = [s for s in statuses if key(s) > key(floor)]
        statuses = statuses[: int(args.get("limit", 20))]
        return self.plain({"status": 200, "body": json.dumps(list(reversed(statuses)))})

    def websocket(self, step, query):
        key = self.headers.get("Sec-WebSocket-Key", "")
        accept = base64.b64encode(hashlib.sha1(
            (key + "258EAFA5-E914-47DA-95CA-C5AB0DC85B11").encode()).digest()).decode()
        self.send_response(101, "Switching Protocols")
        self.send_header("Upgrade", "websocket")
        self.send_header("Connection", "Upgrade")
        self.send_header("Sec-WebSocket-Accept", accept)
        self.end_headers()
        self.wfile.flush()
        events = step["ws"]
        args = dict(parse_qsl(query))
        start = step.get("from", 0)
        if "cursor" in args:  # the events at or after the cursor, in the list's order
            cursor = int(args["cursor"])
            events = [e for e in events if json.loads(e)["time_us"] >= cursor]
            start = 0
        sent = events[start:start + step.get("count", len(events))]
        sock = self.connection
        try:
            for e in sent:
                if step.get("delay"):
                    time.sleep(step["delay"])
                sock.sendall(ws_frame(0x1, e.encode("utf-8")))
            then = step.get("then", "close")
            if then == "close":
                sock.sendall(ws_frame(0x8, struct.pack("!H", 1000)))
                time.sleep(0.2)
            elif then == "cut":
                frame = ws_frame(0x1, (events[start + len(sent)] if start + len(sent) < len(events)
                                       else "{}").encode("utf-8"))
                sock.sendall(frame[: len(frame) // 2])
                sock.shutdown(socket.SHUT_RDWR)
            elif then == "hold":
                while True:  # answer pings until the client goes
                    opcode, payload = ws_read(sock)
                    if opcode is None or opcode == 0x8:
                        break
                    if opcode == 0x9:
                        sock.sendall(ws_frame(0xA, payload))
            elif then == "stall":
                time.sleep(step.get("stall", 5))
        except OSError:
            pass
        self.close_connection = True

    def chunk(self, data, drip):
        if not data:
            return
        if drip:
            for i in range(len(data)):
                self.wfile.write(b"1\r\n" + data[i:i + 1] + b"\r\n")
                self.wfile.flush()
                time.sleep(drip)
            return
        self.wfile.write(b"%x\r\n%s\r\n" % (len(data), data))
        self.wfile.flush()

    def stream(self, step):
        self.send_response(step.get("status", 200))
        for k, v in step.get("headers", {}).items():
            self.send_header(k, str(v))
        self.send_header("Content-Type", step.get("content_type", "application/json"))
        self.send_header("Transfer-Encoding", "chunked")
        self.end_headers()
        drip = step.get("drip", 0)
        keepalive = step.get("keepalive", 0)
        try:
            for line in step["lines"]:
                if step.get("delay"):
                    time.sleep(step["delay"])
                data = line.encode("utf-8") if isinstance(line, str) else json.dumps(line).encode()
                self.chunk(data + b"\r\n", drip)
                if keepalive:
                    self.chunk(b"\r\n", 0)
            then = step.get("then", "close")
            if then == "close":
                self.wfile.write(b"0\r\n\r\n")
                self.wfile.flush()
            elif then == "cut":
                cut = step.get("cut_line") or (step["lines"][-1] if step["lines"] else "{}")
                data = cut.encode("utf-8")
                self.chunk(data[: max(1, len(data) // 2)], 0)
                self.connection.shutdown(socket.SHUT_RDWR)
            elif then == "reset":
                self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                           struct.pack("ii", 1, 0))
            elif then == "stall":
                time.sleep(step.get("stall", 2.0))
            elif then == "hold":
                while True:
                    time.sleep(keepalive or 0.2)
                    self.chunk(b"\r\n", 0)
        except (BrokenPipeError, ConnectionResetError):
            pass
        self.close_connection = True


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--script", required=True)
    ap.add_argument("--log")
    ap.add_argument("--tls", nargs=2, metavar=("CERT", "KEY"),
                    help="serve HTTPS and wss: with this certificate and key (PEM)")
    args = ap.parse_args()
    with open(args.script, encoding="utf-8") as f:
        script = json.load(f)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    server.state = State(script, args.log)
    if args.tls:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(args.tls[0], args.tls[1])
        server.socket = context.wrap_socket(server.socket, server_side=True)
    print(f"port {server.server_address[1]}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    sys.exit(main())
