#!/usr/bin/env bash
# End-to-end tests of the `starling` binary on real recorded data: real files,
# a real SQLite database (checked with the sqlite3 CLI), a real TCP socket.
# Usage: cli_test.sh STARLING_BINARY SHARED_DATA_DIR
set -uo pipefail
bin=$(realpath -m "$1")  # absolute: the checks run in a temporary directory
data=$(realpath -m "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)  # the source tree (docs/)
work=$(mktemp -d)
trap 'rm -rf "$work"; [ -n "${server_pid:-}" ] && kill "$server_pid" 2>/dev/null' EXIT
cd "$work"
pass=0; fail=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@" >"$work/last.out" 2>"$work/last.err"; then pass=$((pass + 1)); echo "ok   $name"
  else fail=$((fail + 1)); echo "FAIL $name"; sed 's/^/    /' "$work/last.out" "$work/last.err" | head -20; fi
}
eq() { [ "$1" = "$2" ] || { echo "expected '$2', got '$1'"; return 1; }; }
export -f eq
[ -d "$data/twarc-csv" ] || { echo "FAIL shared data not found at $data"; echo "0 passed, 1 failed"; exit 1; }

# --help is useful and names every subcommand and spec
check "help lists subcommands" bash -c "'$bin' --help | grep -q normalize && '$bin' --help | grep -q 'tcp://HOST:PORT' && '$bin' --help | grep -q demo"
check "collect --help shows sinks" bash -c "'$bin' collect --help | grep -q 'sqlite:PATH'"
check "docs/specs.md and README's spec tables are what the registries say" \
  bash "$root/scripts/update-spec-docs.sh" --check "$bin"
check "specs lists every source and sink kind" bash -c "
  out=\$('$bin' specs); for s in 'file:PATH' 'tcp://HOST:PORT' 'replay:PATH' 'generate:' 'jsonl:PATH' 'csv:PATH' 'sqlite:PATH'; do
    echo \"\$out\" | grep -qF \"\$s\" || { echo \"missing \$s\"; exit 1; }; done"
check "unknown subcommand is a usage error" bash -c "'$bin' frobnicate 2>/dev/null; [ \$? -eq 2 ]"

# normalize: 7 tweets and exactly one dead letter from the truncated file
check "normalize streaming_output_with_error" bash -c "
  '$bin' normalize '$data/twarc-csv/streaming_output_with_error.jsonl' > n.jsonl 2> n.err
  [ \$(wc -l < n.jsonl) -eq 7 ] && [ \$(wc -l < starling-dead-letters.jsonl) -eq 1 ] &&
  grep -q '1 dead letters' n.err && grep -q '\"bytes\":\"{\\\\\"data\\\\\": {\\\\\"author_id\\\\\": \\\\\"1021159080151404544\\\\\"\"' starling-dead-letters.jsonl"
check "normalize output is the starling format" bash -c "head -n1 n.jsonl | grep -q '\"handle\":\"blackheart_265\"' && head -n1 n.jsonl | grep -q '\"source_format\":\"x-v2\"'"
check "normalize reads its own output back" bash -c "
  '$bin' -q normalize n.jsonl > n2.jsonl && cmp n.jsonl n2.jsonl"
check "normalize a pretty-printed v1.1 document" bash -c "[ \$('$bin' -q normalize '$data/simdjson/twitter.json' | wc -l) -eq 100 ]"
check "normalize stdin, gzip and zstd" bash -c "
  gzip -c '$data/twarc-csv/kpop.jsonl' > k.gz && zstd -q -c '$data/twarc-csv/brexit.jsonl' > b.zst &&
  [ \$( (printf '{broken\\n{\"data\": {\"id\": \"5\"}}\\n'; cat '$data/twarc-csv/tweets_compliance.jsonl' '$data/twarc-csv/two_tweets.jsonl') | '$bin' -q normalize --dead-letter dl.jsonl - k.gz b.zst | wc -l) -eq 201 ] &&
  [ \$(wc -l < dl.jsonl) -eq 2 ]"
check "normalize --include-referenced" bash -c "[ \$('$bin' -q normalize --include-referenced '$data/twarc-csv/two_tweets.jsonl' | wc -l) -eq 2 ]"
check "normalize --text gives entity arrays" bash -c "
  printf 'Hello #World and @jack see https://example.com \$TWTR\n#one #two\n' | '$bin' normalize --text > t.jsonl &&
  eq \"\$(sed -n 1p t.jsonl)\" '{\"hashtags\":[\"World\"],\"mentions\":[\"jack\"],\"urls\":[\"https://example.com\"],\"cashtags\":[\"TWTR\"]}' &&
  eq \"\$(sed -n 2p t.jsonl)\" '{\"hashtags\":[\"one\",\"two\"],\"mentions\":[],\"urls\":[],\"cashtags\":[]}'"

# collect into SQLite: upsert, so a re-run does not duplicate
check "collect to sqlite and re-run without duplicates" bash -c "
  '$bin' -q collect --source '$data/twarc-csv/kpop.jsonl' --sink sqlite:k.db &&
  '$bin' -q collect --source '$data/twarc-csv/kpop.jsonl' --sink sqlite:k.db &&
  eq \$(sqlite3 k.db 'SELECT COUNT(*) FROM posts') 100 &&
  eq \$(sqlite3 k.db 'SELECT COUNT(*) FROM hashtags') 496 &&
  eq \$(sqlite3 k.db 'PRAGMA journal_mode') wal"
check "collect to csv and jsonl at once, with --limit" bash -c "
  '$bin' -q collect -s '$data/tweet_parser/original_format_examples.json' -o csv:o.csv -o jsonl:o.jsonl -n 20 &&
  [ \$(wc -l < o.jsonl) -eq 20 ] && head -n1 o.csv | grep -q 'author.username'"
check "convert csv -> sqlite -> jsonl keeps every post" bash -c "
  '$bin' -q convert o.csv c.db && eq \$(sqlite3 c.db 'SELECT COUNT(*) FROM posts') 20 &&
  '$bin' -q convert c.db c.jsonl && [ \$(wc -l < c.jsonl) -eq 20 ]"
check "convert jsonl (raw provider) -> csv" bash -c "
  '$bin' -q convert '$data/twarc-csv/streaming_output.jsonl' s.csv && grep -q 'blackheart_265' s.csv"

# generator and TCP
check "generate is reproducible" bash -c "
  '$bin' generate --count 300 --no-pace --seed 5 --start 2021-04-01T00:00:00Z > g1 &&
  '$bin' generate --count 300 --no-pace --seed 5 --start 2021-04-01T00:00:00Z > g2 && cmp g1 g2 &&
  [ \$('$bin' -q normalize g1 | wc -l) -eq 300 ]"
check "a file then the generator in one normalize" bash -c "
  [ \$('$bin' -q normalize '$data/twarc-csv/two_tweets.jsonl' 'generate:?count=3&pace=0' | wc -l) -eq 4 ]"
check "generate --start takes an offset" bash -c "
  '$bin' generate --count 1 --no-pace --start 2021-04-01T17:00:00+02:00 | grep -q '\"created_at\":\"2021-04-01T15:00:00'"
check "convert types stores by extension whatever the case" bash -c "
  '$bin' -q convert o.csv UP.CSV && '$bin' -q convert UP.CSV up.db && eq \$(sqlite3 up.db 'SELECT COUNT(*) FROM posts') 20"
check "collect from a tcp socket" bash -c "
  python3 -c '
