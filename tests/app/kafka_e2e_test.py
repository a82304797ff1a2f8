#!/usr/bin/env python3
"""Starling's Kafka source and sink end to end: the real `starling` binary
against the real Apache Kafka broker of the ctest fixture `kafka_broker`
(tests/support/kafka_broker.py), with kcat (librdkafka) and the sqlite3
shell as independent clients. Seven checks, each named, each able to fail:

  1 harvester   collect a recorded X v2 file into a 3-partition topic: every
                post exactly once (count, ids, the normalized JSON byte for
                byte), keyed by its id, each partition in the file's order
  2 analyser    run a pipeline from the topic (a group, stop=end) and from
                the file: every results table the same (sqlite3, sorted), no
                late post; and examples/trending.yaml as it is over a
                1-partition topic: the same tables and late posts as the file
  3 kill-resume a checkpointing run from Kafka (throttled by fetch settings)
                killed with SIGKILL after a checkpoint, then --resume: every
                table equals the uninterrupted run's; without a group, then
                in one (the offsets set in the rebalance callback)
  4 results     run --results kafka://: the messages are the jsonl sink's
                lines, in order per key; the last one of each window equals
                the SQLite final results
  5 broker-down results to Kafka with timeout=3s, the broker killed mid-run:
                starling exits non-zero naming the brokers, no secret; after
                the broker's restart --resume completes and the last message
                of each window equals the run over the file (at-least-once)
  7 exactly-once results to Kafka with delivery=exactly-once (transactions with
                the checkpoints): a run killed with SIGKILL mid-run, and at
                the two failpoints around a transaction's commit (before it:
                the resume falls back a checkpoint; after it: the resume
                takes the newer one), each then --resume: what a reader of
                committed messages sees is the uninterrupted run's results,
                each once (read_uncommitted does see the aborted ones); a
                run stopped with Ctrl-C resumes; with --serve the results
                are committed when the input ends; a resume of a finished
                run is refused; no --checkpoint-dir is refused
  6 secrets     rdkafka.sasl.password (accepted with PLAINTEXT, unused) on
                every Kafka spec above: never in any output, log, checkpoint,
                results or dead-letter file (one dead letter made on purpose),
                nor in the live stats API and /metrics (--serve)

The broker is killed and restarted (check 5), so ctest runs this alone
(KILLS_BROKER). No broker, no kcat or no sqlite3 shell here: it says why and
exits 77 (skipped). Every wait is bounded.

    kafka_e2e_test.py STARLING SHARED_DATA WORK_DIR   ($STARLING_TEST_KAFKA: the broker)
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import kafka_broker  # noqa: E402

EXIT_SKIP = 77
SECRET = "SeCrEt123"
# librdkafka takes sasl.password whatever the protocol and never uses it on
# PLAINTEXT: a credential that must stay hidden everywhere.
SECRET_PROP = f"rdkafka.sasl.password={SECRET}"
RECORDED = "twarc-hashtags/tweets1.jsonl"  # 3 v2 pages, 300 posts, 2021-03-23 16:20-16:22
# For check 3: the generator's posts, 50 a second of event time.
CK_POSTS = 4000
CK_GEN = ("generate:?rate=50&count=%d&pace=0&seed=11&start=2021-04-01T00:00:00Z" % CK_POSTS)
# Check 3's crash run reads slowly: each fetch asks more bytes than the
# broker can give (fetch.min.bytes) from at most one batch per partition
# (fetch.message.max.bytes=1), so the broker answers after fetch.wait.max.ms
# with one batch of at most 50 posts (the topic is written in batches of 50).
THROTTLE = ("rdkafka.fetch.min.bytes=100000000&rdkafka.fetch.wait.max.ms=50"
            "&rdkafka.fetch.message.max.bytes=1")
# For check 5: the generator at its event time (pace=1), 400 posts a second.
DOWN_ARGS = ["--count", "2000", "--rate", "400", "--seed", "5",
             "--start", "2021-04-01T00:00:00Z"]
DOWN_GEN = "generate:?rate=400&count=2000&pace=1&seed=5&start=2021-04-01T00:00:00Z"

failures = []
outputs = []  # (what, text) of every process run: searched for the secret
children = []  # starling processes started in the background (killed on exit)


def check(name, ok, detail=""):
    if ok:
        print(f"ok   {name}", flush=True)
    else:
        failures.append(name)
        print(f"FAIL {name}" + (f": {detail}" if detail else ""), flush=True)
    return ok


def tail(out, n=1500):
    return out[-n:].strip()


def text(b):
    """What a killed process wrote (bytes or str, depending on Python)."""
    if b is None:
        return ""
    return b.decode(errors="replace") if isinstance(b, bytes) else b


class Env:
    def __init__(self, starling, data, work, info, broker_dir, kcat, sqlite):
        self.starling, self.data, self.work = starling, data, work
        self.info, self.broker_dir, self.kcat, self.sqlite = info, broker_dir, kcat, sqlite
        self.bootstrap = info["bootstrap"]
        self.tag = f"{os.getpid()}-{int(time.time())}"

    def path(self, *parts):
        return os.path.join(self.work, *parts)

    def topic(self, name, partitions):
        t = f"e2e-{name}-{self.tag}"
        kafka_broker.create_topic(self.broker_dir, t, partitions)
        return t

    def kafka(self, topic, query=""):
        return f"kafka://{self.bootstrap}/{topic}" + (f"?{query}" if query else "")

    def starling_run(self, what, args, timeout=60, extra_env=None):
        """Runs starling to its end (killed after `timeout` s); its output is
        kept for the secret search. Returns (returncode or None, output)."""
        try:
            r = subprocess.run([self.starling, *args], cwd=self.work, stdin=subprocess.DEVNULL,
                               capture_output=True, text=True, timeout=timeout,
                               env={**os.environ, **(extra_env or {})})
        except subprocess.TimeoutExpired as e:
            out = text(e.stdout) + text(e.stderr)
            outputs.append((what, out))
            print(f"     {what}: did not end within {timeout} s", flush=True)
            return None, out
        out = r.stdout + r.stderr
        outputs.append((what, out))
        return r.returncode, out

    def spawn(self, what, args, log):
        f = open(self.path(log), "w")
        p = subprocess.Popen([self.starling, *args], cwd=self.work, stdin=subprocess.DEVNULL,
                             stdout=f, stderr=subprocess.STDOUT)
        f.close()
        children.append(p)
        return p

    def consume(self, topic, timeout=60, isolation="read_committed"):
        """Every message of the topic from the start to its end:
        [(partition, offset, key, value)], in partition then offset order.
        Committed messages only (as librdkafka reads by default), or with
        isolation="read_uncommitted" the aborted ones too."""
        r = subprocess.run([self.kcat, "-C", "-b", self.bootstrap, "-t", topic, "-o", "beginning",
                            "-X", f"isolation.level={isolation}",
                            "-e", "-q", "-f", "%p\t%o\t%k\t%s\n"],
                           stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"kcat -C {topic} exited {r.returncode}: "
                               f"{r.stderr.decode(errors='replace')[-500:]}")
        out = []
        for row in r.stdout.decode("utf-8").split("\n"):
            if row:
                p, o, k, v = row.split("\t", 3)
                out.append((int(p), int(o), k, v))
        out.sort(key=lambda m: (m[0], m[1]))
        return out

    def produce(self, topic, lines, timeout=60):
        r = subprocess.run([self.kcat, "-P", "-b", self.bootstrap, "-t", topic, "-p", "0"],
                           input="".join(x + "\n" for x in lines).encode(), capture_output=True,
                           timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"kcat -P {topic} exited {r.returncode}: {r.stderr[-500:]!r}")

    def tables(self, db):
        """{table: its rows, sorted}: the sqlite3 shell's `.mode quote` (REALs
        in full precision), as kill_resume_test.sh compares results."""
        r = subprocess.run([self.sqlite, db, "SELECT name FROM sqlite_master WHERE type='table' "
                            "ORDER BY name"], capture_output=True, text=True, timeout=30)
        out = {}
        for t in r.stdout.split():
            d = subprocess.run([self.sqlite, "-cmd", ".mode quote", db, f"SELECT * FROM {t}"],
                               capture_output=True, text=True, timeout=30)
            out[t] = sorted(d.stdout.splitlines())
        return out

    def query(self, db, sql):
        r = subprocess.run([self.sqlite, "-separator", "\t", db, sql], capture_output=True,
                           text=True, timeout=30)
        return [row.split("\t") for row in r.stdout.splitlines()]


def summary(out):
    """The numbers of a run's `done:` line, or None."""
    m = re.search(r"^done: ([\d,]+) records, ([\d,]+) posts .*?; ([\d,]+) late posts[^;]*; "
                  r"([\d,]+) dead letters[^;]*; ([\d,]+) checkpoints", out, re.M)
    if not m:
        return None
    n = [int(x.replace(",", "")) for x in m.groups()]
    return {"records": n[0], "posts": n[1], "late": n[2], "dead": n[3], "checkpoints": n[4]}


