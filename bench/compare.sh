#!/usr/bin/env bash
# Side-by-side: `starling normalize` against peers doing the same job on the
# same large JSONL of real X v2 tweets, pinned to one core, in one run:
#   - simdjson_peer: a minimal simdjson On-Demand loop reading the same fields
#   - Python's json module (bench/peer_python.py)
#   - DuckDB via @duckdb/node-api (bench/peer_duckdb.mjs), one thread
# Prints wall times (hyperfine) and the ratios. Scratch files live in
# bench/.scratch (ignored by git).
# Usage: bench/compare.sh [LINES]   (default 100000 lines, about 440 MB; RUNS=3)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
bench_setup compare peer_duckdb.mjs "${1:-${LINES:-100000}}" starling bench/simdjson_peer
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "corpus: $corpus ($(du -h "$corpus" | cut -f1), $lines lines of real X v2 tweets)"
echo "$bin/starling -q normalize $corpus | wc -l: $($bin/starling -q normalize "$corpus" | wc -l)"

cmds=(
  "$pin $bin/starling -q normalize $corpus"
  "$pin $bin/bench/simdjson_peer $corpus"
  "$pin python3 bench/peer_python.py $corpus"
)
[ -n "$duck" ] && cmds+=("$pin $duck")
json=$scratch/compare.json
hyperfine --warmup 1 --runs "${RUNS:-3}" --output=null --export-json "$json" "${cmds[@]}"

python3 - "$json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
base = r[0]["mean"]
names = ["starling normalize", "simdjson loop (same fields)", "python json", "duckdb read_ndjson"]
print("\n| tool | mean wall (s) | stddev | starling speed vs tool |")
print("|---|---|---|---|")
for name, x in zip(names, r):
    print(f"| {name} | {x['mean']:.3f} | {x['stddev']:.3f} | {x['mean']/base:.2f}x |")
print(f"\nstarling throughput relative to the minimal simdjson loop: {r[1]['mean']/base:.2f} (target >= 0.5)")
PY
