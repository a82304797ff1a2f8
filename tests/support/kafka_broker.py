#!/usr/bin/env python3
"""A real Apache Kafka broker for the Kafka tests: one node in KRaft mode (it
is its own controller; no ZooKeeper), on 127.0.0.1 on free ports, its data in
the folder given. The broker's jars come from Maven Central, fetched once into
${XDG_CACHE_HOME:-~/.cache}/starling/kafka-VERSION/libs. Python 3 stdlib only.

    kafka_broker.py start   --dir DIR
    kafka_broker.py stop    --dir DIR     # SIGTERM (bounded), then SIGKILL; data removed
    kafka_broker.py kill    --dir DIR     # SIGKILL (a broker lost mid-run)
    kafka_broker.py restart --dir DIR     # again: same ports, same data
    kafka_broker.py create-topic --dir DIR NAME PARTITIONS [--config KEY=VALUE ...]
    kafka_broker.py fetch                 # the cached jars (scripts/install-deps.sh)

`start` writes DIR/kafka.json:
    {"bootstrap": "127.0.0.1:PORT", "port": N, "controller_port": N, "pid": N,
     "version": "4.4.0", "log": "DIR/kafka.log", "data": "DIR/data", ...}
or, when the broker cannot be had here (no Java 17, no Maven and no cached
jars, a failed fetch, no kcat), {"skipped": "why"}: it then exits with
EXIT_UNAVAILABLE (77; ctest shows the fixture as skipped) and the Kafka tests
skip loudly with that reason. A broker that has everything it needs and still
does not come up is a failure (exit 1). Every wait is bounded.

As a module (scenario scripts):
    info = kafka_broker.from_env()   # $STARLING_TEST_KAFKA; Unavailable when skipped
    kafka_broker.create_topic(dir, "posts", 3); kafka_broker.kill(dir); kafka_broker.restart(dir)

The version, 4.4.0: the newest Kafka release Maven could fetch here, and it
works with librdkafka 2.0.2 (Debian 12's; kcat is built on it). Kafka 4.0
removed old protocol versions (KIP-896), and librdkafka 2.0.2 gates a few
of its features on exact old versions, so against 4.x (4.1.1 and 4.4.0
tried) it turns two off: MsgVer1 (superseded by MsgVer2, which it uses) and
ThrottleTime (it does not report broker throttling). All else is on: MsgVer2,
the idempotent producer, LZ4, ZSTD, offsets by time, consumer groups and
their coordinator. Tried against both by hand with kcat: produce/consume
round trips uncompressed, gzip, snappy, lz4 and zstd, idempotent, a
consumer group (-G) that commits and resumes; and, on 4.4.0, a transactional
producer written in C on librdkafka 2.0.2 (commit, abort, read_committed):
it worked in 15 of 16 runs; once its abort failed with INVALID_TXN_STATE,
not seen again. No 3.x was needed.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from store_servers import (alive, free_port, group_alive, port_open,  # noqa: E402
                           starling_cache, tail)

# Kafka's log4j 2 version, for the slf4j binding: Kafka logs through slf4j
# 1.7, and log4j-slf4j-impl must be the log4j that Kafka itself depends on.
LOG4J_OF = {"4.4.0": "2.25.5", "4.1.1": "2.24.3"}
KAFKA_VERSION = os.environ.get("STARLING_KAFKA_VERSION", "4.4.0")
START_TIMEOUT = float(os.environ.get("STARLING_KAFKA_START_TIMEOUT", "90"))
FETCH_TIMEOUT = float(os.environ.get("STARLING_KAFKA_FETCH_TIMEOUT", "900"))
STOP_TIMEOUT = 20.0
TOOL_TIMEOUT = 120.0
EXIT_UNAVAILABLE = 77  # no broker can be had here: its tests skip (ctest SKIP_RETURN_CODE)
NODE_ID = 1
# Measured on 2 cores (docs/stores.md): C1 only (-XX:TieredStopAtLevel=1)
# starts the broker in 2.7-3.0 s where the defaults take 4.3-5.0 s; the
# serial collector changes little but keeps to one GC thread. A class data
# sharing archive of Kafka's classes (made by the first broker and the first
# tool run, kept in the cache) takes another 0.7 s off the broker's start
# and 0.4 s off each tool run (STARLING_KAFKA_CDS=0: none).
JVM_FLAGS = ["-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Djava.awt.headless=true",
             "-Dfile.encoding=UTF-8"]
BROKER_HEAP = ["-Xms256m", "-Xmx512m"]
TOOL_HEAP = ["-Xms64m", "-Xmx256m"]


class Unavailable(Exception):
    """No broker can be had on this machine (Java, Maven, jars, kcat); the
    message says why. The Kafka tests skip with it."""


class Failed(Exception):
    """The broker had all it needs and still did not come up or answer."""


def log(msg):
    print(f"kafka_broker: {msg}", flush=True)


# --- the tools ---------------------------------------------------------------

def java_env():
    """Our environment without the variables that would change the JVM's
    flags behind our back."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("JAVA_TOOL_OPTIONS", "_JAVA_OPTIONS", "JDK_JAVA_OPTIONS", "CLASSPATH")
           and not k.startswith("KAFKA_")}
    env.update({"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"})
    return env


