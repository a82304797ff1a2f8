#!/usr/bin/env python3
"""The test servers (tests/support/store_servers.py, the ctest fixture
`store_servers`) through their own clients: psql, the mariadb client, the
ClickHouse HTTP interface and an OP_MSG client for FerretDB. In each, as the
user `starling` with its password from the environment: a table of a 4-byte
emoji, right-to-left text and a 300-character string, written and read back
byte for byte, with the server's own character count; a wrong password is
refused. A server that could not start is reported as SKIPPED with its reason.

    store_servers_test.py [SERVERS_JSON]   (default: $STARLING_TEST_SERVERS)
"""
import json
import os
import subprocess
import sys
import urllib.error
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import mongo_wire  # noqa: E402

EMOJI = "😀👩‍💻🇺🇳"                      # 4-byte code points, a ZWJ sequence, a flag
RTL = "שלום עולם — مرحبا بالعالم"       # Hebrew and Arabic
LONG = ("aé€😀" * 75)                    # 300 characters of 1 to 4 bytes each
VALUES = [(1, EMOJI), (2, RTL), (3, LONG)]
assert len(LONG) == 300

failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"  FAIL: {what}", flush=True)
    return ok


def clean_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "MYSQL"))}
    env.update({"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8"})
    env.update(extra)
    return env


def sql_literal(s):
    return "'" + s.replace("\\", "\\\\").replace("'", "''") + "'"


def expect_rows(name, rows):
    """rows: [(id, hex of the bytes read back, the server's character count)]."""
    got = {int(r[0]): (bytes.fromhex(r[1]).decode("utf-8"), int(r[2])) for r in rows}
    for i, text in VALUES:
        back, n = got.get(i, (None, None))
        check(back == text, f"{name}: row {i} reads back as written ({len(text)} characters)")
        check(n == len(text), f"{name}: the server counts {len(text)} characters in row {i}, not {n}")


def postgres(s):
    psql = ["psql", "-X", "-q", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
            "-p", str(s["port"]), "-U", "starling", "-d", "starling"]

    def run(sql, password):
        return subprocess.run(psql, input=sql, capture_output=True, text=True, timeout=30,
                              env=clean_env(PGPASSWORD=password))

    r = run("SHOW server_encoding; SHOW client_encoding;"
            "DROP TABLE IF EXISTS smoke_utf8;"
            "CREATE TABLE smoke_utf8 (id int PRIMARY KEY, s varchar(300) NOT NULL);" +
            "".join(f"INSERT INTO smoke_utf8 VALUES ({i}, {sql_literal(t)});" for i, t in VALUES) +
            "SELECT id, encode(convert_to(s, 'UTF8'), 'hex'), char_length(s) FROM smoke_utf8 "
            "ORDER BY id;", s["password"])
    if not check(r.returncode == 0, f"postgres: psql as starling: {r.stderr.strip()[-300:]}"):
        return
    lines = r.stdout.split("\n")
    check(lines[0] == "UTF8", f"postgres: server_encoding is UTF8 (got {lines[0]})")
    expect_rows("postgres", [l.split("\t") for l in lines[2:] if l])
    bad = run("SELECT 1;", s["password"] + "x")
    check(bad.returncode != 0 and "password authentication failed" in bad.stderr,
          "postgres: a wrong password is refused")


def mariadb(s):
    client = ["mariadb", "--no-defaults", "--batch", "--skip-column-names",
              "--default-character-set=utf8mb4", "--protocol=TCP", "-h", "127.0.0.1",
              "-P", str(s["port"]), "-u", "starling", "starling"]

    def run(sql, password):
        return subprocess.run(client, input=sql, capture_output=True, text=True, timeout=30,
                              env=clean_env(MYSQL_PWD=password))

    # No character set on the table: the database's default (utf8mb4) must hold 4-byte text.
    r = run("SELECT @@character_set_database, @@character_set_server;"
            "DROP TABLE IF EXISTS smoke_utf8;"
            "CREATE TABLE smoke_utf8 (id INT PRIMARY KEY, s VARCHAR(300) NOT NULL);" +
            "".join(f"INSERT INTO smoke_utf8 VALUES ({i}, {sql_literal(t)});" for i, t in VALUES) +
            "SELECT id, HEX(s), CHAR_LENGTH(s) FROM smoke_utf8 ORDER BY id;", s["password"])
    if not check(r.returncode == 0, f"mariadb: the client as starling: {r.stderr.strip()[-300:]}"):
        return
    lines = r.stdout.split("\n")
    check(lines[0] == "utf8mb4\tutf8mb4", f"mariadb: database and server are utf8mb4 (got {lines[0]})")
    expect_rows("mariadb", [l.split("\t") for l in lines[1:] if l])
    bad = run("SELECT 1;", s["password"] + "x")
    check(bad.returncode != 0 and "Access denied" in bad.stderr, "mariadb: a wrong password is refused")


