#!/usr/bin/env python3
"""Every provider source end to end, against local replay servers that play
real recorded traffic (../shared/data): `collect` gives the recording's posts,
and `run` killed with SIGKILL at random moments and resumed with --resume
gives exactly the posts of an uninterrupted run, none lost, none doubled.

usage: providers_test.py STARLING SHARED_DATA WORKDIR [PROVIDER...]

The X stream's own fault scenarios are in x_api_test.py; the exact backoff
schedules are asserted on an injected clock in tests/source/*_source_test.cc.
"""
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
sys.path.insert(0, HERE)
from provider_harness import ProviderServer, check, run_starling  # noqa: E402
from x_api_test import stream_lines, strip_twarc  # noqa: E402

TOKEN = "provider-test-token-91ab"
ENV = {"X_BEARER_TOKEN": TOKEN, "GITHUB_TOKEN": TOKEN, "MASTODON_TOKEN": TOKEN,
       "MEETUP_TOKEN": TOKEN}


def read(path):
    with open(path, encoding="utf-8") as f:
        return f.read()


def posts_of(path):
    if not os.path.exists(path):
        return []
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


# --- Each provider: a replay script, its spec, and the posts it must give ---

def x_case(data):
    lines = stream_lines(data)
    script = {"token": TOKEN, "routes": {"/2/tweets/search/stream": [
        {"status": 200, "lines": lines, "delay": 0.01, "then": "hold", "keepalive": 0.2}]}}
    ids = list(dict.fromkeys(json.loads(l)["data"]["id"] for l in lines))
    return script, lambda port: f"x:stream?api_base=http://127.0.0.1:{port}", ids


def github_case(data):
    events = json.loads(read(os.path.join(data, "simdjson", "github_events.json")))
    script = {"token": TOKEN, "routes": {"/repos/o/r/events": [
        {"status": 200, "headers": {"ETag": 'W/"e1"', "X-Poll-Interval": 1,
                                    "Link": '<{base}/repos/o/r/events?per_page=100&page=2>; '
                                            'rel="next"'},
         "body": json.dumps(events[:15])}, {"status": 304}],
        "/repos/o/r/events?per_page=100&page=2": [
            {"status": 200, "body": json.dumps(events[15:])}]}}
    ids = [e["id"] for e in reversed(events)]  # the API lists newest first
    spec = lambda port: f"github:repos/o/r/events?api_base=http://127.0.0.1:{port}"  # noqa: E731
    return script, spec, ids


def mastodon_case(data):
    bodies = os.path.join(data, "mastodon-py", "bodies")
    sse = read(os.path.join(bodies, "test_stream_user_direct__12.body.sse")).split("\n")
    other = read(os.path.join(bodies, "test_stream_user_local__5.body.sse")).split("\n")
    lines = sse + other  # S1, S2 (edited, then S1 deleted), then S3
    statuses = json.loads(read(os.path.join(bodies, "test_public_tl__2.body.json")))
    streamed = [json.loads(l[6:]) for l in lines if l.startswith("data: {\"id\":\"1170")]
    script = {"token": TOKEN, "routes": {
        "/api/v1/streaming/public": [{"status": 200, "content_type": "text/event-stream",
                                      "lines": lines, "delay": 0.05, "then": "hold"}],
        "/api/v1/timelines/public": [{"timeline": statuses + streamed}]}}
    ids = list(dict.fromkeys(s["id"] for s in streamed))
    spec = lambda port: f"mastodon:public?instance=http://127.0.0.1:{port}"  # noqa: E731
    return script, spec, ids


def jetstream_case(data):
    events = read(os.path.join(data, "bluesky-jetstream", "corpus", "expected_v1.jsonl")).split("\n")
    events = [e for e in events if e.strip()]
    script = {"routes": {"/subscribe": [{"ws": events, "delay": 0.02, "then": "hold"}]}}
    ids = []
    for e in map(json.loads, events):
        c = e.get("commit", {})
        if e["kind"] == "commit" and c.get("operation") in ("create", "update") and \
                c.get("collection") in ("app.bsky.feed.post", "app.bsky.feed.repost"):
            uri = f"at://{e['did']}/{c['collection']}/{c['rkey']}"
            if uri not in ids:
                ids.append(uri)
    spec = lambda port: f"bluesky:jetstream?api_base=ws://127.0.0.1:{port}"  # noqa: E731
    return script, spec, ids