def same_tables(name, a, b, what_a, what_b):
    """Named check: two results databases' dumps are equal (and not empty)."""
    if sorted(a) != sorted(b):
        return check(name, False, f"tables {sorted(a)} vs {sorted(b)}")
    diffs = []
    for t in a:
        if a[t] != b[t]:
            only_a = [r for r in a[t] if r not in b[t]][:3]
            only_b = [r for r in b[t] if r not in a[t]][:3]
            diffs.append(f"{t}: {len(a[t])} rows {what_a}, {len(b[t])} {what_b}; "
                         f"only {what_a}: {only_a}; only {what_b}: {only_b}")
    rows = sum(len(v) for k, v in a.items() if k != "analyses")
    return check(name, not diffs and rows > 0,
                 "; ".join(diffs) if diffs else f"no result rows at all ({rows})")


def pipeline(env, name, body):
    path = env.path(f"{name}.yaml")
    with open(path, "w", encoding="utf-8") as f:
        f.write(body)
    return path


def recorded_posts(env):
    """The posts of the recorded file, read here (an oracle independent of
    starling): their ids in file order."""
    posts = []
    with open(os.path.join(env.data, RECORDED), encoding="utf-8") as f:
        for line in f:
            if line.strip():
                for tweet in json.loads(line).get("data", []):
                    posts.append(tweet["id"])
    return posts


# --- 1 ------------------------------------------------------------------------

