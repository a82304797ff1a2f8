#!/usr/bin/env bash
# Runs every libFuzzer target for a short while, seeded from the recorded
# data in ../shared/data (copied at run time, never committed).
# Usage: scripts/run-fuzzers.sh BUILD_DIR SECONDS
set -euo pipefail
build=${1:-build/asan}
seconds=${2:-15}
root=$(cd "$(dirname "$0")/.." && pwd)
data=${STARLING_SHARED_DATA:-$root/../shared/data}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

seed() {  # seed DIR FILE... : one corpus file per input line (first 40 lines each)
  # FILE may be a pipe (<(...)), and a file's last line may lack its newline
  # (several recorded documents are one line without one).
  local dir=$1; shift
  mkdir -p "$dir"
  local n=0 line
  for f in "$@"; do
    [ -r "$f" ] || continue
    while { IFS= read -r line || [ -n "$line" ]; } && [ $n -lt 1000 ]; do
      printf '%s' "$line" > "$dir/seed_$n"; n=$((n + 1))
    done < <(head -n 40 "$f")
  done
  echo "fuzz: seeded $(basename "$dir") with $n inputs"
}

seed "$work/post_parser" "$data"/twarc-csv/*.jsonl "$data"/tweet_parser/*.json "$data"/twitter4j/*.json \
  "$data"/tweepy/bodies/*.json "$data"/simdjson/twitter_api_compact_response.json
# The other providers: Jetstream events, Mastodon timelines, statuses and
# streaming events, a GitHub events page and Meetup responses (one line each).
n_before=$(ls "$work/post_parser" | wc -l)
seed "$work/post_parser_more" "$data"/bluesky-jetstream/corpus/expected_v1.jsonl \
  "$data"/bluesky-jetstream/subscribe/golden_v1.jsonl "$data"/mastodon-py/bodies/*.body.json \
  <(sed -n 's/^data: //p' "$data"/mastodon-py/bodies/*.sse) \
  <(printf '%s\n' '{"stream":["public"],"event":"update","payload":"{\"id\":\"1\",\"content\":\"<p>a &amp; <br>b</p>\",\"tags\":[{\"name\":\"b\"}]}"}' \
    '{"stream":["user"],"event":"delete","payload":"1"}') \
  <(tr -d '\n' < "$data"/simdjson/github_events.json; echo) \
  <(for f in "$root"/tests/parse/fixtures/meetup/*.json; do tr -d '\n' < "$f"; echo; done)
for f in "$work"/post_parser_more/seed_*; do mv "$f" "$work/post_parser/seed_more_${f##*_}"; done
rmdir "$work/post_parser_more"
echo "fuzz: post_parser has $(ls "$work/post_parser" | wc -l) seeds ($n_before X)"
seed "$work/extract" <(grep -h '^\s*text:' "$data"/twitter-text/extract.yml | sed -e 's/^\s*text: //' -e 's/^"\(.*\)"$/\1/')
seed "$work/timestamp" <(printf '2021-04-01T15:52:31.000Z\nSun Aug 31 00:29:15 +0000 2014\n2021-04-01T17:52:31.123456+02:00\n')
seed "$work/line_source" "$data"/twarc-csv/streaming_output.jsonl
# The parallel scan: a few whole JSONL files (the first byte picks the block size).
mkdir -p "$work/file_blocks"
n=0
for f in "$data"/twarc-csv/streaming_output_with_error.jsonl "$data"/twarc-hashtags/tweets1.jsonl; do
  [ -r "$f" ] || continue
  { printf "\\$(printf '%03o' $((n * 7 + 3)))"; head -c 4000 "$f"; } > "$work/file_blocks/seed_$n"
  n=$((n + 1))
done
echo "fuzz: seeded file_blocks with $n inputs"
if [ -r "$data/twitter4j/streamingapi-testcase.json" ]; then
  gzip -c "$data/twitter4j/streamingapi-testcase.json" > "$work/line_source/seed_gz"
  zstd -q -c "$data/twitter4j/streamingapi-testcase.json" > "$work/line_source/seed_zst"
else
  echo "fuzz: no recorded data at $data; fuzzing from empty corpora"
fi

# CSV reader: twarc-csv style files written by our own binary from recorded JSONL.
mkdir -p "$work/csv_reader"
for f in twarc-csv/streaming_output.jsonl tweet_parser/public_api_sample.json; do
  [ -r "$data/$f" ] && "$build/starling" -q convert "$data/$f" "$work/csv_reader/$(basename "$f").csv" \
    >/dev/null 2>&1 || true
done
echo "fuzz: seeded csv_reader with $(ls "$work/csv_reader" | wc -l) inputs"

# Checkpoint files: a real one, from a short run of an example pipeline over
# generated posts with two workers; and its body alone (the target also
# reads each input as the body behind a correct header).
mkdir -p "$work/checkpoint_format"
if "$build/starling" -q run "$root/examples/trending.yaml" -w 2 \
     --source 'generate:?count=300&pace=0&seed=3&start=2021-04-01T00:00:00Z' \
     --results "$work/checkpoint-results.jsonl" --checkpoint-dir "$work/checkpoint" >/dev/null 2>&1 &&
   [ -r "$work/checkpoint/checkpoint.bin" ]; then
  cp "$work/checkpoint/checkpoint.bin" "$work/checkpoint_format/seed_file"
  tail -c +38 "$work/checkpoint/checkpoint.bin" > "$work/checkpoint_format/seed_body"  # 37-byte header
fi
echo "fuzz: seeded checkpoint_format with $(ls "$work/checkpoint_format" | wc -l) inputs"

# Sentiment: the extractor's texts. Pipelines: the example files, whole.
mkdir -p "$work/sentiment" "$work/pipeline_yaml" "$work/window_state"
cp "$work"/extract/seed_* "$work/sentiment/" 2>/dev/null || true
for f in "$root"/examples/*.yaml; do grep -v join "$f" > "$work/pipeline_yaml/$(basename "$f")"; done
printf '\001\000\001\002' > "$work/window_state/seed_0"

# The dashboard API: request targets from docs/api.md.
mkdir -p "$work/api_request"
n=0
for t in '/healthz' '/api/v1/stats' '/api/v1/windows?analysis=hashtags&limit=2&final=1' \
         '/api/v1/windows?analysis=hashtags&since=2021-04-01T00:01:00Z' '/api/v1/trending?by=hashtag' \
         '/api/v1/sentiment?analysis=mood&key=%2A' '/api/v1/posts?q=hello&hashtag=%23bts&limit=5' \
         '/api/v1/bursts?limit=3' '/api/v1/clusters' '/api/v1/languages?analysis=x'; do
  printf '%s' "$t" > "$work/api_request/seed_$n"; n=$((n + 1))
done

# Specs: every form the docs show, with and without secrets.
mkdir -p "$work/spec"
n=0
for t in 'jsonl:out.jsonl?raw=1&rotate=64M' 'generate:?rate=10&seed=7&start=2021-04-01T00:00:00Z' \
         'postgres://me:pw%40x@127.0.0.1:5432/db?sslmode=disable' 'kafka://b1:9092,b2:9092/topic?group=g&key=id' \
         'x:search?query=%23rust+lang&token=abc' 'tcp://[::1]:9999' 'C:\\x.csv' '-'; do
  printf '%s' "$t" > "$work/spec/seed_$n"; n=$((n + 1))
done

# Queries: one of each form docs/query.md shows.
mkdir -p "$work/query"
n=0
for q in 'from posts' 'from hashtags | group {tag_lower} (aggregate {n = count this}) | sort {-n} | take 10' \
         'from posts | filter lang == "en" && like_count > 3 || ref_id == null | select {id, l = text.length text}' \
         'from posts | derive {h = time.floor "1h" created_at} | group {h} (aggregate {n = count this, a = average like_count})' \
         'from posts | join side:left h = hashtags (this.id == that.post_id) | select {id, h.tag} | sort {id, tag}' \
         'from p = posts | filter created_at >= @2021-03-28T01:00:00Z | sort {-like_count} | take 2..5' \
         'from mentions
| group {handle} (aggregate {n = count this, u = count_distinct post_id, s = sum start // 2})
| sort {-n, handle}  # a comment' \
         'from posts | select {a = like_count ?? -1, b = 7 % 3, c = -quote_count / 0, d = text.lower "İ"}'; do
  printf '%s' "$q" > "$work/query/seed_$n"; n=$((n + 1))
done

# Provider decoders: the first byte picks one (fuzz/provider_decoders_fuzz.cc).
mkdir -p "$work/provider_decoders"
pd() { { printf "\\$(printf '%03o' "$1")"; head -c 30000 "$2"; } > "$work/provider_decoders/seed_$1_$(basename "$2")"; }
pd 0 "$data/mastodon-py/bodies/test_stream_user_direct__12.body.sse"
printf '\001<https://api.github.com/events?page=2>; rel="next", <https://api.github.com/events?page=10>; rel="last"' \
  > "$work/provider_decoders/seed_link"
printf '\002github;etag=W/"abc";ids=1,2,3' > "$work/provider_decoders/seed_token"
pd 3 "$data/simdjson/github_events.json"
pd 4 "$data/twarc-csv/streaming_output.jsonl"
pd 5 "$data/bluesky-jetstream/subscribe/golden_v1.jsonl"
pd 6 "$root/tests/parse/fixtures/meetup/group_events.json"
pd 7 "$data/mastodon-py/bodies/test_public_tl__2.body.json"
echo "fuzz: seeded provider_decoders with $(ls "$work/provider_decoders" | wc -l) inputs"

# The Kafka source's position tokens.
mkdir -p "$work/kafka_position"
printf 'kafka;topic=posts;offsets=0:1520,1:1498,2:0' > "$work/kafka_position/seed_0"
printf 'kafka;topic=a%%3Bb;offsets=7:9223372036854775807' > "$work/kafka_position/seed_1"
printf '0:15,3:7' > "$work/kafka_position/seed_2"

# Scale-out's partials messages: a watermark marker and a window's partials.
mkdir -p "$work/partials_message"
printf 'SPM1\002\004\200\200\200\200\200\200\200\001\001' > "$work/partials_message/seed_0"
printf 'SPM1\001\002\000\002\024\001\000\003top\001\002\024\001\000\000\000\001' \
  > "$work/partials_message/seed_1"

targets=(spec post_parser extract timestamp line_source file_blocks csv_reader sentiment pipeline_yaml window_state
         checkpoint_format api_request provider_decoders query kafka_position partials_message)
status=0 failed=0
for target in "${targets[@]}"; do
  bin="$build/fuzz/${target}_fuzz"
  if [ ! -x "$bin" ]; then echo "fuzz: missing $bin"; status=1; failed=$((failed + 1)); continue; fi
  echo "fuzz: $target for ${seconds}s"
  mkdir -p "$work/$target"
  # Bounded three ways: a slow input fails at -timeout; memory is capped by
  # ASan itself (libFuzzer's own -rss_limit_mb handler prints a heap profile
  # first, which took longer than CI allows on a 2 GB heap); and the whole
  # run is killed if it still outlives its time by far.
  rc=0
  ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=2048" \
    timeout -s KILL $((seconds + 120)) "$bin" -max_total_time="$seconds" -timeout=25 \
    -max_len=65536 -rss_limit_mb=0 -malloc_limit_mb=2048 \
    -artifact_prefix="$work/${target}-" "$work/$target" > "$work/$target.log" 2>&1 || rc=$?
  if [ $rc -ne 0 ]; then
    if [ $rc -eq 137 ]; then echo "fuzz: $target hung: killed after $((seconds + 120)) s"; fi
    echo "fuzz: $target FAILED"; tail -n 40 "$work/$target.log"; status=1; failed=$((failed + 1))
    mkdir -p "$build/fuzz-artifacts"; cp "$work/${target}-"* "$build/fuzz-artifacts/" 2>/dev/null || true
    echo "fuzz: crashing inputs kept in $build/fuzz-artifacts/"
  else
    grep -E "^#[0-9]+.*DONE|Done [0-9]+ runs" "$work/$target.log" | tail -n 1 || true
  fi
done
echo "fuzz: $((${#targets[@]} - failed)) passed, $failed failed"
exit $status
