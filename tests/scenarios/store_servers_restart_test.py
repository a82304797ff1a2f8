#!/usr/bin/env python3
"""A server lost mid-run, as the store tests will stage it: servers of its own
(tests/support/store_servers.py as a module, not the shared fixture), a row
committed in each, `kill` (SIGKILL), the port refused, `restart` on the same
port with the same data, the row read back, `stop` removing the data.

    store_servers_restart_test.py WORK_DIR
"""
import os
import socket
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import mongo_wire  # noqa: E402
import store_servers  # noqa: E402

failures = []


def check(ok, what):
    print(f"  {'ok' if ok else 'FAIL'}: {what}", flush=True)
    if not ok:
        failures.append(what)


def refused(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return False
    except OSError:
        return True


def env(**kw):
    e = {k: v for k, v in os.environ.items() if not k.startswith(("PG", "MYSQL"))}
    e.update(LC_ALL="C.UTF-8", **kw)
    return e


def sql_client(name, s):
    if name == "postgres":
        args = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                "-p", str(s["port"]), "-U", "starling", "starling"]
        e = env(PGPASSWORD=s["password"])
    else:
        args = ["mariadb", "--no-defaults", "--batch", "--skip-column-names", "--protocol=TCP",
                "-h", "127.0.0.1", "-P", str(s["port"]), "-u", "starling", "starling"]
        e = env(MYSQL_PWD=s["password"])

    def run(sql):
        r = subprocess.run(args, input=sql, capture_output=True, text=True, env=e, timeout=30)
        if r.returncode:
            raise RuntimeError(r.stderr.strip()[-300:])
        return r.stdout.strip()
    return run


def write(name, s):
    if name in ("postgres", "mariadb"):
        sql_client(name, s)("CREATE TABLE kept (s VARCHAR(20)); INSERT INTO kept VALUES ('before kill');")
    elif name == "clickhouse":
        store_servers.clickhouse_query(s["port"], "CREATE TABLE kept (s String) ENGINE = MergeTree "
                                       "ORDER BY s", "starling", s["password"], "starling")
        store_servers.clickhouse_query(s["port"], "INSERT INTO kept VALUES ('before kill')",
                                       "starling", s["password"], "starling")
    else:
        with mongo_wire.MongoClient("127.0.0.1", s["port"]) as c:
            c.auth("starling", s["password"], "starling")
            c.command("starling", {"insert": "kept", "documents": [{"_id": 1, "s": "before kill"}]})


def read(name, s):
    if name in ("postgres", "mariadb"):
        return sql_client(name, s)("SELECT s FROM kept;")
    if name == "clickhouse":
        return store_servers.clickhouse_query(s["port"], "SELECT s FROM kept", "starling",
                                              s["password"], "starling").strip()
    with mongo_wire.MongoClient("127.0.0.1", s["port"]) as c:
        c.auth("starling", s["password"], "starling")
        return c.find("starling", "kept")[0]["s"]


def main():
    work = os.path.abspath(sys.argv[1])
    passed = failed = skipped = 0
    with store_servers.StoreServers(os.path.join(work, "servers")) as servers:
        check(os.path.exists(servers.path), "servers.json written")
        data_dirs = []
        for name in store_servers.NAMES:
            try:
                s = dict(servers.server(name))
            except store_servers.Skip as e:
                print(f"store_servers_restart_test: SKIPPED {name}: {e}", flush=True)
                skipped += 1
                continue
            before = len(failures)
            data_dirs.append(s["data"])
            write(name, s)
            servers.kill(name)
            check(refused(s["port"]), f"{name}: the port refuses connections after kill")
            servers.restart(name)
            again = servers.server(name)
            check(again["port"] == s["port"] and again["pid"] != s["pid"],
                  f"{name}: restarted on the same port ({s['port']}) as a new process")
            try:
                check(read(name, again) == "before kill", f"{name}: the committed row survived the kill")
            except Exception as e:
                check(False, f"{name}: reading back after restart: {e}")
            servers.restart(name)  # a running server: stopped gracefully, then started
            check(read(name, servers.server(name)) == "before kill", f"{name}: restart of a running server")
            if len(failures) == before:
                passed += 1
            else:
                failed += 1
    check(not os.path.exists(os.path.join(work, "servers", "servers.json")), "stop removes servers.json")
    check(all(not os.path.exists(d) for d in data_dirs), "stop removes the data")
    print(f"{passed} passed, {failed} failed, {skipped} skipped")
    if passed + failed == 0:
        print("[  SKIPPED ] no test server could start")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
