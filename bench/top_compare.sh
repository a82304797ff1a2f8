#!/usr/bin/env bash
# Side-by-side: `starling top --by hashtag` against peers counting the same
# hashtags in the same large JSONL of real X v2 tweets, in one hyperfine run:
#   - starling, 1 worker pinned to one core, and default workers unpinned
#   - simdjson_top_peer: a minimal simdjson On-Demand loop, pinned
#   - DuckDB via @duckdb/node-api (bench/peer_duckdb_top.mjs): read_ndjson +
#     unnest + lower + group by, 1 thread pinned, and default threads unpinned
# First checks that every tool prints the same top 10 (fails loudly if not),
# then prints wall times and a markdown table of ratios. Scratch files live
# in bench/.scratch (ignored by git).
# Usage: bench/top_compare.sh [LINES]   (default 100000 lines, about 440 MB; RUNS=5)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup top_compare peer_duckdb_top.mjs "${1:-${LINES:-100000}}" starling bench/simdjson_top_peer
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "corpus: $corpus ($(du -h "$corpus" | cut -f1), $lines lines of real X v2 tweets)"

names=("starling top -w 1 (pinned)" "starling top, default workers" "simdjson loop (pinned)")
cmds=(
  "$pin $bin/starling -q top --by hashtag -k 10 --format tsv -w 1 $corpus"
  "$bin/starling -q top --by hashtag -k 10 --format tsv $corpus"
  "$pin $bin/bench/simdjson_top_peer $corpus 10"
)
if [ -n "$duck" ]; then
  names+=("duckdb, 1 thread (pinned)" "duckdb, default threads")
  cmds+=("$pin $duck 1 10" "$duck default 10")
fi
# Opt-in: each line read no further than its tweet (not validated whole).
names+=("starling top -w 1 --trust-input (pinned)")
cmds+=("$pin $bin/starling -q top --by hashtag -k 10 --format tsv -w 1 --trust-input $corpus")

# Same answer from every tool, or no timing at all.
expect=$scratch/top-expected.tsv
${cmds[2]} > "$expect"
[ "$(wc -l < "$expect")" -eq 10 ] || { echo "top_compare: the simdjson loop printed no top 10"; exit 1; }
for i in "${!cmds[@]}"; do
  if ! ${cmds[$i]} | diff -u "$expect" - > "$scratch/top-diff.txt"; then
    echo "top_compare: FAILED: '${names[$i]}' prints a different top 10 than the simdjson loop:"
    cat "$scratch/top-diff.txt"
    exit 1
  fi
done
echo "all ${#cmds[@]} commands print the same top 10:"
sed 's/^/  /' "$expect"

json=$scratch/top_compare.json
hyperfine --warmup 1 --runs "${RUNS:-5}" --output=null --export-json "$json" "${cmds[@]}"

python3 - "$json" "${names[@]}" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
names = sys.argv[2:]
base = r[0]["mean"]
peer = r[2]["mean"]
print("\n| tool | mean wall (s) | min (s) | stddev | time / starling -w 1 |")
print("|---|---|---|---|---|")
for name, x in zip(names, r):
    print(f"| {name} | {x['mean']:.3f} | {x['min']:.3f} | {x['stddev']:.3f} | {x['mean']/base:.2f}x |")
print(f"\nstarling -w 1 (pinned) vs the simdjson loop: {base/peer:.2f}x its time (target <= 1.5x)")
print(f"starling default workers vs the simdjson loop: {r[1]['mean']/peer:.2f}x its time")
print(f"starling -w 1 --trust-input vs the simdjson loop: {r[-1]['mean']/peer:.2f}x its time")
if len(r) > 4:
    print(f"DuckDB 1 thread vs starling -w 1: {r[3]['mean']/base:.1f}x slower (target >= 5x)")
    print(f"DuckDB default threads vs starling default workers: {r[4]['mean']/r[1]['mean']:.1f}x slower")
PY