def meetup_case(data):
    def event(i):
        return {"id": str(310500000 + i), "title": f"Meetup #{i}",
                "description": f"Talk {i} on #cpp https://example.com/{i}",
                "dateTime": f"2026-09-{10 + i:02d}T19:00:00+02:00",
                "venues": [{"name": "c-base", "city": "Berlin", "country": "de",
                            "lat": 52.51, "lon": 13.42}],
                "group": {"id": "1", "urlname": "berlin-cpp", "name": "Berlin C++"}}

    def page(events, nxt):
        return json.dumps({"data": {"groupByUrlname": {"id": "1", "urlname": "berlin-cpp",
                                                       "events": {"pageInfo": {
                                                           "hasNextPage": nxt is not None,
                                                           "endCursor": nxt},
                                                           "edges": [{"node": e}
                                                                     for e in events]}}}})
    evs = [event(i) for i in range(12)]
    script = {"token": TOKEN, "routes": {"/gql-ext": [
        {"status": 200, "body": page(evs[:5], "c1")},
        {"status": 200, "body": page(evs[5:10], "c2")},
        {"status": 200, "body": page(evs[10:], None)}]}}
    ids = [e["id"] for e in evs]
    spec = lambda port: f"meetup:groups/berlin-cpp/events?api_base=http://127.0.0.1:{port}"  # noqa: E731
    return script, spec, ids


CASES = {"x": x_case, "github": github_case, "mastodon": mastodon_case,
         "jetstream": jetstream_case, "meetup": meetup_case}

PIPELINE = """name: providers
source: "generate:?count=1"
watermark: 5s
checkpoint: {interval: 200ms}
analyses:
  - {name: kinds, type: count, by: kind, window: 1m}
  - {name: tags, type: top, by: hashtag, k: 5, window: 1m}
sinks:
  posts: jsonl:posts.jsonl
  results: jsonl:results.jsonl
"""


def replayed(starling, work, recording):
    """The posts a recording (--record) gives when read back as a file."""
    out = recording + ".posts.jsonl"
    r = run_starling(starling, ["collect", "--source", recording, "--sink", f"jsonl:{out}"])
    check(r.returncode == 0, f"reading back {recording}: {r.stderr[-500:]}")
    return read(out)


def collect(starling, work, name, script, spec, ids):
    out = os.path.join(work, f"{name}.collect.jsonl")
    rec = os.path.join(work, f"{name}.collect.record.jsonl")
    with ProviderServer(script, os.path.join(work, f"{name}.collect.log"), work) as server:
        r = run_starling(starling, ["collect", "--source", spec(server.port), "--sink",
                                    f"jsonl:{out}", "-n", str(len(ids)), "--record", rec],
                         env=ENV, timeout=60)
    check(r.returncode == 0, f"{name}: collect exits 0: {r.stderr[-1500:]}")
    got = [p["id"] for p in posts_of(out)]
    check(got == ids, f"{name}: collect gives the recording's {len(ids)} posts in order, once "
                      f"(got {len(got)}; missing {[i for i in ids if i not in got][:3]})")
    check(TOKEN not in r.stdout + r.stderr, f"{name}: no token in the output")
    check("0 dead letters" in r.stderr, f"{name}: no dead letters: {r.stderr[-300:]}")
    check(replayed(starling, work, rec) == read(out),
          f"{name}: the --record file read back gives the same posts")
    if name == "github":  # `top` on a live provider: the kinds of GitHub's 30 events
        with ProviderServer(script, os.path.join(work, "github.top.log"), work) as server:
            r = run_starling(starling, ["top", "--by", "kind", "--limit", str(len(ids)),
                                        "--format", "tsv", spec(server.port)], env=ENV, timeout=60)
        rows = dict(l.split("\t")[:2] for l in r.stdout.splitlines() if l.count("\t") == 1)
        check(r.returncode == 0 and rows.get("push") == "13" and rows.get("star") == "6",
              f"top --by kind on github: {r.stdout} {r.stderr[-300:]}")


def run_dir(work, name, tag):
    d = os.path.join(work, f"{name}.{tag}")
    shutil.rmtree(d, ignore_errors=True)
    os.makedirs(d)
    with open(os.path.join(d, "p.yaml"), "w", encoding="utf-8") as f:
        f.write(PIPELINE)
    return d


def start_run(starling, d, spec, resume, duration=None):
    args = [starling, "run", "p.yaml", "--source", spec, "--checkpoint-dir", "ck", "--record",
            "record.jsonl"]
    if resume:
        args.append("--resume")
    if duration:
        args += ["-d", duration]
    env = {**{k: v for k, v in os.environ.items() if k not in ENV}, **ENV}
    return subprocess.Popen(args, cwd=d, env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.PIPE, text=True)


