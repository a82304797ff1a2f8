#!/usr/bin/env python3
"""Scale-out on the real Kafka broker of the ctest fixture `kafka_broker`
(docs/scale-out.md): generated posts harvested into a 4-partition topic by
`starling collect`, then analysed

  - by 1 process reading a file of the same posts,
  - by 1 process reading the topic (`run --source kafka://...?stop=end`),
  - by 1, 2 and 3 processes sharing it (`run --scale-out`, one group each),
  - by processes started one after another (rebalances while they run),
    the first with --serve: its /api/v1/stats and /metrics show the
    partitions it holds with their offsets and lag, and the rebalances,
    before and after the others join,
  - by 2 processes of which one is killed (SIGKILL) mid-run and replaced,

and every run's final result tables must be the same rows, each once. The
`starling` processes are real, as are the broker and its consumer groups.
No broker here: SKIPPED with the reason. Every wait is bounded.

    scale_out_test.py STARLING [KAFKA_JSON]   (default: $STARLING_TEST_KAFKA)
"""
import glob
import json
import os
import re
import signal
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import kafka_broker  # noqa: E402
from scale_out_common import Checks, pipeline, tables  # noqa: E402
from scale_out_common import same as same_tables  # noqa: E402

POSTS = 30000
PARTITIONS = 4
PIPELINE = pipeline("scaled")
check = Checks()


def same(got, want, what):
    return same_tables(check, got, want, what)


class Runs:
    def __init__(self, starling, work, bootstrap, topic):
        self.starling, self.work, self.bootstrap, self.topic = starling, work, bootstrap, topic
        # A member killed with SIGKILL leaves the group after this: the
        # broker's least (6 s) rather than librdkafka's 45 s.
        self.rdkafka = "&rdkafka.session.timeout.ms=6000"

    def source(self, group, slow=False):
        # A group of this run's own (a broker left from another run keeps
        # the groups and state topics it had).
        s = (f"kafka://{self.bootstrap}/{self.topic}?group={self.topic}-{group}&stop=end"
             f"{self.rdkafka}")
        if slow:  # a run long enough to act in: 400 records a second a partition
            s += "&max_rate=400"
        return s

    def start(self, name, group, slow=False, extra=(), env=None):
        log = open(os.path.join(self.work, f"{name}.log"), "w")
        p = subprocess.Popen(
            [self.starling, "run", "pipeline.yaml", "--scale-out", "--source",
             self.source(group, slow), "--results", f"sqlite:{name}.db", "--checkpoint-dir",
             f"ck-{name}", *extra], cwd=self.work, stdout=log, stderr=subprocess.STDOUT,
            env={**os.environ, **(env or {})})
        p.name, p.log = name, log
        return p

    def wait(self, procs, timeout=120):
        deadline = time.monotonic() + timeout
        ok = True
        for p in procs:
            try:
                rc = p.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
                check(False, f"{p.name} ended within {timeout} s")
                ok = False
            p.log.close()
            if rc != 0 and rc != -9:
                check(False, f"{p.name} exits 0 (got {rc}): {self.tail(p.name)}")
                ok = False
        return ok

    def tail(self, name):
        with open(os.path.join(self.work, f"{name}.log"), errors="replace") as f:
            return f.read()[-800:]

    def until(self, cond, what, timeout=60):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if cond():
                return True
            time.sleep(0.05)
        return check(False, f"{what} within {timeout} s")

    def checkpointed(self, name):
        return bool(glob.glob(os.path.join(self.work, f"ck-{name}", "partition-*", "checkpoint.bin")))

    def dbs(self, names):
        return [os.path.join(self.work, f"{n}.db") for n in names]

    def log(self, name):
        with open(os.path.join(self.work, f"{name}.log"), errors="replace") as f:
            return f.read()


def get(url):
    with urllib.request.urlopen(url, timeout=10) as r:
        return r.read().decode("utf-8")


def source_health(url):
    """The dashboard's view of the source: {partition: (next_offset, lag)},
    rebalances."""
    try:
        h = json.loads(get(url + "api/v1/stats")).get("source_health") or {}
    except (OSError, ValueError):
        return {}, None
    return ({p["partition"]: (p["next_offset"], p["lag"]) for p in h.get("partitions") or []},
            h.get("rebalances"))


