#!/usr/bin/env bash
# Side-by-side: the HDF5 store against the SQLite store, writing and reading
# the same posts, pinned to one core, in one run:
#   write: `starling convert POSTS.jsonl OUT` (parse + store) into each store
#   read:  `starling convert OUT -` (every post back, complete, as JSON lines)
# The posts are the seeded generator's X v2 firehose (`starling generate`).
# Prints wall times (hyperfine), the ratios and the files' sizes. Scratch
# files live in bench/.scratch (ignored by git).
# Usage: bench/store_compare.sh [POSTS]   (default 100000; RUNS=3)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
n=${1:-${POSTS:-100000}}
bin=${STARLING_BUILD:-build/release}
scratch=bench/.scratch
mkdir -p "$scratch"
[ -x "$bin/starling" ] || { echo "store_compare: build first (make release): missing $bin/starling"; exit 1; }
pin=""
if command -v taskset >/dev/null 2>&1; then pin="taskset -c 0"; fi
in=$scratch/gen-$n.jsonl
[ -s "$in" ] || "$bin/starling" generate --count "$n" --no-pace --seed 7 --start 2021-04-01T00:00:00Z > "$in"
db=$scratch/store.db
h5=$scratch/store.h5
echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "input: $in ($(du -h "$in" | cut -f1), $n generated X v2 posts)"

json=$scratch/store_write.json
hyperfine --warmup 1 --runs "${RUNS:-3}" --export-json "$json" \
  --prepare "rm -f $db $db-wal $db-shm $h5" \
  -n "sqlite write" "$pin $bin/starling -q convert $in sqlite:$db" \
  -n "hdf5 write" "$pin $bin/starling -q convert $in hdf5:$h5"
# The files the reads read (each write run removed both first).
"$bin/starling" -q convert "$in" "sqlite:$db" && "$bin/starling" -q convert "$in" "hdf5:$h5"
echo "sizes: sqlite $(du -h "$db" | cut -f1), hdf5 $(du -h "$h5" | cut -f1)" \
  "(posts: $("$bin/starling" -q convert "$h5" - | wc -l) back from HDF5)"
json2=$scratch/store_read.json
hyperfine --warmup 1 --runs "${RUNS:-3}" --output=null --export-json "$json2" \
  -n "sqlite read" "$pin $bin/starling -q convert $db -" \
  -n "hdf5 read" "$pin $bin/starling -q convert $h5 -"

python3 - "$json" "$json2" <<'PY'
import json, sys
for path in sys.argv[1:]:
    r = json.load(open(path))["results"]
    base = r[0]["mean"]
    for x in r:
        print(f"{x['command']:<14} {x['mean']:.3f} s  ({x['mean'] / base:.2f}x of {r[0]['command']})")
PY
