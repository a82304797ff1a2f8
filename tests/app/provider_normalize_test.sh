#!/usr/bin/env bash
# End-to-end: `starling normalize` on each provider's recordings (GitHub,
# Bluesky Jetstream, Mastodon REST and streaming, and the hand-written Meetup
# responses), its output read back, and `convert` through CSV and SQLite.
# Usage: provider_normalize_test.sh STARLING_BINARY SHARED_DATA_DIR
set -uo pipefail
bin=$(realpath -m "$1")
data=$(realpath -m "$2")
root=$(cd "$(dirname "$0")/../.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
pass=0; fail=0
check() {  # check NAME COMMAND...
  local name=$1; shift
  if "$@" >"$work/last.out" 2>"$work/last.err"; then pass=$((pass + 1)); echo "ok   $name"
  else fail=$((fail + 1)); echo "FAIL $name"; sed 's/^/    /' "$work/last.out" "$work/last.err" | head -20; fi
}
[ -d "$data/bluesky-jetstream" ] || { echo "FAIL shared data not found at $data"; exit 1; }

# normalize FILE POSTS CONTROLS: that many posts on stdout, controls in the summary, no dead letters.
normalize() {
  "$bin" normalize "$1" > out.jsonl 2> out.err || return 1
  [ "$(wc -l < out.jsonl)" -eq "$2" ] || { echo "posts: $(wc -l < out.jsonl), want $2"; return 1; }
  grep -q "; $3 control messages; 0 dead letters" out.err || { cat out.err; return 1; }
  [ ! -s starling-dead-letters.jsonl ] || { cat starling-dead-letters.jsonl; return 1; }
}
export -f normalize; export bin

check "github events page: 30 posts" normalize "$data/simdjson/github_events.json" 30 0
check "github posts carry kind and channel" bash -c "
  head -n1 out.jsonl | grep -q '\"channel\":\"jathanism/trigger\",' &&
  head -n1 out.jsonl | grep -q '\"kind\":\"push\"' && grep -c '\"kind\":\"star\"' out.jsonl | grep -qx 6"
check "jetstream corpus: 32 posts, 120 controls" normalize \
  "$data/bluesky-jetstream/corpus/expected_v1.jsonl" 32 120
check "jetstream golden events: 2 posts, 8 controls" normalize \
  "$data/bluesky-jetstream/subscribe/golden_v1.jsonl" 2 8
check "mastodon public timeline: 8 posts" normalize \
  "$data/mastodon-py/bodies/test_public_tl__2.body.json" 8 0
check "mastodon text is the HTML's text" bash -c "grep -q '\"text\":\"you can'\"'\"'t say that on television\"' out.jsonl"
# The SSE recording in the WebSocket form the source emits, one event a line.
python3 - "$data/mastodon-py/bodies/test_stream_user_direct__12.body.sse" > stream.jsonl <<'PY'
import json, sys
event = None
for line in open(sys.argv[1], encoding="utf-8"):
    line = line.rstrip("\n")
    if line.startswith("event: "):
        event = line[7:]
    elif line.startswith("data: "):
        print(json.dumps({"stream": ["user"], "event": event, "payload": line[6:]}, ensure_ascii=False))
PY
check "mastodon streaming events: 3 posts, 3 controls" normalize stream.jsonl 3 3
check "meetup group events: 2 posts" normalize "$root/tests/parse/fixtures/meetup/group_events.json" 2 0
check "meetup error response: 1 control" normalize "$root/tests/parse/fixtures/meetup/errors.json" 0 1

check "every provider in one normalized file reads back unchanged" bash -c "
  for f in '$data/simdjson/github_events.json' '$data/bluesky-jetstream/corpus/expected_v1.jsonl' \
           '$data/mastodon-py/bodies/test_public_tl__2.body.json' stream.jsonl \
           '$root/tests/parse/fixtures/meetup/group_events.json'; do
    '$bin' -q normalize \"\$f\" || exit 1; done > all.jsonl
  [ \$(wc -l < all.jsonl) -eq 75 ] && '$bin' -q normalize all.jsonl > again.jsonl && cmp all.jsonl again.jsonl"
check "convert through SQLite and CSV keeps channel and kinds" bash -c "
  '$bin' -q convert all.jsonl all.db && '$bin' -q convert all.db back.jsonl &&
  [ \$(wc -l < back.jsonl) -eq 74 ] &&  # the edited Mastodon status is upserted: one row
  grep -q '\"channel\":\"berlin-cpp-users\"' back.jsonl && grep -q '\"kind\":\"event\"' back.jsonl &&
  '$bin' -q convert all.jsonl all.csv && head -n1 all.csv | grep -q ',provider,channel\$' &&
  grep -q ',push,.*,github,jathanism/trigger\$' all.csv"
check "top by repo and kind count GitHub events" bash -c "
  '$bin' -q top --by repo -k 1 --format tsv '$data/simdjson/github_events.json' | grep -qx 'markpiro/muzicbaux.2' &&
  '$bin' -q top --by kind -k 1 --format tsv '$data/simdjson/github_events.json' | grep -qx 'push.13'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
