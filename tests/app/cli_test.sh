#!/usr/bin/env bash
# End-to-end tests of the `starling` binary on real recorded data: real files,
# a real SQLite database (checked with the sqlite3 CLI), a real TCP socket.
# Usage: cli_test.sh STARLING_BINARY SHARED_DATA_DIR
set -uo pipefail
bin=$1
data=$2
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
  '$bin' collect --source kafka:x --sink - 2> e.txt; [ \$? -eq 2 ] && grep -q 'unknown source' e.txt"
check "missing file is a clear error" bash -c "
  '$bin' normalize /no/such.jsonl 2> e.txt; [ \$? -eq 1 ] && grep -q 'no such file' e.txt"
check "convert refuses to overwrite its input" bash -c "
  cp '$data/twarc-csv/two_tweets.jsonl' same.jsonl && '$bin' convert same.jsonl same.jsonl 2> e.txt; [ \$? -eq 2 ] &&
  grep -q 'input file itself' e.txt && cmp same.jsonl '$data/twarc-csv/two_tweets.jsonl'"
check "collect from stdin stops at --duration even when idle" bash -c "
  (head -n 1 '$data/twarc-csv/streaming_output.jsonl'; sleep 5) | timeout 4 '$bin' -q collect -s - -o jsonl:idle.jsonl -d 1s &&
  [ \$(wc -l < idle.jsonl) -eq 1 ]"
check "Ctrl-C on an idle stream stops cleanly and keeps what was read" bash -c "
  mkfifo ctl.fifo; (head -n 2 '$data/twarc-csv/streaming_output.jsonl'; sleep 6) > ctl.fifo &
  '$bin' -q collect -s ctl.fifo -o sqlite:ctl.db & pid=\$!
  sleep 1; kill -INT \$pid; for i in \$(seq 30); do kill -0 \$pid 2>/dev/null || break; sleep 0.1; done
  ! kill -0 \$pid 2>/dev/null && wait \$pid && [ \$(sqlite3 ctl.db 'SELECT COUNT(*) FROM posts') -eq 2 ]"
check "log-format json" bash -c "
  '$bin' --log-format json normalize /no/such.jsonl 2>&1 | grep -q '\"level\":\"error\"'"
check "demo writes a database and says where" bash -c "
  '$bin' demo --duration 2s --db d.db > demo.out 2>&1 && grep -q 'd.db' demo.out &&
  [ \$(sqlite3 d.db 'SELECT COUNT(*) FROM posts') -gt 100 ]"

echo "cli: $pass passed, $fail failed"
[ $fail -eq 0 ]
