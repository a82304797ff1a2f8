"""The stores on database servers, end to end through the real binary, against
real servers that tests/support/store_servers.py started (the ctest fixture
store_servers; STARLING_TEST_SERVERS names its servers.json):

- round trip: adversarial posts (emoji, ZWJ sequences, RTL, astral scripts,
  600-character text, a 2,000-character URL, NULLs in every optional field,
  timestamps around DST changes and before 1970, ids that sort differently
  as numbers and as bytes, a post given twice) and real recordings
  (../shared/data) collected into the store and converted back give the
  posts that converting the same input to JSONL gives, and collecting the
  same input again doubles nothing;
- every command: `run` writes posts and results into the store, and `report`,
  `convert` and `serve --db` read them back: the report, and serve's
  analyses and windows, equal SQLite's;
- kill -9: a checkpointing `run` killed at random and resumed ends with the
  same posts and the same report as an uninterrupted run;
- server stopped mid-run: the run tries again, then stops with a clear error
  naming the server; once the server is back, --resume ends with the same
  posts and report, nothing lost and nothing doubled.

Usage: stores_test.py STARLING SHARED_DATA WORKDIR [STORE...]
  STORE: postgres, mariadb, clickhouse, mongodb (default: every store the servers file has).
A store whose server could not start is skipped loudly (exit 77 when all are).
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
import urllib.parse
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
SERVERS_SCRIPT = os.path.join(HERE, "..", "support", "store_servers.py")
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import mongo_wire  # noqa: E402

# Per store: the spec's scheme, the password's variable, whether `raw` comes
# back byte for byte (PostgreSQL keeps it as jsonb: the same JSON, reformatted).
STORES = {
    "postgres": {"scheme": "postgres", "password": "POSTGRES_PASSWORD", "raw_exact": False},
    "mariadb": {"scheme": "mysql", "password": "MYSQL_PASSWORD", "raw_exact": True},
    "clickhouse": {"scheme": "clickhouse", "password": "CLICKHOUSE_PASSWORD", "raw_exact": True},
    # MongoDB keeps raw as a BSON document: the same JSON, written compactly.
    "mongodb": {"scheme": "mongodb", "password": "MONGODB_PASSWORD", "raw_exact": False},
}

failures = []


def check(ok, message):
    print(("ok   " if ok else "FAIL ") + message, flush=True)
    if not ok:
        failures.append(message)
    return ok


def run(starling, args, env, timeout=120, expect_ok=True):
    p = subprocess.run([starling] + args, env=env, capture_output=True, text=True,
                       timeout=timeout)
    if expect_ok and p.returncode != 0:
        print(p.stderr[-3000:], file=sys.stderr)
        raise SystemExit(f"FAIL: starling {' '.join(args[:3])} exited {p.returncode}")
    return p


# --- Input -------------------------------------------------------------------

def post(pid, created, text, **extra):
    p = {"id": pid, "provider": "x", "created_at": created,
         "author": {"id": "u" + pid, "handle": "h" + pid, "name": "N " + pid},
         "text": text, "lang": "en", "kind": "post", "source_format": "starling"}
    p.update(extra)
    return p


def adversarial_posts():
    long_url = "https://example.com/" + "a/b-c_d" * 285
    long_text = ("Ünïcödé façade naïve — " * 30)[:600]
    posts = [
        post("1", "2021-03-28T00:59:59.999Z", "👩🏽‍💻 codes 🇺🇦 ❤️‍🔥 #Straße @bob",
             hashtags=[{"tag": "Straße", "start": 22, "end": 29}],
             mentions=[{"handle": "bob", "start": 30, "end": 34}],
             metrics={"reposts": 0, "replies": 1, "likes": 2, "quotes": 3, "impressions": 4}),
        post("2", "2021-03-28T01:00:00.000Z", "مرحبا بالعالم שלום עולם hello ‏RTL‏ #STRASSE",
             lang="ar", hashtags=[{"tag": "STRASSE", "start": 35, "end": 43}]),
        post("10", "2021-03-28T01:00:00.000Z", "same time, id sorts before 2 as bytes 𝕏 𠜎 𝄞",
             kind="reply", ref_id="1", references=[{"type": "replied_to", "id": "1"}]),
        post("9", "2021-11-07T06:00:00.000Z", long_text + " #İstanbul",
             hashtags=[{"tag": "İstanbul", "start": 601, "end": 610}], lang=""),
        post("3", "1969-12-31T23:59:59.999Z", "before the epoch, tab\there, newline\nhere, "
             "back\\slash, 'quote' \"dq\"", author={"id": "", "handle": "", "name": ""}),
        post("4", "2038-01-19T03:14:08.000Z", "a long link " + long_url,
             urls=[{"url": long_url, "expanded_url": long_url, "start": 12,
                    "end": 12 + len(long_url)}],
             geo={"lon": -0.1276, "lat": 51.5072, "place_id": "p1",
                  "place_name": "London, England", "country_code": "GB"}),
        post("5", "2021-10-31T01:30:00.000Z", "$TSLA and $AAPL cashtags, a rule without tag",
             cashtags=[{"tag": "TSLA", "start": 0, "end": 5}, {"tag": "AAPL", "start": 10,
                                                              "end": 15}],
             matching_rules=[{"id": "77", "tag": ""}, {"id": "78", "tag": "news"}],
             geo={"place_name": "Somewhere"}),
        post("6", "2021-10-31T01:30:00.000Z", "quote and repost refs", kind="quote",
             ref_id="9", references=[{"type": "quoted", "id": "9"},
                                     {"type": "retweeted", "id": "10"}],
             mentions=[{"handle": "nouser"}], entities_extracted=True),
        post("7", "2021-06-01T12:00:00.123Z", "a GitHub push", provider="github", kind="push",
             channel="octo/repo", source_format="github"),
        # Given twice: the second rendering replaces the first.
        post("8", "2021-06-01T12:00:00.000Z", "first rendering",
             metrics={"likes": 1}),
        post("8", "2021-06-01T12:00:00.000Z", "second rendering wins",
             metrics={"likes": 5}),
    ]
    return posts


RECORDINGS = ["twarc-csv/brexit.jsonl", "twarc-csv/geo_tweets.jsonl", "twarc-csv/kpop.jsonl",
              "twarc-csv/many_urls.jsonl", "twarc-csv/cashtags.jsonl",
              "twarc-csv/mentions_tweet.jsonl", "twarc-csv/edited_after.jsonl"]


def read_jsonl(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def expected_posts(lines):
    """The posts a store gives back: the last rendering of each id, by
    created_at then id (as bytes)."""
    last = {}
    for p in lines:
        last[p["id"]] = p
    return sorted(last.values(), key=lambda p: (p["created_at"], p["id"].encode()))


def comparable(p, raw_exact):
    p = dict(p)
    if "raw" in p and not raw_exact:
        p["raw"] = json.loads(p["raw"]) if p["raw"] else None
    return p


def same_posts(got, want, raw_exact, what):
    g = [comparable(p, raw_exact) for p in got]
    w = [comparable(p, raw_exact) for p in want]
    if g == w:
        return check(True, f"{what}: {len(g)} posts, equal")
    for i, (a, b) in enumerate(zip(g, w)):
        if a != b:
            keys = sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k))
            return check(False, f"{what}: post {i} ({b.get('id')}) differs in {keys}: "
                                f"{ {k: a.get(k) for k in keys} } != { {k: b.get(k) for k in keys} }")
    return check(False, f"{what}: {len(g)} posts, expected {len(w)}")


# --- The scenarios -------------------------------------------------------------

class Store:
    def __init__(self, name, info, servers_file, starling, work):
        self.name = name
        conf = STORES[name]
        self.raw_exact = conf["raw_exact"]
        url = info["url"]  # scheme://user@host:port/db, no password
        self.spec = conf["scheme"] + url[url.index("://"):]
        rest = url[url.index("://") + 3:]
        self.user, rest = rest.split("@", 1)
        hostport, self.database = rest.split("/", 1)
        self.host, port = hostport.rsplit(":", 1)
        self.port = int(port)
        self.env = {k: v for k, v in os.environ.items() if not k.endswith("_PASSWORD")}
        self.env[conf["password"]] = info["password"]
        self.env.setdefault("XDG_CONFIG_HOME", os.path.join(work, "no-config"))
        self.password = info["password"]
        self.servers_file = servers_file
        self.starling = starling
        self.work = os.path.join(work, name)
        shutil.rmtree(self.work, ignore_errors=True)
        os.makedirs(self.work)

    def path(self, name):
        return os.path.join(self.work, name)

    def server(self, action):
        subprocess.run([sys.executable, SERVERS_SCRIPT, action, "--dir",
                        os.path.dirname(self.servers_file), "--only", self.name],
                       check=True, timeout=120, stdout=subprocess.DEVNULL)

    def spec_with(self, params):
        return self.spec + ("?" + params if params else "")

    def no_secret(self, *texts):
        return all(self.password not in t for t in texts)


def round_trip(s, shared):
    adversarial = [json.dumps(p, ensure_ascii=False) for p in adversarial_posts()]
    recorded = []
    for rec in RECORDINGS:
        with open(os.path.join(shared, rec), encoding="utf-8") as f:
            recorded += [l.rstrip("\n") for l in f if l.strip()]
    # The adversarial posts are our own JSON (no provider JSON: no raw); the
    # recordings are the provider's, kept as raw.
    for name, lines, raw in (("adversarial", adversarial, ""), ("recordings", recorded, "?raw=1")):
        src = s.path(name + ".jsonl")
        with open(src, "w", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n")
        direct = s.path(name + ".direct.jsonl")
        run(s.starling, ["convert", src, "jsonl:" + direct + raw], s.env)
        want = expected_posts(read_jsonl(direct))
        sql_store_reset(s)
        for attempt in (1, 2):
            p = run(s.starling, ["collect", "-s", src, "-o", s.spec_with("batch=50")], s.env)
            check(s.no_secret(p.stdout, p.stderr),
                  f"{s.name}: collect of the {name} ({attempt}) prints no password")
            check("NOTICE" not in p.stderr and len(p.stderr.splitlines()) <= 3,
                  f"{s.name}: collect of the {name} ({attempt}) prints only its summary: "
                  f"{p.stderr.strip()[:300]}")
            back = s.path(f"{name}.back{attempt}.jsonl")
            run(s.starling, ["convert", s.spec, "jsonl:" + back + raw], s.env)
            same_posts(read_jsonl(back), want, s.raw_exact,
                       f"{s.name}: {name} round trip after collect {attempt}")


PIPELINE = """name: stores
source: "{source}"
watermark: 5s
allowed_lateness: 10s
checkpoint: {{interval: 300ms}}
analyses:
  - {{name: hashtags, type: top, by: hashtag, k: 10, window: 1m}}
  - {{name: langs, type: count, by: lang, window: 1m}}
  - {{name: authors, type: distinct, of: author, window: 5m}}
  - {{name: mood, type: sentiment, by: hashtag, k: 5, window: 1m}}
  - {{name: pairs, type: cooccurrence, k: 10, window: 1m}}