JAVA_ID = {}  # java -> its real path and `java -version`: the key of its CDS archives


def find_java():
    """java 17 or newer (Kafka 4's broker needs 17); Unavailable otherwise."""
    candidates = [os.environ.get("STARLING_JAVA")]
    if os.environ.get("JAVA_HOME"):
        candidates.append(os.path.join(os.environ["JAVA_HOME"], "bin", "java"))
    candidates.append(shutil.which("java"))
    for java in candidates:
        if not java or not os.access(java, os.X_OK):
            continue
        try:
            r = subprocess.run([java, "-version"], capture_output=True, text=True, timeout=60,
                               env=java_env())
        except (OSError, subprocess.TimeoutExpired):
            continue
        m = re.search(r'version "(\d+)(?:\.(\d+))?', r.stderr + r.stdout)
        if not m:
            continue
        major = int(m.group(1)) if m.group(1) != "1" else int(m.group(2) or 0)
        if major >= 17:
            JAVA_ID[java] = os.path.realpath(java) + "\n" + (r.stderr + r.stdout).strip()
            return java
        raise Unavailable(f"{java} is Java {major}; Kafka {KAFKA_VERSION} needs Java >= 17 "
                          "(scripts/install-deps.sh installs openjdk-17-jre-headless)")
    raise Unavailable("no Java (java on PATH, $JAVA_HOME); Kafka needs Java >= 17 "
                      "(scripts/install-deps.sh installs openjdk-17-jre-headless)")


def find_kcat():
    kcat = shutil.which("kcat") or shutil.which("kafkacat")
    if not kcat:
        raise Unavailable("kcat is not installed (it checks that the broker answers; "
                          "scripts/install-deps.sh installs it)")
    return kcat


def cache_dir(version=None):
    return os.path.join(starling_cache(), "kafka-" + (version or KAFKA_VERSION))


POM = """<?xml version="1.0" encoding="UTF-8"?>
<!-- Written by tests/support/kafka_broker.py: the jars of a Kafka {version}
     broker (kafka_2.13), its tools (kafka-tools: kafka-topics) and the slf4j
     binding to Kafka's own log4j 2. Connect's runtime (Jetty, Jersey) is left
     out: no test runs Connect. -->
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>starling.tests</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>{version}</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka_2.13</artifactId>
      <version>{version}</version>
    </dependency>
    <dependency>
      <groupId>org.apache.kafka</groupId><artifactId>kafka-tools</artifactId>
      <version>{version}</version>
      <exclusions>
        <exclusion>
          <groupId>org.apache.kafka</groupId><artifactId>connect-runtime</artifactId>
        </exclusion>
      </exclusions>
    </dependency>
    <dependency>
      <groupId>org.apache.logging.log4j</groupId><artifactId>log4j-slf4j-impl</artifactId>
      <version>{log4j}</version>
    </dependency>
  </dependencies>
</project>
"""