def kill_resume(starling, work, name, script, spec, ids, rng):
    # Uninterrupted.
    d0 = run_dir(work, name, "whole")
    with ProviderServer(script, os.path.join(work, f"{name}.whole.log"), work) as server:
        p = start_run(starling, d0, spec(server.port), False, "6s")
        _, err = p.communicate(timeout=60)
    check(p.returncode == 0, f"{name}: the uninterrupted run exits 0: {err[-1500:]}")
    whole = read(os.path.join(d0, "posts.jsonl"))
    check([json.loads(l)["id"] for l in whole.splitlines()] == ids,
          f"{name}: the uninterrupted run gives the recording's posts")
    # Killed at random moments, resumed each time, then run to the end.
    d1 = run_dir(work, name, "killed")
    kills = []
    with ProviderServer(script, os.path.join(work, f"{name}.killed.log"), work) as server:
        for i in range(3):
            p = start_run(starling, d1, spec(server.port), i > 0)
            # The kill lands after the first checkpoint exists (a resume needs
            # one), at a random moment of the run.
            ck = os.path.join(d1, "ck")
            deadline = time.time() + 20
            while i == 0 and time.time() < deadline and not (
                    os.path.isdir(ck) and os.listdir(ck)):
                time.sleep(0.05)
            wait = rng.uniform(0.2, 1.3)
            time.sleep(wait)
            p.send_signal(signal.SIGKILL)
            p.wait()
            kills.append(f"{wait:.2f}")
        p = start_run(starling, d1, spec(server.port), True, "6s")
        _, err = p.communicate(timeout=60)
    check(p.returncode == 0, f"{name}: the last resume exits 0: {err[-1500:]}")
    killed = read(os.path.join(d1, "posts.jsonl"))
    got = [json.loads(l)["id"] for l in killed.splitlines()]
    dup = len(got) - len(set(got))
    check(dup == 0, f"{name}: nothing doubled after kill -9 and --resume ({dup} twice)")
    check(set(got) == set(ids), f"{name}: nothing lost after kill -9 and --resume "
                                f"({len(set(ids) - set(got))} missing)")
    check(killed == whole, f"{name}: the resumed run's posts equal the uninterrupted run's")
    check(replayed(starling, work, os.path.join(d1, "record.jsonl")) == whole,
          f"{name}: the resumed run's --record file, cut back at each resume, gives the same "
          "posts again")
    check(TOKEN not in read(os.path.join(d1, "posts.jsonl")) + err,
          f"{name}: no token in outputs")
    for f in os.listdir(os.path.join(d1, "ck")):
        check(TOKEN.encode() not in open(os.path.join(d1, "ck", f), "rb").read(),
              f"{name}: no token in the checkpoint")
    return kills


def free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def dashboard(starling, work, data):
    """`demo --source` on a provider: the source's connection in /api/v1/stats and
    /metrics while it runs."""
    import urllib.request
    script, spec, ids = x_case(data)
    d = run_dir(work, "x", "served")
    port = free_port()
    with ProviderServer(script, os.path.join(work, "x.served.log"), work) as server:
        args = [starling, "demo", "--source", spec(server.port), "--port", str(port), "--db",
                "demo.db", "-d", "8s"]
        env = {**{k: v for k, v in os.environ.items() if k not in ENV}, **ENV}
        p = subprocess.Popen(args, cwd=d, env=env, stdout=subprocess.DEVNULL,
                             stderr=subprocess.PIPE, text=True)
        stats, metrics = None, ""
        deadline = time.time() + 7
        while time.time() < deadline:
            time.sleep(0.3)
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/v1/stats") as r:
                    stats = json.loads(r.read())
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics") as r:
                    metrics = r.read().decode()
            except OSError:
                continue
            h = stats.get("source_health") or {}
            if h.get("connected") and stats.get("posts", 0) >= len(ids):
                break
        p.kill()
        _, err = p.communicate()
    h = (stats or {}).get("source_health") or {}
    check(h.get("connected") is True and h.get("connects") == 1 and h.get("bytes", 0) > 0,
          f"/api/v1/stats shows the source's connection: {h}")
    check('starling_source_connected{source="x:stream?api_base=' in metrics and
          "starling_source_bytes{" in metrics, "/metrics shows the source's connection")
    check(TOKEN not in json.dumps(stats) + metrics + err, "no token in the API or metrics")
    print("demo --source x:stream: /api/v1/stats and /metrics show the source's connection, "
          "no token")


def main():
    starling, data, work = os.path.abspath(sys.argv[1]), sys.argv[2], sys.argv[3]
    which = sys.argv[4:] or list(CASES)
    os.makedirs(work, exist_ok=True)
    seed = int(os.environ.get("PROVIDERS_SEED", str(os.getpid())))
    rng = random.Random(seed)
    print(f"providers_test: seed {seed} (PROVIDERS_SEED={seed} replays the kill timings)")
    for name in which:
        script, spec, ids = CASES[name](data)
        collect(starling, work, name, script, spec, ids)
        kills = kill_resume(starling, work, name, script, spec, ids, rng)
        print(f"{name}: {len(ids)} posts by collect; kill -9 after {', '.join(kills)} s and "
              "--resume: the same posts, none lost, none doubled")
    if "x" in which:
        dashboard(starling, work, data)
    print("providers_test: all providers passed")


if __name__ == "__main__":
    main()