sinks:
  results: {results}
  posts: {posts}
"""

GENERATOR = "generate:?rate=1000&count={count}&pace=1&seed=5&start=2021-04-01T00:00:00Z"


def write_pipeline(s, name, results, posts, count):
    path = s.path(name)
    with open(path, "w", encoding="utf-8") as f:
        f.write(PIPELINE.format(source=GENERATOR.format(count=count), results=results,
                                posts=posts))
    return path


def report(s, db, name):
    out = s.path(name)
    run(s.starling, ["report", "--db", db, "-o", out], s.env)
    with open(out, encoding="utf-8") as f:
        # The one line that names the store differs.
        return [l for l in f.read().replace("><", ">\n<").splitlines() if not l.startswith(("<p>From ", "<p>Generated "))]


def store_posts(s, name):
    out = s.path(name)
    run(s.starling, ["convert", s.spec, out], s.env)
    return read_jsonl(out)


def sql_store_reset(s):
    """Empties the store with the server's own client, so each scenario starts
    from nothing."""
    host, port, db, user = s.host, str(s.port), s.database, s.user
    if s.name == "mongodb":
        # No MongoDB shell in Debian: our own wire client drops the database
        # (the user lives on: FerretDB keeps users apart from the data).
        with mongo_wire.MongoClient(host, s.port, timeout=60) as c:
            c.auth(user, s.password, db)
            c.command(db, {"dropDatabase": 1})
        return
    if s.name == "postgres":
        cmd = ["psql", "-q", "-h", host, "-p", port, "-U", user, "-d", db, "-v",
               "ON_ERROR_STOP=1", "-c", "DROP SCHEMA public CASCADE; CREATE SCHEMA public"]
        env = dict(os.environ, PGPASSWORD=s.password, PGOPTIONS="-c client_min_messages=warning")
    elif s.name == "clickhouse":
        # Its HTTP interface; the password in a header, as its clients send it.
        for sql in (f"DROP DATABASE IF EXISTS {db}", f"CREATE DATABASE {db}"):
            req = urllib.request.Request(
                f"http://{host}:{port}/?" + urllib.parse.urlencode({"database": "default"}),
                data=sql.encode(), headers={"X-ClickHouse-User": user,
                                            "X-ClickHouse-Key": s.password})
            urllib.request.urlopen(req, timeout=60).read()
        return
    else:
        cmd = ["mariadb", "-h", host, "-P", port, "-u", user, "-e",
               f"DROP DATABASE IF EXISTS {db}; CREATE DATABASE {db} CHARACTER SET utf8mb4"]
        env = dict(os.environ, MYSQL_PWD=s.password)
    subprocess.run(cmd, env=env, check=True, timeout=60, stdout=subprocess.DEVNULL)


def reference_run(s, count):
    """The uninterrupted run into SQLite: what the store must end up holding
    (its report, its posts, and what `serve` shows of it)."""
    db = s.path("ref-results.db")
    posts = s.path("ref-posts.db")
    pipe = write_pipeline(s, "ref.yaml", "sqlite:" + db, "sqlite:" + posts, count)
    run(s.starling, ["run", pipe, "--checkpoint-dir", s.path("ref-ckpt")], s.env, timeout=300)
    ref_posts = s.path("ref-posts.jsonl")
    run(s.starling, ["convert", posts, ref_posts], s.env)
    return (report(s, db, "ref-report.html"), read_jsonl(ref_posts),
            served(s, "sqlite:" + db, "sqlite:" + posts))


def run_with_kills(s, pipe, ckpt, kills):
    """Runs `pipe`, SIGKILLing it `kills` times at random after its first
    checkpoint and resuming; then lets it finish."""
    resume = []
    for k in range(kills + 1):
        proc = subprocess.Popen([s.starling, "run", pipe, "--checkpoint-dir", ckpt] + resume,
                                env=s.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                text=True)
        if k < kills:
            deadline = time.time() + 60
            while not os.path.exists(os.path.join(ckpt, "checkpoint.bin")):
                if proc.poll() is not None or time.time() > deadline:
                    break
                time.sleep(0.05)
            time.sleep(random.uniform(0.3, 1.5))
            if proc.poll() is None:
                proc.send_signal(signal.SIGKILL)
        _, err = proc.communicate(timeout=300)
        if k == kills and proc.returncode != 0:
            print(err[-3000:], file=sys.stderr)
            raise SystemExit(f"FAIL: {s.name}: the last resumed run exited {proc.returncode}")
        resume = ["--resume"]


def kill_resume(s, ref_report, ref_posts, count):
    sql_store_reset(s)
    pipe = write_pipeline(s, "kr.yaml", s.spec, s.spec_with("batch=200"), count)
    run_with_kills(s, pipe, s.path("kr-ckpt"), kills=3)
    check(report(s, s.spec, "kr-report.html") == ref_report,
          f"{s.name}: kill -9 three times and --resume: the report equals SQLite's")
    same_posts(store_posts(s, "kr-posts.jsonl"), expected_posts(ref_posts), True,
               f"{s.name}: kill -9 and --resume: posts")


def served(s, db, posts):
    """What `starling serve --db DB --posts POSTS` answers: its analyses, every
    analysis's windows and the feed's posts, read over HTTP (bounded waits)."""
    p = subprocess.Popen([s.starling, "serve", "--db", db, "--posts", posts, "--port", "0"],
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=s.env)
    try:
        base = None
        deadline = time.time() + 60
        lines = []
        while time.time() < deadline and base is None:
            line = p.stdout.readline()
            if not line:
                break
            lines.append(line)
            if line.startswith("dashboard: "):
                base = line.split(" ", 1)[1].strip().rstrip("/")
        if base is None:
            check(False, f"{s.name}: serve --db {db} never said where: {''.join(lines)[-800:]}")
            return None

        def get(path):
            with urllib.request.urlopen(base + path, timeout=30) as r:
                return json.loads(r.read().decode("utf-8"))

        analyses = get("/api/v1/analyses")
        names = [a.get("name") or a.get("analysis") for a in analyses.get("analyses", analyses)]
        windows = {n: get("/api/v1/windows?analysis=" + urllib.parse.quote(n) + "&limit=1000")
                   for n in names}
        secret = s.env.get(STORES[s.name]["password"], "")
        text = "".join(lines)
        check(not secret or secret not in text, f"{s.name}: serve printed the password")
        return {"analyses": analyses, "windows": windows}
    finally:
        p.terminate()
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def serve_db(s, ref_served):
    """`serve --db` on the store shows what it shows on SQLite."""
    check(ref_served is not None and
          any(w.get("windows") for w in ref_served["windows"].values()),
          f"{s.name}: serve --db on SQLite shows windows (the reference)")
    got = served(s, s.spec, s.spec)
    check(got is not None and got == ref_served,
          f"{s.name}: serve --db gives SQLite's analyses and windows")


def server_down(s, ref_report, ref_posts, count):
    sql_store_reset(s)
    retry = "retries=2&retry_wait=200ms&connect_timeout=2s"
    pipe = write_pipeline(s, "down.yaml", s.spec_with(retry), s.spec_with("batch=200&" + retry),
                          count)
    ckpt = s.path("down-ckpt")
    proc = subprocess.Popen([s.starling, "run", pipe, "--checkpoint-dir", ckpt], env=s.env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    deadline = time.time() + 60
    while not os.path.exists(os.path.join(ckpt, "checkpoint.bin")) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(1.0)
    s.server("kill")
    started = time.time()
    try:
        _, err = proc.communicate(timeout=120)
    finally:
        s.server("restart")
    took = time.time() - started
    check(proc.returncode not in (0, None),
          f"{s.name}: the run stops when its server is gone (exit {proc.returncode}, "
          f"after {took:.1f} s)")
    check("did not take it after 3 tries" in err or "connecting to" in err,
          f"{s.name}: the error says the server did not answer: "
          f"{err.strip().splitlines()[-1][:200] if err.strip() else '(nothing)'}")
    check(s.no_secret(err), f"{s.name}: the error shows no password")
    run(s.starling, ["run", pipe, "--checkpoint-dir", ckpt, "--resume"], s.env, timeout=300)
    check(report(s, s.spec, "down-report.html") == ref_report,
          f"{s.name}: server stopped mid-run, then --resume: the report equals SQLite's")
    same_posts(store_posts(s, "down-posts.jsonl"), expected_posts(ref_posts), True,
               f"{s.name}: server stopped mid-run, then --resume: posts")


def main():
    if len(sys.argv) < 4:
        print(__doc__)
        return 2
    starling, shared, work = (os.path.abspath(a) for a in sys.argv[1:4])
    wanted = sys.argv[4:]
    servers_file = os.environ.get("STARLING_TEST_SERVERS")
    if not servers_file or not os.path.exists(servers_file):
        print("[  SKIPPED ] STARLING_TEST_SERVERS names no servers file: the store servers did not "
              "start (run through ctest, which starts them)")
        return 77
    with open(servers_file, encoding="utf-8") as f:
        servers = json.load(f)
    seed = int(os.environ.get("STORES_SEED", str(os.getpid())))
    random.seed(seed)
    print(f"stores_test: seed {seed} (STORES_SEED={seed} replays the kill timings)")
    os.makedirs(work, exist_ok=True)
    ran = 0
    for name in (wanted or list(STORES)):
        info = servers.get(name)
        if not isinstance(info, dict) or "url" not in info:
            why = servers.get("skipped", {}).get(name, "not in the servers file")
            print(f"[  SKIPPED ] {name}: its server is not running: {why}")
            continue
        s = Store(name, info, servers_file, starling, work)
        t0 = time.time()
        round_trip(s, shared)
        count = 6000
        ref_report, ref_posts, ref_served = reference_run(s, count)
        kill_resume(s, ref_report, ref_posts, count)
        serve_db(s, ref_served)
        server_down(s, ref_report, ref_posts, count)
        print(f"{name}: {time.time() - t0:.1f} s")
        ran += 1
    if failures:
        print(f"{len(failures)} checks failed")
        return 1
    if ran == 0:
        print("[  SKIPPED ] no store server was running")
        return 77
    print(f"all checks passed on {ran} store(s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
