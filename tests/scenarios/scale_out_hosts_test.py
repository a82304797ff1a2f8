#!/usr/bin/env python3
"""Scale-out across hosts, not only processes (docs/scale-out.md): the test
builds its own network of four hosts with network namespaces and veth pairs
on a bridge (iproute2): one host runs a Kafka broker (KRaft, on its own
address), three run `starling run --scale-out` in one group. Mid-run one
Starling host is cut off (`ip link set ... down`); the group rebalances
without it; then it comes back. The final result tables must equal one
process's over the same posts (read from a file), row for row, nothing lost
or doubled. Needs root and `ip netns`: SKIPPED (exit 77) with the reason
where namespaces cannot be made, or where there is no Kafka broker (Java,
the jars). Every wait is bounded; the namespaces, the bridge and the broker
are removed whatever happens.

    scale_out_hosts_test.py STARLING
"""
import glob
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
import kafka_broker  # noqa: E402
from scale_out_common import TABLES, Checks, pipeline, tables  # noqa: E402

POSTS = 30000
PARTITIONS = 6
PIPELINE = pipeline("hosts")
SKIP = 77
check = Checks()


def sh(*args, timeout=30, check_rc=True):
    r = subprocess.run(list(args), capture_output=True, text=True, timeout=timeout)
    if check_rc and r.returncode != 0:
        raise RuntimeError(f"{' '.join(args)}: {r.stderr.strip() or r.returncode}")
    return r


class Network:
    """A bridge in this namespace and one namespace per host, each joined to
    the bridge by a veth pair; names carry the pid, so runs never clash."""

    def __init__(self, tag, subnet):
        self.tag, self.subnet = tag, subnet
        self.bridge = f"{tag}br"
        self.hosts = {}  # name -> (namespace, bridge-side veth, address)

    def up(self, names):
        sh("ip", "link", "add", self.bridge, "type", "bridge")
        sh("ip", "link", "set", self.bridge, "up")
        for i, name in enumerate(names):
            ns, outer, inner = f"{self.tag}-{name}", f"{self.tag}o{i}", f"{self.tag}i{i}"
            addr = f"{self.subnet}.{10 + i}"
            sh("ip", "netns", "add", ns)
            self.hosts[name] = (ns, outer, addr)
            sh("ip", "link", "add", outer, "type", "veth", "peer", "name", inner)
            sh("ip", "link", "set", inner, "netns", ns)
            sh("ip", "link", "set", outer, "master", self.bridge)
            sh("ip", "link", "set", outer, "up")
            sh("ip", "netns", "exec", ns, "ip", "addr", "add", f"{addr}/24", "dev", inner)
            sh("ip", "netns", "exec", ns, "ip", "link", "set", inner, "up")
            sh("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up")

    def run(self, name, *args):
        return ["ip", "netns", "exec", self.hosts[name][0], *args]

    def cut(self, name, down):
        sh("ip", "link", "set", self.hosts[name][1], "down" if down else "up")

    def addr(self, name):
        return self.hosts[name][2]

    def down(self):
        for ns, outer, _ in self.hosts.values():
            sh("ip", "link", "del", outer, check_rc=False)
            sh("ip", "netns", "del", ns, check_rc=False)
        sh("ip", "link", "del", self.bridge, check_rc=False)


