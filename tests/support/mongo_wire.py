"""A tiny MongoDB wire-protocol client (Python 3 stdlib only) for the tests:
BSON encode/decode, OP_MSG commands over a socket, SCRAM-SHA-256 login.
Enough to check a server (FerretDB here) from a test script; the stores use
libmongoc.

    with MongoClient("127.0.0.1", port, timeout=5) as c:
        c.auth("starling", password, "starling")
        c.command("starling", {"insert": "t", "documents": [{"_id": 1}]})
"""
import base64
import datetime
import hashlib
import hmac
import os
import socket
import struct

OP_MSG = 2013


class ObjectId:
    def __init__(self, raw):
        self.raw = bytes(raw)

    def __repr__(self):
        return f"ObjectId('{self.raw.hex()}')"

    def __eq__(self, other):
        return isinstance(other, ObjectId) and other.raw == self.raw

    def __hash__(self):
        return hash(self.raw)


class Binary(bytes):
    """BSON binary with a subtype (bytes encode as subtype 0)."""

    def __new__(cls, data, subtype=0):
        b = super().__new__(cls, data)
        b.subtype = subtype
        return b


class Raw:
    """A BSON value this module does not decode (kept as type byte + bytes)."""

    def __init__(self, kind, data):
        self.kind, self.data = kind, data

    def __repr__(self):
        return f"Raw(0x{self.kind:02x}, {self.data.hex()})"


class CommandError(Exception):
    def __init__(self, reply):
        self.reply = reply
        self.code = reply.get("code")
        super().__init__(f"{reply.get('codeName', '')} ({self.code}): {reply.get('errmsg', reply)}")


def _cstring(s):
    b = s.encode("utf-8")
    if b"\0" in b:
        raise ValueError("a BSON key holds a NUL byte")
    return b + b"\0"


def _element(key, v):
    k = _cstring(key)
    if isinstance(v, bool):
        return b"\x08" + k + (b"\x01" if v else b"\x00")
    if isinstance(v, int):
        if -(2**31) <= v < 2**31:
            return b"\x10" + k + struct.pack("<i", v)
        return b"\x12" + k + struct.pack("<q", v)
    if isinstance(v, float):
        return b"\x01" + k + struct.pack("<d", v)
    if isinstance(v, str):
        b = v.encode("utf-8")
        return b"\x02" + k + struct.pack("<i", len(b) + 1) + b + b"\0"
    if isinstance(v, dict):
        return b"\x03" + k + encode(v)
    if isinstance(v, (list, tuple)):
        return b"\x04" + k + encode({str(i): x for i, x in enumerate(v)})
    if isinstance(v, (bytes, bytearray)):
        sub = getattr(v, "subtype", 0)
        return b"\x05" + k + struct.pack("<iB", len(v), sub) + bytes(v)
    if isinstance(v, ObjectId):
        return b"\x07" + k + v.raw
    if isinstance(v, datetime.datetime):
        if v.tzinfo is None:
            v = v.replace(tzinfo=datetime.timezone.utc)
        ms = int(v.timestamp() * 1000)
        return b"\x09" + k + struct.pack("<q", ms)
    if v is None:
        return b"\x0a" + k
    if isinstance(v, Raw):
        return bytes([v.kind]) + k + v.data
    raise TypeError(f"cannot encode {type(v).__name__} as BSON")


def encode(doc):
    body = b"".join(_element(k, v) for k, v in doc.items())
    return struct.pack("<i", len(body) + 5) + body + b"\0"


def _read_cstring(b, i):
    j = b.index(b"\0", i)
    return b[i:j].decode("utf-8"), j + 1


def decode(b, i=0):
    """The document at b[i:], as a dict (arrays as lists)."""
    size = struct.unpack_from("<i", b, i)[0]
    end = i + size - 1
    i += 4
    out = {}
    while i < end:
        kind = b[i]
        key, i = _read_cstring(b, i + 1)
        if kind == 0x01:
            v = struct.unpack_from("<d", b, i)[0]
            i += 8
        elif kind in (0x02, 0x0D, 0x0E):
            n = struct.unpack_from("<i", b, i)[0]
            v = b[i + 4:i + 4 + n - 1].decode("utf-8")
            i += 4 + n
        elif kind in (0x03, 0x04):
            n = struct.unpack_from("<i", b, i)[0]
            v = decode(b, i)
            if kind == 0x04:
                v = list(v.values())
            i += n
        elif kind == 0x05:
            n, sub = struct.unpack_from("<iB", b, i)
            v = Binary(b[i + 5:i + 5 + n], sub)
            i += 5 + n
        elif kind == 0x07:
            v = ObjectId(b[i:i + 12])
            i += 12
        elif kind == 0x08:
            v = b[i] != 0
            i += 1
        elif kind == 0x09:
            ms = struct.unpack_from("<q", b, i)[0]
            v = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + \
                datetime.timedelta(milliseconds=ms)
            i += 8
        elif kind in (0x0A, 0x06, 0x7F, 0xFF):
            v = None if kind == 0x0A else Raw(kind, b"")
        elif kind == 0x10:
            v = struct.unpack_from("<i", b, i)[0]
            i += 4
        elif kind in (0x11, 0x12):
            v = struct.unpack_from("<q" if kind == 0x12 else "<Q", b, i)[0]
            if kind == 0x11:
                v = Raw(kind, b[i:i + 8])
            i += 8
        elif kind == 0x13:
            v = Raw(kind, b[i:i + 16])
            i += 16
        elif kind == 0x0B:
            pat, i = _read_cstring(b, i)
            opts, i = _read_cstring(b, i)
            v = Raw(kind, (pat + "\0" + opts + "\0").encode())
        else:
            raise ValueError(f"BSON type 0x{kind:02x} not supported")
        out[key] = v
    return out


