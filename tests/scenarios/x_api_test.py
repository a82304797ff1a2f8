#!/usr/bin/env python3
"""X API v2 sources against a local replay server with faults.

usage: x_api_test.py STARLING SHARED_DATA WORKDIR

The server (tests/support/provider_server.py) replays real recorded X API v2
traffic from ../shared/data (twarc-csv's filtered-stream capture, and the
tweets of two recorded search pages sent as stream lines) and injects the
faults of issue 12: a disconnect mid-line, 503 and 429 answers with
rate-limit headers, a slow drip, a stall past the keep-alive, a TCP reset,
duplicates after a reconnect, an operational-disconnect; then 401 and
TooManyConnections, which must stop the source at once. Each scenario ends
with the recording's posts, none lost and none doubled.
"""
import json
import os
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "support"))
from provider_harness import ProviderServer, check, fail, run_starling  # noqa: E402

TOKEN = "x-test-token-6f1c0e2b"
MALFORMED = '{"data": {"id": "1377650087", "text": "cut short'  # a frame the API garbled


def strip_twarc(line):
    """A twarc2 line less twarc's own key, other bytes as recorded."""
    cut = line.find(', "__twarc": ')
    return line[:cut] + "}" if cut >= 0 else line


def stream_lines(data):
    """Stream lines: the filtered-stream capture, then the tweets of two
    recorded search pages, each with its author and a rule tag."""
    lines = []
    with open(os.path.join(data, "twarc-csv", "streaming_output.jsonl"), encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if '"operational-disconnect"' in line:
                continue  # sent where the scenario wants it
            lines.append(strip_twarc(line))
    for name, tag in (("kpop.jsonl", "kpop"), ("brexit.jsonl", "brexit")):
        with open(os.path.join(data, "twarc-csv", name), encoding="utf-8") as f:
            page = json.loads(f.readline())
        users = {u["id"]: u for u in page["includes"]["users"]}
        for tweet in page["data"]:
            line = {"data": tweet, "matching_rules": [{"id": "1", "tag": tag}]}
            if tweet.get("author_id") in users:
                line["includes"] = {"users": [users[tweet["author_id"]]]}
            lines.append(json.dumps(line, ensure_ascii=False, separators=(",", ":")))
    return lines


def line_id(line):
    return json.loads(line)["data"]["id"]


def posts_of(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(l) for l in f if l.strip()]


def scenario_faults(starling, data, work):
    lines = stream_lines(data)
    ids = [line_id(l) for l in lines]
    distinct = list(dict.fromkeys(ids))
    check(len(distinct) >= 200, f"the recording gives {len(distinct)} distinct posts")
    disconnect = ('{"errors":[{"title":"operational-disconnect","disconnect_type":'
                  '"OperationalDisconnect","detail":"This stream has been disconnected for '
                  'operational reasons.","type":"https://api.twitter.com/2/problems/'
                  'operational-disconnect"}]}')
    reset_at = int(time.time()) + 2
    script = {"token": TOKEN, "routes": {"/2/tweets/search/stream": [
        # 1: 30 lines, a malformed one, 30 more, then half of the 61st and the
        # connection drops (a transport event, not bad data).
        {"status": 200, "lines": lines[:30] + [MALFORMED] + lines[30:60], "then": "cut",
         "cut_line": lines[60]},
        # 2, 3: the service is unavailable, then rate-limited until reset_at.
        {"status": 503, "body": '{"title":"Service Unavailable"}'},
        {"status": 429, "headers": {"x-rate-limit-reset": reset_at,
                                    "x-rate-limit-remaining": 0},
         "body": '{"title":"Too Many Requests","detail":"Too Many Requests"}'},
        # 4: back with an overlap (duplicates), a slow drip, then a stall.
        {"status": 200, "lines": lines[50:63], "then": "close"},
        {"status": 200, "lines": lines[63:65], "drip": 0.0002, "then": "stall", "stall": 8},
        # 5: keep-alives between lines, then a TCP reset.
        {"status": 200, "lines": lines[64:140], "keepalive": 0.001, "then": "reset"},
        # 6: an operational disconnect after a few lines. (A reset drops what
        # was still in flight, so this one starts again where 5 started.)
        {"status": 200, "lines": lines[64:150] + [disconnect], "then": "hold"},
        # 7: the rest, then the stream stays open with keep-alives.
        {"status": 200, "lines": lines[145:], "then": "hold", "keepalive": 0.2},
    ]}}
    log = os.path.join(work, "x_faults.log")
    with ProviderServer(script, log, work) as server:
        out = os.path.join(work, "x_faults.jsonl")
        raw = os.path.join(work, "x_faults.raw.jsonl")
        dead = os.path.join(work, "x_faults.dead.jsonl")
        if os.path.exists(dead):
            os.unlink(dead)
        spec = (f"x:stream?api_base=http://127.0.0.1:{server.port}&stall_timeout=3s"
                "&retry_network_step=50ms&retry_http_first=200ms&retry_rate_first=200ms")
        r = run_starling(starling, ["collect", "--source", spec, "--sink", f"jsonl:{out}",
                                    "--sink", f"jsonl:{raw}?raw=1", "-n", str(len(distinct)),
                                    "--dead-letter", dead],
                         env={"X_BEARER_TOKEN": TOKEN}, timeout=120)
        check(r.returncode == 0, f"collect exits 0 (got {r.returncode}): {r.stderr[-2000:]}")
        check(TOKEN not in r.stdout + r.stderr, "the token never appears in the output")
        with open(dead, encoding="utf-8") as f:
            letters = [json.loads(l) for l in f if l.strip()]
        check(len(letters) == 1 and letters[0]["bytes"] == MALFORMED and
              letters[0]["origin"] == spec and letters[0]["line"] == 31,
              f"the malformed line, and only it, is a dead letter byte-exact with the provider "
              f"and its position (the line cut by the disconnect is not): {letters}")
        posts = posts_of(out)
        got = [p["id"] for p in posts]
        dup = len(got) - len(set(got))
        check(dup == 0, f"no post doubled ({dup} duplicates)")
        missing = set(distinct) - set(got)
        check(not missing, f"no post lost ({len(missing)} missing, e.g. {sorted(missing)[:3]})")
        check(got == distinct, "posts arrive in the stream's order")
        rules = {p["id"]: [m.get("tag") for m in p.get("matching_rules", [])] for p in posts}
        check(rules[line_id(lines[-1])] == ["brexit"], "rule tags are kept (the rule dimension)")
        requests = server.requests()
        check(len(requests) == 8, f"8 connections (got {len(requests)})")
        check(all(q["headers"].get("authorization") == "ok" for q in requests),
              "every request carries the bearer token")
        q = requests[0]["query"]
        for field in ("expansions=author_id", "tweet.fields=", "user.fields=", "public_metrics",
                      "geo.place_id", "lang", "referenced_tweets"):
            check(field in q, f"the stream asks for {field}")
        # The 429 asked to wait until reset_at: the 4th request came after it.
        check(requests[3]["time"] >= reset_at - 0.05,
              f"the rate limit's reset time was obeyed ({requests[3]['time'] - reset_at:+.2f} s)")
        for word in ("stall", "ended the stream", "operational-disconnect", "HTTP 503",
                     "HTTP 429", "transfer closed"):
            check(word.lower() in r.stderr.lower(), f"the log says '{word}'")
        # The raw recording replays to the same posts.
        again = os.path.join(work, "x_faults.again.jsonl")
        r2 = run_starling(starling, ["collect", "--source", raw, "--sink", f"jsonl:{again}"])
        check(r2.returncode == 0, f"collect of the raw recording: {r2.stderr[-500:]}")
        check([p["id"] for p in posts_of(again)] == got, "the raw recording gives the same posts")
    print(f"x:stream faults: {len(got)} posts, 8 connections, none lost, none doubled")


def scenario_refused(starling, data, work):
    for name, step, env, words in (
            ("401", None, {"X_BEARER_TOKEN": "wrong-token-123"}, ["HTTP 401", "X_BEARER_TOKEN"]),
            ("too-many", {"status": 429, "body": json.dumps({
                "title": "ConnectionException", "detail": "This stream is currently at the "
                "maximum allowed connection limit.", "connection_issue": "TooManyConnections",
                "type": "https://api.twitter.com/2/problems/streaming-connection"})},
             {"X_BEARER_TOKEN": TOKEN}, ["TooManyConnections"]),
            ("no-token", None, {"X_BEARER_TOKEN": "", "XDG_CONFIG_HOME": work},
             ["X_BEARER_TOKEN", "starling configure"])):
        script = {"token": TOKEN, "routes": {"/2/tweets/search/stream": [
            step or {"status": 200, "lines": [], "then": "hold"}]}}
        log = os.path.join(work, f"x_{name}.log")
        with ProviderServer(script, log, work) as server:
            spec = f"x:stream?api_base=http://127.0.0.1:{server.port}&retry_http_first=100ms"
            r = run_starling(starling, ["collect", "--source", spec, "-n", "1"], env=env,
                             timeout=30)
            check(r.returncode != 0, f"{name}: collect fails")
            for w in words:
                check(w in r.stderr, f"{name}: the error names {w}: {r.stderr[-400:]}")
            want = 0 if name == "no-token" else 1
            check(len(server.requests()) == want,
                  f"{name}: {want} request(s), not retried (got {len(server.requests())})")
            for secret in ("wrong-token-123", TOKEN):
                check(secret not in r.stderr + r.stdout, f"{name}: no token in the output")
    print("x:stream 401, TooManyConnections, no token: stop at once with a clear message")


def scenario_search(starling, data, work):
    pages = []
    for name in ("kpop.jsonl", "brexit.jsonl"):
        with open(os.path.join(data, "twarc-csv", name), encoding="utf-8") as f:
            pages.append(strip_twarc(f.readline().rstrip("\n")))
    p1, p2 = json.loads(pages[0]), json.loads(pages[1])
    # Page 1 points to page 2; page 2 ends the search (no next_token).
    p2["meta"].pop("next_token", None)
    newest = p1["meta"]["newest_id"]
    script = {"token": TOKEN, "routes": {"/2/tweets/search/recent": [
        {"status": 200, "body": json.dumps(p1)},
        {"status": 503, "body": "{}"},
        {"status": 200, "body": json.dumps(p2)},
        {"status": 200, "body": json.dumps({"meta": {"result_count": 0}})},
    ]}}
    with ProviderServer(script, os.path.join(work, "x_search.log"), work) as server:
        out = os.path.join(work, "x_search.jsonl")
        spec = (f"x:search?api_base=http://127.0.0.1:{server.port}&query=kpop OR brexit"
                "&since=7d&retry_http_first=100ms&poll=200ms")
        r = run_starling(starling, ["collect", "--source", spec, "--sink", f"jsonl:{out}",
                                    "-d", "3s"], env={"X_BEARER_TOKEN": TOKEN}, timeout=30)
        check(r.returncode == 0, f"search collect exits 0: {r.stderr[-800:]}")
        got = [p["id"] for p in posts_of(out)]
        want = [t["id"] for t in p1["data"]] + [t["id"] for t in p2["data"]]
        check(sorted(got) == sorted(want), f"search gives both pages' posts ({len(got)})")
        reqs = server.requests()
        check(len(reqs) >= 4, f"search polls again after the backfill ({len(reqs)} requests)")
        check("start_time=" in reqs[0]["query"] and "query=kpop%20OR%20brexit" in reqs[0]["query"],
              f"the first search sends the query and start_time: {reqs[0]['query'][:200]}")
        check(f"next_token={p1['meta']['next_token']}" in reqs[2]["query"],
              "the second page is asked with next_token")
        check(f"since_id={newest}" in reqs[3]["query"],
              "the poll after the backfill asks for posts newer than the newest seen")
    print(f"x:search: {len(got)} posts over 2 pages, a 503 retried, since_id kept for the poll")


def scenario_rules_and_configure(starling, data, work):
    rules = [{"id": "1377649934414049282", "value": "#kpop", "tag": "kpop"},
             {"id": "1377649934414049283", "value": "brexit lang:en", "tag": "brexit"}]
    listed = {"data": rules, "meta": {"sent": "2021-04-01T15:50:00.000Z", "result_count": 2}}
    created = {"data": [{"id": "1377649934414049284", "value": "#nasa has:images",
                         "tag": "space"}],
               "meta": {"sent": "x", "summary": {"created": 1, "not_created": 0, "valid": 1,
                                                 "invalid": 0}}}
    deleted = {"meta": {"sent": "x", "summary": {"deleted": 1, "not_deleted": 0}}}
    duplicate = {"meta": {"sent": "x", "summary": {"created": 0, "not_created": 1}},
                 "errors": [{"value": "#kpop", "id": "1377649934414049282",
                             "title": "DuplicateRule", "type": "https://api.twitter.com/2/"
                             "problems/duplicate-rules"}]}
    script = {"token": TOKEN, "routes": {"/2/tweets/search/stream/rules": [
        {"status": 200, "body": json.dumps(listed)},      # list
        {"status": 200, "body": json.dumps(created)},     # add --dry-run
        {"status": 200, "body": json.dumps(duplicate)},   # add (a duplicate)
        {"status": 200, "body": json.dumps(listed)},      # sync: list
        {"status": 200, "body": json.dumps(deleted)},     # sync: delete
        {"status": 200, "body": json.dumps(created)},     # sync: add
    ]}}
    cfg = os.path.join(work, "config")
    shutil.rmtree(cfg, ignore_errors=True)
    with ProviderServer(script, os.path.join(work, "x_rules.log"), work) as server:
        # The token comes from the credentials file `starling configure` wrote.
        env = {"XDG_CONFIG_HOME": cfg}
        r = subprocess.run([starling, "configure", "X_BEARER_TOKEN"], input=TOKEN + "\n",
                           env={**os.environ, **env}, capture_output=True, text=True)
        check(r.returncode == 0, f"configure: {r.stderr}")
        path = os.path.join(cfg, "starling", "credentials")
        check(os.stat(path).st_mode & 0o777 == 0o600, "the credentials file is mode 0600")
        check(TOKEN not in r.stdout + r.stderr, "configure never shows the token")
        api = ["--api-base", f"http://127.0.0.1:{server.port}"]
        r = run_starling(starling, ["rules", "list"] + api, env=env)
        check(r.returncode == 0 and "#kpop" in r.stdout and "1377649934414049283" in r.stdout,
              f"rules list prints the rules: {r.stdout}{r.stderr}")
        r = run_starling(starling, ["rules", "add", "#nasa has:images", "--tag", "space",
                                    "--dry-run", "--json"] + api, env=env)
        check(r.returncode == 0 and json.loads(r.stdout)["meta"]["summary"]["created"] == 1,
              f"rules add --dry-run --json prints the API's answer: {r.stdout}{r.stderr}")
        r = run_starling(starling, ["rules", "add", "#kpop"] + api, env=env)
        check(r.returncode == 1 and "DuplicateRule" in r.stderr,
              f"a rule the API refuses is an error: {r.returncode} {r.stderr}")
        rules_file = os.path.join(work, "rules.yaml")
        with open(rules_file, "w", encoding="utf-8") as f:
            f.write("- value: '#kpop'\n  tag: kpop\n- value: '#nasa has:images'\n  tag: space\n")
        r = run_starling(starling, ["rules", "sync", rules_file, "--json"] + api, env=env)
        check(r.returncode == 0, f"rules sync: {r.stderr}")
        plan = json.loads(r.stdout)
        check(plan["delete"] == ["1377649934414049283"] and
              plan["add"] == [{"value": "#nasa has:images", "tag": "space"}],
              f"rules sync deletes what the file lacks and adds what is new: {plan}")
        reqs = server.requests()
        check([q["method"] for q in reqs] == ["GET", "POST", "POST", "GET", "POST", "POST"],
              f"the requests: {[q['method'] for q in reqs]}")
        check(reqs[1]["query"] == "dry_run=true" and reqs[2]["query"] == "",
              "--dry-run asks with dry_run=true, and only then")
        check(json.loads(reqs[1]["body"]) == {"add": [{"value": "#nasa has:images",
                                                       "tag": "space"}]}, "the add body")
        check(json.loads(reqs[4]["body"]) == {"delete": {"ids": ["1377649934414049283"]}},
              "the delete body")
        check(all(q["headers"]["authorization"] == "ok" for q in reqs), "the token is sent")
        # A credentials file that others can read is refused, not read.
        os.chmod(path, 0o644)
        r = run_starling(starling, ["rules", "list"] + api, env=env)
        check(r.returncode != 0 and "chmod 600" in r.stderr and TOKEN not in r.stderr,
              f"a readable credentials file is refused: {r.stderr}")
        check(len(server.requests()) == 6, "and nothing is sent")
    print("rules list/add/delete/sync with --dry-run and --json; configure's 0600 file")


def main():
    starling, data, work = sys.argv[1], sys.argv[2], sys.argv[3]
    os.makedirs(work, exist_ok=True)
    scenario_faults(starling, data, work)
    scenario_refused(starling, data, work)
    scenario_search(starling, data, work)
    scenario_rules_and_configure(starling, data, work)
    print("x_api_test: all scenarios passed")


if __name__ == "__main__":
    main()
