#!/usr/bin/env bash
# The engine's throughput, latency and memory, measured with the release
# binary on the built-in generator (no peer runs this pipeline, so the
# figures are reported as ratios between our own configurations):
#   1. full analytics pipeline (counts, top-k, HLL, sentiment, bursts,
#      clusters, pairs): posts/s on 1 worker in record and micro-batch mode,
#      and 1 vs 2 workers (vs N on a bigger machine: WORKERS="1 2 4 8 16")
#   2. record-at-a-time latency at a fixed input rate (RATE, default 100k/s)
#      of a light pipeline, p50/p99 from the engine's own histogram; and
#      micro-batch latency at 100 ms and 1 s batch intervals
#   3. peak RSS with KEYS distinct hashtags (default 10M), exact vs
#      Space-Saving; RSS under a sink 10x slower than the source
# Usage: bench/engine_bench.sh   (env: POSTS=300000 RATE=100000 KEYS=10000000 WORKERS="1 2")
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
bin=${STARLING_BUILD:-build/release}
posts=${POSTS:-300000}
rate=${RATE:-100000}
keys=${KEYS:-10000000}
workers=${WORKERS:-1 2}
scratch=bench/.scratch/engine
mkdir -p "$scratch"
for b in "$bin/starling" "$bin/bench/engine_memory"; do
  [ -x "$b" ] || { echo "engine_bench: build first (make release): missing $b"; exit 1; }
done
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

full=$scratch/full.yaml
cat > "$full" <<YAML
name: bench
source: "generate:?rate=5000&count=$posts&pace=0&seed=7&start=2021-04-01T00:00:00Z"
watermark: 5s
allowed_lateness: 10s
batch_interval: 500ms
analyses:
  - {name: posts, type: count, by: all, window: 10s}
  - {name: languages, type: count, by: lang, window: 10s}
  - {name: hashtags, type: top, by: hashtag, k: 10, window: 1m}
  - {name: authors, type: distinct, of: author, window: 1m}
  - {name: sentiment, type: sentiment, by: hashtag, k: 10, window: 1m}
  - {name: bursts, type: bursts, by: hashtag, window: 1m}
  - {name: topics, type: clusters, k: 8, window: 5m}
  - {name: pairs, type: cooccurrence, k: 10, window: 1m}
sinks:
  results: sqlite:$scratch/full.db
YAML

run() {  # run LABEL ARGS... -> prints "LABEL posts/s p50 p99"
  local label=$1; shift
  rm -f "$scratch"/full.db*
  local out
  out=$("$bin/starling" run "$full" "$@" 2>&1 | grep '^done:')
  python3 - "$label" "$out" <<'PY'
import re, sys
label, line = sys.argv[1], sys.argv[2]
m = re.search(r"([\d,]+) posts in ([\d.]+)s .*p50 ([\d.]+) ms, p99 ([\d.]+) ms", line)
posts, secs = int(m.group(1).replace(",", "")), float(m.group(2))
print(f"| {label} | {posts / secs:,.0f} | {m.group(3)} | {m.group(4)} |")
PY
}

echo
echo "## Full analytics pipeline, $posts generated posts"
echo
echo "| configuration | posts/s | latency p50 (ms) | p99 (ms) |"
echo "|---|---|---|---|"
run "record, 1 worker" --mode record -w 1
run "micro-batch 500 ms, 1 worker" --mode microbatch -w 1
for w in $workers; do
  [ "$w" = 1 ] && continue
  run "record, $w workers" --mode record -w "$w"
  run "micro-batch, $w workers" --mode microbatch -w "$w"
done

light=$scratch/light.yaml
cat > "$light" <<YAML
name: latency
watermark: 1s
analyses:
  - {name: hashtags, type: top, by: hashtag, k: 10, window: 1s}
  - {name: languages, type: count, by: lang, window: 1s}
YAML
echo
echo "## Latency at a fixed input rate of $rate posts/s (paced generator, 10 s, top-k + counts)"
echo
echo "| configuration | posts/s | latency p50 (ms) | p99 (ms) |"
echo "|---|---|---|---|"
src="generate:?rate=$rate&diurnal=0&burst_every=0&seed=3"
lat() {
  local label=$1; shift
  local out
  out=$("$bin/starling" run "$light" --source "$src" --duration 10s -o "jsonl:/dev/null" "$@" 2>&1 | grep '^done:')
  python3 - "$label" "$out" <<'PY'
import re, sys
label, line = sys.argv[1], sys.argv[2]
m = re.search(r"([\d,]+) posts in ([\d.]+)s .*p50 ([\d.]+) ms, p99 ([\d.]+) ms", line)
posts, secs = int(m.group(1).replace(",", "")), float(m.group(2))
print(f"| {label} | {posts / secs:,.0f} | {m.group(3)} | {m.group(4)} |")
PY
}
lat "record, 1 worker" --mode record -w 1
lat "record, 2 workers" --mode record -w 2
sed -i 's/^watermark: 1s/watermark: 1s\nbatch_interval: 100ms/' "$light"
lat "micro-batch 100 ms, 1 worker" --mode microbatch -w 1
sed -i 's/^batch_interval: 100ms/batch_interval: 1s/' "$light"
lat "micro-batch 1 s, 1 worker" --mode microbatch -w 1

echo
echo "## Memory"
echo
"$bin/bench/engine_memory" keys "$keys" space-saving 2
"$bin/bench/engine_memory" keys "$keys" exact 2
"$bin/bench/engine_memory" slow 2000000 2