def check_harvester(env):
    print("--- 1 harvester: collect a recorded X v2 file into a 3-partition topic", flush=True)
    ids = recorded_posts(env)
    check("1 harvester: the recorded file has 300 distinct posts",
          len(ids) == 300 and len(set(ids)) == 300, f"{len(ids)} posts, {len(set(ids))} ids")
    src = os.path.join(env.data, RECORDED)
    r = subprocess.run([env.starling, "normalize", src], capture_output=True, text=True,
                       timeout=60)
    normalized = r.stdout.splitlines()
    topic = env.topic("raw", 3)
    rc, out = env.starling_run("collect into Kafka", [
        "collect", "--source", src, "--sink", env.kafka(topic, SECRET_PROP)])
    check("1 harvester: collect exits 0", rc == 0, tail(out))
    check("1 harvester: collect counts 300 posts", "300 posts from 3 records" in out, tail(out))
    msgs = env.consume(topic)
    got = [json.loads(v)["id"] for _, _, _, v in msgs]
    check("1 harvester: 300 messages, one per post", len(msgs) == len(ids),
          f"{len(msgs)} messages")
    check("1 harvester: every post id arrived", set(got) == set(ids),
          f"missing {sorted(set(ids) - set(got))[:5]}, extra {sorted(set(got) - set(ids))[:5]}")
    dup = sorted({i for i in got if got.count(i) > 1})
    check("1 harvester: no post twice", not dup, f"twice: {dup[:5]}")
    check("1 harvester: each message is keyed by its post id",
          all(k == json.loads(v)["id"] for _, _, k, v in msgs),
          str([(k, json.loads(v)["id"]) for _, _, k, v in msgs
               if k != json.loads(v)["id"]][:3]))
    check("1 harvester: the values are `starling normalize`'s lines, byte for byte",
          sorted(v for *_, v in msgs) == sorted(normalized),
          f"{len(normalized)} normalized lines")
    parts = {p for p, *_ in msgs}
    check("1 harvester: the keys spread over all 3 partitions", parts == {0, 1, 2}, str(parts))
    # The broker creates no topic on use: a sink to a topic that does not
    # exist fails when it opens, naming it (it used to wait for its timeout,
    # then blame the brokers for not acknowledging).
    t0 = time.monotonic()
    rc, out = env.starling_run("collect into a missing topic", [
        "collect", "--source", src,
        "--sink", env.kafka(f"e2e-missing-{env.tag}", f"timeout=20s&{SECRET_PROP}")])
    took = time.monotonic() - t0
    check("1 harvester: a topic that does not exist fails at once, named",
          rc not in (None, 0) and took < 10 and f"topic 'e2e-missing-{env.tag}' not found" in out,
          f"exit {rc} after {took:.1f} s: {tail(out)}")
    order = {i: n for n, i in enumerate(ids)}
    in_order = all(
        [order[json.loads(v)["id"]] for q, _, _, v in msgs if q == p] ==
        sorted(order[json.loads(v)["id"]] for q, _, _, v in msgs if q == p) for p in parts)
    check("1 harvester: each partition holds its posts in the file's order", in_order)
    return topic


# --- 2 ------------------------------------------------------------------------

# Exact analyses whose results do not depend on the order of the posts (top
# breaks ties by key). From Kafka a post's lateness is judged against its own
# partition's watermark, over the file against the whole file's: the two
# agree only where no post is late in either, so the allowed lateness goes
# beyond the data's span (2 minutes; the search pages are newest first).
PIPELINE = """name: e2e
source: unused.jsonl
watermark: 5s
allowed_lateness: 1h
analyses:
  - {name: hashtags, type: top, by: hashtag, k: 10, window: 1m}
  - {name: mentions, type: top, by: mention, k: 10, window: 1m}
  - {name: langs, type: count, by: lang, window: 1m}
  - {name: kinds, type: count, by: kind, window: "sliding 2m 1m"}
  - {name: authors, type: distinct, of: author, window: 1m}
sinks:
  results: sqlite:unused.db
"""


def check_analyser(env, raw_topic):
    print("--- 2 analyser: the pipeline from Kafka equals the pipeline from the file", flush=True)
    src = os.path.join(env.data, RECORDED)
    p = pipeline(env, "e2e", PIPELINE)
    rc, out_f = env.starling_run("run over the file", [
        "run", p, "--source", src, "--results", "sqlite:f.db"])
    check("2 analyser: the run over the file exits 0", rc == 0, tail(out_f))
    rc, out_k = env.starling_run("run from Kafka (3 partitions)", [
        "run", p, "--source", env.kafka(raw_topic, f"group=g1&stop=end&{SECRET_PROP}"),
        "--results", "sqlite:k.db"])
    check("2 analyser: the run from Kafka (group g1, stop=end) exits 0", rc == 0, tail(out_k))
    s = summary(out_k)
    check("2 analyser: it read 300 posts from 3 partitions, 0 late",
          s is not None and s["posts"] == 300 and s["late"] == 0, str(s))
    same_tables("2 analyser: every results table equals the file run's (3 partitions)",
                env.tables(env.path("f.db")), env.tables(env.path("k.db")), "file", "kafka")

    # One partition keeps the file's order: the repo's example pipeline as it
    # is (watermark 5s, lateness 30s over reverse-chronological search pages,
    # so posts do come late), and the same late posts as the file.
    one = env.topic("raw1", 1)
    rc, out = env.starling_run("collect into a 1-partition topic", [
        "collect", "--source", src, "--sink", env.kafka(one, SECRET_PROP)])
    check("2 analyser: collect into the 1-partition topic exits 0", rc == 0, tail(out))
    example = os.path.join(ROOT, "examples", "trending.yaml")
    rc, out_f = env.starling_run("trending.yaml over the file", [
        "run", example, "--source", src, "--results", "sqlite:trending-f.db"])
    check("2 analyser: examples/trending.yaml over the file exits 0", rc == 0, tail(out_f))
    rc, out_k = env.starling_run("trending.yaml from Kafka (1 partition)", [
        "run", example, "--source", env.kafka(one, f"group=g1&stop=end&{SECRET_PROP}"),
        "--results", "sqlite:trending-k.db"])
    check("2 analyser: examples/trending.yaml from the 1-partition topic exits 0", rc == 0,
          tail(out_k))
    sf, sk = summary(out_f), summary(out_k)
    check("2 analyser: 1 partition: 300 posts, the file run's late posts (some)",
          sf is not None and sk is not None and sk["posts"] == 300 and
          sk["late"] == sf["late"] and sf["late"] > 0, f"file {sf}, kafka {sk}")
    same_tables("2 analyser: every results table equals the file run's (1 partition, "
                "examples/trending.yaml)", env.tables(env.path("trending-f.db")),
                env.tables(env.path("trending-k.db")), "file", "kafka")


