"""What the provider scenario tests share: the replay server as a context
manager, running starling with a clean environment, and checks that fail
loudly."""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def fail(message):
    print(f"FAIL: {message}", file=sys.stderr)
    sys.exit(1)


def check(ok, message):
    if not ok:
        fail(message)


class ProviderServer:
    """tests/support/provider_server.py in a child process."""

    def __init__(self, script, log, work):
        self.log = log
        fd, self.script_path = tempfile.mkstemp(suffix=".json", dir=work)
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            json.dump(script, f)
        if os.path.exists(log):
            os.unlink(log)

    def __enter__(self):
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(HERE, "provider_server.py"), "--script",
             self.script_path, "--log", self.log], stdout=subprocess.PIPE, text=True)
        first = self.proc.stdout.readline().split()
        check(len(first) == 2 and first[0] == "port", "the replay server starts")
        self.port = int(first[1])
        return self

    def __exit__(self, *exc):
        self.proc.kill()
        self.proc.wait()
        os.unlink(self.script_path)

    def requests(self):
        if not os.path.exists(self.log):
            return []
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(l) for l in f if l.strip()]


def run_starling(starling, args, env=None, timeout=60):
    e = {k: v for k, v in os.environ.items()
         if k not in ("X_BEARER_TOKEN", "GITHUB_TOKEN", "MASTODON_TOKEN", "MEETUP_TOKEN")}
    e.setdefault("XDG_CONFIG_HOME", tempfile.gettempdir() + "/starling-test-no-config")
    e.update(env or {})
    try:
        return subprocess.run([starling] + args, env=e, capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired as t:
        err = t.stderr.decode("utf-8", "replace") if isinstance(t.stderr, bytes) else t.stderr
        fail(f"starling {' '.join(args[:1])} did not end in {timeout} s; its stderr:\n"
             f"{(err or '')[-3000:]}")
