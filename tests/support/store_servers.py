#!/usr/bin/env python3
"""Real database servers for the store tests: PostgreSQL, MariaDB, ClickHouse
and FerretDB (the MongoDB wire protocol over SQLite), each on 127.0.0.1 on a
free port, with its data in a temporary folder, a database `starling` and a
user `starling` with a random password. Python 3 stdlib only.

    store_servers.py start   --dir DIR [--only postgres,mariadb,clickhouse,mongodb]
    store_servers.py stop    --dir DIR
    store_servers.py kill    --dir DIR --only NAME   # SIGKILL (a server lost mid-run)
    store_servers.py restart --dir DIR --only NAME   # again, same port, same data
    store_servers.py build-ferretdb                  # the cached FerretDB binary

`start` writes DIR/servers.json (mode 0600):
    {"postgres": {"url": "postgres://starling@127.0.0.1:PORT/starling",
                  "password": "...", "port": N, "pid": N, "data": PATH,
                  "log": PATH, "version": "15.18", ...},
     ..., "skipped": {"mongodb": "why"}}
A server that cannot start is listed under "skipped" with the reason, and its
tests skip loudly; `start` fails only on a usage error. Passwords are never in
a URL, a command line or the output. Every wait is bounded.

As a module (scenario scripts):
    with StoreServers(work_dir, only=["postgres"]) as s:
        pg = s.server("postgres")      # the dict above; Skip when skipped
        s.kill("postgres"); s.restart("postgres")
"""
import argparse
import glob
import hashlib
import json
import os
import pwd
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import mongo_wire  # noqa: E402

NAMES = ("postgres", "mariadb", "clickhouse", "mongodb")
FERRETDB_VERSION = "v1.24.2"
START_TIMEOUT = float(os.environ.get("STARLING_SERVER_START_TIMEOUT", "60"))
STOP_TIMEOUT = 20.0
BUILD_TIMEOUT = float(os.environ.get("STARLING_FERRETDB_BUILD_TIMEOUT", "1200"))
USER = "starling"
DATABASE = "starling"
# A second database of the same user, for tests that need a store of their
# own (the query layer's differential test loads its data there alone).
QUERY_DATABASE = "starling_query"


class Skip(Exception):
    """A server that could not start; the message says why."""


def log(msg):
    print(f"store_servers: {msg}", flush=True)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def tail(path, n=15):
    try:
        with open(path, encoding="utf-8", errors="replace") as f:
            return "".join(f.readlines()[-n:]).rstrip()
    except OSError:
        return "(no log)"


def wait_for(what, check, proc, log_path, timeout=START_TIMEOUT):
    """Polls check() until true; Skip when the process exits or time runs out."""
    deadline = time.monotonic() + timeout
    delay = 0.02
    while True:
        if proc is not None and proc.poll() is not None:
            raise Skip(f"{what}: the server exited with {proc.returncode}; "
                       f"its log ({log_path}) ends:\n{tail(log_path)}")
        try:
            if check():
                return
        except Exception:  # not ready yet
            pass
        if time.monotonic() > deadline:
            raise Skip(f"{what}: not ready after {timeout:.0f} s; "
                       f"its log ({log_path}) ends:\n{tail(log_path)}")
        time.sleep(delay)
        delay = min(delay * 1.5, 0.25)


def run(args, what, stdin=None, env=None, timeout=60, user=None):
    """A setup command; Skip with its output when it fails."""
    kw = {}
    if user is not None:
        kw = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    try:
        r = subprocess.run(args, input=stdin, env=env, capture_output=True, text=True,
                           timeout=timeout, **kw)
    except FileNotFoundError:
        raise Skip(f"{what}: {args[0]} is not installed (scripts/install-deps.sh)")
    except subprocess.TimeoutExpired:
        raise Skip(f"{what}: {os.path.basename(args[0])} did not end in {timeout} s")
    if r.returncode != 0:
        raise Skip(f"{what}: {os.path.basename(args[0])} failed ({r.returncode}): "
                   f"{(r.stderr or r.stdout).strip()[-1500:]}")
    return r.stdout


def unprivileged_user():
    """The account a server that refuses root runs as (postgres), or None
    when we are not root."""
    if os.geteuid() != 0:
        return None
    for name in ("nobody",):
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
    raise Skip("running as root and no 'nobody' account to run the server as")


# --- processes -------------------------------------------------------------

def alive(pid):
    """Whether a thread of the process still runs: a multi-threaded server's
    main thread can be a zombie while the others still exit (and hold its
    sockets)."""
    try:
        tasks = os.listdir(f"/proc/{pid}/task")
    except OSError:
        return False
    for tid in tasks:
        try:
            with open(f"/proc/{pid}/task/{tid}/stat", encoding="ascii", errors="replace") as f:
                if f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X"):
                    return True
        except (OSError, IndexError):
            continue
    return False