# --- 3 ------------------------------------------------------------------------

# No allowed lateness: the generator's posts are in time order in each
# partition, and the watermark is kept per partition, so no post is late
# however the partitions interleave (and the crash run, throttled, and the
# resumed run interleave them differently from the uninterrupted run).
CK_PIPELINE = """name: e2eck
source: unused.jsonl
watermark: 5s
allowed_lateness: 0s
checkpoint: {interval: 200ms}
analyses:
  - {name: hashtags, type: top, by: hashtag, k: 10, window: 1m}
  - {name: langs, type: count, by: lang, window: 1m}
  - {name: kinds, type: count, by: kind, window: "sliding 5m 1m"}
  - {name: authors, type: distinct, of: author, window: 5m}
sinks:
  results: sqlite:unused.db
"""


def check_kill_resume(env):
    print("--- 3 kill -9 and --resume: a checkpointing run from Kafka", flush=True)
    topic = env.topic("ck", 3)
    rc, out = env.starling_run("collect the generator into Kafka", [
        "collect", "--source", CK_GEN,
        "--sink", env.kafka(topic, f"rdkafka.batch.num.messages=50&{SECRET_PROP}")])
    check("3 kill-resume: collect of the generator exits 0", rc == 0, tail(out))
    p = pipeline(env, "e2eck", CK_PIPELINE)
    rc, out = env.starling_run("uninterrupted run from Kafka", [
        "run", p, "--source", env.kafka(topic, f"stop=end&{SECRET_PROP}"), "--results", "sqlite:ck-ref.db"])
    s = summary(out)
    check("3 kill-resume: the uninterrupted run reads every post, none late",
          rc == 0 and s is not None and s["posts"] == CK_POSTS and s["late"] == 0, tail(out))

    crash_and_resume(env, p, topic, "no group", "ck", "")
    # In a group the resumed run's offsets are set in the rebalance callback.
    # The killed member holds its partitions until its session times out:
    # 6 s, the broker's least (librdkafka's default is 45 s).
    crash_and_resume(env, p, topic, "group", "ckg",
                     "group=ck&rdkafka.session.timeout.ms=6000&")


def crash_and_resume(env, p, topic, how, name, query):
    """Kills a throttled checkpointing run from the topic after its first
    checkpoint, resumes it (not throttled) and compares the results with the
    uninterrupted run's (ck-ref.db)."""
    fast = env.kafka(topic, f"stop=end&{query}{SECRET_PROP}")
    slow = env.kafka(topic, f"stop=end&{query}{THROTTLE}&{SECRET_PROP}")
    ck = env.path(name)
    t0 = time.monotonic()
    proc = env.spawn(f"crash run ({how})", [
        "run", p, "--source", slow, "--results", f"sqlite:{name}-crash.db",
        "--checkpoint-dir", name], f"{name}-crash.log")
    deadline = t0 + 30
    while time.monotonic() < deadline and proc.poll() is None and \
            not os.path.exists(os.path.join(ck, "checkpoint.bin")):
        time.sleep(0.02)
    time.sleep(0.3)  # a checkpoint or two more, mid-run
    killed_at = time.monotonic() - t0
    if proc.poll() is None:
        proc.send_signal(signal.SIGKILL)
    try:
        rc = proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        rc = None
    with open(env.path(f"{name}-crash.log"), encoding="utf-8", errors="replace") as f:
        crash_out = f.read()
    outputs.append((f"crash run ({how})", crash_out))
    check(f"3 kill-resume ({how}): SIGKILL mid-run, after a checkpoint",
          rc == -signal.SIGKILL and "done:" not in crash_out and
          os.path.exists(os.path.join(ck, "checkpoint.bin")),
          f"exit {rc} {killed_at:.1f} s after the start; checkpoint "
          f"{os.path.exists(os.path.join(ck, 'checkpoint.bin'))}; {tail(crash_out)}")

    # Resumed without the throttle: the offsets come from the checkpoint.
    t1 = time.monotonic()
    rc, out = env.starling_run(f"resumed run ({how})", [
        "run", p, "--source", fast, "--results", f"sqlite:{name}-crash.db",
        "--checkpoint-dir", name, "--resume"])
    m = re.search(r"resumed from checkpoint \d+ at record ([\d,]+)", out)
    at = int(m.group(1).replace(",", "")) if m else -1
    check(f"3 kill-resume ({how}): --resume goes on from a checkpoint mid-topic",
          rc == 0 and 0 < at < CK_POSTS, f"exit {rc}, resumed at record {at}; {tail(out)}")
    print(f"     killed {killed_at:.1f} s after the start; resumed at record {at} of "
          f"{CK_POSTS}, in {time.monotonic() - t1:.1f} s", flush=True)
    s = summary(out)
    check(f"3 kill-resume ({how}): the resumed run ends at the topic's end, none late",
          s is not None and s["records"] == CK_POSTS and s["late"] == 0, str(s))
    ref, crash = env.tables(env.path("ck-ref.db")), env.tables(env.path(f"{name}-crash.db"))
    same_tables(f"3 kill-resume ({how}): every results table equals the uninterrupted run's",
                ref, crash, "uninterrupted", "resumed")
    counted = env.query(env.path(f"{name}-crash.db"),
                        "SELECT SUM(count) FROM counts WHERE analysis='langs'")
    check(f"3 kill-resume ({how}): every post counted once (langs over all windows)",
          counted and counted[0][0] == str(CK_POSTS), f"{counted} of {CK_POSTS}")


# --- 4 ------------------------------------------------------------------------

def window_of(doc):
    return (doc["analysis"], doc["window_start"], doc["window_end"])


