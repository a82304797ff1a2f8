#!/usr/bin/env bash
# Side-by-side: `starling query` on a large JSONL of real X v2 tweets (the
# native executor) against DuckDB reading the same file with read_ndjson
# (bench/peer_duckdb_query.mjs), on a group-by (top 10 hashtags) and a top-k
# (the 10 posts with the most likes), in one hyperfine run. First checks
# that both print the same rows (fails loudly if not). Scratch files live in
# bench/.scratch (ignored by git).
# Usage: bench/query_compare.sh [LINES]   (default 100000 lines, about 440 MB; RUNS=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup query_compare peer_duckdb_query.mjs "${1:-${LINES:-100000}}" starling
[ -n "$duck" ] || { echo "query_compare: needs node and @duckdb/node-api"; exit 1; }
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus: $corpus ($(du -h "$corpus" | cut -f1), $lines lines of real X v2 tweets)"

group='from hashtags | group {tag_lower} (aggregate {n = count this}) | sort {-n, tag_lower} | take 10'
topk='from posts | select {id, like_count} | sort {-like_count, id} | take 10'
names=("starling query: group (pinned)" "duckdb: group, 1 thread (pinned)" "duckdb: group, default threads"
       "starling query: top-k (pinned)" "duckdb: top-k, 1 thread (pinned)" "duckdb: top-k, default threads")
cmds=(
  "$pin $bin/starling -q query --format tsv --on $corpus '$group'"
  "$pin $duck group 1"
  "$duck group default"
  "$pin $bin/starling -q query --format tsv --on $corpus '$topk'"
  "$pin $duck topk 1"
  "$duck topk default"
)
# Same rows from both, or no timing at all (the header line aside).
for q in group topk; do
  [ $q = group ] && s="$group" || s="$topk"
  $pin $bin/starling -q query --format tsv --on "$corpus" "$s" | tail -n +2 > "$scratch/q-$q-starling.tsv"
  $duck $q 1 > "$scratch/q-$q-duckdb.tsv"
  if ! diff -u "$scratch/q-$q-duckdb.tsv" "$scratch/q-$q-starling.tsv"; then
    echo "query_compare: FAILED: starling and DuckDB answer '$q' differently"
    exit 1
  fi
done
echo "starling and DuckDB print the same rows for both questions"

json=$scratch/query_compare.json
hyperfine --warmup 1 --runs "${RUNS:-5}" --output=null --export-json "$json" "${cmds[@]}"

python3 - "$json" "${names[@]}" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
names = sys.argv[2:]
print("\n| tool | mean wall (s) | min (s) | stddev | time / starling |")
print("|---|---|---|---|---|")
for i, (name, x) in enumerate(zip(names, r)):
    base = r[0 if i < 3 else 3]["mean"]
    print(f"| {name} | {x['mean']:.3f} | {x['min']:.3f} | {x['stddev']:.3f} | {x['mean']/base:.2f}x |")
PY