def group_alive(pgid):
    """Whether a live process remains in process group pgid."""
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(fields[2]) == pgid and alive(int(entry)):
            return True
    return False


def ours(info):
    """Whether info['pid'] is still the server we started (not a reused pid)."""
    pid = info.get("pid")
    if not pid or not alive(pid):
        return False
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            argv0 = f.read().split(b"\0")[0].decode(errors="replace")
    except OSError:
        return False
    return os.path.basename(argv0) == os.path.basename(info["binary"]) or \
        argv0 == info["binary"]


def spawn(info, args, env=None, user=None, cwd=None):
    """The server in a session (and process group) of its own, detached from
    ours: it outlives `start` and is stopped by pid (recorded in servers.json
    at once). Output goes to its log."""
    log_path = info["log"]
    kw = {}
    if user is not None:
        kw = {"user": user.pw_uid, "group": user.pw_gid, "extra_groups": []}
    out = open(log_path, "ab")
    try:
        proc = subprocess.Popen(args, stdin=subprocess.DEVNULL, stdout=out, stderr=out, env=env,
                                cwd=cwd, start_new_session=True, **kw)
    except FileNotFoundError:
        raise Skip(f"{args[0]} is not installed (scripts/install-deps.sh)")
    finally:
        out.close()
    info["pid"] = proc.pid
    info.get("_persist", lambda: None)()
    return proc


def signal_group(info, sig):
    if ours(info):
        try:
            os.killpg(info["pid"], sig)
        except ProcessLookupError:
            pass


