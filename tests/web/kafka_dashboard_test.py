#!/usr/bin/env python3
"""The dashboard and /metrics with a Kafka source, end to end on real parts:
the `starling` binary (`demo --source kafka://...`) reads a 3-partition topic
of the real broker of the ctest fixture `kafka_broker`
(tests/support/kafka_broker.py), filled with kcat (recorded Jetstream events,
then generated X posts, read by a consumer slowed down on purpose so that
its lag shows); /api/v1/stats and /metrics are checked over HTTP, and the
page in headless Chromium (tests/web/kafka_dashboard_test.mjs): the
partitions' table with each partition's next offset and a lag that rises
as more is produced and comes down to 0, brokers and rebalances, updating
live, with /metrics following; no secret anywhere (the spec carries an
`rdkafka.sasl.password`).

No broker here (or no kcat, no built page, no Chromium): exit 77, SKIPPED
with the reason (ctest SKIP_RETURN_CODE). Every wait is bounded.

    kafka_dashboard_test.py STARLING SHARED_DATA WORK_DIR   (broker: $STARLING_TEST_KAFKA)
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
ROOT = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, os.path.join(ROOT, "tests", "support"))
import kafka_broker  # noqa: E402

NAME = "kafka_dashboard_test"
EXIT_SKIP = 77
PARTITIONS = 3
# Messages per partition: recorded Jetstream events first, different counts
# so that a partition mixed up with another shows; then generated X posts.
FIRST = {0: 60, 1: 40, 2: 20}
SECOND = {0: 500, 1: 300, 2: 150}
# The consumer is slowed down so that the lag shows for seconds on any
# machine: each fetch waits fetch.wait.max.ms at the broker (fetch.min.bytes
# is never reached) and brings one record batch per partition
# (max.partition.fetch.bytes=1: the broker still sends the first batch
# whole), and the second batch is produced in batches of BATCH messages; so
# partition 0's 500 messages take at least 10 fetches of 200 ms: 2 s, while
# the page gets the stats every second (measured: about 4 s, the broker
# sending one batch a fetch).
SLOW = "&".join(f"rdkafka.{k}={v}" for k, v in (
    ("fetch.wait.max.ms", 200), ("fetch.min.bytes", 100000000), ("max.partition.fetch.bytes", 1)))
BATCH = 50
# Never to be shown: the spec's secret property (redacted to ***).
SECRET = "hunter2-kafka-dashboard-secret"
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"  FAIL: {what}", flush=True)
    return ok


def skip(why):
    print(f"[  SKIPPED ] {NAME}: {why}", flush=True)
    sys.exit(EXIT_SKIP)


def produce(kcat, bootstrap, topic, partition, lines):
    data = "".join(line + "\n" for line in lines).encode("utf-8")
    r = subprocess.run([kcat, "-P", "-b", bootstrap, "-t", topic, "-p", str(partition),
                        "-X", "message.timeout.ms=30000"],
                       input=data, capture_output=True, timeout=60)
    if r.returncode != 0:
        raise SystemExit(f"{NAME}: kcat -P to partition {partition} failed: "
                         f"{r.stderr.decode()[-500:]}")


def get(url, timeout=10):
    with urllib.request.urlopen(url, timeout=timeout) as r:
        return r.read().decode("utf-8")


def health(url):
    try:
        return json.loads(get(url + "api/v1/stats")).get("source_health") or {}
    except (OSError, ValueError):
        return {}


def offsets_of(h):
    return {p["partition"]: (p["next_offset"], p["lag"]) for p in h.get("partitions") or []}


def wait_caught_up(url, want, timeout):
    """Polls /api/v1/stats until every partition is at its wanted next
    offset with lag 0; returns (source_health, total lags seen)."""
    deadline = time.monotonic() + timeout
    seen = []
    h = {}
    while time.monotonic() < deadline:
        h = health(url)
        got = offsets_of(h)
        lags = [lag for _, lag in got.values() if lag is not None]
        if lags and (not seen or seen[-1] != sum(lags)):
            seen.append(sum(lags))
        if got == {p: (n, 0) for p, n in want.items()}:
            return h, seen
        time.sleep(0.1)
    check(False, f"the partitions reach {want} with lag 0 within {timeout} s "
                 f"(last: {offsets_of(h)}, health: {json.dumps(h)[:800]})")
    return h, seen


def metric(text, name, labels):
    """The value of series NAME{labels...} in Prometheus text, or None."""
    for line in text.splitlines():
        m = re.match(r"^([a-z_]+)\{(.*)\} (\S+)$", line)
        if not m or m.group(1) != name:
            continue
        have = dict(re.findall(r'([a-z_]+)="((?:[^"\\]|\\.)*)"', m.group(2)))
        if all(have.get(k) == v for k, v in labels.items()):
            return float(m.group(3))
    return None


def check_metrics(url, source, want, rebalances, what):
    text = get(url + "metrics")
    check(SECRET not in text, f"{what}: /metrics never holds the secret")
    src = {"source": source}
    check(metric(text, "starling_source_brokers", src) == 1.0,
          f"{what}: starling_source_brokers is 1 ({metric(text, 'starling_source_brokers', src)})")
    got = metric(text, "starling_source_rebalances", src)
    check(got == float(rebalances), f"{what}: starling_source_rebalances is {rebalances} ({got})")
    for p, n in want.items():
        lab = {"source": source, "partition": str(p)}
        off = metric(text, "starling_source_partition_offset", lab)
        lag = metric(text, "starling_source_partition_lag", lab)
        check(off == float(n), f"{what}: partition {p}'s offset gauge is {n} ({off})")
        check(lag == 0.0, f"{what}: partition {p}'s lag gauge is 0 ({lag})")
    check(metric(text, "starling_source_partition_offset",
                 {"partition": str(PARTITIONS)}) is None,
          f"{what}: no series for a partition the topic does not have")
    for kind in ("starling_source_partition_lag", "starling_source_partition_offset",
                 "starling_source_brokers", "starling_source_rebalances"):
        check(f"# TYPE {kind} gauge" in text, f"{what}: {kind} is typed a gauge")
    return text


def main():
    if len(sys.argv) != 4:
        raise SystemExit(__doc__)
    binary, shared, work = (os.path.abspath(a) for a in sys.argv[1:])
    try:
        info = kafka_broker.from_env()
    except kafka_broker.Unavailable as e:
        skip(str(e))
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if not kcat:
        skip("kcat is not installed (scripts/install-deps.sh installs it)")
    chromium = os.environ.get("CHROMIUM", "/usr/bin/chromium")
    web_root = os.path.join(ROOT, "web", "dist")
    if not os.path.isfile(os.path.join(web_root, "index.html")):
        skip("web/dist is not built (make web)")
    if not os.path.isdir(os.path.join(ROOT, "web", "node_modules", "playwright-core")):
        skip("web/node_modules has no playwright-core (make web)")
    if not os.access(chromium, os.X_OK):
        skip(f"no Chromium at {chromium} (make deps)")

    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    broker_dir = os.path.dirname(os.path.abspath(os.environ["STARLING_TEST_KAFKA"]))
    bootstrap = info["bootstrap"]
    topic = f"dash-{os.getpid()}-{int(time.time())}"
    group = f"dash-{os.getpid()}"
    t0 = time.monotonic()
    kafka_broker.create_topic(broker_dir, topic, PARTITIONS)

    with open(os.path.join(shared, "bluesky-jetstream", "corpus", "expected_v1.jsonl"),
              encoding="utf-8") as f:
        events = [line.rstrip("\n") for line in f if line.strip()]
    at = 0
    for p, n in FIRST.items():
        produce(kcat, bootstrap, topic, p, events[at:at + n])
        at += n
    gen = subprocess.run([binary, "generate", "--count", str(sum(SECOND.values())), "--no-pace",
                          "--seed", "11"], capture_output=True, timeout=60, check=True)
    posts = gen.stdout.decode("utf-8").splitlines()
    at = 0
    second_files = []
    for p, n in SECOND.items():
        path = os.path.join(work, f"second-{p}.jsonl")
        with open(path, "w", encoding="utf-8") as f:
            f.write("".join(line + "\n" for line in posts[at:at + n]))
        second_files.append({"partition": p, "file": path, "count": n})
        at += n
    print(f"Kafka {info['version']} at {bootstrap}, topic {topic} ({PARTITIONS} partitions): "
          f"{sum(FIRST.values())} messages in {time.monotonic() - t0:.1f} s", flush=True)

    spec = f"kafka://{bootstrap}/{topic}?group={group}&{SLOW}&rdkafka.sasl.password={SECRET}"
    out_path, err_path = os.path.join(work, "demo.out"), os.path.join(work, "demo.err")
    with open(out_path, "w") as out, open(err_path, "w") as err:
        demo = subprocess.Popen([binary, "demo", "--port", "0", "--duration", "240s",
                                 "--db", os.path.join(work, "demo.db"), "--web-root", web_root,
                                 "--source", spec], stdout=out, stderr=err)
    try:
        url = None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and demo.poll() is None:
            with open(out_path, encoding="utf-8") as f:
                m = re.search(r"http://127\.0\.0\.1:\d+/", f.read())
            if m:
                url = m.group(0)
                break
            time.sleep(0.1)
        if not url:
            with open(err_path, encoding="utf-8") as f:
                raise SystemExit(f"{NAME}: the demo printed no dashboard URL: {f.read()[-2000:]}")
        print(f"demo at {url}, source {spec.replace(SECRET, '***')}", flush=True)

        # The first batch, through the API and /metrics.
        t1 = time.monotonic()
        h, seen = wait_caught_up(url, FIRST, 60)
        print(f"  caught up with the first batch in {time.monotonic() - t1:.1f} s "
              f"(total lags seen: {seen})", flush=True)
        stats = get(url + "api/v1/stats")
        source = json.loads(stats).get("source", "")  # the redacted spec: the series' label
        check(SECRET not in stats, "/api/v1/stats never holds the secret")
        check("rdkafka.sasl.password=***" in stats, "the stats show the spec redacted")
        check(h.get("connected") is True, f"the source is connected ({h.get('connected')})")
        check(h.get("brokers") == 1, f"the cluster has 1 broker ({h.get('brokers')})")
        rebalances = h.get("rebalances")
        # Joining a group assigns the partitions: at least one rebalance.
        check(isinstance(rebalances, int) and rebalances >= 1,
              f"a rebalance seen on joining the group ({rebalances})")
        check_metrics(url, source, FIRST, rebalances, "first batch")

        # The page, while the second batch is produced (by the browser test).
        env = dict(os.environ, BASE_URL=url,
                   ARTIFACT_DIR=os.environ.get("ARTIFACT_DIR", os.path.join(work, "artifacts")),
                   KCAT=kcat, KAFKA_BOOTSTRAP=bootstrap, KAFKA_TOPIC=topic, SECRET=SECRET,
                   FIRST=json.dumps(FIRST), SECOND=json.dumps(second_files),
                   REBALANCES=str(rebalances), BATCH=str(BATCH), CHROMIUM=chromium)
        t2 = time.monotonic()
        r = subprocess.run(["node", os.path.join(HERE, "kafka_dashboard_test.mjs")], env=env,
                           timeout=150)
        check(r.returncode == 0, f"the browser test passes (exit {r.returncode})")
        print(f"  browser test {time.monotonic() - t2:.1f} s", flush=True)

        # After the second batch: the API and /metrics again.
        want = {p: FIRST[p] + SECOND[p] for p in FIRST}
        h, seen = wait_caught_up(url, want, 60)
        check(h.get("rebalances") == rebalances,
              f"no rebalance while reading ({rebalances} -> {h.get('rebalances')})")
        check_metrics(url, source, want, rebalances, "second batch")
    finally:
        if demo.poll() is None:
            demo.send_signal(signal.SIGINT)
        try:
            rc = demo.wait(timeout=60)
        except subprocess.TimeoutExpired:
            demo.kill()
            rc = demo.wait()
    # Stopped before its --duration: 130 (128 + SIGINT) after a clean stop.
    check(rc == 130, f"the demo exits cleanly on SIGINT (exit {rc}, want 130)")
    for path in (out_path, err_path):
        with open(path, encoding="utf-8", errors="replace") as f:
            check(SECRET not in f.read(), f"{os.path.basename(path)} never holds the secret")
    if failures:
        with open(err_path, encoding="utf-8", errors="replace") as f:
            print(f"demo's stderr (end):\n{f.read()[-3000:]}")
        print(f"{NAME}: {len(failures)} failure(s)")
        return 1
    print(f"{NAME}: all checks passed in {time.monotonic() - t0:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