def last_per_window(values):
    last = {}
    for v in values:
        doc = json.loads(v)
        last[window_of(doc)] = v
    return last


def check_results_to_kafka(env):
    print("--- 4 results to Kafka: the messages against the jsonl and SQLite sinks", flush=True)
    src = os.path.join(env.data, RECORDED)
    p = env.path("e2e.yaml")
    topic = env.topic("results", 3)
    rc, out = env.starling_run("run --results kafka://", [
        "run", p, "--source", src, "--results", env.kafka(topic, SECRET_PROP),
        "--results", "jsonl:results4.jsonl"])
    check("4 results: run --results kafka:// exits 0", rc == 0, tail(out))
    msgs = env.consume(topic)
    with open(env.path("results4.jsonl"), encoding="utf-8") as f:
        lines = f.read().splitlines()
    check("4 results: one message per result (as many as the jsonl sink's lines)",
          len(msgs) == len(lines) and lines, f"{len(msgs)} messages, {len(lines)} lines")
    check("4 results: keyed PIPELINE/ANALYSIS",
          all(k == f"{json.loads(v)['pipeline']}/{json.loads(v)['analysis']}"
              for _, _, k, v in msgs), str([k for _, _, k, _ in msgs][:5]))
    by_key = {}
    for _, _, k, v in msgs:
        by_key.setdefault(k, []).append(v)
    ok = all(vs == [x for x in lines if f"{json.loads(x)['pipeline']}/"
                    f"{json.loads(x)['analysis']}" == k] for k, vs in by_key.items())
    check("4 results: per key, the messages are the jsonl lines, in order", ok)
    last = last_per_window(v for _, _, _, v in msgs)
    # The SQLite results of the same pipeline over the same file (check 2).
    db = env.path("f.db")
    windows = {(a, s, e): (int(t), int(fi), int(n)) for a, s, e, t, fi, n in env.query(
        db, "SELECT analysis, window_start, window_end, total, final, rows FROM windows")}
    rows = {}
    for table in ("trending", "counts"):
        for a, s, e, rank, key, count in env.query(
                db, f"SELECT analysis, window_start, window_end, rank, key, count FROM {table}"):
            rows.setdefault((a, s, e), []).append((int(rank), key, int(count)))
    for a, s, e, key, est in env.query(
            db, "SELECT analysis, window_start, window_end, key, estimate FROM distinct_counts"):
        rows.setdefault((a, s, e), []).append((key, round(float(est), 2)))
    check("4 results: the windows of the last messages are SQLite's",
          sorted(last) == sorted(windows), f"{len(last)} vs {len(windows)}")
    bad = []
    for w, v in last.items():
        doc = json.loads(v)
        if w not in windows:
            continue
        t, fi, n = windows[w]
        if doc["kind"] == "distinct":
            mine = sorted((r["key"], round(r["estimate"], 2)) for r in doc["rows"])
        else:
            mine = sorted((r["rank"], r["key"], r["count"]) for r in doc["rows"])
        if (doc["total"], int(doc["final"]), len(doc["rows"])) != (t, fi, n) or \
                mine != sorted(rows.get(w, [])):
            bad.append((w, doc["total"], doc["final"], mine[:3], (t, fi, n),
                        sorted(rows.get(w, []))[:3]))
    check("4 results: the last message of each window equals the SQLite final result "
          "(total, final, every row)", not bad and last, str(bad[:2]))
    check("4 results: every last message is final",
          all(json.loads(v)["final"] for v in last.values()))
    t0 = time.monotonic()
    rc, out = env.starling_run("run --results into a missing topic", [
        "run", p, "--source", src, "--results",
        env.kafka(f"e2e-missing-{env.tag}", f"timeout=20s&{SECRET_PROP}")])
    took = time.monotonic() - t0
    check("4 results: a results topic that does not exist fails at once, named",
          rc not in (None, 0) and took < 10 and f"topic 'e2e-missing-{env.tag}' not found" in out,
          f"exit {rc} after {took:.1f} s: {tail(out)}")


# --- 5 ------------------------------------------------------------------------

# Checkpoints less often than the sinks are flushed (each second): results
# acknowledged after the last checkpoint are written again by --resume.
DOWN_PIPELINE = """name: e2edown
source: unused.jsonl
watermark: 1s
checkpoint: {interval: 1500ms}
analyses:
  - {name: hashtags, type: top, by: hashtag, k: 10, window: 1s}
  - {name: langs, type: count, by: lang, window: 1s}
  - {name: authors, type: distinct, of: author, window: 1s}
sinks:
  results: sqlite:unused.db
"""


