# Shared set-up of the side-by-side scripts (compare.sh, top_compare.sh);
# sourced, not run. Usage: bench_setup NAME PEER_MJS LINES BINARY...
# Sets: root, lines, data, bin, scratch, corpus (the real X v2 corpus, made
# once in bench/.scratch), duck (the DuckDB peer command, "" when npm or
# node is missing) and pin (taskset to core 0 where available).
bench_setup() {
  local name=$1 peer=$2
  lines=$3
  shift 3
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  cd "$root"
  data=${STARLING_SHARED_DATA:-$root/../shared/data}
  bin=${STARLING_BUILD:-build/release}
  scratch=bench/.scratch
  mkdir -p "$scratch"
  corpus=$scratch/v2-$lines.jsonl
  [ -s "$corpus" ] || python3 bench/make_v2_corpus.py "$data" "$corpus" "$lines"
  local b
  for b in "$@"; do
    [ -x "$bin/$b" ] || { echo "$name: build first (make release): missing $bin/$b"; exit 1; }
  done
  # DuckDB from npm, in a scratch folder (never in the repo).
  duck=""
  if command -v node >/dev/null 2>&1; then
    if [ ! -d "$scratch/node/node_modules/@duckdb/node-api" ]; then
      mkdir -p "$scratch/node"
      (cd "$scratch/node" && npm install --no-audit --no-fund --silent @duckdb/node-api@1.5.6-r.1) ||
        echo "$name: could not install @duckdb/node-api; DuckDB skipped"
    fi
    if [ -d "$scratch/node/node_modules/@duckdb/node-api" ]; then
      cp "bench/$peer" "$scratch/node/"
      duck="node $scratch/node/$peer $root/$corpus"
    fi
  fi
  pin=""
  if command -v taskset >/dev/null 2>&1; then pin="taskset -c 0"; fi
}