class MongoClient:
    """One connection; command() sends an OP_MSG and returns the reply
    document, raising CommandError when ok is not 1."""

    def __init__(self, host, port, timeout=10.0):
        self.sock = socket.create_connection((host, port), timeout=timeout)
        self.request_id = 0

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self.sock.close()

    def _recv(self, n):
        chunks = []
        while n:
            c = self.sock.recv(n)
            if not c:
                raise ConnectionError("the server closed the connection")
            chunks.append(c)
            n -= len(c)
        return b"".join(chunks)

    def raw_command(self, db, cmd):
        self.request_id += 1
        body = dict(cmd)
        body["$db"] = db
        payload = struct.pack("<I", 0) + b"\x00" + encode(body)
        header = struct.pack("<iiii", 16 + len(payload), self.request_id, 0, OP_MSG)
        self.sock.sendall(header + payload)
        length, _, _, opcode = struct.unpack("<iiii", self._recv(16))
        data = self._recv(length - 16)
        if opcode != OP_MSG:
            raise ConnectionError(f"unexpected reply opcode {opcode}")
        if data[4] != 0:
            raise ConnectionError("the reply does not start with a body section")
        return decode(data, 5)

    def command(self, db, cmd):
        reply = self.raw_command(db, cmd)
        if reply.get("ok") not in (1, 1.0, True):
            raise CommandError(reply)
        return reply

    def auth(self, user, password, source):
        """SCRAM-SHA-256 (RFC 5802/7677); ASCII passwords (no SASLprep)."""
        nonce = base64.b64encode(os.urandom(24)).decode()
        first_bare = f"n={user.replace('=', '=3D').replace(',', '=2C')},r={nonce}"
        r = self.command(source, {"saslStart": 1, "mechanism": "SCRAM-SHA-256",
                                  "payload": Binary(("n,," + first_bare).encode()),
                                  "autoAuthorize": 1, "options": {"skipEmptyExchange": True}})
        server_first = bytes(r["payload"]).decode()
        fields = dict(kv.split("=", 1) for kv in server_first.split(","))
        if not fields["r"].startswith(nonce):
            raise ConnectionError("SCRAM: the server nonce does not extend ours")
        salted = hashlib.pbkdf2_hmac("sha256", password.encode(), base64.b64decode(fields["s"]),
                                     int(fields["i"]))
        client_key = hmac.digest(salted, b"Client Key", "sha256")
        stored_key = hashlib.sha256(client_key).digest()
        without_proof = "c=biws,r=" + fields["r"]
        auth_message = ",".join([first_bare, server_first, without_proof]).encode()
        signature = hmac.digest(stored_key, auth_message, "sha256")
        proof = bytes(a ^ b for a, b in zip(client_key, signature))
        final = without_proof + ",p=" + base64.b64encode(proof).decode()
        r = self.command(source, {"saslContinue": 1, "conversationId": r["conversationId"],
                                  "payload": Binary(final.encode())})
        server_final = dict(kv.split("=", 1) for kv in bytes(r["payload"]).decode().split(","))
        server_key = hmac.digest(salted, b"Server Key", "sha256")
        expected = base64.b64encode(hmac.digest(server_key, auth_message, "sha256")).decode()
        if server_final.get("v") != expected:
            raise ConnectionError("SCRAM: the server's signature does not match")
        while not r.get("done"):
            r = self.command(source, {"saslContinue": 1, "conversationId": r["conversationId"],
                                      "payload": Binary(b"")})

    def find(self, db, coll, filter=None, **opts):
        """All documents of a find (follows the cursor)."""
        r = self.command(db, {"find": coll, "filter": filter or {}, **opts})
        docs = list(r["cursor"]["firstBatch"])
        cid = r["cursor"]["id"]
        while cid:
            r = self.command(db, {"getMore": cid, "collection": coll})
            docs += r["cursor"]["nextBatch"]
            cid = r["cursor"]["id"]
        return docs

    def aggregate(self, db, coll, pipeline):
        r = self.command(db, {"aggregate": coll, "pipeline": pipeline, "cursor": {}})
        docs = list(r["cursor"]["firstBatch"])
        cid = r["cursor"]["id"]
        while cid:
            r = self.command(db, {"getMore": cid, "collection": coll})
            docs += r["cursor"]["nextBatch"]
            cid = r["cursor"]["id"]
        return docs