def check_broker_down(env):
    print("--- 5 broker down mid-run: results to Kafka, the broker killed, then --resume",
          flush=True)
    p = pipeline(env, "e2edown", DOWN_PIPELINE)
    with open(env.path("down.jsonl"), "w") as f:
        subprocess.run([env.starling, "generate", "--no-pace", *DOWN_ARGS], stdout=f,
                       timeout=60, check=True)
    rc, out = env.starling_run("reference run over the file", [
        "run", p, "--source", "down.jsonl", "--results", "jsonl:down-ref.jsonl"])
    check("5 broker-down: the run over the file exits 0", rc == 0, tail(out))
    with open(env.path("down-ref.jsonl"), encoding="utf-8") as f:
        ref = last_per_window(f.read().splitlines())
    topic = env.topic("down", 3)
    sink = env.kafka(topic, f"timeout=3s&{SECRET_PROP}")
    args = ["run", p, "--source", DOWN_GEN, "--results", sink, "--checkpoint-dir", "down-ck"]
    t0 = time.monotonic()
    proc = env.spawn("run while the broker dies", args, "down-crash.log")
    killed = False
    try:
        ckpt = env.path("down-ck", "checkpoint.bin")
        deadline = t0 + 30
        while time.monotonic() < deadline and proc.poll() is None and not os.path.exists(ckpt):
            time.sleep(0.02)
        # Some windows written and acknowledged (the run flushes its sinks
        # before each checkpoint) before the broker goes.
        before = []
        while time.monotonic() < deadline and proc.poll() is None and len(before) < 3:
            time.sleep(0.1)
            before = env.consume(topic)
        check("5 broker-down: the run is still going after a checkpoint and 3 results",
              proc.poll() is None and os.path.exists(ckpt) and len(before) >= 3,
              f"{len(before)} results; exit {proc.poll()}")
        kafka_broker.kill(env.broker_dir)
        killed = True
        killed_at = time.monotonic() - t0
        try:
            rc = proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            rc = None
        ended_at = time.monotonic() - t0
        with open(env.path("down-crash.log"), encoding="utf-8", errors="replace") as f:
            out = f.read()
        outputs.append(("run while the broker dies", out))
        print(f"     {len(before)} results in Kafka before the broker was killed "
              f"({killed_at:.1f} s); starling exited {rc} at {ended_at:.1f} s", flush=True)
        check("5 broker-down: starling exits non-zero within the sink timeout (3 s) and a "
              "bit", rc not in (None, 0) and ended_at - killed_at < 15,
              f"exit {rc} after {ended_at - killed_at:.1f} s; {tail(out)}")
        err = [x for x in out.splitlines() if x.startswith("starling: error:")]
        check("5 broker-down: a clear error naming the brokers",
              err and env.bootstrap in err[-1] and "not acknowledged" in err[-1] or
              err and env.bootstrap in err[-1] and "not delivered" in err[-1],
              tail(out))
        check("5 broker-down: no secret in its output, redacted as ***",
              SECRET not in out and "sasl.password=***" in out, tail(out))
    finally:
        if killed:
            t1 = time.monotonic()
            try:
                kafka_broker.restart(env.broker_dir)
                print(f"     broker restarted in {time.monotonic() - t1:.1f} s", flush=True)
            except SystemExit as e:  # the module's own failure
                check("5 broker-down: the broker restarts", False, str(e))
                raise
    rc, out = env.starling_run("resumed after the restart", args + ["--resume"], timeout=60)
    check("5 broker-down: --resume after the broker's restart exits 0",
          rc == 0 and "resumed from checkpoint" in out, tail(out))
    msgs = env.consume(topic)
    last = last_per_window(v for _, _, _, v in msgs)
    missing = sorted(set(ref) - set(last))
    wrong = [w for w in ref if w in last and last[w] != ref[w]]
    check("5 broker-down: the last message of every window equals the file run's "
          "(at-least-once)", not missing and not wrong and sorted(last) == sorted(ref),
          f"{len(ref)} windows; missing {missing[:3]}; different {wrong[:3]}; "
          f"extra {sorted(set(last) - set(ref))[:3]}")
    print(f"     {len(msgs)} messages for {len(ref)} windows "
          f"({len(msgs) - len(ref)} repeated or previews)", flush=True)


# --- 7 ------------------------------------------------------------------------

# Checkpoints every 1.5 s of a 5 s run whose 1 s windows close each second:
# every transaction holds some results.
EOS_PIPELINE = """name: e2eeos
source: unused.jsonl
watermark: 1s
checkpoint: {interval: 1500ms}
analyses:
  - {name: langs, type: count, by: lang, window: 1s}
  - {name: authors, type: distinct, of: author, window: 1s}
  - {name: hashtags, type: top, by: hashtag, k: 5, window: 2s}
sinks:
  results: sqlite:unused.db
"""