def libs_complete(path, version):
    return os.path.isfile(os.path.join(path, f"kafka_2.13-{version}.jar")) and \
        os.path.isfile(os.path.join(path, f"kafka-tools-{version}.jar"))


def kafka_libs(fetch=True):
    """The folder of the broker's jars: cached, or fetched with Maven once
    (a generated pom.xml, `mvn dependency:copy-dependencies`). Unavailable
    when it cannot be had."""
    if os.environ.get("STARLING_KAFKA_LIBS"):
        return os.environ["STARLING_KAFKA_LIBS"]
    version = KAFKA_VERSION
    target = os.path.join(cache_dir(version), "libs")
    if libs_complete(target, version):
        return target
    if not fetch:
        raise Unavailable(f"no Kafka {version} jars in {target}")
    if version not in LOG4J_OF:
        raise Unavailable(f"Kafka {version} is not one this script knows the log4j version of "
                          f"(STARLING_KAFKA_VERSION; known: {', '.join(LOG4J_OF)})")
    mvn = shutil.which("mvn")
    if not mvn:
        raise Unavailable(f"no Kafka {version} jars in {target} and no Maven (mvn) to fetch them "
                          "(scripts/install-deps.sh installs maven and fetches them)")
    find_java()  # Maven runs on it too
    os.makedirs(cache_dir(version), exist_ok=True)
    stage = tempfile.mkdtemp(prefix="fetch-", dir=cache_dir(version))
    fetch_log = os.path.join(cache_dir(version), "fetch.log")
    pom = os.path.join(stage, "pom.xml")
    with open(pom, "w", encoding="utf-8") as f:
        f.write(POM.format(version=version, log4j=LOG4J_OF[version]))
    log(f"fetching Kafka {version}'s jars with Maven (once; log: {fetch_log})")
    t0 = time.monotonic()
    try:
        with open(fetch_log, "w") as out:
            r = subprocess.run([mvn, "-B", "-q", "-Dstyle.color=never", "-f", pom,
                                "dependency:copy-dependencies",
                                "-DincludeScope=runtime",
                                "-DoutputDirectory=" + os.path.join(stage, "libs")],
                               stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                               cwd=stage, env=java_env(), timeout=FETCH_TIMEOUT)
        if r.returncode != 0 or not libs_complete(os.path.join(stage, "libs"), version):
            raise Unavailable(f"fetching Kafka {version}'s jars failed (mvn exit {r.returncode}); "
                              f"{fetch_log} ends:\n{tail(fetch_log)}")
        shutil.copyfile(pom, os.path.join(cache_dir(version), "pom.xml"))
        try:
            os.rename(os.path.join(stage, "libs"), target)  # atomic; fails if made meanwhile
        except OSError:
            if not libs_complete(target, version):
                raise
    except subprocess.TimeoutExpired:
        raise Unavailable(f"fetching Kafka {version}'s jars took over {FETCH_TIMEOUT:.0f} s "
                          f"(log: {fetch_log})")
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    n = len(os.listdir(target))
    log(f"fetched Kafka {version}: {n} jars in {time.monotonic() - t0:.0f} s: {target}")
    return target


def classpath(libs):
    return os.path.join(libs, "*")


# --- class data sharing ----------------------------------------------------------

def cds_archives(java, libs):
    """Where the class data sharing archives of the broker's JVM and of the
    tools' go: one per JVM build and jar folder (None: no archives)."""
    if os.environ.get("STARLING_KAFKA_CDS", "1") == "0" or java not in JAVA_ID:
        return None, None
    key = hashlib.sha256(f"{JAVA_ID[java]}\n{os.path.realpath(libs)}".encode()).hexdigest()[:16]
    return (os.path.join(cache_dir(), f"cds-broker-{key}.jsa"),
            os.path.join(cache_dir(), f"cds-tools-{key}.jsa"))


