#!/usr/bin/env python3
"""Bulk load into the database servers: `starling collect` of N generated X
v2 posts (JSON parsed, entities extracted, written through the store) against
each server's own bulk loader reading the same rows, already prepared as
files, into the same tables (with the same indexes):

- PostgreSQL: `psql \\copy TABLE FROM FILE` (COPY's text format), every table;
- MariaDB: `LOAD DATA LOCAL INFILE` of the same files, every table.

The peer's files are exported from a first load by Starling itself (psql
\\copy ... TO), so both sides write the same rows. Each round empties the
tables (TRUNCATE, outside the timing), then times one load; rounds alternate
between Starling and the peer so that both see the same machine. Servers
come from tests/support/store_servers.py (started here, stopped after).

Usage: bench/server_load.py STARLING [COUNT=200000] [ROUNDS=3] [--only postgres,mariadb]
"""
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "tests", "support"))
import store_servers  # noqa: E402

TABLES = ["posts", "hashtags", "mentions", "urls", "cashtags", "post_references",
          "matching_rules"]


def sh(cmd, env=None, stdin=None):
    p = subprocess.run(cmd, env=env, input=stdin, capture_output=True, text=True)
    if p.returncode != 0:
        raise SystemExit(f"failed: {' '.join(cmd[:4])}...: {p.stderr[-2000:]}")
    return p.stdout


class Postgres:
    name, scheme, variable = "postgres", "postgres", "POSTGRES_PASSWORD"

    def __init__(self, info):
        self.info = info
        self.env = dict(os.environ, PGPASSWORD=info["password"],
                        PGOPTIONS="-c client_min_messages=warning")

    def psql(self, sql):
        return sh(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
                   str(self.info["port"]), "-U", "starling", "-d", "starling", "-c", sql],
                  env=self.env)

    def truncate(self):
        self.psql("TRUNCATE " + ", ".join(TABLES))

    def export(self, folder):
        """Each table's rows in COPY's text format, with the columns the
        tables have (created_at as a plain UTC time, which MariaDB reads too)."""
        for t in TABLES:
            cols = [c for c in self.psql(
                "SELECT column_name FROM information_schema.columns WHERE table_name = '"
                + t + "' ORDER BY ordinal_position").split()]
            select = ", ".join("to_char(created_at AT TIME ZONE 'UTC', "
                               "'YYYY-MM-DD HH24:MI:SS.US')" if c == "created_at" else f'"{c}"'
                               for c in cols)
            self.psql(f"\\copy (SELECT {select} FROM {t}) TO '{folder}/{t}.tsv'")

    def peer_load(self, folder):
        # One session, as one would type it.
        cmd = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1", "-p",
               str(self.info["port"]), "-U", "starling", "-d", "starling"]
        for t in TABLES:
            cmd += ["-c", f"\\copy {t} FROM '{folder}/{t}.tsv'"]
        sh(cmd, env=self.env)


class Mariadb:
    name, scheme, variable = "mariadb", "mysql", "MYSQL_PASSWORD"

    def __init__(self, info):
        self.info = info
        self.env = dict(os.environ, MYSQL_PWD=info["password"])

    def sql(self, statements):
        return sh(["mariadb", "--local-infile=1", "-h", "127.0.0.1", "-P", str(self.info["port"]),
                   "-u", "starling", "starling", "-e", statements], env=self.env)

    def truncate(self):
        self.sql("; ".join("TRUNCATE TABLE " + t for t in TABLES))

    def peer_load(self, folder):
        self.sql("SET time_zone = '+00:00'; " + "; ".join(
            f"LOAD DATA LOCAL INFILE '{folder}/{t}.tsv' INTO TABLE {t}" for t in TABLES))


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--only")]
    only = next((a.split("=", 1)[1].split(",") for a in sys.argv[1:]
                 if a.startswith("--only=")), ["postgres", "mariadb"])
    if not args:
        print(__doc__)
        return 2
    starling = os.path.abspath(args[0])
    count = int(args[1]) if len(args) > 1 else 200000
    rounds = int(args[2]) if len(args) > 2 else 3
    work = tempfile.mkdtemp(prefix="starling-server-load-")
    posts = os.path.join(work, "posts.jsonl")
    with open(posts, "w") as f:
        subprocess.run([starling, "generate", "--count", str(count), "--seed", "7", "--no-pace",
                        "--start", "2021-04-01T00:00:00Z"], stdout=f,
                       check=True)
    size = os.path.getsize(posts) / 1e6
    print(f"{count} generated X v2 posts, {size:.0f} MB of JSON")
    results = {}
    # PostgreSQL exports the peer's rows, so it always starts.
    with store_servers.StoreServers(os.path.join(work, "servers"),
                                    only=sorted(set(only) | {"postgres"})) as servers:
        pg = Postgres(servers.server("postgres"))
        # The peer's rows: what Starling wrote, exported once.
        env = dict(os.environ, POSTGRES_PASSWORD=pg.info["password"])
        pg_spec = "postgres://starling@127.0.0.1:%d/starling" % pg.info["port"]
        sh([starling, "-q", "collect", "-s", posts, "-o", pg_spec], env=env)
        folder = os.path.join(work, "rows")
        os.makedirs(folder)
        pg.export(folder)
        for name in only:
            store = pg if name == "postgres" else Mariadb(servers.server(name))
            env = dict(os.environ, **{store.variable: store.info["password"]})
            spec = "%s://starling@127.0.0.1:%d/starling" % (store.scheme, store.info["port"])
            sh([starling, "-q", "collect", "-s", os.devnull, "-o", spec], env=env)  # the schema
            ours, theirs = [], []
            for _ in range(rounds):
                store.truncate()
                t0 = time.monotonic()
                sh([starling, "-q", "collect", "-s", posts, "-o", spec], env=env)
                ours.append(time.monotonic() - t0)
                store.truncate()
                t0 = time.monotonic()
                store.peer_load(folder)
                theirs.append(time.monotonic() - t0)
            o, t = statistics.median(ours), statistics.median(theirs)
            results[name] = {"starling_s": o, "peer_s": t, "ratio": t / o,
                             "starling_posts_per_s": count / o}
            print(f"{name}: starling collect {o:.2f} s ({count / o:,.0f} posts/s), "
                  f"its own loader {t:.2f} s: Starling at {t / o:.2f}x the loader's throughput "
                  f"(medians of {rounds}; rounds {', '.join(f'{x:.2f}' for x in ours)} vs "
                  f"{', '.join(f'{x:.2f}' for x in theirs)})")
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    sys.exit(main())
