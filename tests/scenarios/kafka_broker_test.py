#!/usr/bin/env python3
"""The Kafka broker of the ctest fixture `kafka_broker`
(tests/support/kafka_broker.py) through kcat, which is librdkafka 2.0.2 as
the engine will be: a topic of 3 partitions, 1,000 keyed JSON lines produced
and consumed back exactly once each, every key on one partition and the keys
spread over all three; then the broker killed (SIGKILL) and restarted on the
same port, and the same 1,000 lines read back from its data, and 10 more
written and read. No broker here: SKIPPED with the reason. Every wait is
bounded.

    kafka_broker_test.py [KAFKA_JSON]   (default: $STARLING_TEST_KAFKA)
"""
import json
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "support"))
import kafka_broker  # noqa: E402

COUNT = 1000
PARTITIONS = 3
failures = []


def check(ok, what):
    if not ok:
        failures.append(what)
        print(f"  FAIL: {what}", flush=True)
    return ok


def line(i):
    # JSON with a colon, quotes, non-ASCII and a 4-byte emoji (kcat splits a
    # line at the first ':' only: the key).
    return json.dumps({"id": i, "text": f"post {i}: naïve café 😀", "lang": "en"},
                      ensure_ascii=False, separators=(",", ":"))


def produce(kcat, bootstrap, topic, ids):
    data = "".join(f"k{i}:{line(i)}\n" for i in ids).encode("utf-8")
    r = subprocess.run([kcat, "-P", "-b", bootstrap, "-t", topic, "-K:",
                        "-X", "enable.idempotence=true", "-X", "message.timeout.ms=30000"],
                       input=data, capture_output=True, timeout=60)
    check(r.returncode == 0, f"kcat -P exits 0 ({r.returncode}): {r.stderr.decode()[-500:]}")


def consume(kcat, bootstrap, topic):
    """Every message of the topic, from the beginning to the end:
    [(partition, offset, key, value)]."""
    r = subprocess.run([kcat, "-C", "-b", bootstrap, "-t", topic, "-e", "-o", "beginning", "-q",
                        "-f", "%p\t%o\t%k\t%s\n"], capture_output=True, timeout=60)
    check(r.returncode == 0, f"kcat -C exits 0 ({r.returncode}): {r.stderr.decode()[-500:]}")
    out = []
    for row in r.stdout.decode("utf-8").split("\n"):
        if row:
            p, o, k, v = row.split("\t", 3)
            out.append((int(p), int(o), k, v))
    return out


def expect_all(messages, count, what):
    ids = {}
    for p, o, k, v in messages:
        doc = json.loads(v)
        check(k == f"k{doc['id']}", f"{what}: key {k} goes with id {doc['id']}")
        check(v == line(doc["id"]), f"{what}: message {doc['id']} reads back byte for byte")
        ids.setdefault(doc["id"], []).append((p, o))
    check(len(messages) == count, f"{what}: {count} messages, not {len(messages)}")
    check(sorted(ids) == list(range(count)), f"{what}: ids 0..{count - 1}, each present")
    dup = [i for i, at in ids.items() if len(at) > 1]
    check(not dup, f"{what}: each message once (duplicated: {dup[:5]})")
    return {i: at[0] for i, at in ids.items()}


def main():
    if len(sys.argv) > 1:
        os.environ["STARLING_TEST_KAFKA"] = sys.argv[1]
    try:
        info = kafka_broker.from_env()
    except kafka_broker.Unavailable as e:
        print(f"[  SKIPPED ] kafka_broker_smoke_test: {e}", flush=True)
        return 0
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if not kcat:
        print("[  SKIPPED ] kafka_broker_smoke_test: kcat is not installed "
              "(scripts/install-deps.sh installs it)", flush=True)
        return 0
    dir_ = os.path.dirname(os.path.abspath(os.environ["STARLING_TEST_KAFKA"]))
    bootstrap = info["bootstrap"]
    topic = f"smoke-{os.getpid()}-{int(time.time())}"
    print(f"Kafka {info['version']} at {bootstrap}, topic {topic}", flush=True)

    t0 = time.monotonic()
    kafka_broker.create_topic(dir_, topic, PARTITIONS)
    t1 = time.monotonic()
    produce(kcat, bootstrap, topic, range(COUNT))
    t2 = time.monotonic()
    first = consume(kcat, bootstrap, topic)
    t3 = time.monotonic()
    at = expect_all(first, COUNT, "before the kill")
    spread = {}
    for p, o, k, v in first:
        spread.setdefault(p, set()).add(k)
    check(sorted(spread) == list(range(PARTITIONS)),
          f"the keys spread over all {PARTITIONS} partitions (used: {sorted(spread)})")
    owners = {}
    for p, keys in spread.items():
        for k in keys:
            owners.setdefault(k, set()).add(p)
    check(all(len(ps) == 1 for ps in owners.values()), "each key on one partition")
    print(f"  create-topic {t1 - t0:.1f} s, produce {COUNT} {t2 - t1:.1f} s, "
          f"consume {t3 - t2:.1f} s; per partition: "
          f"{ {p: sum(1 for m in first if m[0] == p) for p in sorted(spread)} }", flush=True)

    kafka_broker.kill(dir_)
    probe = subprocess.run([kcat, "-L", "-b", bootstrap, "-m", "1"], capture_output=True,
                           timeout=30)
    check(probe.returncode != 0, "no metadata from a killed broker")
    t4 = time.monotonic()
    kafka_broker.restart(dir_)
    t5 = time.monotonic()
    after = consume(kcat, bootstrap, topic)
    again = expect_all(after, COUNT, "after kill and restart")
    check(again == at, "every message at the same partition and offset after the restart")
    produce(kcat, bootstrap, topic, range(COUNT, COUNT + 10))
    expect_all(consume(kcat, bootstrap, topic), COUNT + 10, "10 more after the restart")
    print(f"  kill + restart {t5 - t4:.1f} s; the data kept", flush=True)

    if failures:
        print(f"kafka_broker_smoke_test: {len(failures)} failure(s); broker log: {info['log']}")
        return 1
    print("kafka_broker_smoke_test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