def cds_flags(archive):
    """(JVM flags, pending): the archive when it exists; else the flag that
    writes one when this JVM exits, to a file of its own (`pending`), which
    cds_keep puts in place after a clean exit. A JVM that cannot use an
    archive (another build, a damaged file) runs without it."""
    if not archive:
        return [], None
    if os.path.isfile(archive):
        return ["-XX:SharedArchiveFile=" + archive], None
    folder = os.path.dirname(archive)
    os.makedirs(folder, exist_ok=True)
    for old in os.listdir(folder):  # left by a JVM that was killed while writing
        path = os.path.join(folder, old)
        if ".pending-" in old and time.time() - os.path.getmtime(path) > 86400:
            os.unlink(path)
    pending = f"{archive[:-4]}.pending-{os.getpid()}-{secrets.token_hex(4)}.jsa"
    return ["-XX:ArchiveClassesAtExit=" + pending], pending


def cds_keep(pending, archive, clean):
    """After a JVM that wrote `pending` ended: the archive, when it ended cleanly."""
    if not pending:
        return
    try:
        if clean and os.path.getsize(pending) > 0:
            os.replace(pending, archive)  # atomic; a JVM that maps the old one keeps it
        else:
            os.unlink(pending)
    except OSError:
        pass


# --- configuration -------------------------------------------------------------

LOG4J2 = """# Written by tests/support/kafka_broker.py.
status = warn
appender.out.type = Console
appender.out.name = out
appender.out.layout.type = PatternLayout
appender.out.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = {level}
rootLogger.appenderRef.out.ref = out
logger.state.name = state.change.logger
logger.state.level = warn
logger.config.name = org.apache.kafka.common.config.AbstractConfig
logger.config.level = warn
"""


def server_properties(port, controller_port, data, num_partitions, host="127.0.0.1"):
    return f"""# Written by tests/support/kafka_broker.py: a throwaway test broker.
# One node, KRaft: broker and controller in one process.
process.roles=broker,controller
node.id={NODE_ID}
controller.quorum.voters={NODE_ID}@127.0.0.1:{controller_port}
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://{host}:{port},CONTROLLER://127.0.0.1:{controller_port}
advertised.listeners=PLAINTEXT://{host}:{port}
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs={data}
# One broker: every internal topic has one replica, and few partitions (the
# first consumer group or transaction creates them: 50 each by default).
offsets.topic.replication.factor=1
offsets.topic.num.partitions=4
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=4
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# After a kill, the restarted broker may register only when the controller
# (the same process) has let the old registration's session expire: 9 s by
# default, 3 s here.
broker.session.timeout.ms=3000
broker.heartbeat.interval.ms=500
num.partitions={num_partitions}
default.replication.factor=1
min.insync.replicas=1
# Tests create their topics (kafka_broker.py create-topic).
auto.create.topics.enable=false
# Two cores: few threads.
num.network.threads=2
num.io.threads=2
background.threads=2
num.recovery.threads.per.data.dir=1
"""


def new_cluster_id():
    """A random Kafka Uuid as the storage tool prints it (url-safe base64 of
    16 bytes, no padding), without starting a JVM for it."""
    return base64.urlsafe_b64encode(os.urandom(16)).decode("ascii").rstrip("=")


def run_tool(java, libs, main, args, what, dir_, archive=None, timeout=TOOL_TIMEOUT):
    """One of Kafka's command-line classes in a JVM of its own (quiet log4j:
    warnings and errors only); Failed with its output when it fails."""
    conf = os.path.join(dir_, "log4j2-tools.properties")
    if not os.path.exists(conf):
        with open(conf, "w", encoding="utf-8") as f:
            f.write(LOG4J2.format(level="warn"))
    cds, pending = cds_flags(archive)
    cmd = [java, *JVM_FLAGS, *cds, *TOOL_HEAP, "-Dlog4j2.configurationFile=" + conf,
           "-cp", classpath(libs), main, *args]
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=timeout, cwd=dir_, env=java_env())
    except subprocess.TimeoutExpired:
        cds_keep(pending, archive, False)
        raise Failed(f"{what}: {main} did not end in {timeout:.0f} s")
    cds_keep(pending, archive, r.returncode == 0)
    if r.returncode != 0:
        raise Failed(f"{what}: {main} failed ({r.returncode}): "
                     f"{(r.stderr + r.stdout).strip()[-1500:]}")
    return r.stdout