def check_exactly_once(env):
    print("--- 7 exactly-once results to Kafka: SIGKILL and failpoints, then --resume",
          flush=True)
    p = pipeline(env, "e2eeos", EOS_PIPELINE)
    rc, out = env.starling_run("exactly-once reference run", [
        "run", p, "--source", DOWN_GEN.replace("pace=1", "pace=0"),
        "--results", "jsonl:eos-ref.jsonl"])
    check("7 exactly-once: the reference run exits 0", rc == 0, tail(out))
    with open(env.path("eos-ref.jsonl"), encoding="utf-8") as f:
        ref = sorted(f.read().splitlines())

    def sink(topic):
        return env.kafka(topic, f"delivery=exactly-once&transactional_id=e2e-{topic}&"
                                f"{SECRET_PROP}")

    def compare(name, topic, finals_only=False):
        # With --serve the engine also sends previews of open windows.
        want = [x for x in ref if '"final":true' in x] if finals_only else ref
        got = sorted(v for *_, v in env.consume(topic)
                     if not finals_only or '"final":true' in v)
        dup = len(got) - len(set(got))
        check(f"7 exactly-once ({name}): committed messages are the uninterrupted run's "
              f"results, each once", got == want and len(want) > 0,
              f"{len(got)} messages ({dup} repeated) against {len(want)}; missing "
              f"{[x for x in want if x not in got][:2]}; extra "
              f"{[x for x in got if x not in want][:2]}")
        return got

    def interrupted(name, sig):
        """A run signalled 1 s after its first checkpoint: (its args, exit code)."""
        topic = env.topic(name, 3)
        args = ["run", p, "--source", DOWN_GEN, "--results", sink(topic),
                "--checkpoint-dir", name]
        proc = env.spawn(f"exactly-once run ({name})", args, f"{name}.log")
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and proc.poll() is None and \
                not os.path.exists(env.path(name, "checkpoint.bin")):
            time.sleep(0.02)
        time.sleep(1.0)
        if proc.poll() is None:
            proc.send_signal(sig)
        rc = proc.wait(timeout=30)
        with open(env.path(f"{name}.log"), encoding="utf-8", errors="replace") as f:
            outputs.append((f"exactly-once run ({name})", f.read()))
        return topic, args, rc

    # Killed from outside at some moment after the first checkpoint.
    topic, args, rc = interrupted("eos-kill", signal.SIGKILL)
    check("7 exactly-once (SIGKILL): killed mid-run after a checkpoint", rc == -signal.SIGKILL,
          f"exit {rc}")
    rc, out = env.starling_run("exactly-once resumed", args + ["--resume"])
    check("7 exactly-once (SIGKILL): --resume exits 0", rc == 0 and "resumed from" in out,
          tail(out))
    compare("SIGKILL", topic)

    # Killed at the failpoints around the commit of the second checkpoint's
    # transaction: before it (aborted: the first checkpoint holds), after it
    # (committed: the second holds, from its candidate file).
    for point, says in [("checkpoint-before-complete", "was not committed"),
                        ("checkpoint-before-promote", "was committed before the run stopped")]:
        topic = env.topic(point.replace("checkpoint-", "eos-"), 3)
        args = ["run", p, "--source", DOWN_GEN, "--results", sink(topic),
                "--checkpoint-dir", f"ck-{point}"]
        rc, out = env.starling_run(f"exactly-once run killed at {point}", args,
                                   extra_env={"STARLING_FAILPOINT": f"{point}:2"})
        check(f"7 exactly-once ({point}): killed there, its candidate checkpoint left",
              rc == -signal.SIGKILL and
              os.path.exists(env.path(f"ck-{point}", "checkpoint.next.bin")),
              f"exit {rc}; {tail(out)}")
        seen = len(env.consume(topic, isolation="read_uncommitted"))
        committed = len(env.consume(topic))
        if point == "checkpoint-before-complete":
            check(f"7 exactly-once ({point}): the open transaction's results are in the topic "
                  f"but not committed", seen > committed, f"{seen} messages, {committed} committed")
        rc, out = env.starling_run(f"exactly-once resumed after {point}", args + ["--resume"])
        check(f"7 exactly-once ({point}): --resume says the output {says}, and exits 0",
              rc == 0 and says in out, tail(out))
        compare(point, topic)
        if point == "checkpoint-before-promote":
            rc, out = env.starling_run("resume of a finished exactly-once run",
                                       args + ["--resume"])
            check("7 exactly-once: a resume of the finished run is refused (it would write "
                  "twice)", rc == 2 and "would write its output twice" in out, tail(out))
            compare("after the refused resume", topic)
    # Stopped with Ctrl-C (a checkpoint at the stop, nothing written after
    # it): --resume goes on from there.
    topic, args, rc = interrupted("eos-stop", signal.SIGINT)
    check("7 exactly-once (Ctrl-C): the run stops (exit 130)", rc == 130, f"exit {rc}")
    rc, out = env.starling_run("exactly-once resumed after Ctrl-C", args + ["--resume"])
    check("7 exactly-once (Ctrl-C): --resume goes on and exits 0",
          rc == 0 and "resumed from" in out, tail(out))
    compare("Ctrl-C", topic)

    # With --serve the last transaction commits when the input ends, not
    # when the dashboard is closed.
    topic = env.topic("eos-serve", 3)
    proc = env.spawn("exactly-once run with --serve", [
        "run", p, "--source", DOWN_GEN.replace("pace=1", "pace=0"), "--results", sink(topic),
        "--checkpoint-dir", "eos-serve", "--serve", "--port", "0"], "eos-serve.log")
    deadline = time.monotonic() + 60
    log = ""
    while time.monotonic() < deadline and proc.poll() is None and "stays up" not in log:
        time.sleep(0.1)
        with open(env.path("eos-serve.log"), encoding="utf-8", errors="replace") as f:
            log = f.read()
    check("7 exactly-once (--serve): the run ends its input, the dashboard stays up",
          "stays up" in log and proc.poll() is None, tail(log))
    compare("--serve, before Ctrl-C", topic, finals_only=True)
    proc.send_signal(signal.SIGINT)
    rc = proc.wait(timeout=30)
    outputs.append(("exactly-once run with --serve", log))
    check("7 exactly-once (--serve): Ctrl-C then ends it (exit 0)", rc == 0, f"exit {rc}")

    rc, out = env.starling_run("exactly-once without checkpoints", [
        "run", p, "--source", DOWN_GEN, "--results", sink(topic)])
    check("7 exactly-once: refused without --checkpoint-dir",
          rc == 2 and "--checkpoint-dir" in out, tail(out))


# --- 6 ------------------------------------------------------------------------