def main():
    starling = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        print("[  SKIPPED ] scale_out_hosts_test: network namespaces need root", flush=True)
        return SKIP
    tag = f"so{os.getpid() % 100000}"
    probe = sh("ip", "netns", "add", f"{tag}-probe", check_rc=False)
    if probe.returncode != 0:
        print(f"[  SKIPPED ] scale_out_hosts_test: cannot make a network namespace here "
              f"({probe.stderr.strip()})", flush=True)
        return SKIP
    sh("ip", "netns", "del", f"{tag}-probe", check_rc=False)
    work = tempfile.mkdtemp(prefix="scale-out-hosts-", dir=os.environ.get("STARLING_TEST_TMP"))
    net = Network(tag, f"10.{200 + os.getpid() % 50}.{os.getpid() % 250}")
    broker_dir = os.path.join(work, "broker")
    procs = []
    t0 = time.monotonic()
    try:
        net.up(["broker", "h1", "h2", "h3"])
        print(f"hosts: broker {net.addr('broker')}, h1 {net.addr('h1')}, h2 {net.addr('h2')}, "
              f"h3 {net.addr('h3')} (namespaces {tag}-*)", flush=True)
        r = subprocess.run(net.run("broker", sys.executable, os.path.join(HERE, "..", "support",
                                   "kafka_broker.py"), "start", "--dir", broker_dir, "--host",
                                   net.addr("broker")),
                           capture_output=True, text=True, timeout=180)
        if r.returncode == kafka_broker.EXIT_UNAVAILABLE:
            print(f"[  SKIPPED ] scale_out_hosts_test: no Kafka broker here: {r.stderr.strip()}",
                  flush=True)
            return SKIP
        if not check(r.returncode == 0, f"the broker starts on its host {r.stderr.strip()[-300:]}"):
            return 1
        bootstrap = f"{net.addr('broker')}:{kafka_broker.load(broker_dir)['port']}"
        topic = "posts"
        r = subprocess.run(net.run("broker", sys.executable, os.path.join(HERE, "..", "support",
                                   "kafka_broker.py"), "create-topic", "--dir", broker_dir,
                                   topic, str(PARTITIONS)),
                           capture_output=True, text=True, timeout=60)
        check(r.returncode == 0, f"topic {topic} with {PARTITIONS} partitions {r.stderr[-200:]}")
        with open(os.path.join(work, "pipeline.yaml"), "w") as f:
            f.write(PIPELINE)
        with open(os.path.join(work, "posts.jsonl"), "wb") as out:
            subprocess.run([starling, "-q", "generate", "--seed", "9", "--count", str(POSTS),
                            "--rate", "50", "--no-pace", "--start", "2026-01-01T00:00:00Z"],
                           stdout=out, timeout=120, check=True)
        # The harvester runs on host h1.
        r = subprocess.run(net.run("h1", starling, "-q", "collect", "--source", "posts.jsonl",
                                   "--sink", f"kafka://{bootstrap}/{topic}"
                                   "?rdkafka.batch.num.messages=5"),
                           cwd=work, capture_output=True, text=True, timeout=120)
        check(r.returncode == 0, f"host h1 harvests the posts into the broker's host {r.stderr[-300:]}")
        r = subprocess.run([starling, "run", "pipeline.yaml", "--source", "posts.jsonl",
                            "--results", "sqlite:file.db"], cwd=work, capture_output=True,
                           text=True, timeout=120)
        check(r.returncode == 0 and " 0 late" in r.stderr, "the reference: one process, the file")
        reference = tables([os.path.join(work, "file.db")], distinct=True)

        source = (f"kafka://{bootstrap}/{topic}?group=hosts&stop=end&max_rate=150"
                  "&rdkafka.session.timeout.ms=6000")
        logs = {}
        for h in ("h1", "h2", "h3"):
            logs[h] = open(os.path.join(work, f"{h}.log"), "w")
            p = subprocess.Popen(net.run(h, starling, "run", "pipeline.yaml", "--scale-out",
                                         "--source", source, "--results", f"sqlite:{h}.db",
                                         "--checkpoint-dir", f"ck-{h}"),
                                 cwd=work, stdout=logs[h], stderr=subprocess.STDOUT)
            p.host = h
            procs.append(p)

        def checkpointed(h):
            return bool(glob.glob(os.path.join(work, f"ck-{h}", "partition-*", "checkpoint.bin")))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not all(checkpointed(h) for h in ("h1", "h2", "h3")):
            time.sleep(0.1)
        check(all(checkpointed(h) for h in ("h1", "h2", "h3")),
              "each host holds partitions and checkpoints them")
        check(all(p.poll() is None for p in procs), "all three still run")
        net.cut("h2", True)
        print(f"     h2 cut off at {time.monotonic() - t0:.1f} s", flush=True)
        time.sleep(10)  # past the group's 6 s session: h1 and h3 take h2's partitions
        net.cut("h2", False)
        print(f"     h2 back at {time.monotonic() - t0:.1f} s", flush=True)
        deadline = time.monotonic() + 240
        for p in procs:
            try:
                rc = p.wait(timeout=max(1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                p.kill()
                rc = p.wait()
            logs[p.host].close()
            check(rc == 0, f"{p.host} ends (exit {rc})")
        with open(os.path.join(work, "h1.log")) as f1, open(os.path.join(work, "h3.log")) as f3:
            moved = [line for line in f1.read().splitlines() + f3.read().splitlines()
                     if "done;" in line]
        check(any(" 1 rebalances" not in line for line in moved),
              f"the group rebalanced while h2 was away: {moved}")
        got = tables([os.path.join(work, f"{h}.db") for h in ("h1", "h2", "h3")], distinct=True)
        bad = [t for t in TABLES if got[t] != reference[t]]
        check(not bad and len(reference["windows"]) > 50,
              "three hosts, one cut off and back: every result table equals one process's"
              + (f" (differ: {bad})" if bad else ""))
    except (RuntimeError, subprocess.TimeoutExpired, OSError) as e:
        check(False, f"the test network and its processes: {e}")
    finally:
        for p in procs:
            if p.poll() is None:
                p.send_signal(signal.SIGKILL)
                p.wait()
        subprocess.run(net.run("broker", sys.executable, os.path.join(HERE, "..", "support",
                               "kafka_broker.py"), "stop", "--dir", broker_dir),
                       capture_output=True, timeout=60)
        net.down()
    print(f"scale-out across hosts took {time.monotonic() - t0:.1f} s", flush=True)
    if check.failures:
        print(f"{len(check.failures)} check(s) failed; logs in {work}", flush=True)
        return 1
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