def main():
    starling = os.path.abspath(sys.argv[1])
    if len(sys.argv) > 2:
        os.environ["STARLING_TEST_KAFKA"] = sys.argv[2]
    try:
        info = kafka_broker.from_env()
    except kafka_broker.Unavailable as e:
        print(f"[  SKIPPED ] scale_out_e2e_test: {e}", flush=True)
        return 0
    dir_ = os.path.dirname(os.path.abspath(os.environ["STARLING_TEST_KAFKA"]))
    bootstrap = info["bootstrap"]
    topic = f"scaled-{os.getpid()}-{int(time.time())}"
    work = tempfile.mkdtemp(prefix="scale-out-", dir=os.environ.get("STARLING_TEST_TMP"))
    with open(os.path.join(work, "pipeline.yaml"), "w") as f:
        f.write(PIPELINE)
    runs = Runs(starling, work, bootstrap, topic)
    t0 = time.monotonic()

    # The harvester: generated posts into the topic (small batches, so that
    # a slow reader gets a few messages a fetch).
    kafka_broker.create_topic(dir_, topic, PARTITIONS)
    with open(os.path.join(work, "posts.jsonl"), "wb") as out:
        r = subprocess.run([starling, "-q", "generate", "--seed", "5", "--count", str(POSTS),
                            "--rate", "50", "--no-pace", "--start", "2026-01-01T00:00:00Z"],
                           stdout=out, timeout=120)
    check(r.returncode == 0, "generate writes the posts")
    r = subprocess.run([starling, "-q", "collect", "--source", "posts.jsonl", "--sink",
                        f"kafka://{bootstrap}/{topic}?rdkafka.batch.num.messages=5"],
                       cwd=work, capture_output=True, timeout=120)
    check(r.returncode == 0, f"collect harvests the posts into {topic}: {r.stderr[-300:]}")

    # The references: one process on the file, one on the topic.
    r = subprocess.run([starling, "run", "pipeline.yaml", "--source", "posts.jsonl", "--results",
                        "sqlite:file.db"], cwd=work, capture_output=True, text=True, timeout=120)
    check(r.returncode == 0 and " 0 late" in r.stderr,
          f"one process on the file, no post late ({r.stderr.strip()[-300:]})")
    reference = tables(runs.dbs(["file"]))
    check(len(reference["windows"]) > 50, f"the reference has windows ({len(reference['windows'])})")
    r = subprocess.run([starling, "-q", "run", "pipeline.yaml", "--source",
                        f"kafka://{bootstrap}/{topic}?stop=end", "--results", "sqlite:one.db"],
                       cwd=work, capture_output=True, text=True, timeout=120)
    check(r.returncode == 0, f"one process on the topic exits 0 {r.stderr[-300:]}")
    same(tables(runs.dbs(["one"])), reference, "1 process on Kafka")

    # N processes sharing the topic, started together.
    for n in (1, 2, 3):
        names = [f"n{n}-{i}" for i in range(n)]
        procs = [runs.start(name, f"g{n}") for name in names]
        if runs.wait(procs):
            same(tables(runs.dbs(names)), reference, f"{n} process(es) with --scale-out")

    # Rebalances: a second and a third process join while the first runs.
    # The first serves its dashboard: its partitions, their lag, and the
    # rebalances, through the API and /metrics. A partition's work takes
    # 1.5 s more to stop (common/failpoint.h): a next owner that did not
    # wait for the state it publishes would read its partition again.
    names = ["r-a", "r-b", "r-c"]
    slow_stop = {"STARLING_DELAYPOINT": "scale-out-stop:1500"}
    procs = [runs.start("r-a", "grebalance", slow=True, extra=["--serve", "--port", "0"],
                        env=slow_stop)]
    url = None
    if runs.until(lambda: re.search(r"http://127\.0\.0\.1:\d+/", runs.log("r-a")),
                  "r-a prints its dashboard's address"):
        url = re.search(r"http://127\.0\.0\.1:\d+/", runs.log("r-a")).group(0)
    runs.until(lambda: runs.checkpointed("r-a"), "r-a checkpoints a partition")
    alone, before = {}, None
    if url:
        runs.until(lambda: len(source_health(url)[0]) == PARTITIONS and
                   all(o >= 0 and lag > 0 for o, lag in source_health(url)[0].values()),
                   f"r-a's dashboard shows all {PARTITIONS} partitions, each with an offset "
                   "and a lag (it reads at 400 posts a second)")
        alone, before = source_health(url)
        check(isinstance(before, int) and before >= 1, f"r-a's dashboard shows the rebalance of "
              f"its join ({before})")
        metrics = get(url + "metrics")
        lags = re.findall(r'^starling_source_partition_lag\{[^}]*partition="(\d+)"[^}]*\} (\S+)',
                          metrics, re.M)
        check(sorted(int(p) for p, _ in lags) == list(range(PARTITIONS)),
              f"/metrics has a lag gauge for each of r-a's partitions ({lags})")
    procs.append(runs.start("r-b", "grebalance", slow=True, env=slow_stop))
    runs.until(lambda: runs.checkpointed("r-b"), "r-b gets a partition and checkpoints it")
    if url:
        runs.until(lambda: 0 < len(source_health(url)[0]) < PARTITIONS and
                   (source_health(url)[1] or 0) > before,
                   "r-a's dashboard shows fewer partitions and more rebalances once r-b holds some")
        print(f"     r-a's dashboard: partitions {alone} and {before} rebalance(s) alone; "
              f"{source_health(url)} with r-b", flush=True)
    procs.append(runs.start("r-c", "grebalance", slow=True, env=slow_stop))
    check(procs[0].poll() is None, "r-a still runs when r-c joins (a rebalance mid-run)")
    if url:
        # Served, r-a stays up once done, until Ctrl-C.
        runs.until(lambda: "the dashboard stays up" in runs.log("r-a"), "r-a finishes its part",
                   timeout=120)
        procs[0].send_signal(signal.SIGINT)
    if runs.wait(procs):
        same(tables(runs.dbs(names)), reference, "processes joining mid-run")
        # A partition given up in a rebalance publishes its state before the
        # group hands it on, and its next owner goes on from there: over
        # both rebalances every post was read once, by one of the three.
        read = [int(n.replace(",", "")) for name in names
                for n in re.findall(r"done; ([\d,]+) records read here", runs.log(name))]
        check(len(read) == 3 and sum(read) == POSTS,
              f"every post read once over the rebalances: {read} records read by r-a, r-b "
              f"and r-c, for {POSTS} posts")

    # kill -9: one of two processes dies mid-run; a third one takes its place.
    names = ["k-a", "k-b", "k-c"]
    a = runs.start("k-a", "gkill", slow=True)
    b = runs.start("k-b", "gkill", slow=True)
    runs.until(lambda: runs.checkpointed("k-a") and runs.checkpointed("k-b"),
               "both processes checkpoint a partition")
    alive = a.poll() is None
    a.kill()
    check(alive, "k-a is killed (SIGKILL) mid-run")
    c = runs.start("k-c", "gkill", slow=True)
    if runs.wait([a, b, c], timeout=180):
        same(tables(runs.dbs(names)), reference, "a process killed and replaced")
    # An idle partition with windows open: a live run (no stop=end) on a
    # topic whose second partition gets every other post of the first 100
    # s, and then none (partition 0 gets the rest). Once partition 1 has
    # been silent for the pipeline's idle_timeout, windows are final with
    # its posts in, as one process counts them: its open windows' partials
    # went to the merger with its idle marker. Every final window equals
    # the reference's.
    idle_topic = f"{topic}-idle"
    kafka_broker.create_topic(dir_, idle_topic, 2)
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if check(kcat is not None, "kcat is installed (to write each partition)"):
        with open(os.path.join(work, "posts.jsonl"), "rb") as f:
            lines = f.read().splitlines(keepends=True)
        early = 5000  # 100 s of posts at 50 a second
        parts = {1: [l for i, l in enumerate(lines[:early]) if i % 2 == 1],
                 0: [l for i, l in enumerate(lines) if i >= early or i % 2 == 0]}
        for part, data in parts.items():
            r = subprocess.run([kcat, "-P", "-b", bootstrap, "-t", idle_topic, "-p", str(part)],
                               input=b"".join(data), capture_output=True, timeout=60)
            check(r.returncode == 0, f"kcat writes {len(data)} posts to partition {part} "
                  f"{r.stderr[-200:]}")
        with open(os.path.join(work, "idle.yaml"), "w") as f:
            f.write(PIPELINE + "idle_timeout: 5s\n")
        log = open(os.path.join(work, "idle.log"), "w")
        p = subprocess.Popen(
            [starling, "run", "idle.yaml", "--scale-out", "--source",
             f"kafka://{bootstrap}/{idle_topic}?group={idle_topic}{runs.rdkafka}", "--results",
             "sqlite:idle.db", "--checkpoint-dir", "ck-idle"], cwd=work, stdout=log,
            stderr=subprocess.STDOUT)

        def finals():
            try:
                con = sqlite3.connect(os.path.join(work, "idle.db"))
                n = con.execute("SELECT COUNT(*) FROM windows WHERE final = 1").fetchone()[0]
                con.close()
                return n
            except sqlite3.Error:
                return 0
        # 10 minutes of posts: 9 windows of each of 6 analyses can be final.
        runs.until(lambda: finals() >= 40, "windows final although partition 1 went silent")
        p.send_signal(2)
        try:
            rc = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            rc = p.wait()
        log.close()
        check(rc == 130, f"Ctrl-C stops the live scale-out run (exit 130, as any run a "
              f"signal stops; got {rc})")
        got = tables(runs.dbs(["idle"]))
        # Only final windows are written; the reference's same windows.
        written = {(r[1], r[3], r[4]) for r in got["windows"]}
        want = {t: [r for r in rows
                    if ((r[1], r[3], r[4]) if t == "windows" else (r[1], r[2], r[3])) in written]
                for t, rows in reference.items()}
        starts = sorted({r[3] for r in reference["windows"]})
        check(any(w[1] == starts[1] for w in written),
              "the window partition 1 held open when it went silent (minute 2) is final")
        same(got, want, "a partition gone idle with windows open")
    print(f"scale-out checks took {time.monotonic() - t0:.1f} s", flush=True)

    if check.failures:
        print(f"{len(check.failures)} check(s) failed; logs in {work}", flush=True)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