def check_secrets(env, raw_topic):
    print("--- 6 secrets: a dead letter from Kafka, then every output searched", flush=True)
    topic = env.topic("dead", 1)
    good = [v for *_, v in env.consume(raw_topic)[:2]]
    broken = '{"id": "cut in the middle'
    env.produce(topic, [good[0], broken, good[1]])
    # -v: librdkafka's log lines (its config dump here) go to the debug log.
    rc, out = env.starling_run("run with a dead letter", [
        "-v", "run", env.path("e2e.yaml"),
        "--source", env.kafka(topic, f"stop=end&rdkafka.debug=conf&{SECRET_PROP}"),
        "--results", "sqlite:dead.db", "--dead-letter", "dead.jsonl", "--checkpoint-dir", "dead-ck"])
    s = summary(out)
    check("6 secrets: the run with the secret (and librdkafka's config dump) exits 0, "
          "1 dead letter", rc == 0 and s is not None and s["dead"] == 1 and s["posts"] == 2,
          tail(out))
    check("6 secrets: librdkafka's dump shows the property, redacted",
          "sasl.password = [redacted]" in out, tail(out))
    try:
        with open(env.path("dead.jsonl"), encoding="utf-8") as f:
            dead = [json.loads(x) for x in f if x.strip()]
    except OSError:
        dead = []
    check("6 secrets: the dead letter names the message (kafka:TOPIC/0, offset 1), bytes kept",
          len(dead) == 1 and dead[0].get("origin") == f"kafka:{topic}/0" and
          dead[0].get("offset") == 1 and dead[0].get("bytes") == broken, str(dead))
    # Live, with the dashboard: the stats API (the source's health, which
    # quotes the spec) and /metrics.
    proc = env.spawn("live run with --serve", [
        "run", env.path("e2e.yaml"), "--source",
        env.kafka(raw_topic, f"group=live&{SECRET_PROP}"), "--results", "sqlite:live.db",
        "--serve", "--port", "0", "--duration", "20s"], "live.log")
    url, pages, deadline = None, {}, time.monotonic() + 15
    while time.monotonic() < deadline and proc.poll() is None and url is None:
        time.sleep(0.1)
        with open(env.path("live.log"), encoding="utf-8", errors="replace") as f:
            m = re.search(r"http://127\.0\.0\.1:\d+/", f.read())
        url = m.group(0) if m else None
    # The source has joined its group and holds the partitions.
    while url and time.monotonic() < deadline and proc.poll() is None:
        try:
            for page in ("api/v1/stats", "metrics"):
                with urllib.request.urlopen(url + page, timeout=5) as r:
                    pages[page] = r.read().decode("utf-8", errors="replace")
        except (OSError, ValueError):
            pass
        if '"partitions":[{' in pages.get("api/v1/stats", ""):
            break
        time.sleep(0.2)
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
    with open(env.path("live.log"), encoding="utf-8", errors="replace") as f:
        outputs.append(("live run with --serve", f.read()))
    for page, body in pages.items():
        outputs.append((f"GET /{page}", body))
    stats = pages.get("api/v1/stats", "")
    check("6 secrets: the live stats API shows the Kafka source (partitions held) redacted",
          '"partitions":[{' in stats and "sasl.password=***" in stats and "metrics" in pages,
          f"dashboard {url}; stats: {stats[:600]}")
    leaks = [what for what, text in outputs if SECRET in text]
    check(f"6 secrets: '{SECRET}' in none of {len(outputs)} outputs (runs, API pages)", not leaks,
          str(leaks))
    files, leaked = 0, []
    for folder, _, names in os.walk(env.work):
        for n in names:
            path = os.path.join(folder, n)
            files += 1
            with open(path, "rb") as f:
                if SECRET.encode() in f.read():
                    leaked.append(os.path.relpath(path, env.work))
    check(f"6 secrets: in none of the {files} files written (checkpoints, results, dead "
          "letters, logs)", not leaked and files > 10, str(leaked))
    redacted = sum(1 for _, text in outputs if "sasl.password=***" in text)
    check("6 secrets: the specs are shown redacted (sasl.password=***)", redacted >= 5,
          f"{redacted} outputs")


def main():
    if len(sys.argv) != 4:
        print(__doc__)
        return 2
    starling, data, work = (os.path.abspath(a) for a in sys.argv[1:])
    try:
        info = kafka_broker.from_env()
    except kafka_broker.Unavailable as e:
        print(f"[  SKIPPED ] kafka_e2e_test: no Kafka broker: {e}", flush=True)
        return EXIT_SKIP
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    sqlite = shutil.which("sqlite3")
    if not kcat or not sqlite:
        print(f"[  SKIPPED ] kafka_e2e_test: {'kcat' if not kcat else 'the sqlite3 shell'} is "
              "not installed (scripts/install-deps.sh installs it)", flush=True)
        return EXIT_SKIP
    if not os.path.isfile(os.path.join(data, RECORDED)):
        print(f"[  SKIPPED ] kafka_e2e_test: no {RECORDED} in {data}", flush=True)
        return EXIT_SKIP
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    broker_dir = os.path.dirname(os.path.abspath(os.environ["STARLING_TEST_KAFKA"]))
    env = Env(starling, data, work, info, broker_dir, kcat, sqlite)
    print(f"Kafka {info.get('version')} at {env.bootstrap}; work in {work}", flush=True)
    t_all = time.monotonic()
    errors = (RuntimeError, OSError, ValueError, KeyError, IndexError,
              subprocess.SubprocessError, SystemExit)
    try:
        t = time.monotonic()
        try:
            raw = check_harvester(env)
        except errors as e:
            check("1 harvester: ran to its end", False, f"{type(e).__name__}: {e}")
            raw = None
        print(f"     ({time.monotonic() - t:.1f} s)", flush=True)
        for fn, args in [(check_analyser, (raw,)), (check_kill_resume, ()),
                         (check_results_to_kafka, ()), (check_broker_down, ()),
                         (check_exactly_once, ()), (check_secrets, (raw,))]:
            if raw is None and args:
                check(f"{fn.__name__}: needs check 1's topic", False)
                continue
            t = time.monotonic()
            try:
                fn(env, *args)
            except errors as e:
                check(f"{fn.__name__}: ran to its end", False, f"{type(e).__name__}: {e}")
            print(f"     ({time.monotonic() - t:.1f} s)", flush=True)
    finally:
        for p in children:
            if p.poll() is None:
                p.kill()
                p.wait(timeout=10)
    print(f"kafka_e2e_test: {time.monotonic() - t_all:.1f} s", flush=True)
    if failures:
        print(f"kafka_e2e_test: {len(failures)} check(s) failed: {failures}; broker log: "
              f"{info.get('log')}")
        return 1
    print("kafka_e2e_test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