def wait_gone(info, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not alive(info["pid"]) and not group_alive(info["pid"]):
            return True
        time.sleep(0.05)
    return False


def terminate(info, graceful_signal):
    """Graceful stop, then SIGKILL to its process group after a bound."""
    pid = info.get("pid")
    if not pid:
        return "not running"
    if not ours(info):
        return "not running"
    t0 = time.monotonic()
    try:
        os.kill(pid, graceful_signal)
    except ProcessLookupError:
        return "not running"
    if wait_gone(info, STOP_TIMEOUT):
        return f"stopped in {time.monotonic() - t0:.1f} s"
    try:
        os.killpg(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    wait_gone(info, 5)
    return f"killed after {STOP_TIMEOUT:.0f} s"


def child_env(**extra):
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PG", "MYSQL", "MARIADB", "CLICKHOUSE", "FERRETDB"))}
    env.update({"LC_ALL": "C.UTF-8", "LANG": "C.UTF-8", "TZ": "UTC"})
    env.update(extra)
    return env


# --- PostgreSQL ------------------------------------------------------------

def starling_cache():
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return os.path.join(base, "starling")


def pg_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/postgres"),
                   key=lambda p: int(p.split("/")[4]) if p.split("/")[4].isdigit() else 0)
    if os.environ.get("STARLING_PG_BINDIR"):
        return os.environ["STARLING_PG_BINDIR"]
    if not found:
        raise Skip("PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/postgres; "
                   "scripts/install-deps.sh installs postgresql)")
    return os.path.dirname(found[-1])


class Postgres:
    name = "postgres"
    graceful = signal.SIGINT  # fast shutdown: roll back, disconnect, checkpoint

    def start(self, run_dir, log_dir, info):
        bindir = pg_bindir()
        user = unprivileged_user()  # postgres refuses to run as root
        home = os.path.join(run_dir, "postgres")
        data = os.path.join(home, "data")
        os.makedirs(home)
        os.chmod(home, 0o700)
        if user:
            os.chown(home, user.pw_uid, user.pw_gid)
        admin = secrets.token_urlsafe(18)
        pwfile = os.path.join(home, "pwfile")
        with open(pwfile, "w") as f:
            f.write(admin + "\n")
        if user:
            os.chown(pwfile, user.pw_uid, user.pw_gid)
        run([os.path.join(bindir, "initdb"), "-D", data, "-U", "postgres", "--pwfile=" + pwfile,
             "--auth-local=scram-sha-256", "--auth-host=scram-sha-256", "-E", "UTF8",
             "--locale=C", "--no-sync", "--no-instructions"], "postgres initdb",
            env=child_env(HOME=home), user=user)
        os.unlink(pwfile)
        info.update({"binary": os.path.join(bindir, "postgres"), "port": free_port(), "data": data,
                "socket_dir": home, "log": os.path.join(log_dir, "postgres.log"),
                "admin_user": "postgres", "admin_password": admin,
                "run_as": user.pw_name if user else None})
        self.launch(info)
        self.setup(info)

    def launch(self, info):
        user = pwd.getpwnam(info["run_as"]) if info.get("run_as") else None
        # After a kill the old postmaster may linger as a zombie until it is
        # reaped, and postgres takes a zombie's pid file as a live server.
        lock = os.path.join(info["data"], "postmaster.pid")
        try:
            with open(lock, encoding="ascii") as f:
                old = int(f.readline().strip() or 0)
        except (OSError, ValueError):
            old = 0
        if old and not alive(old):
            sock = os.path.join(info["socket_dir"], f".s.PGSQL.{info['port']}")
            for stale in (lock, sock + ".lock", sock):
                if os.path.exists(stale):
                    os.unlink(stale)
        proc = spawn(info, [info["binary"], "-D", info["data"], "-p", str(info["port"]),
                      "-k", info["socket_dir"], "-c", "listen_addresses=127.0.0.1",
                      # fsync off: the data outlives a killed server (the OS
                      # has it), not a crashed machine; commits stay synchronous.
                      "-c", "fsync=off", "-c", "full_page_writes=off", "-c", "shared_buffers=32MB",
                      "-c", "max_connections=100", "-c", "timezone=UTC"],
                     env=child_env(HOME=info["socket_dir"]), user=user)
        isready = os.path.join(os.path.dirname(info["binary"]), "pg_isready")
        wait_for("postgres", lambda: subprocess.run(
            [isready, "-q", "-h", "127.0.0.1", "-p", str(info["port"]), "-t", "1"],
            timeout=5).returncode == 0, proc, info["log"])
        return proc

    def psql(self, info, sql, user, password, db):
        psql = os.path.join(os.path.dirname(info["binary"]), "psql")
        return run([psql, "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1", "-h", "127.0.0.1",
                    "-p", str(info["port"]), "-U", user, "-d", db],
                   "postgres setup", stdin=sql, env=child_env(PGPASSWORD=password))

    def setup(self, info):
        password = secrets.token_urlsafe(18)
        self.psql(info, f"CREATE ROLE {USER} LOGIN PASSWORD '{password}';\n"
                        f"CREATE DATABASE {DATABASE} OWNER {USER} ENCODING 'UTF8' "
                        f"LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;\n"
                        f"CREATE DATABASE {QUERY_DATABASE} OWNER {USER} ENCODING 'UTF8' "
                        f"LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0;\n",
                  "postgres", info["admin_password"], "postgres")
        version = self.psql(info, "SHOW server_version;", USER, password, DATABASE).strip()
        info.update({"url": f"postgres://{USER}@127.0.0.1:{info['port']}/{DATABASE}",
                     "password": password, "version": version.split()[0]})


# --- MariaDB ---------------------------------------------------------------

class MariaDB:
    name = "mariadb"
    graceful = signal.SIGTERM

    def start(self, run_dir, log_dir, info):
        binary = shutil.which("mariadbd", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", ""))
        install = shutil.which("mariadb-install-db")
        if not binary or not install:
            raise Skip("MariaDB is not installed (mariadbd, mariadb-install-db; "
                       "scripts/install-deps.sh installs mariadb-server)")
        home = os.path.join(run_dir, "mariadb")
        data = os.path.join(home, "data")
        os.makedirs(home)
        # The redo log the server uses (16M, not 96M): not resized at its start.
        # (--innodb-fast-shutdown=2 here would save 1-2 s but leaves an
        # ibdata1 that the server refuses.)
        args = [install, "--no-defaults", "--datadir=" + data, "--skip-test-db",
                "--auth-root-authentication-method=normal", "--skip-name-resolve",
                "--innodb-log-file-size=16M", "--innodb-buffer-pool-size=32M"]
        if os.geteuid() == 0:
            args.append("--user=root")
        # mariadb-install-db takes 2.5-6 s on 2 cores: its result (no user
        # but a password-less root, changed at setup) is kept per server
        # version in the cache and copied (0.1 s).
        version = run([binary, "--version"], "mariadbd --version").strip()
        key = hashlib.sha256((version + " " + " ".join(args[3:])).encode()).hexdigest()[:16]
        template = os.path.join(starling_cache(), "mariadb-datadir-" + key)
        if not os.path.isdir(template):
            run(args, "mariadb-install-db", env=child_env(), timeout=120)
            os.makedirs(starling_cache(), exist_ok=True)
            partial = tempfile.mkdtemp(prefix="mariadb-datadir-", dir=starling_cache())
            try:
                shutil.copytree(data, os.path.join(partial, "d"), symlinks=True)
                os.rename(os.path.join(partial, "d"), template)  # atomic; fails if made meanwhile
            except OSError:
                pass
            shutil.rmtree(partial, ignore_errors=True)
        else:
            shutil.copytree(template, data, symlinks=True)
        info.update({"binary": binary, "port": free_port(), "data": data,
                "socket": os.path.join(home, "mariadbd.sock"),
                "log": os.path.join(log_dir, "mariadb.log"),
                "admin_user": "root", "admin_password": secrets.token_urlsafe(18)})
        self.launch(info)
        self.setup(info)

    def launch(self, info):
        args = [info["binary"], "--no-defaults", "--datadir=" + info["data"],
                "--socket=" + info["socket"], "--port=" + str(info["port"]),
                "--bind-address=127.0.0.1", "--skip-name-resolve",
                "--pid-file=" + os.path.join(os.path.dirname(info["data"]), "mariadbd.pid"),
                "--character-set-server=utf8mb4", "--collation-server=utf8mb4_unicode_ci",
                "--innodb-buffer-pool-size=64M", "--innodb-log-file-size=16M",
                "--innodb-doublewrite=0",
                "--innodb-flush-log-at-trx-commit=2",  # a commit outlives a killed server "--skip-log-bin",
                "--max-connections=100", "--default-time-zone=+00:00",
                "--log-error=" + info["log"]]
        if os.geteuid() == 0:
            args.append("--user=root")
        proc = spawn(info, args, env=child_env())
        wait_for("mariadb", lambda: os.path.exists(info["socket"]) and port_open(info["port"]),
                 proc, info["log"])
        return proc

    def client(self, info, sql, user, password, socket_path=None, db=None):
        args = [shutil.which("mariadb") or "mariadb", "--no-defaults", "--batch",
                "--skip-column-names", "-u", user]
        args += ["--socket=" + socket_path] if socket_path else \
            ["-h", "127.0.0.1", "-P", str(info["port"]), "--protocol=TCP"]
        if db:
            args.append(db)
        return run(args, "mariadb setup", stdin=sql,
                   env=child_env(MYSQL_PWD=password) if password else child_env())

    def setup(self, info):
        password = secrets.token_urlsafe(18)
        admin = info["admin_password"]
        # root had no password (install-db, normal auth): give it one, drop
        # any anonymous or other root account, then our user and database.
        self.client(info, "DELETE FROM mysql.global_priv WHERE User = '' OR "
                          "(User = 'root' AND Host <> 'localhost');\n"
                          "FLUSH PRIVILEGES;\n"
                          f"ALTER USER 'root'@'localhost' IDENTIFIED BY '{admin}';\n"
                          f"CREATE DATABASE {DATABASE} CHARACTER SET utf8mb4 "
                          "COLLATE utf8mb4_unicode_ci;\n"
                          f"CREATE USER '{USER}'@'%' IDENTIFIED BY '{password}';\n"
                          f"CREATE USER '{USER}'@'localhost' IDENTIFIED BY '{password}';\n"
                          f"GRANT ALL ON {DATABASE}.* TO '{USER}'@'%';\n"
                          f"GRANT ALL ON {DATABASE}.* TO '{USER}'@'localhost';\n"
                          f"CREATE DATABASE {QUERY_DATABASE} CHARACTER SET utf8mb4 "
                          "COLLATE utf8mb4_unicode_ci;\n"
                          f"GRANT ALL ON {QUERY_DATABASE}.* TO '{USER}'@'%';\n"
                          f"GRANT ALL ON {QUERY_DATABASE}.* TO '{USER}'@'localhost';\n",
                    "root", None, socket_path=info["socket"])
        version = self.client(info, "SELECT VERSION();", USER, password, db=DATABASE).strip()
        info.update({"url": f"mariadb://{USER}@127.0.0.1:{info['port']}/{DATABASE}",
                     "password": password, "version": version.split("-")[0]})


# --- ClickHouse ------------------------------------------------------------

CLICKHOUSE_CONFIG = """<?xml version="1.0"?>
<!-- Written by tests/support/store_servers.py: a throwaway test server. -->
<yandex>
  <logger><level>information</level><log>{log}</log><errorlog>{errlog}</errorlog>
    <size>20M</size><count>1</count></logger>
  <http_port>{http_port}</http_port>
  <tcp_port>{tcp_port}</tcp_port>
  <interserver_http_port>{interserver_port}</interserver_http_port>
  <interserver_http_host>127.0.0.1</interserver_http_host>
  <listen_host>127.0.0.1</listen_host>
  <max_connections>256</max_connections>
  <keep_alive_timeout>3</keep_alive_timeout>
  <max_concurrent_queries>64</max_concurrent_queries>
  <uncompressed_cache_size>67108864</uncompressed_cache_size>
  <mark_cache_size>67108864</mark_cache_size>
  <path>{data}/</path>
  <tmp_path>{data}/tmp/</tmp_path>
  <user_files_path>{data}/user_files/</user_files_path>
  <format_schema_path>{data}/format_schemas/</format_schema_path>
  <users_config>{users}</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <timezone>UTC</timezone>
  <mlock_executable>false</mlock_executable>
  <builtin_dictionaries_reload_interval>3600</builtin_dictionaries_reload_interval>
  <max_session_timeout>3600</max_session_timeout>
  <default_session_timeout>60</default_session_timeout>
</yandex>
"""

CLICKHOUSE_USERS = """<?xml version="1.0"?>
<!-- Written by tests/support/store_servers.py: a throwaway test server. -->
<yandex>
  <profiles>
    <default><max_memory_usage>2000000000</max_memory_usage><load_balancing>random</load_balancing></default>
  </profiles>
  <users>
    <default><password>{admin}</password><networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile><quota>default</quota></default>
    <{user}><password>{password}</password><networks><ip>127.0.0.1</ip></networks>
      <profile>default</profile><quota>default</quota></{user}>
  </users>
  <quotas>
    <default><interval><duration>3600</duration><queries>0</queries><errors>0</errors>
      <result_rows>0</result_rows><read_rows>0</read_rows><execution_time>0</execution_time>
    </interval></default>
  </quotas>
</yandex>
"""


def clickhouse_query(port, sql, user, password, database=None, timeout=10):
    """One statement over the HTTP interface; the user and password travel as
    X-ClickHouse-User/X-ClickHouse-Key headers (18.16 takes them)."""
    url = f"http://127.0.0.1:{port}/"
    if database:
        url += "?database=" + database
    req = urllib.request.Request(url, data=sql.encode("utf-8"), method="POST",
                                 headers={"X-ClickHouse-User": user, "X-ClickHouse-Key": password})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.read().decode("utf-8")
    except urllib.error.HTTPError as e:
        raise RuntimeError(f"ClickHouse HTTP {e.code}: {e.read().decode('utf-8', 'replace')[:500]}")


class ClickHouse:
    name = "clickhouse"
    graceful = signal.SIGTERM

    def start(self, run_dir, log_dir, info):
        binary = os.environ.get("STARLING_CLICKHOUSE_SERVER") or \
            shutil.which("clickhouse-server", path="/usr/sbin:/usr/bin:" + os.environ.get("PATH", ""))
        if not binary:
            raise Skip("ClickHouse is not installed (clickhouse-server; "
                       "scripts/install-deps.sh installs it)")
        home = os.path.join(run_dir, "clickhouse")
        data = os.path.join(home, "data")
        conf_dir = os.path.join(log_dir, "clickhouse")
        os.makedirs(data)
        os.makedirs(conf_dir, exist_ok=True)
        admin, password = secrets.token_urlsafe(18), secrets.token_urlsafe(18)
        ports = set()
        while len(ports) < 3:
            ports.add(free_port())
        http_port, tcp_port, interserver_port = sorted(ports)
        log = os.path.join(log_dir, "clickhouse.log")
        config = os.path.join(conf_dir, "config.xml")
        users = os.path.join(conf_dir, "users.xml")
        with open(users, "w", encoding="utf-8") as f:
            os.fchmod(f.fileno(), 0o600)
            f.write(CLICKHOUSE_USERS.format(admin=admin, user=USER, password=password))
        with open(config, "w", encoding="utf-8") as f:
            f.write(CLICKHOUSE_CONFIG.format(
                log=log, errlog=os.path.join(log_dir, "clickhouse.err.log"),
                http_port=http_port, tcp_port=tcp_port, interserver_port=interserver_port,
                data=data, users=users))
        info.update({"binary": binary, "port": http_port, "tcp_port": tcp_port,
                "interserver_port": interserver_port, "data": data, "config": config,
                "log": log, "admin_user": "default", "admin_password": admin,
                "password": password})
        self.launch(info)
        for db in (DATABASE, QUERY_DATABASE):
            clickhouse_query(http_port, f"CREATE DATABASE IF NOT EXISTS {db}", "default", admin)
        version = clickhouse_query(http_port, "SELECT version()", USER, password, DATABASE)
        info.update({"url": f"clickhouse://{USER}@127.0.0.1:{http_port}/{DATABASE}",
                     "version": version.strip()})

    def launch(self, info):
        proc = spawn(info, [info["binary"], "--config-file=" + info["config"]],
                     env=child_env(), cwd=os.path.dirname(info["data"]))

        def ping():
            with urllib.request.urlopen(f"http://127.0.0.1:{info['port']}/ping", timeout=1) as r:
                return r.read().strip() == b"Ok."
        wait_for("clickhouse", ping, proc, info["log"])
        return proc


# --- FerretDB (MongoDB wire protocol) ----------------------------------------

def cache_dir():
    return os.path.join(starling_cache(), "ferretdb-" + FERRETDB_VERSION)


def find_go():
    """A Go toolchain new enough for FerretDB (go.mod: go 1.24), or None and why."""
    why = "no Go toolchain (go on PATH, /usr/local/go/bin/go)"
    for go in (os.environ.get("GO"), shutil.which("go"), "/usr/local/go/bin/go",
               "/usr/lib/go/bin/go"):
        if not go or not os.path.exists(go):
            continue
        try:
            out = subprocess.run([go, "env", "GOVERSION"], capture_output=True, text=True,
                                 timeout=30).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        nums = out.removeprefix("go").split(".")
        try:
            major, minor = int(nums[0]), int(nums[1].split("rc")[0].split("beta")[0])
        except (ValueError, IndexError):
            continue
        if (major, minor) >= (1, 24):
            return go, None
        why = f"{go} is {out or 'unknown'}; FerretDB {FERRETDB_VERSION} needs Go >= 1.24"
    return None, why


def ferretdb_binary(build=True):
    """The cached FerretDB binary, built from the Go module proxy the first
    time (minutes on 2 cores). Skip when it cannot be had."""
    if os.environ.get("STARLING_FERRETDB"):
        return os.environ["STARLING_FERRETDB"]
    target = os.path.join(cache_dir(), "ferretdb")
    if os.access(target, os.X_OK):
        return target
    if not build:
        raise Skip(f"no FerretDB {FERRETDB_VERSION} in {cache_dir()}")
    go, why = find_go()
    if not go:
        raise Skip(f"no FerretDB {FERRETDB_VERSION} in {cache_dir()} and {why} to build it "
                   "(scripts/install-deps.sh builds it when Go is there)")
    os.makedirs(cache_dir(), exist_ok=True)
    stage = tempfile.mkdtemp(prefix="build-", dir=cache_dir())
    build_log = os.path.join(cache_dir(), "build.log")
    log(f"building FerretDB {FERRETDB_VERSION} with {go} (once; log: {build_log})")
    t0 = time.monotonic()
    # GOTOOLCHAIN=local: never fetch another toolchain.
    env = child_env(GOTOOLCHAIN="local", GOFLAGS="-buildvcs=false -mod=readonly",
                    CGO_ENABLED="0")
    module = f"github.com/FerretDB/FerretDB@{FERRETDB_VERSION}"
    try:
        with open(build_log, "w") as out:
            # `go install module@version` builds a binary that panics: the
            # module lacks build/version/version.txt (generated from git). So:
            # the module's source, that file, then go build.
            r = subprocess.run([go, "mod", "download", "-json", module], cwd=stage, env=env,
                               capture_output=True, text=True, timeout=BUILD_TIMEOUT)
            out.write(r.stdout + r.stderr)
            if r.returncode != 0:
                raise Skip(f"downloading {module} failed ({r.returncode}): "
                           f"{(r.stderr or r.stdout).strip()[-800:]}")
            src = os.path.join(stage, "src")
            shutil.copytree(json.loads(r.stdout)["Dir"], src, copy_function=shutil.copyfile)
            for root, dirs, _ in os.walk(src):
                for d in dirs:
                    os.chmod(os.path.join(root, d), 0o755)
            os.chmod(src, 0o755)
            with open(os.path.join(src, "build", "version", "version.txt"), "w") as f:
                f.write(FERRETDB_VERSION + "\n")
            out.flush()
            r = subprocess.run([go, "build", "-trimpath", "-o", os.path.join(stage, "ferretdb"),
                                "./cmd/ferretdb"], cwd=src, stdout=out, stderr=subprocess.STDOUT,
                               env=env, timeout=BUILD_TIMEOUT)
        if r.returncode != 0:
            raise Skip(f"building FerretDB {FERRETDB_VERSION} failed ({r.returncode}); "
                       f"{build_log} ends:\n{tail(build_log)}")
        os.replace(os.path.join(stage, "ferretdb"), target)  # atomic: concurrent builds agree
    except subprocess.TimeoutExpired:
        raise Skip(f"building FerretDB took over {BUILD_TIMEOUT:.0f} s (log: {build_log})")
    finally:
        shutil.rmtree(stage, ignore_errors=True)
    log(f"built FerretDB {FERRETDB_VERSION} in {time.monotonic() - t0:.0f} s: {target}")
    return target


class FerretDB:
    name = "mongodb"
    graceful = signal.SIGTERM

    def start(self, run_dir, log_dir, info):
        binary = ferretdb_binary()
        home = os.path.join(run_dir, "mongodb")
        data = os.path.join(home, "data")
        os.makedirs(data)
        info.update({"binary": binary, "port": free_port(), "data": data, "state_dir": home,
                     "log": os.path.join(log_dir, "mongodb.log"),
                     "password": secrets.token_urlsafe(18)})
        self.launch(info)
        with mongo_wire.MongoClient("127.0.0.1", info["port"], timeout=10) as c:
            c.auth(USER, info["password"], DATABASE)
            c.command(DATABASE, {"ping": 1})
            build = c.command("admin", {"buildInfo": 1})
        info.update({"url": f"mongodb://{USER}@127.0.0.1:{info['port']}/{DATABASE}",
                     "version": f"FerretDB {build.get('ferretdbVersion', FERRETDB_VERSION)} "
                                f"(MongoDB {build.get('version', '?')} wire)",
                     "auth_source": DATABASE})

    def launch(self, info):
        # The setup user is created (SCRAM) on the first start only; its
        # password comes through the environment, not the command line.
        proc = spawn(info, [info["binary"], "--handler=sqlite", f"--sqlite-url=file:{info['data']}/",
                      f"--listen-addr=127.0.0.1:{info['port']}", "--debug-addr=-",
                      "--telemetry=disable", "--state-dir=" + info["state_dir"],
                      "--log-level=warn", "--test-enable-new-auth",
                      f"--setup-database={DATABASE}", f"--setup-username={USER}"],
                     env=child_env(FERRETDB_SETUP_PASSWORD=info["password"]),
                     cwd=info["state_dir"])

        def ping():
            with mongo_wire.MongoClient("127.0.0.1", info["port"], timeout=1) as c:
                return c.command("admin", {"hello": 1}).get("ok") == 1
        wait_for("mongodb (FerretDB)", ping, proc, info["log"])
        return proc


KINDS = {k.name: k for k in (Postgres(), MariaDB(), ClickHouse(), FerretDB())}


# --- servers.json ------------------------------------------------------------

def state_path(dir_):
    return os.path.join(dir_, "servers.json")


def load(dir_):
    try:
        with open(state_path(dir_), encoding="utf-8") as f:
            return json.load(f)
    except FileNotFoundError:
        return None


def save(dir_, state):
    state = {k: ({f: x for f, x in v.items() if not f.startswith("_")} if isinstance(v, dict) else v)
             for k, v in state.items()}
    tmp = state_path(dir_) + ".tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        json.dump(state, f, indent=2, sort_keys=True)
        f.write("\n")
    os.replace(tmp, state_path(dir_))


def parse_only(only):
    if not only:
        return list(NAMES)
    names = [n.strip() for n in only.split(",") if n.strip()] if isinstance(only, str) else list(only)
    for n in names:
        if n not in NAMES:
            raise SystemExit(f"store_servers: unknown server '{n}' (valid: {', '.join(NAMES)})")
    return names


def start(dir_, only=None):
    """Starts the servers (in parallel) and writes DIR/servers.json; returns
    its content. Servers left by an earlier run in DIR are stopped first."""
    names = parse_only(only)
    dir_ = os.path.abspath(dir_)
    os.makedirs(dir_, exist_ok=True)
    if load(dir_):
        stop(dir_, quiet=True)
    # Data and sockets live in a short folder under /tmp (socket paths are
    # limited to ~100 bytes; postgres runs as an unprivileged user that must
    # reach its data); logs and configuration in DIR.
    # As root, under /tmp itself: `nobody` must reach postgres' data, which a
    # TMPDIR inside a private home would forbid.
    run_dir = tempfile.mkdtemp(prefix="starling-servers-",
                               dir="/tmp" if os.geteuid() == 0 and os.path.isdir("/tmp") else None)
    os.chmod(run_dir, 0o755)
    for name in names:  # a fresh start, fresh logs (a restart appends)
        for suffix in (".log", ".err.log"):
            if os.path.exists(os.path.join(dir_, name + suffix)):
                os.unlink(os.path.join(dir_, name + suffix))
    state = {"runtime": run_dir, "skipped": {}}
    save(dir_, state)
    lock = threading.Lock()

    def persist():
        with lock:
            save(dir_, state)

    def one(name):
        t0 = time.monotonic()
        info = {"_persist": persist}
        with lock:
            state[name] = info
        try:
            KINDS[name].start(run_dir, dir_, info)
            info["start_seconds"] = round(time.monotonic() - t0, 2)
            persist()
            log(f"{name} {info['version']} on 127.0.0.1:{info['port']} (pid {info['pid']}) "
                f"started in {info['start_seconds']:.1f} s; log: {info['log']}")
            return
        except Skip as e:
            why = str(e)
        except Exception as e:  # a bug here: still recorded, never silent
            why = f"{type(e).__name__}: {e}"
        if info.get("pid"):  # started here, then failed: no stray server (its group)
            try:
                os.killpg(info["pid"], signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
            wait_gone(info, 5)
        with lock:
            del state[name]
            state["skipped"][name] = why
            save(dir_, state)
        log(f"{name} SKIPPED after {time.monotonic() - t0:.1f} s: {why}")

    # FerretDB's first build is long; start it first so it overlaps the rest.
    order = sorted(names, key=lambda n: n != "mongodb")
    threads = [threading.Thread(target=one, args=(n,)) for n in order]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return state


def stop(dir_, quiet=False):
    """Stops every server of DIR/servers.json and removes their data."""
    state = load(dir_)
    if not state:
        if not quiet:
            log(f"nothing to stop in {dir_}")
        return
    t0 = time.monotonic()
    threads, results = [], {}

    def one(name):
        results[name] = terminate(state[name], KINDS[name].graceful)

    for name in NAMES:
        if name in state:
            threads.append(threading.Thread(target=one, args=(name,)))
            threads[-1].start()
    for t in threads:
        t.join()
    for name, how in results.items():
        log(f"{name} {how}")
    run_dir = state.get("runtime")
    if run_dir and os.path.basename(run_dir).startswith("starling-servers-"):
        shutil.rmtree(run_dir, ignore_errors=True)
    users = os.path.join(dir_, "clickhouse", "users.xml")  # its passwords
    if os.path.exists(users):
        os.unlink(users)
    os.unlink(state_path(dir_))
    if not quiet:
        log(f"all stopped and their data removed in {time.monotonic() - t0:.1f} s")


def kill(dir_, name):
    """SIGKILL to one server's process group (a server lost mid-run)."""
    state = load(dir_)
    if not state or name not in state:
        raise SystemExit(f"store_servers: {name} is not running from {dir_}")
    signal_group(state[name], signal.SIGKILL)
    if not wait_gone(state[name], 10):
        raise SystemExit(f"store_servers: {name} (pid {state[name]['pid']}) survived SIGKILL")
    log(f"{name} killed (pid {state[name]['pid']})")


def restart(dir_, name):
    """Starts one server again on the same port with the same data (after
    kill, or stops it first when it still runs)."""
    state = load(dir_)
    if not state or name not in state:
        raise SystemExit(f"store_servers: {name} was not started from {dir_}")
    info = state[name]
    if ours(info):
        terminate(info, KINDS[name].graceful)
    t0 = time.monotonic()
    try:
        KINDS[name].launch(info)
    except Skip as e:
        raise SystemExit(f"store_servers: {name} did not restart: {e}")
    save(dir_, state)
    log(f"{name} restarted on 127.0.0.1:{info['port']} (pid {info['pid']}) "
        f"in {time.monotonic() - t0:.1f} s")


class StoreServers:
    """Context manager: start on enter, stop on exit (scenario scripts)."""

    def __init__(self, dir_, only=None):
        self.dir = os.path.abspath(dir_)
        self.only = only
        self.state = None

    def __enter__(self):
        self.state = start(self.dir, self.only)
        return self

    def __exit__(self, *exc):
        stop(self.dir, quiet=True)

    @property
    def path(self):
        return state_path(self.dir)

    def server(self, name):
        if name in self.state.get("skipped", {}):
            raise Skip(f"{name} is not available: {self.state['skipped'][name]}")
        return self.state[name]

    def kill(self, name):
        kill(self.dir, name)
        self.state = load(self.dir)

    def restart(self, name):
        restart(self.dir, name)
        self.state = load(self.dir)


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=["start", "stop", "kill", "restart", "build-ferretdb"])
    p.add_argument("--dir", help="where servers.json, logs and configuration go")
    p.add_argument("--only", help="comma-separated: " + ",".join(NAMES))
    a = p.parse_args(argv)
    if a.command == "build-ferretdb":
        try:
            log(f"FerretDB {FERRETDB_VERSION}: {ferretdb_binary()}")
        except Skip as e:
            log(f"FerretDB not available, the MongoDB tests will skip: {e}")
            return 1
        return 0
    if not a.dir:
        p.error("--dir is required")
    if a.command == "start":
        t0 = time.monotonic()
        state = start(a.dir, a.only)
        up = [n for n in NAMES if n in state]
        log(f"{len(up)} up, {len(state['skipped'])} skipped in {time.monotonic() - t0:.1f} s; "
            f"{state_path(os.path.abspath(a.dir))}")
    elif a.command == "stop":
        stop(a.dir)
    else:
        names = parse_only(a.only)
        if len(names) != 1 or not a.only:
            p.error(f"{a.command} needs --only NAME (one server)")
        (kill if a.command == "kill" else restart)(a.dir, names[0])
    return 0


if __name__ == "__main__":
    sys.exit(main())