def clickhouse(s):
    def q(sql, password=s["password"]):
        req = urllib.request.Request(f"http://127.0.0.1:{s['port']}/?database=starling",
                                     data=sql.encode("utf-8"), method="POST",
                                     headers={"X-ClickHouse-User": "starling",
                                              "X-ClickHouse-Key": password})
        with urllib.request.urlopen(req, timeout=30) as r:
            return r.read().decode("utf-8")

    try:
        q("DROP TABLE IF EXISTS smoke_utf8")
        q("CREATE TABLE smoke_utf8 (id UInt32, s String) ENGINE = MergeTree ORDER BY id")
        q("INSERT INTO smoke_utf8 FORMAT JSONEachRow " +
          "\n".join(json.dumps({"id": i, "s": t}, ensure_ascii=False) for i, t in VALUES))
        out = q("SELECT id, hex(s), lengthUTF8(s) FROM smoke_utf8 ORDER BY id FORMAT TSV")
    except (urllib.error.URLError, OSError) as e:
        detail = e.read().decode("utf-8", "replace")[:300] if hasattr(e, "read") else str(e)
        check(False, f"clickhouse: HTTP as starling: {detail}")
        return
    expect_rows("clickhouse", [l.split("\t") for l in out.split("\n") if l])
    try:
        q("SELECT 1", s["password"] + "x")
        check(False, "clickhouse: a wrong password is refused")
    except urllib.error.HTTPError as e:
        check("Wrong password" in e.read().decode("utf-8", "replace"),
              "clickhouse: a wrong password is refused")


def mongodb(s):
    with mongo_wire.MongoClient("127.0.0.1", s["port"], timeout=30) as c:
        try:
            c.command("starling", {"find": "smoke_utf8"})
            check(False, "mongodb: a command before login is refused")
        except mongo_wire.CommandError as e:
            check(e.code == 13, f"mongodb: a command before login is refused (got {e})")
    with mongo_wire.MongoClient("127.0.0.1", s["port"], timeout=30) as c:
        try:
            c.auth("starling", s["password"] + "x", "starling")
            check(False, "mongodb: a wrong password is refused")
        except mongo_wire.CommandError as e:
            check(e.code == 18, f"mongodb: a wrong password is refused (got {e})")
    with mongo_wire.MongoClient("127.0.0.1", s["port"], timeout=30) as c:
        c.auth("starling", s["password"], "starling")
        c.command("starling", {"drop": "smoke_utf8"}) if "smoke_utf8" in [
            x["name"] for x in c.command("starling", {"listCollections": 1})["cursor"]["firstBatch"]] \
            else None
        c.command("starling", {"insert": "smoke_utf8",
                               "documents": [{"_id": i, "s": t} for i, t in VALUES]})
        docs = c.find("starling", "smoke_utf8", sort={"_id": 1})
        # FerretDB 1.24 has no $strLenCP: the count is of the decoded string.
        expect_rows("mongodb", [(d["_id"], d["s"].encode("utf-8").hex(), len(d["s"])) for d in docs])


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("STARLING_TEST_SERVERS")
    if not path:
        sys.exit("store_servers_test: give servers.json or set STARLING_TEST_SERVERS")
    with open(path, encoding="utf-8") as f:
        state = json.load(f)
    passed = skipped = 0
    for name, fn in (("postgres", postgres), ("mariadb", mariadb), ("clickhouse", clickhouse),
                     ("mongodb", mongodb)):
        if name not in state:
            why = state.get("skipped", {}).get(name, "not started")
            print(f"store_servers_test: SKIPPED {name}: {why}", flush=True)
            skipped += 1
            continue
        s = state[name]
        check("password" not in s["url"] and s["password"] not in s["url"],
              f"{name}: no password in the URL")
        before = len(failures)
        try:
            fn(s)
        except Exception as e:
            check(False, f"{name}: {type(e).__name__}: {e}")
        ok = len(failures) == before
        passed += ok
        print(f"store_servers_test: {name} {s['version']}: {'ok' if ok else 'FAILED'}", flush=True)
    failed = 4 - passed - skipped
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if skipped == 4:
        print("[  SKIPPED ] no test server could start")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