def format_storage(java, libs, dir_, config, data):
    """The KRaft log folder, formatted. The storage tool (a JVM, 1.5-2.5 s on
    2 cores) runs once per Kafka version: its result is kept in the cache and
    copied (0.01 s), like MariaDB's data folder in store_servers.py. Brokers
    made from it share a cluster id, which is harmless: each is a cluster of
    its own that never meets another."""
    with open(config, encoding="utf-8") as f:
        props = f.read()
    # The key: what the format depends on (roles, node id, version), not ports or paths.
    key_text = "\n".join(l for l in props.splitlines()
                         if l.startswith(("process.roles", "node.id", "controller.listener")))
    key = hashlib.sha256(f"{KAFKA_VERSION}\n{key_text}".encode()).hexdigest()[:16]
    template = os.path.join(cache_dir(), "kraft-format-" + key)
    if not os.path.isdir(template):
        os.makedirs(cache_dir(), exist_ok=True)
        stage = tempfile.mkdtemp(prefix="format-", dir=cache_dir())
        try:
            staged_data = os.path.join(stage, "data")
            staged_config = os.path.join(stage, "server.properties")
            with open(staged_config, "w", encoding="utf-8") as f:
                f.write(props.replace(f"log.dirs={data}", f"log.dirs={staged_data}"))
            run_tool(java, libs, "kafka.tools.StorageTool",
                     ["format", "-t", new_cluster_id(), "-c", staged_config],
                     "formatting the KRaft log folder", dir_)
            try:
                os.rename(staged_data, template)  # atomic; fails if made meanwhile
            except OSError:
                pass
        finally:
            shutil.rmtree(stage, ignore_errors=True)
    shutil.copytree(template, data)


# --- the broker process ------------------------------------------------------------

def state_path(dir_):
    return os.path.join(dir_, "kafka.json")


def load(dir_):
    try:
        with open(state_path(dir_), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def save(dir_, state):
    tmp = state_path(dir_) + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, state_path(dir_))


def ours(info):
    """Whether info['pid'] is still our broker (its command line names our
    server.properties), not a reused pid."""
    pid = info.get("pid")
    if not pid or not alive(pid):
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv = f.read().decode(errors="replace").split("\0")
    except OSError:
        return False
    return info.get("config") in argv


