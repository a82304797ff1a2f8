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
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
lines=${1:-${LINES:-100000}}
data=${STARLING_SHARED_DATA:-$root/../shared/data}
bin=${STARLING_BUILD:-build/release}
scratch=bench/.scratch
mkdir -p "$scratch"
corpus=$scratch/v2-$lines.jsonl
[ -s "$corpus" ] || python3 bench/make_v2_corpus.py "$data" "$corpus" "$lines"
for b in "$bin/starling" "$bin/bench/simdjson_peer"; do
  [ -x "$b" ] || { echo "compare: build first (make release): missing $b"; exit 1; }
done

# DuckDB from npm, in a scratch folder (never in the repo).
duck=""
if command -v node >/dev/null 2>&1; then
  if [ ! -d "$scratch/node/node_modules/@duckdb/node-api" ]; then
    mkdir -p "$scratch/node"
    (cd "$scratch/node" && npm install --no-audit --no-fund --silent @duckdb/node-api@1.5.6-r.1) ||
      echo "compare: could not install @duckdb/node-api; DuckDB column skipped"
  fi
  if [ -d "$scratch/node/node_modules/@duckdb/node-api" ]; then
    cp bench/peer_duckdb.mjs "$scratch/node/"
    duck="node $scratch/node/peer_duckdb.mjs $root/$corpus"
  fi
fi

pin=""
command -v taskset >/dev/null 2>&1 && pin="taskset -c 0"
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