import socket,sys
s=socket.socket(); s.bind((\"127.0.0.1\",0)); s.listen(1); print(s.getsockname()[1], flush=True)
c,_=s.accept(); c.sendall(open(sys.argv[1],\"rb\").read()); c.close()' '$data/twarc-csv/streaming_output.jsonl' > port.txt &
  for i in \$(seq 50); do [ -s port.txt ] && break; sleep 0.1; done
  '$bin' -q collect --source tcp://127.0.0.1:\$(cat port.txt) --sink jsonl:tcp.jsonl && [ \$(wc -l < tcp.jsonl) -eq 8 ]"
check "collect --duration from the generator" bash -c "
  '$bin' -q collect --source 'generate:?rate=500' --sink sqlite:gen.db --duration 1s &&
  n=\$(sqlite3 gen.db 'SELECT COUNT(*) FROM posts') && [ \$n -gt 200 ] && [ \$n -lt 1000 ]"
check "bad source spec is a clear usage error" bash -c "
  '$bin' collect --source nosuch:x --sink - 2> e.txt; [ \$? -eq 2 ] && grep -q 'unknown source' e.txt &&
  '$bin' collect --source kafka:x --sink - 2> e.txt; [ \$? -eq 2 ] && grep -q 'kafka://HOST:PORT' e.txt"
check "missing file is a clear error" bash -c "
  '$bin' normalize /no/such.jsonl 2> e.txt; [ \$? -eq 1 ] && grep -q 'no such file' e.txt"
check "convert refuses to overwrite its input" bash -c "
  cp '$data/twarc-csv/two_tweets.jsonl' same.jsonl && '$bin' convert same.jsonl same.jsonl 2> e.txt; [ \$? -eq 2 ] &&
  grep -q 'input file itself' e.txt && cmp same.jsonl '$data/twarc-csv/two_tweets.jsonl'"
check "collect from stdin stops at --duration even when idle" bash -c "
  (head -n 1 '$data/twarc-csv/streaming_output.jsonl'; sleep 5) | timeout 4 '$bin' -q collect -s - -o jsonl:idle.jsonl -d 1s &&
  [ \$(wc -l < idle.jsonl) -eq 1 ]"
check "Ctrl-C on an idle stream stops cleanly and keeps what was read" bash -c "
  mkfifo ctl.fifo; timeout 15 bash -c 'exec > ctl.fifo; head -n 2 \"\$0\"; sleep 6' '$data/twarc-csv/streaming_output.jsonl' &
  '$bin' -q collect -s ctl.fifo -o sqlite:ctl.db & pid=\$!
  sleep 1; kill -INT \$pid; for i in \$(seq 30); do kill -0 \$pid 2>/dev/null || break; sleep 0.1; done
  ! kill -0 \$pid 2>/dev/null; wait \$pid; rc=\$?
  # Stopped before its input ended: exit 130 (128 + SIGINT), what it read kept.
  [ \$rc -eq 130 ] && [ \$(sqlite3 ctl.db 'SELECT COUNT(*) FROM posts') -eq 2 ]"
check "convert refuses to write the store it reads (csv:, sqlite:, URL forms)" bash -c "
  '$bin' -q convert '$data/twarc-csv/two_tweets.jsonl' own.csv && cp own.csv own0.csv &&
  { '$bin' convert csv:own.csv own.csv 2> e.txt; [ \$? -eq 2 ]; } && grep -q 'input file itself' e.txt && cmp own.csv own0.csv &&
  { '$bin' convert own.csv csv:///\$PWD/own.csv 2> e.txt; [ \$? -eq 2 ]; } && cmp own.csv own0.csv &&
  { '$bin' convert own.csv csv://host/own.csv 2> e.txt; [ \$? -eq 2 ]; } && grep -q 'takes a path' e.txt"
check "--max-record-size takes sizes as specs do (1M, 512K), and refuses others" bash -c "
  f='$data/twarc-csv/streaming_output.jsonl'
  [ \$('$bin' -q normalize --max-record-size 1M \$f | wc -l) -eq \$('$bin' -q normalize \$f | wc -l) ] &&
  [ \$('$bin' -q normalize --max-record-size 512 --dead-letter big.dl \$f | wc -l) -eq 0 ] && [ -s big.dl ] &&
  { '$bin' normalize --max-record-size 1X - < /dev/null 2> e.txt; [ \$? -eq 2 ]; } && grep -q 'must be a size' e.txt"
over_limit_line() (
  # A 100 MB line with --max-record-size 1M: cut while read, in bounded memory
  # (it used to be held whole: 7x its size), its first bytes kept as a dead
  # letter with its whole size and position.
  python3 -c "
import sys
two = open(sys.argv[1]).read().splitlines()[0]
with open('huge.jsonl', 'w') as f:
    f.write(two + '\\n' + '{\"data\":{\"id\":\"1\",\"text\":\"' + 'a' * (100 << 20) + '\"}}\\n' + two + '\\n')
" "$data/twarc-csv/two_tweets.jsonl" || return 1
  for cmd in normalize top; do
    rm -f huge.dl
    python3 -c "
import resource, subprocess, sys
r = subprocess.run(sys.argv[1:], stdout=subprocess.DEVNULL)
rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024
print(sys.argv[2], 'max RSS', rss, 'MB')
sys.exit(r.returncode or (rss > 200))
" "$bin" -q "$cmd" --max-record-size 1M --dead-letter huge.dl huge.jsonl || return 1
    [ "$(wc -l < huge.dl)" -eq 1 ] && [ "$(wc -c < huge.dl)" -lt $((2 << 20)) ] &&
      grep -q '"line":2,"offset":3101' huge.dl && grep -q 'record of 104857629 bytes, longer than the limit.*cut there while read' huge.dl ||
      { head -c 300 huge.dl; return 1; }
  done
  rm -f huge.jsonl
)
check "a record over --max-record-size is cut while read, in bounded memory" over_limit_line
check "log-format json" bash -c "
  '$bin' --log-format json normalize /no/such.jsonl 2>&1 | grep -q '\"level\":\"error\"'"
check "demo writes a database and says where" bash -c "
  '$bin' demo --no-serve --duration 2s --db d.db > demo.out 2>&1 && grep -q 'd.db' demo.out &&
  ! grep -q 'dashboard:' demo.out &&
  [ \$(sqlite3 d-posts.db 'SELECT COUNT(*) FROM posts') -gt 100 ]"

# ---------------------------------------------------------------------------
# The engine commands: top, sentiment, run, demo. Expected values come from
# an independent implementation (python3 over the same files) or from the
# VADER reference, never from starling itself.
cat > e2e.py <<'PYEOF'
# Independent counts over X data for cli_test.sh (plain json, no starling code).
import collections, datetime, json, sys

def docs(path):
    text = open(path, encoding='utf-8', errors='replace').read()
    try:
        return [json.loads(text)]
    except ValueError:
        out = []
        for line in text.splitlines():
            try:
                out.append(json.loads(line))
            except ValueError:
                pass  # blank or broken lines (starling's dead letters)
        return out

def posts(path):
    """(version, post, users) of every top-level post: X v2 pages and lines, v1.1 search pages."""
    for d in docs(path):
        users = {u['id']: u['username'] for u in d.get('includes', {}).get('users', [])}
        if isinstance(d.get('data'), list):
            yield from (('v2', p, users) for p in d['data'])
        elif isinstance(d.get('data'), dict):
            yield ('v2', d['data'], users)
        elif isinstance(d.get('statuses'), list):
            yield from (('v1', p, users) for p in d['statuses'])

def keys(v, p, users, by):
    e = p.get('entities') or {}
    if by == 'hashtag':
        ks = [(h['tag'] if v == 'v2' else h['text']).lower() for h in e.get('hashtags', [])]
    elif by == 'mention':
        ks = [(m['username'] if v == 'v2' else m['screen_name']).lower()
              for m in e.get('mentions' if v == 'v2' else 'user_mentions', [])]
    elif by == 'lang':
        ks = [p.get('lang') or 'und']
    elif by == 'author':
        ks = [(users.get(p['author_id'], p['author_id']) if v == 'v2' else p['user']['screen_name']).lower()]
    elif by == 'all':
        ks = ['*']
    else:
        raise SystemExit('unknown by ' + by)
    return set(ks)  # docs/pipelines.md: a post counts once per distinct key

def epoch_ms(ts):  # 2021-04-01T00:00:00.023Z
    d = datetime.datetime.strptime(ts, '%Y-%m-%dT%H:%M:%S.%fZ').replace(tzinfo=datetime.timezone.utc)
    return int(round(d.timestamp() * 1000))

def fmt(ms):
    d = datetime.datetime.fromtimestamp(ms / 1000, datetime.timezone.utc)
    return d.strftime('%Y-%m-%dT%H:%M:%S.') + '%03dZ' % (ms % 1000)

def windows_of(ms, size, slide):  # epoch-aligned, like the engine's
    start = ms // (slide * 1000) * slide * 1000
    while start + size * 1000 > ms:
        yield start
        start -= slide * 1000

def ranked(counter):
    return sorted(counter.items(), key=lambda kv: (-kv[1], kv[0]))

cmd = sys.argv[1]
if cmd == 'top':  # top FILE BY: key<TAB>count, highest first, ties by key
    c = collections.Counter()
    for v, p, u in posts(sys.argv[2]):
        c.update(keys(v, p, u, sys.argv[3]))
    for k, n in ranked(c):
        print(f'{k}\t{n}')
elif cmd == 'win':  # win FILE BY SIZE_S SLIDE_S K: start<TAB>key<TAB>count, top K per window
    by, size, slide, k = sys.argv[3], int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6])
    per = collections.defaultdict(collections.Counter)
    for v, p, u in posts(sys.argv[2]):
        for w in windows_of(epoch_ms(p['created_at']), size, slide):
            per[w].update(keys(v, p, u, by))
    for w in sorted(per):
        for key, n in ranked(per[w])[:k or None]:
            print(f'{fmt(w)}\t{key}\t{n}')
elif cmd == 'distinct':  # distinct FILE SIZE_S: start<TAB>distinct authors
    per = collections.defaultdict(set)
    for v, p, u in posts(sys.argv[2]):
        for w in windows_of(epoch_ms(p['created_at']), int(sys.argv[3]), int(sys.argv[3])):
            per[w] |= keys(v, p, u, 'author')
    for w in sorted(per):
        print(f'{fmt(w)}\t{len(per[w])}')
elif cmd == 'sessions':  # sessions FILE GAP_S: author<TAB>start<TAB>end<TAB>posts
    times = collections.defaultdict(list)
    for v, p, u in posts(sys.argv[2]):
        for a in keys(v, p, u, 'author'):
            times[a].append(epoch_ms(p['created_at']))
    gap = int(sys.argv[3]) * 1000
    rows = []
    for a, ts in times.items():
        ts.sort()
        start, last, n = ts[0], ts[0], 1
        for t in ts[1:]:
            if t < last + gap:
                last, n = t, n + 1
            else:
                rows.append((a, start, last + gap, n))
                start, last, n = t, t, 1
        rows.append((a, start, last + gap, n))
    for a, s, e, n in sorted(rows):
        print(f'{a}\t{fmt(s)}\t{fmt(e)}\t{n}')
elif cmd == 'sentiment':  # sentiment FILE SENTIMENT_JSONL DB_TSV: per-minute '*' rows agree
    score = {}
    for line in open(sys.argv[3]):
        o = json.loads(line)
        score[o['id']] = o['sentiment']['compound']
    per = collections.defaultdict(list)
    for v, p, u in posts(sys.argv[2]):
        per[fmt(epoch_ms(p['created_at']) // 60000 * 60000)].append(score[p['id']])
    got = {}
    for line in open(sys.argv[4]):
        w, n, mean, pos, neu, neg = line.rstrip('\n').split('\t')
        got[w] = (int(n), float(mean), int(pos), int(neu), int(neg))
    bad = 0
    if sorted(got) != sorted(per):
        print('windows differ:', sorted(got), sorted(per)); bad = 1
    for w, cs in per.items():
        if w not in got:
            continue
        n, mean, pos, neu, neg = got[w]
        want_mean = sum(cs) / len(cs)
        want = (len(cs), sum(c >= 0.05 for c in cs), sum(-0.05 < c < 0.05 for c in cs), sum(c <= -0.05 for c in cs))
        # the per-post compounds are rounded to 4 decimals, the engine's are not
        if (n, pos, neu, neg) != want or abs(mean - want_mean) > 1e-4:
            print(w, 'engine', got[w], 'expected', want, want_mean); bad = 1
    sys.exit(bad)
else:
    raise SystemExit('unknown command ' + cmd)
PYEOF
tsv() { LC_ALL=C sqlite3 -separator "$(printf '\t')" "$@"; }
# Every results table of a database, as sorted SELECT * (REALs in full precision).
dump_results() {
  local t
  for t in $(sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name"); do
    echo "== $t"; sqlite3 -cmd '.mode quote' "$1" "SELECT * FROM $t" | LC_ALL=C sort
  done
}
export -f tsv dump_results
kpop=$data/twarc-csv/kpop.jsonl brexit=$data/twarc-csv/brexit.jsonl v11=$data/simdjson/twitter.json
stream=$data/twarc-csv/streaming_output.jsonl
# Each check below is a function run in a subshell; `&&` chains, so any failing step fails it.

# --- top: the whole input, against the independent count
top_hashtags() (
  for f in "$kpop" "$brexit" "$v11" "$stream"; do
    python3 e2e.py top "$f" hashtag > want.tsv && "$bin" -q top --format tsv -k 100000 "$f" > got.tsv &&
      [ "$(wc -l < want.tsv)" -gt 0 ] && diff want.tsv got.tsv || { echo "differs for $f"; return 1; }
  done
)
check "top --format tsv equals an independent count (v2 pages, v2 lines, v1.1)" top_hashtags
top_semantics() (
  # kpop.jsonl: 19 posts carry #잇츠라이브 twice (34 tags): a post counts once per key.
  # Three tags tie at 14 and come in key order.
  "$bin" -q top --format tsv -k 100000 "$kpop" > got.tsv &&
    grep -qx "$(printf '잇츠라이브\t19')" got.tsv &&
    eq "$(awk -F '\t' '$2 == 14 {printf "%s ", $1}' got.tsv)" "choeaedol jisoo rosé "
)
check "top counts a post once per distinct hashtag, ties by key" top_semantics
top_k() (
  python3 e2e.py top "$kpop" hashtag > want.tsv &&
    eq "$("$bin" -q top --format tsv "$kpop")" "$(head -n 10 want.tsv)" &&
    eq "$("$bin" -q top --format tsv -k 3 "$kpop")" "$(head -n 3 want.tsv)" &&
    eq "$("$bin" -q top --format tsv -k 1 "$kpop")" "$(printf 'kpop\t94')"
)
check "top -k and its default of 10" top_k
top_by() (
  for by in mention lang author; do
    for f in "$kpop" "$brexit" "$v11"; do
      python3 e2e.py top "$f" $by > want.tsv && "$bin" -q top --by $by --format tsv -k 100000 "$f" > got.tsv &&
        [ "$(wc -l < want.tsv)" -gt 1 ] && diff want.tsv got.tsv || { echo "differs: --by $by $f"; return 1; }
    done
  done
)
check "top --by mention, lang and author equal an independent count" top_by
top_approx() (
  "$bin" -q top --approximate --format tsv -k 50 "$brexit" > a.tsv && "$bin" -q top --format tsv -k 50 "$brexit" > e.tsv &&
    [ "$(wc -l < e.tsv)" -eq 50 ] && cmp a.tsv e.tsv
)
check "top --approximate is exact while the counters suffice" top_approx
top_json() (
  "$bin" -q top --format json -k 5 "$kpop" > top.json && python3 e2e.py top "$kpop" hashtag > all.tsv &&
    head -n 5 all.tsv > want.tsv &&
    python3 - <<'PY'
import json
lines = open('top.json').read().splitlines()
assert len(lines) == 1, lines
r = json.loads(lines[0])
assert r['final'] is True and r['window_start'] is None and r['window_end'] is None, r
assert r['total'] == 480, r['total']  # distinct (post, hashtag) pairs in kpop.jsonl
got = [(row['rank'], row['key'], row['count']) for row in r['rows']]
want = [(i + 1, l.split('\t')[0], int(l.split('\t')[1])) for i, l in enumerate(open('want.tsv').read().splitlines())]
assert got == want, (got, want)
PY
)
check "top --format json parses and agrees with the independent count" top_json
top_table() (
  "$bin" -q top -k 3 "$kpop" > t.txt && grep -q '^ *1  kpop  *94$' t.txt && grep -q '(480 hashtags counted)' t.txt
)
check "top table output" top_table
top_window() (
  "$bin" generate --count 3000 --rate 20 --no-pace --seed 3 --start 2021-04-01T00:00:00Z > gw.jsonl &&
    python3 e2e.py win gw.jsonl hashtag 60 60 0 > want.tsv && "$bin" -q top --window 1m --format tsv -k 100000 gw.jsonl > got.tsv &&
    [ "$(cut -f1 want.tsv | sort -u | wc -l)" -ge 3 ] && diff want.tsv got.tsv &&
    python3 e2e.py win gw.jsonl mention 60 60 2 > want.tsv && "$bin" -q top --by mention --window 1m --format tsv -k 2 gw.jsonl > got.tsv &&
    diff want.tsv got.tsv &&
    "$bin" -q top --window 1m --format json -k 3 gw.jsonl > w.json &&
    python3 - <<'PY'
import json
rs = [json.loads(l) for l in open('w.json')]
starts = [r['window_start'] for r in rs]
assert len(rs) >= 3 and starts == sorted(set(starts)), starts
assert all(r['final'] and len(r['rows']) == 3 for r in rs)
assert starts[0] == '2021-04-01T00:00:00.000Z' and rs[0]['window_end'] == '2021-04-01T00:01:00.000Z'
PY
    "$bin" -q top --window 1m -k 2 gw.jsonl > t.txt && grep -q '^2021-04-01T00:01:00.000Z .. 2021-04-01T00:02:00.000Z$' t.txt
)
check "top --window 1m prints each window (tsv, json, table)" top_window
top_stdin() (
  "$bin" -q top --format tsv -k 20 "$kpop" > want.tsv &&
    "$bin" -q top --format tsv -k 20 < "$kpop" > got1.tsv && cmp want.tsv got1.tsv &&
    cat "$kpop" | "$bin" -q top --format tsv -k 20 - > got2.tsv && cmp want.tsv got2.tsv
)
check "top reads stdin" top_stdin
top_parallel_scan() (
  # A plain file is read in parallel blocks; stdin sequentially: same counts,
  # same dead letters (bytes, line, offset), with bad lines in the middle.
  python3 - "$data/twarc-csv" > mixed.jsonl <<'PY'
import json, sys
# The search pages' tweets as stream lines (one tweet each), six times over
# (several MiB: several blocks), a cut line after every 40th.
n = 0
for _ in range(6):
    for name in ("kpop.jsonl", "brexit.jsonl", "cashtags.jsonl"):
        for page in open(f"{sys.argv[1]}/{name}", encoding="utf-8"):
            for tweet in json.loads(page)["data"]:
                sys.stdout.write(json.dumps({"data": tweet}) + "\n")
                n += 1
                if n % 40 == 0:
                    sys.stdout.write('{"data": {"id": "cut' + str(n) + '\n')
PY
  "$bin" -q top --format tsv -k 1000 -w 2 --dead-letter file-dl.jsonl mixed.jsonl > file.tsv &&
    "$bin" -q top --format tsv -k 1000 -w 2 --dead-letter stdin-dl.jsonl - < mixed.jsonl > stdin.tsv &&
    cmp file.tsv stdin.tsv && [ "$(wc -l < file.tsv)" -gt 100 ] && [ "$(wc -c < mixed.jsonl)" -gt 2000000 ] &&
    python3 - <<'PY'
import json
def rows(path):
    return [(d["line"], d["offset"], d["bytes"], d["reason"]) for d in map(json.loads, open(path))]
a, b = rows("file-dl.jsonl"), rows("stdin-dl.jsonl")
assert len(a) >= 5 and a == b, (len(a), len(b), a[:2], b[:2])
lines = open("mixed.jsonl", encoding="utf-8").read().split("\n")
for line, offset, raw, reason in a:
    assert lines[line - 1] == raw, (line, raw[:40])
PY
)
check "top reads a plain file in parallel blocks: same counts and dead letters as stdin" top_parallel_scan
top_errors() (
  "$bin" top --format tsv /no/such.jsonl > out.txt 2> e.txt; [ $? -eq 1 ] && grep -q 'no such file: /no/such.jsonl' e.txt &&
    [ ! -s out.txt ] || return 1
  "$bin" top --by colour "$kpop" 2> e.txt; [ $? -eq 2 ] && grep -q "unknown dimension 'colour'" e.txt || return 1
  "$bin" top -k 0 "$kpop" 2> e.txt; [ $? -eq 2 ] || return 1
  # -k -1 wrapped to 2^64-1 and was taken
  "$bin" top -k -1 "$kpop" > out.txt 2> e.txt; [ $? -eq 2 ] && grep -q -- '-k' e.txt && [ ! -s out.txt ] || return 1
  "$bin" top --window 1x "$kpop" 2> e.txt; [ $? -eq 2 ] || return 1
  # 3.6 million windows per post: refused, with the bound
  "$bin" top --window 'sliding 1h 1ms' "$kpop" > out.txt 2> e.txt; [ $? -eq 2 ] && [ ! -s out.txt ] &&
    grep -q "window 'sliding 1h 1ms': 3600000 windows per post (size / slide); at most 1000" e.txt || { cat e.txt; return 1; }
  # no join, so no labels
  "$bin" top --by label:team "$kpop" 2> e.txt; [ $? -eq 2 ] && grep -q 'label:team: labels come from a join' e.txt || { cat e.txt; return 1; }
  "$bin" top --format xml "$kpop" 2> /dev/null; [ $? -eq 2 ]
)
check "top: missing file exits 1, bad --by / -k / --window / --format exit 2" top_errors

# --- sentiment: VADER's own examples (vaderSentiment README, shared/data/vader)
sentiment_text() (
  printf '%s\n' \
    'VADER is smart, handsome, and funny.' \
    'VADER is VERY SMART, uber handsome, and FRIGGIN FUNNY!!!' \
    'VADER is not smart, handsome, nor funny.' \
    'The book was good.' \
    "At least it isn't a horrible book." \
    'The plot was good, but the characters are uncompelling and the dialog is not great.' \
    'Today SUX!' \
    "Today only kinda sux! But I'll get by, lol" \
    'Make sure you :) or :D today!' \
    'Not bad at all' \
    '' | "$bin" sentiment --text > s.jsonl &&
  # "At least it isn't a horrible book.": the README shows pos 0.363 / neu 0.637,
  # printed by VADER < 3.3, which dropped one-letter words ("a"); vaderSentiment
  # 3.3.2 keeps them: pos = (1.85 + 1) / (1.85 + 1 + 6 neutral words) = 0.322.
  diff - s.jsonl <<'EOF'
{"line":1,"sentiment":{"compound":0.8316,"pos":0.746,"neu":0.254,"neg":0.0}}
{"line":2,"sentiment":{"compound":0.9469,"pos":0.706,"neu":0.294,"neg":0.0}}
{"line":3,"sentiment":{"compound":-0.7424,"pos":0.0,"neu":0.354,"neg":0.646}}
{"line":4,"sentiment":{"compound":0.4404,"pos":0.492,"neu":0.508,"neg":0.0}}
{"line":5,"sentiment":{"compound":0.431,"pos":0.322,"neu":0.678,"neg":0.0}}
{"line":6,"sentiment":{"compound":-0.7042,"pos":0.094,"neu":0.579,"neg":0.327}}
{"line":7,"sentiment":{"compound":-0.5461,"pos":0.0,"neu":0.221,"neg":0.779}}
{"line":8,"sentiment":{"compound":0.5249,"pos":0.317,"neu":0.556,"neg":0.127}}
{"line":9,"sentiment":{"compound":0.8633,"pos":0.706,"neu":0.294,"neg":0.0}}
{"line":10,"sentiment":{"compound":0.431,"pos":0.487,"neu":0.513,"neg":0.0}}
{"line":11,"sentiment":{"compound":0.0,"pos":0.0,"neu":0.0,"neg":0.0}}
EOF
)
check "sentiment --text gives VADER's numbers" sentiment_text
sentiment_file() (
  for f in "$kpop" "$brexit" "$v11" "$stream"; do
    "$bin" -q sentiment "$f" > s.jsonl && "$bin" -q normalize "$f" > n.jsonl &&
      [ "$(wc -l < s.jsonl)" -eq "$(wc -l < n.jsonl)" ] && [ "$(wc -l < s.jsonl)" -gt 0 ] &&
      python3 - <<'PY' || { echo "bad output for $f"; return 1; }
import json
ids = [json.loads(l)['id'] for l in open('n.jsonl')]
out = [json.loads(l) for l in open('s.jsonl')]
assert [o['id'] for o in out] == ids
for o in out:
    assert sorted(o) == ['id', 'sentiment'], o
    s = o['sentiment']
    assert sorted(s) == ['compound', 'neg', 'neu', 'pos'] and -1 <= s['compound'] <= 1, o
    assert abs(s['pos'] + s['neu'] + s['neg'] - 1) < 0.002 or s['pos'] + s['neu'] + s['neg'] == 0, o
PY
  done
)
check "sentiment FILE: one object with id and sentiment per post" sentiment_file
sentiment_same_text() (
  # A post's score is the score of its text: one-line texts through --text agree.
  "$bin" -q sentiment "$brexit" > s.jsonl && "$bin" -q normalize "$brexit" > n.jsonl &&
    python3 - <<'PY' && "$bin" -q sentiment --text < texts.txt > t.jsonl && python3 - <<'PY2'
import json
posts = [json.loads(l) for l in open('n.jsonl')]
one = [p for p in posts if '\n' not in p['text'] and '\r' not in p['text']]
assert len(one) > 20, len(one)
open('texts.txt', 'w').write(''.join(p['text'] + '\n' for p in one))
open('ids.txt', 'w').write(''.join(p['id'] + '\n' for p in one))
PY
import json
by_id = {o['id']: o['sentiment'] for o in map(json.loads, open('s.jsonl'))}
ids = open('ids.txt').read().split()
texts = [json.loads(l)['sentiment'] for l in open('t.jsonl')]
assert len(ids) == len(texts)
assert [by_id[i] for i in ids] == texts
PY2
)
check "sentiment of a post equals sentiment --text of its text" sentiment_same_text
sentiment_dead() (
  (printf '{"data": {"id": "9", "text": "good"\n'; cat "$data/twarc-csv/two_tweets.jsonl") |
    "$bin" sentiment --dead-letter sdl.jsonl - > s.jsonl 2> e.txt &&
    [ "$(wc -l < s.jsonl)" -eq 1 ] && [ "$(wc -l < sdl.jsonl)" -eq 1 ] && grep -q '1 records could not be parsed' e.txt
)
check "sentiment keeps going past a broken record" sentiment_dead

# --- run: a pipeline file into SQLite
gen='generate:?rate=10&count=3000&pace=0&seed=3&start=2021-04-01T00:00:00Z'
cat > p.yaml <<EOF
# 3000 generated posts, about five minutes of event time
name: e2e
source: "$gen"
watermark: 5s
analyses:
  - {name: hashtags, type: top, by: hashtag, k: 10, window: 1m}
  - {name: langs, type: count, by: lang, window: 1m}
  - {name: kinds, type: count, by: kind, window: "sliding 2m 1m"}
  - {name: authors, type: distinct, of: author, window: 1m}
  - {name: mood, type: sentiment, by: hashtag, k: 5, window: 1m}
  - {name: bursts, type: bursts, by: hashtag, window: 10s, warmup: 2, min_count: 3}
  - {name: topics, type: clusters, k: 4, window: 5m}
  - {name: pairs, type: cooccurrence, k: 10, window: 1m}
  - {name: sessions, type: sessions, by: author, window: session 30s}
sinks:
  results: sqlite:r.db
EOF
run_tables() (
  "$bin" -q run --workers 2 p.yaml && "$bin" -q normalize "$gen" > gn.jsonl && [ "$(wc -l < gn.jsonl)" -eq 3000 ] &&
    "$bin" generate --count 3000 --rate 10 --no-pace --seed 3 --start 2021-04-01T00:00:00Z > g.jsonl &&
    "$bin" -q normalize g.jsonl | cmp - gn.jsonl || { echo "the generate: source and 'starling generate' differ"; return 1; }
  for t in trending counts distinct_counts sentiment bursts clusters cooccurrence sessions; do
    [ "$(sqlite3 r.db "SELECT COUNT(*) FROM $t WHERE pipeline='e2e'")" -gt 0 ] || { echo "table $t is empty"; return 1; }
  done
  # one window per minute with posts (sliding 2m: one more), 5-minute topics
  m=$(python3 e2e.py win g.jsonl all 60 60 0 | wc -l) && f=$(python3 e2e.py win g.jsonl all 300 300 0 | wc -l) &&
    [ "$m" -ge 5 ] && eq "$(sqlite3 r.db 'SELECT COUNT(*) FROM windows WHERE final = 0')" 0 &&
    eq "$(sqlite3 r.db "SELECT group_concat(analysis || ':' || n, ' ') FROM (SELECT analysis, COUNT(*) n FROM windows WHERE analysis NOT IN ('bursts', 'sessions') GROUP BY analysis ORDER BY analysis)")" \
      "authors:$m hashtags:$m kinds:$((m + 1)) langs:$m mood:$m pairs:$m topics:$f" &&
    # windows.rows is the number of rows each window has in its kind's table
    eq "$(sqlite3 r.db "SELECT COUNT(*) FROM windows w WHERE rows != (
          SELECT COUNT(*) FROM (SELECT pipeline, analysis, window_start, window_end FROM counts UNION ALL
            SELECT pipeline, analysis, window_start, window_end FROM trending UNION ALL
            SELECT pipeline, analysis, window_start, window_end FROM distinct_counts UNION ALL
            SELECT pipeline, analysis, window_start, window_end FROM sentiment UNION ALL
            SELECT pipeline, analysis, window_start, window_end FROM bursts UNION ALL
            SELECT pipeline, analysis, window_start, window_end FROM clusters UNION ALL
            SELECT pipeline, analysis, window_start, window_end FROM cooccurrence UNION ALL
            SELECT pipeline, analysis, window_start, window_end FROM sessions) x
          WHERE x.pipeline = w.pipeline AND x.analysis = w.analysis AND x.window_start = w.window_start
            AND x.window_end = w.window_end)")" 0
)
check "run: results land in every table, all windows final" run_tables
run_values() (
  python3 e2e.py win g.jsonl hashtag 60 60 10 > want.tsv &&
    tsv r.db "SELECT window_start, key, count FROM trending WHERE analysis='hashtags' ORDER BY window_start, rank" > got.tsv &&
    diff want.tsv got.tsv || { echo "trending hashtags"; return 1; }
  "$bin" -q top --window 1m --format tsv g.jsonl | diff want.tsv - || { echo "top --window disagrees with run"; return 1; }
  python3 e2e.py win g.jsonl lang 60 60 0 > want.tsv &&
    tsv r.db "SELECT window_start, key, count FROM counts WHERE analysis='langs' ORDER BY window_start, rank" > got.tsv &&
    diff want.tsv got.tsv || { echo "counts by lang"; return 1; }
  python3 e2e.py win g.jsonl all 120 60 0 | cut -f1,3 > want.tsv &&
    tsv r.db "SELECT window_start, SUM(count) FROM counts WHERE analysis='kinds' GROUP BY window_start ORDER BY window_start" > got.tsv &&
    diff want.tsv got.tsv || { echo "sliding counts by kind"; return 1; }
  python3 e2e.py sessions g.jsonl 30 > want.tsv &&
    tsv r.db "SELECT key, window_start, window_end, posts FROM sessions ORDER BY key, window_start" > got.tsv &&
    diff want.tsv got.tsv > sessions.diff || { echo "sessions"; head sessions.diff; return 1; }
  # HyperLogLog (precision 14): within 2% of the exact count
  python3 e2e.py distinct g.jsonl 60 > want.tsv &&
    tsv r.db "SELECT window_start, estimate, relative_error FROM distinct_counts WHERE analysis='authors' ORDER BY window_start" > got.tsv &&
    paste want.tsv got.tsv | awk -F '\t' '{ if ($1 != $3 || $4 < 0.98 * $2 || $4 > 1.02 * $2) { print "distinct", $0; bad = 1 } } END { exit bad }' || return 1
  "$bin" -q sentiment g.jsonl > gs.jsonl &&
    tsv r.db "SELECT window_start, posts, mean_compound, positive, neutral, negative FROM sentiment WHERE analysis='mood' AND key='*'" > got.tsv &&
    python3 e2e.py sentiment g.jsonl gs.jsonl got.tsv
)
check "run: window values equal independent counts (top, count, sliding, sessions, distinct, sentiment)" run_values
run_again() (
  dump_results r.db > r1.txt && "$bin" -q run --workers 2 p.yaml && dump_results r.db > r2.txt && cmp r1.txt r2.txt &&
    eq "$(sqlite3 r.db "SELECT COUNT(*) FROM (SELECT pipeline, analysis, window_start, window_end, key FROM trending GROUP BY 1,2,3,4,5 HAVING COUNT(*) > 1)")" 0
)
check "run: a second run over the same input does not duplicate rows" run_again
run_models() (
  dump_results r.db > ref.txt &&
    for args in "--mode record --workers 1" "--mode microbatch --workers 1" "--mode microbatch --workers 2" "--mode record --workers 3"; do
      rm -f m.db && "$bin" -q run p.yaml -o sqlite:m.db $args && dump_results m.db > m.txt &&
        cmp ref.txt m.txt || { echo "tables differ with $args"; diff ref.txt m.txt | head; return 1; }
    done
)
check "run: --mode microbatch and --workers 1/2/3 give identical tables" run_models
run_yaml_errors() (
  sed 's/k: 10, window: 1m}/k: 10, windw: 1m}/' p.yaml > bad.yaml && "$bin" run bad.yaml 2> e.txt; [ $? -eq 2 ] &&
    grep -q 'bad.yaml: analyses\[0\]: windw: unknown key' e.txt || { cat e.txt; return 1; }
  sed 's/type: top, by: hashtag, k: 10, window: 1m/type: top, by: hashtag, k: 10, window: 7q/' p.yaml > bad.yaml &&
    "$bin" run bad.yaml 2> e.txt; [ $? -eq 2 ] && grep -q "analyses\[0\]: window: .*'7q'" e.txt || { cat e.txt; return 1; }
  sed 's/window: "sliding 2m 1m"/window: "sliding 2m 45s"/' p.yaml > bad.yaml &&
    "$bin" run bad.yaml 2> e.txt; [ $? -eq 2 ] && grep -q 'analyses\[2\]: window: .*slide must divide' e.txt || { cat e.txt; return 1; }
  printf 'name: x\nsource: a.jsonl\nworkerz: 2\n' > bad.yaml && "$bin" run bad.yaml 2> e.txt; [ $? -eq 2 ] &&
    grep -q 'bad.yaml: workerz: unknown key' e.txt || { cat e.txt; return 1; }
  printf 'name: [x\n' > bad.yaml && "$bin" run bad.yaml 2> e.txt; [ $? -eq 2 ] && grep -q 'not valid YAML' e.txt || return 1
  # a key given twice, a second document, a label without a join
  sed 's/k: 10, window: 1m}/k: 10, window: 1m, window: 5m}/' p.yaml > bad.yaml && "$bin" run bad.yaml 2> e.txt; [ $? -eq 2 ] &&
    grep -q "bad.yaml: analyses\[0\]: key 'window' given twice (lines 6 and 6)" e.txt || { cat e.txt; return 1; }
  { cat p.yaml; printf -- '---\nname: other\n'; } > bad.yaml && "$bin" run bad.yaml 2> e.txt; [ $? -eq 2 ] &&
    grep -q "bad.yaml: line $(($(wc -l < p.yaml) + 2)): a second YAML document" e.txt || { cat e.txt; return 1; }
  sed 's/by: lang, window: 1m/by: "label:team", window: 1m/' p.yaml > bad.yaml && "$bin" run bad.yaml 2> e.txt; [ $? -eq 2 ] &&
    grep -q "bad.yaml: analyses\[1\]: analysis 'langs': by: label:team: labels come from a join" e.txt || { cat e.txt; return 1; }
  # aliases that expand past the bound (100,000 of 1 KiB)
  python3 -c "
print('name: x'); print('filter:'); print('  contains: [&a ' + 'x' * 1024 + ', ' + ', '.join(['*a'] * 100000) + ']')" > bad.yaml &&
    "$bin" run bad.yaml 2> e.txt; [ $? -eq 2 ] && grep -q 'MiB of text once its aliases are expanded' e.txt || { cat e.txt; return 1; }
  "$bin" run no-such.yaml 2> e.txt; [ $? -eq 1 ] && grep -q 'cannot open pipeline file no-such.yaml' e.txt
)
check "run: YAML errors exit 2 and name the key" run_yaml_errors
run_output_contract() (
  rm -rf oc && mkdir oc
  # A missing output folder is created.
  "$bin" -q run p.yaml -o jsonl:oc/new/dir/r.jsonl || { echo "missing folder"; return 1; }
  [ -s oc/new/dir/r.jsonl ] || return 1
  # A rerun into outputs that hold data refuses, naming them and the ways out.
  "$bin" -q run p.yaml -o jsonl:oc/new/dir/r.jsonl 2> e.txt; [ $? -eq 2 ] &&
    grep -q 'outputs already hold data: oc/new/dir/r.jsonl; pass --overwrite' e.txt || { cat e.txt; return 1; }
  cp oc/new/dir/r.jsonl oc/first.jsonl
  "$bin" -q run p.yaml -o jsonl:oc/new/dir/r.jsonl --overwrite && cmp oc/first.jsonl oc/new/dir/r.jsonl || return 1
  "$bin" -q run p.yaml -o jsonl:oc/new/dir/r.jsonl --append &&
    eq "$(wc -l < oc/new/dir/r.jsonl)" "$(( $(wc -l < oc/first.jsonl) * 2 ))" || return 1
  "$bin" -q run p.yaml -o jsonl:oc/x.jsonl --append --overwrite 2> /dev/null; [ $? -eq 2 ] || return 1
  # Rotated outputs: --append refuses them, --overwrite removes them all.
  printf 'name: rot\nsource: "%s"\nanalyses:\n  - {name: n, type: count, by: all, window: 1m}\nsinks:\n  posts: "jsonl:oc/rot.jsonl?rotate=64K"\n  results: sqlite:oc/rot.db\n' \
    "$gen" > rot.yaml
  "$bin" -q run rot.yaml && [ -s oc/rot.jsonl.2 ] || { echo "no rotation"; return 1; }
  "$bin" -q run rot.yaml --append 2> e.txt; [ $? -eq 2 ] && grep -q 'cannot go on in a rotated output' e.txt || { cat e.txt; return 1; }
  "$bin" -q run rot.yaml --limit 10 --overwrite && [ ! -e oc/rot.jsonl.1 ] || { echo "rotated files left"; return 1; }
  # An output that is an input, by name, symlink or hard link, is refused and the input kept.
  cp g.jsonl oc/in.jsonl && ln -s in.jsonl oc/link.jsonl && ln oc/in.jsonl oc/hard.jsonl
  for out in oc/in.jsonl oc/link.jsonl oc/hard.jsonl; do
    "$bin" -q run p.yaml --source oc/in.jsonl -o "jsonl:$out" --overwrite 2> e.txt; [ $? -eq 2 ] &&
      grep -q 'is the input file itself' e.txt && cmp g.jsonl oc/in.jsonl || { echo "$out"; cat e.txt; return 1; }
  done
  # A closed standard output: exit 141 with a message; the other outputs are closed cleanly.
  "$bin" generate --count 100000 --rate 10 --no-pace --seed 4 --start 2021-04-01T00:00:00Z > oc/big.jsonl
  "$bin" run p.yaml -o sqlite:oc/pipe.db --print --source oc/big.jsonl 2> e.txt | head -c 10 > /dev/null
  rc=${PIPESTATUS[0]}
  [ "$rc" -eq 141 ] && grep -q 'output closed: the reader of standard output went away' e.txt ||
    { echo "exit $rc"; cat e.txt; return 1; }
  [ "$(sqlite3 oc/pipe.db 'SELECT COUNT(*) FROM windows')" -gt 0 ] || { echo "no windows kept"; return 1; }
)
check "run: outputs are created, never silently mixed, never an input; a closed stdout exits 141" run_output_contract
run_print() (
  rm -f pr.db && "$bin" -q run p.yaml -o sqlite:pr.db --print > pr.jsonl &&
    tsv pr.db "SELECT analysis, window_start, window_end, rows FROM windows" | LC_ALL=C sort > want.tsv &&
    python3 - <<'PY' | LC_ALL=C sort > got.tsv && diff want.tsv got.tsv
import json
final = {}
for line in open('pr.jsonl'):
    r = json.loads(line)
    assert r['pipeline'] == 'e2e' and isinstance(r['rows'], list), r
    if r['final']:
        key = (r['analysis'], r['window_start'] or '', r['window_end'] or '')
        assert key not in final, key  # each window is final once
        final[key] = len(r['rows'])
for (a, s, e), n in final.items():
    print(f'{a}\t{s}\t{e}\t{n}')
PY
)
check "run --print writes every result as JSON lines on stdout" run_print
run_dead_letters() (
  # Two broken records: valid UTF-8 with quotes, a backslash, a tab and emoji;
  # and invalid UTF-8 (kept as bytes_base64). Both come back byte for byte.
  head -n 100 g.jsonl > dl-in.jsonl && printf '{"data": {"id": "1", "text": "caf\xc3\xa9 \\"q\\" \\\\ \t \xf0\x9f\x98\x80\n' >> dl-in.jsonl &&
    sed -n '101,200p' g.jsonl >> dl-in.jsonl && printf '{"data": \xff\xfe}\n' >> dl-in.jsonl && sed -n '201,300p' g.jsonl >> dl-in.jsonl &&
    rm -f dl.jsonl dl.db && "$bin" run p.yaml --workers 2 --source dl-in.jsonl -o sqlite:dl.db --dead-letter dl.jsonl 2> e.txt &&
    grep -q '2 dead letters in dl.jsonl' e.txt && [ "$(wc -l < dl.jsonl)" -eq 2 ] &&
    [ "$(sqlite3 dl.db "SELECT SUM(count) FROM counts WHERE analysis='langs'")" -eq 300 ] &&
    python3 - <<'PY'
import base64, json
raw = open('dl-in.jsonl', 'rb').read()
lines = raw.split(b'\n')
dl = [json.loads(l) for l in open('dl.jsonl', encoding='utf-8')]
assert [d['line'] for d in dl] == [101, 202], dl
for d in dl:
    want = lines[d['line'] - 1]
    got = d['bytes'].encode('utf-8') if 'bytes' in d else base64.b64decode(d['bytes_base64'])
    assert got == want, (got, want)
    assert raw[d['offset']:d['offset'] + len(want)] == want, d['offset']
    assert d['origin'].endswith('dl-in.jsonl') and d['reason'], d
assert 'bytes' in dl[0] and 'bytes_base64' in dl[1]
PY
)
check "run: broken records land in the dead-letter file byte-exact" run_dead_letters
run_dead_letters_yaml() (
  sed 's|results: sqlite:r.db|results: sqlite:dly.db\n  dead_letters: dly.jsonl|' p.yaml > dly.yaml &&
    "$bin" -q run dly.yaml --source dl-in.jsonl && [ "$(wc -l < dly.jsonl)" -eq 2 ] &&
    cmp <(cut -d, -f2- dly.jsonl) <(cut -d, -f2- dl.jsonl)
)
check "run: sinks.dead_letters in the YAML" run_dead_letters_yaml
blank_lines() (
  # Blank lines (empty, spaces, a tab, CRLF) are skipped: neither records
  # nor dead letters, in top, run and normalize alike; the cut line and the
  # garbage are the two dead letters. (run counted the blank lines as records.)
  { printf '\n'; head -n 4 "$data/twarc-csv/streaming_output_with_error.jsonl"; printf '   \n\t\n\r\n\n';
    tail -n +5 "$data/twarc-csv/streaming_output_with_error.jsonl"; printf '\ngarbage\n\n'; } > blank.jsonl &&
    printf 'name: blank\nanalyses: [{type: count}]\n' > blank.yaml &&
    "$bin" top --format tsv --dead-letter bl-top-dl.jsonl blank.jsonl > /dev/null 2> bl-top.err &&
    "$bin" top --format tsv --dead-letter bl-stdin-dl.jsonl - < blank.jsonl > /dev/null 2> bl-stdin.err &&
    "$bin" run blank.yaml --source blank.jsonl -o jsonl:blank-r.jsonl --dead-letter bl-run-dl.jsonl 2> bl-run.err &&
    "$bin" run blank.yaml --source - -o jsonl:blank-r2.jsonl --dead-letter bl-run2-dl.jsonl --mode microbatch < blank.jsonl 2> bl-run2.err &&
    "$bin" normalize --dead-letter bl-norm-dl.jsonl blank.jsonl > /dev/null 2> bl-norm.err || { cat bl-top.err bl-run.err bl-norm.err; return 1; }
  grep -q '^2 records could not be parsed; kept in bl-top-dl.jsonl' bl-top.err &&
    grep -q '^2 records could not be parsed; kept in bl-stdin-dl.jsonl' bl-stdin.err &&
    grep -q '^done: 9 records, 7 posts .* 2 dead letters in bl-run-dl.jsonl' bl-run.err &&
    grep -q '^done: 9 records, 7 posts .* 2 dead letters in bl-run2-dl.jsonl' bl-run2.err &&
    grep -q '7 posts from 9 records .* 2 dead letters' bl-norm.err || { cat bl-top.err bl-run.err bl-run2.err bl-norm.err; return 1; }
  for f in bl-top-dl.jsonl bl-stdin-dl.jsonl bl-run-dl.jsonl bl-run2-dl.jsonl bl-norm-dl.jsonl; do
    eq "$(python3 -c "import json,sys; print(' '.join(str(json.loads(l)['line']) for l in open(sys.argv[1])))" "$f")" "13 14" || return 1
  done
  # --limit counts records, so blank lines not
  "$bin" run blank.yaml --source blank.jsonl -o jsonl:blank-r3.jsonl --limit 6 2> bl-lim.err &&
    grep -q '^done: 6 records, 6 posts' bl-lim.err || { cat bl-lim.err; return 1; }
)
check "blank lines are neither records nor dead letters, in top, run and normalize" blank_lines

# --- demo
demo_tables() (
  rm -rf dm && timeout 30 "$bin" demo --port 0 --duration 3s --db dm/X.db --rate 500 > dm.out 2>&1 || { tail dm.out; return 1; }
  grep -Eq '^dashboard: http://127\.0\.0\.1:[0-9]+/$' dm.out || { echo "no dashboard line"; return 1; }
  for t in trending counts distinct_counts sentiment clusters cooccurrence; do
    [ "$(sqlite3 dm/X.db "SELECT COUNT(*) FROM $t WHERE pipeline='demo'")" -gt 0 ] || { echo "table $t is empty"; return 1; }
  done
  eq "$(sqlite3 dm/X.db 'SELECT COUNT(*) FROM windows WHERE final = 0')" 0 &&
    n=$(sqlite3 dm/X.db "SELECT SUM(count) FROM counts WHERE analysis='posts'") &&
    [ "$n" -gt 750 ] && [ "$n" -lt 3000 ] && eq "$(sqlite3 dm/X-posts.db 'SELECT COUNT(*) FROM posts')" "$n" &&
    grep -q 'What the stream said' dm.out || return 1
  # A second run replaces the first one's databases (its summary reads them).
  timeout 30 "$bin" demo --no-serve --duration 2s --db dm/X.db --rate 500 > dm2.out 2>&1 || { tail dm2.out; return 1; }
  n2=$(sqlite3 dm/X.db "SELECT SUM(count) FROM counts WHERE analysis='posts'") &&
    eq "$n2" "$(sed -n 's/^done: [0-9,]* records, \([0-9,]*\) posts.*/\1/p' dm2.out | tr -d ,)" &&
    eq "$(sqlite3 dm/X-posts.db 'SELECT COUNT(*) FROM posts')" "$n2" || return 1
  echo "not a database" > notdb.db
  "$bin" demo --no-serve --duration 1s --db notdb.db > nd.out 2>&1; [ $? -ne 0 ] && grep -q 'not a SQLite database' nd.out &&
    eq "$(cat notdb.db)" "not a database"
)
check "demo --duration 3s --rate 500 fills the results tables; a second run replaces them" demo_tables

# --- HDF5 (docs/formats/hdf5.md): posts and results read back as SQLite's
hdf5_posts() (
  "$bin" -q convert "$data/twarc-csv/kpop.jsonl" k.h5 && "$bin" -q convert k.h5 kh.jsonl &&
    "$bin" -q convert "$data/twarc-csv/kpop.jsonl" kh.db && "$bin" -q convert kh.db kd.jsonl || return 1
  [ "$(wc -l < kh.jsonl)" -eq 100 ] && cmp <(sort kh.jsonl) <(sort kd.jsonl) || { echo "HDF5 and SQLite give other posts"; return 1; }
  h5dump -H k.h5 > kh.txt && grep -q 'DATASET "posts"' kh.txt && grep -q '"like_count_null"' kh.txt || { echo "h5dump"; return 1; }
  # Again: nothing doubles; --replace starts afresh.
  "$bin" -q collect -s "$data/twarc-csv/kpop.jsonl" -o hdf5:k.h5 &&
    h5dump -H k.h5 > kh.txt && grep -q '( 100 ) / ( H5S_UNLIMITED )' kh.txt &&
    grep -q '( 496 ) / ( H5S_UNLIMITED )' kh.txt || { echo "a second collect doubled rows"; return 1; }
  "$bin" -q convert --replace "$data/twarc-csv/two_tweets.jsonl" k.h5 && "$bin" -q convert k.h5 k2.jsonl &&
    "$bin" -q normalize "$data/twarc-csv/two_tweets.jsonl" > k2n.jsonl &&
    [ "$(wc -l < k2.jsonl)" -eq "$(wc -l < k2n.jsonl)" ] && [ "$(wc -l < k2.jsonl)" -lt 100 ] || { echo "--replace"; return 1; }
  echo 'not hdf5' > text.h5
  ! "$bin" convert text.h5 t.jsonl 2> e.txt && grep -q 'text.h5 is not an HDF5 file' e.txt || { cat e.txt; return 1; }
  ! "$bin" convert k2.jsonl text.h5 2> e.txt && grep -q 'not an HDF5 file; not writing' e.txt && eq "$(cat text.h5)" 'not hdf5'
)
check "hdf5: convert in and out as SQLite does, no doubling, --replace, a clear error for a non-HDF5 file" hdf5_posts
hdf5_results() (
  # The e2e pipeline into HDF5 (twice: the second run replaces, not doubles),
  # reported as from its SQLite results (r.db above).
  "$bin" -q run --workers 2 p.yaml -o hdf5:r.h5 && "$bin" -q run p.yaml -o hdf5:r.h5 &&
    "$bin" -q report --db r.db --out rdb.html && "$bin" -q report --db r.h5 --out rh5.html || return 1
  diff <(grep -v Generated rdb.html | sed 's/r\.db/R/g') <(grep -v Generated rh5.html | sed 's/r\.h5/R/g') ||
    { echo "the reports differ"; return 1; }
  eq "$(h5dump -H -d /windows r.h5 | grep -o '( [0-9]* ) /')" "( $(sqlite3 r.db 'SELECT COUNT(*) FROM windows') ) /"
)
check "hdf5: run --results hdf5: reports as its SQLite run" hdf5_results

# --- serve: the dashboard over the stored demo run (the demo above made dm/)
serve_stored() (
  "$bin" serve --db sqlite:dm/X.db --posts dm/X-posts.db --port 0 > sv.out 2> sv.err &
  local pid=$!
  local url=""
  for i in $(seq 50); do url=$(grep -o 'http://[^ ]*' sv.out 2>/dev/null | head -1); [ -n "$url" ] && break; sleep 0.1; done
  [ -n "$url" ] || { kill $pid; cat sv.err; return 1; }
  local ok=0
  # Every stored window of 'languages' is served, with the rows the database holds.
  want=$(sqlite3 dm/X.db "SELECT COUNT(*) FROM windows WHERE analysis='languages'")
  got=$(curl -sf "${url}api/v1/windows?analysis=languages&limit=1000" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["windows"]))')
  [ "$got" = "$want" ] || { echo "windows: got $got, want $want"; ok=1; }
  top_db=$(sqlite3 dm/X.db "SELECT key FROM trending WHERE analysis='hashtags' AND rank=1 ORDER BY window_end DESC LIMIT 1")
  top_api=$(curl -sf "${url}api/v1/trending?by=hashtag" | python3 -c 'import json,sys; print(json.load(sys.stdin)["window"]["rows"][0]["key"])')
  [ "$top_db" = "$top_api" ] || { echo "trending: db $top_db, api $top_api"; ok=1; }
  posts=$(curl -sf "${url}api/v1/posts?limit=5" | python3 -c 'import json,sys; print(len(json.load(sys.stdin)["posts"]))')
  [ "$posts" = 5 ] || { echo "posts: $posts"; ok=1; }
  curl -sf "${url}api/v1/stats" | grep -q '"running":false' || { echo "stats"; ok=1; }
  kill -INT $pid; wait $pid || { echo "serve did not stop cleanly on SIGINT"; ok=1; }
  return $ok
)
check "serve --db: the stored demo run over HTTP" serve_stored
# --- run --serve: a file pipeline with the dashboard, which stays up after the input ends
run_serve() (
  cat > rs.yaml <<'YAML'
name: rs
source: "generate:?count=3000&pace=0&seed=5&start=2021-04-01T00:00:00Z"
analyses:
  - {name: hashtags, type: top, by: hashtag, k: 5, window: 1m}
sinks:
  results: sqlite:rs.db
YAML
  rm -f rs.db*
  "$bin" run rs.yaml --serve --port 0 > rs.out 2> rs.err &
  local pid=$! url="" ok=0
  for i in $(seq 100); do url=$(grep -o 'http://[^ ]*' rs.out 2>/dev/null | head -1); [ -n "$url" ] && break; sleep 0.1; done
  [ -n "$url" ] || { kill $pid; cat rs.err; return 1; }
  for i in $(seq 100); do curl -sf "${url}api/v1/stats" | grep -q '"running":false' && break; sleep 0.1; done
  curl -sf "${url}api/v1/stats" | grep -q '"posts":3000' || { echo "stats after the run"; ok=1; }
  grep -q 'stays up' rs.err || { echo "no 'stays up' notice"; ok=1; }
  want=$(sqlite3 rs.db "SELECT key FROM trending WHERE rank=1 ORDER BY window_end DESC LIMIT 1")
  got=$(curl -sf "${url}api/v1/trending?by=hashtag" | python3 -c 'import json,sys; print(json.load(sys.stdin)["window"]["rows"][0]["key"])')
  [ "$want" = "$got" ] || { echo "trending: db $want, api $got"; ok=1; }
  kill -INT $pid; wait $pid || { echo "run --serve did not exit cleanly"; ok=1; }
  return $ok
)
check "run --serve: the dashboard over a finished file pipeline, until Ctrl-C" run_serve

# --- report: the stored demo run as one self-contained HTML file
report_file() (
  "$bin" report --db sqlite:dm/X.db --posts dm/X-posts.db --out rep.html 2> rep.err || { cat rep.err; return 1; }
  [ "$(grep -c '<svg' rep.html)" -ge 4 ] || { echo "too few charts"; return 1; }
  # Self-contained: no scripts, nothing fetched from anywhere.
  ! grep -Eiq '<script|<link|(src|href)=' rep.html || { echo "external reference or script"; return 1; }
  top=$(sqlite3 dm/X.db "SELECT key FROM trending WHERE analysis='hashtags' GROUP BY key ORDER BY SUM(count) DESC, key LIMIT 1")
  grep -q "#$top<" rep.html || { echo "top hashtag #$top missing"; return 1; }
  for h in 'Posts per window' 'Top hashtags' Sentiment Topics 'Recent posts'; do
    grep -q "$h" rep.html || { echo "section '$h' missing"; return 1; }
  done
  python3 -c '
import html.parser, sys
class Check(html.parser.HTMLParser):
    def __init__(self):
        super().__init__(); self.stack = []
    def handle_starttag(self, tag, attrs):
        if tag not in ("meta", "br", "line", "rect", "circle", "polyline", "input"): self.stack.append(tag)
    def handle_endtag(self, tag):
        if tag in ("line", "rect", "circle", "polyline"): return
        assert self.stack and self.stack[-1] == tag, (tag, self.stack[-3:])
        self.stack.pop()
c = Check(); c.feed(open("rep.html").read()); assert not c.stack, c.stack' || { echo "unbalanced HTML"; return 1; }
)
check "report: the stored demo run as self-contained HTML" report_file
check "report: a missing database is a clear error" bash -c "
  ! '$bin' report --db /no/such.db --out x.html 2> rp.err && grep -q 'no such database' rp.err && [ ! -e x.html ]"

check "serve refuses a non-loopback bind without a token" bash -c "
  ! '$bin' serve --db dm/X.db --bind 0.0.0.0 --port 0 > /dev/null 2> nb.err && grep -q 'auth-token' nb.err"
check "serve: a missing database is a clear error" bash -c "
  ! '$bin' serve --db /no/such.db --port 0 > /dev/null 2> nd.err && grep -q 'no such database' nd.err"

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