def wait_gone(pid, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(pid) and not group_alive(pid):
            return True
        time.sleep(0.05)
    return False


def answers(kcat, bootstrap, topic=None):
    """The broker's metadata through librdkafka (kcat -L), or None."""
    args = [kcat, "-L", "-J", "-b", bootstrap, "-m", "2"]
    if topic:
        args += ["-t", topic]
    try:
        r = subprocess.run(args, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           timeout=10)
    except subprocess.TimeoutExpired:
        return None
    if r.returncode != 0:
        return None
    try:
        meta = json.loads(r.stdout)
    except ValueError:
        return None
    if not any(b.get("id") == NODE_ID for b in meta.get("brokers", [])):
        return None
    return meta


def listening(info):
    """Whether the broker's client port takes connections, on its host."""
    host = info.get("host", "127.0.0.1")
    if host == "127.0.0.1":
        return port_open(info["port"])
    try:
        with socket.create_connection((host, info["port"]), timeout=0.5):
            return True
    except OSError:
        return False


def launch(info):
    """Starts the broker of info (its config, data and ports made already)
    and waits until it answers metadata requests; records its pid at once."""
    java, libs, dir_ = info["java"], info["libs"], info["dir"]
    kcat = find_kcat()
    if port_open(info["port"]) or port_open(info["controller_port"]):
        raise Failed(f"port {info['port']} or {info['controller_port']} is taken by another "
                     "process")
    cds, info["cds_pending"] = cds_flags(info.get("cds_broker"))
    args = [java, *JVM_FLAGS, *cds, *BROKER_HEAP, "-Dlog4j2.configurationFile=" + info["log4j"],
            "-Dkafka.logs.dir=" + dir_, "-XX:ErrorFile=" + os.path.join(dir_, "hs_err_%p.log"),
            "-cp", classpath(libs), "kafka.Kafka", info["config"]]
    out = open(info["log"], "ab")
    try:
        # A session (and process group) of its own: it outlives `start`.
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=out, cwd=dir_,
                                env=java_env(), start_new_session=True)
    finally:
        out.close()
    info["pid"] = proc.pid
    save(dir_, info)
    deadline = time.monotonic() + START_TIMEOUT
    delay = 0.05
    while True:
        if proc.poll() is not None:
            raise Failed(f"the broker exited with {proc.returncode}; its log ({info['log']}) "
                         f"ends:\n{tail(info['log'])}")
        if listening(info) and answers(kcat, info["bootstrap"]):
            return
        if time.monotonic() > deadline:
            raise Failed(f"the broker did not answer in {START_TIMEOUT:.0f} s "
                         f"(STARLING_KAFKA_START_TIMEOUT); its log ({info['log']}) "
                         f"ends:\n{tail(info['log'])}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def terminate(info):
    """SIGTERM (Kafka's controlled shutdown), then SIGKILL to its process
    group after STOP_TIMEOUT."""
    if not ours(info):
        return "not running"
    pid = info["pid"]
    t0 = time.monotonic()
    try:
        os.kill(pid, signal.SIGTERM)
    except ProcessLookupError:
        return "not running"
    if wait_gone(pid, STOP_TIMEOUT):
        cds_keep(info.get("cds_pending"), info.get("cds_broker"), True)
        return f"stopped in {time.monotonic() - t0:.1f} s"
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    wait_gone(pid, 5)
    cds_keep(info.get("cds_pending"), info.get("cds_broker"), False)
    return f"killed after {STOP_TIMEOUT:.0f} s"


# --- commands ---------------------------------------------------------------

def start(dir_, num_partitions=4, host="127.0.0.1"):
    """Starts a broker for DIR and writes DIR/kafka.json; returns its content.
    `host`: the address clients use (127.0.0.1; another only inside a test's
    own network namespace, scale_out_hosts_test.py).
    A broker left in DIR by an earlier run is stopped first. Unavailable or
    Failed (after writing {"skipped": why}) when there is none."""
    dir_ = os.path.abspath(dir_)
    os.makedirs(dir_, exist_ok=True)
    if load(dir_):
        stop(dir_, quiet=True)
    t0 = time.monotonic()
    info = {"dir": dir_, "version": KAFKA_VERSION, "log": os.path.join(dir_, "kafka.log")}
    try:
        try:
            java = find_java()
            find_kcat()
            libs = kafka_libs()
        except Unavailable as e:
            info["skipped"] = str(e)
            save(dir_, info)
            raise
        data = os.path.join(dir_, "data")
        for stale in (data, info["log"]):
            if os.path.isdir(stale):
                shutil.rmtree(stale)
            elif os.path.exists(stale):
                os.unlink(stale)
        port = free_port()
        controller_port = free_port()
        while controller_port == port:
            controller_port = free_port()
        info["cds_broker"], info["cds_tools"] = cds_archives(java, libs)
        info.update({"java": java, "libs": libs, "port": port, "controller_port": controller_port,
                     "bootstrap": f"{host}:{port}", "data": data, "host": host,
                     "config": os.path.join(dir_, "server.properties"),
                     "log4j": os.path.join(dir_, "log4j2.properties"),
                     "num_partitions": num_partitions})
        with open(info["config"], "w", encoding="utf-8") as f:
            f.write(server_properties(port, controller_port, data, num_partitions, host))
        with open(info["log4j"], "w", encoding="utf-8") as f:
            f.write(LOG4J2.format(level="info"))
        format_storage(java, libs, dir_, info["config"], data)
        launch(info)
    except Failed as e:
        if info.get("pid"):  # started here, then failed: no stray broker
            try:
                os.killpg(info["pid"], signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            wait_gone(info["pid"], 5)
            cds_keep(info.get("cds_pending"), info.get("cds_broker"), False)
        save(dir_, {"dir": dir_, "version": KAFKA_VERSION, "log": info["log"],
                    "skipped": f"the broker did not start: {e}"})
        raise
    info["start_seconds"] = round(time.monotonic() - t0, 2)
    save(dir_, info)
    log(f"Kafka {KAFKA_VERSION} (KRaft, one node) on {info['bootstrap']} (pid {info['pid']}) "
        f"started in {info['start_seconds']:.1f} s; log: {info['log']}")
    return info


def running_state(dir_, command):
    info = load(dir_)
    if not info or "skipped" in info or "pid" not in info:
        why = f": {info['skipped']}" if info and "skipped" in info else ""
        raise SystemExit(f"kafka_broker: {command}: no broker was started from {dir_}{why}")
    return info


def stop(dir_, quiet=False):
    """Stops the broker of DIR/kafka.json and removes its data (the log stays)."""
    dir_ = os.path.abspath(dir_)
    info = load(dir_)
    if not info:
        if not quiet:
            log(f"nothing to stop in {dir_}")
        return
    how = terminate(info) if "pid" in info else "never started"
    data = info.get("data")
    if data and os.path.dirname(data) == dir_ and os.path.isdir(data):
        shutil.rmtree(data, ignore_errors=True)
    os.unlink(state_path(dir_))
    if not quiet:
        log(f"broker {how}; its data removed (log: {info.get('log')})")


def kill(dir_):
    """SIGKILL to the broker's process group (a broker lost mid-run)."""
    dir_ = os.path.abspath(dir_)
    info = running_state(dir_, "kill")
    if not ours(info):
        raise SystemExit(f"kafka_broker: kill: the broker (pid {info['pid']}) is not running")
    os.killpg(info["pid"], signal.SIGKILL)
    if not wait_gone(info["pid"], 10):
        raise SystemExit(f"kafka_broker: the broker (pid {info['pid']}) survived SIGKILL")
    cds_keep(info.get("cds_pending"), info.get("cds_broker"), False)
    log(f"broker killed (pid {info['pid']})")


def restart(dir_):
    """Starts the broker again on the same ports with the same data (after
    kill, or stops it first when it still runs)."""
    dir_ = os.path.abspath(dir_)
    info = running_state(dir_, "restart")
    if ours(info):
        terminate(info)
    t0 = time.monotonic()
    try:
        launch(info)
    except (Failed, Unavailable) as e:
        if ours(info):
            os.killpg(info["pid"], signal.SIGKILL)
            wait_gone(info["pid"], 5)
        cds_keep(info.get("cds_pending"), info.get("cds_broker"), False)
        raise SystemExit(f"kafka_broker: the broker did not restart: {e}")
    save(dir_, info)
    log(f"broker restarted on {info['bootstrap']} (pid {info['pid']}) "
        f"in {time.monotonic() - t0:.1f} s")


TOPIC_NAME = re.compile(r"^[A-Za-z0-9._-]{1,249}$")


def create_topic(dir_, name, partitions, configs=(), if_not_exists=False, timeout=30.0):
    """Creates topic NAME with PARTITIONS partitions (one replica) through
    Kafka's own admin tool (org.apache.kafka.tools.TopicCommand, what
    kafka-topics.sh runs), then waits until every partition has a leader."""
    dir_ = os.path.abspath(dir_)
    info = running_state(dir_, "create-topic")
    if not TOPIC_NAME.match(name) or name in (".", ".."):
        raise SystemExit(f"kafka_broker: '{name}' is not a valid topic name")
    if partitions < 1:
        raise SystemExit("kafka_broker: a topic needs at least one partition")
    args = ["--bootstrap-server", info["bootstrap"], "--create", "--topic", name,
            "--partitions", str(partitions), "--replication-factor", "1"]
    for c in configs:
        args += ["--config", c]
    if if_not_exists:
        args.append("--if-not-exists")
    t0 = time.monotonic()
    try:
        run_tool(info["java"], info["libs"], "org.apache.kafka.tools.TopicCommand", args,
                 f"creating topic {name}", dir_, info.get("cds_tools"))
    except Failed as e:
        raise SystemExit(f"kafka_broker: {e}")
    kcat = find_kcat()
    deadline = time.monotonic() + timeout
    while True:
        meta = answers(kcat, info["bootstrap"], name)
        topics = [t for t in (meta or {}).get("topics", []) if t.get("topic") == name]
        parts = topics[0].get("partitions", []) if topics and not topics[0].get("error") else []
        if len(parts) >= partitions and all(p.get("leader", -1) >= 0 for p in parts):
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"kafka_broker: topic {name} has no leader for each of its "
                             f"{partitions} partitions after {timeout:.0f} s")
        time.sleep(0.1)
    log(f"topic {name}: {partitions} partitions, in {time.monotonic() - t0:.1f} s")


def from_env():
    """The broker of $STARLING_TEST_KAFKA (kafka.json, set by the ctest
    fixture); Unavailable with the reason when there is none."""
    path = os.environ.get("STARLING_TEST_KAFKA")
    if not path:
        raise Unavailable("STARLING_TEST_KAFKA is not set (run it through ctest, or "
                          "`python3 tests/support/kafka_broker.py start --dir D` and "
                          "STARLING_TEST_KAFKA=D/kafka.json)")
    try:
        with open(path, encoding="utf-8") as f:
            info = json.load(f)
    except (OSError, ValueError) as e:
        raise Unavailable(f"cannot read {path} ({e}); the kafka_broker fixture writes it")
    if "skipped" in info:
        raise Unavailable(f"the Kafka broker did not start: {info['skipped']}")
    if not info.get("bootstrap"):
        raise Unavailable(f"{path} names no bootstrap address")
    return info


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command",
                   choices=["start", "stop", "kill", "restart", "create-topic", "fetch"])
    p.add_argument("args", nargs="*", help="create-topic: NAME PARTITIONS")
    p.add_argument("--dir", help="where kafka.json, the configuration, the log and the data go")
    p.add_argument("--partitions", type=int, default=4,
                   help="start: num.partitions, for topics created without a count (default 4)")
    p.add_argument("--config", action="append", default=[],
                   help="create-topic: a topic configuration KEY=VALUE (repeatable)")
    p.add_argument("--host", default="127.0.0.1",
                   help="start: the address to listen on (default 127.0.0.1; another one only "
                        "inside a test's own network namespace)")
    p.add_argument("--if-not-exists", action="store_true",
                   help="create-topic: no error if it exists")
    a = p.parse_intermixed_args(argv)
    if a.command == "fetch":
        try:
            find_java()
            log(f"Kafka {KAFKA_VERSION}: {kafka_libs()}")
        except Unavailable as e:
            log(f"no Kafka broker, the Kafka tests will skip: {e}")
            return EXIT_UNAVAILABLE
        return 0
    if not a.dir:
        p.error("--dir is required")
    if a.command == "create-topic":
        if len(a.args) != 2 or not a.args[1].isdigit():
            p.error("create-topic needs NAME PARTITIONS")
        create_topic(a.dir, a.args[0], int(a.args[1]), a.config, a.if_not_exists)
        return 0
    if a.args:
        p.error(f"{a.command} takes no NAME or PARTITIONS")
    if a.command == "start":
        try:
            start(a.dir, a.partitions, a.host)
        except Unavailable as e:
            log(f"SKIPPED: no Kafka broker here, the Kafka tests will skip: {e}")
            return EXIT_UNAVAILABLE
        except Failed as e:
            log(f"FAILED: {e}")
            return 1
    elif a.command == "stop":
        stop(a.dir)
    elif a.command == "kill":
        kill(a.dir)
    else:
        restart(a.dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
