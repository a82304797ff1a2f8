#!/usr/bin/env bash
# Golden outputs: runs the commands whose output must not change when the code
# is reshaped (normalize, top, run of the example pipelines, sentiment,
# convert, generate) on ../shared/data and the seeded generator, and prints
# one "sha256  name" line per output, sorted.
#
#   golden_outputs.sh STARLING SHARED_DATA            print the manifest
#   golden_outputs.sh STARLING SHARED_DATA MANIFEST   compare with MANIFEST; exit 1 on a difference
#
# Only bytes a user sees are hashed: stdout and written files (SQLite files
# through `convert` to JSONL, since the file bytes themselves are not stable).
set -euo pipefail
BIN=$(realpath "$1")
DATA=$(realpath "$2")
MANIFEST=${3:+$(realpath "$3")}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
W=$(mktemp -d)
trap '[[ -n ${KEEP:-} ]] || rm -rf "$W"' EXIT
cd "$W"
mkdir out

START=2026-01-01T00:00:00Z
"$BIN" -q generate --seed 11 --count 20000 --rate 100 --no-pace --start "$START" >out/generate.jsonl
INPUTS=(
  "$DATA"/twarc-csv/*.jsonl
  "$DATA"/twarc-hashtags/tweets1.jsonl
  "$DATA"/simdjson/twitter.json
)
cat "${INPUTS[@]}" >shared.jsonl

run() { # name, command...: stdout into out/NAME
  local name=$1
  shift
  "$@" >"out/$name" 2>/dev/null || echo "exit $?" >>"out/$name"
}

for f in "${INPUTS[@]}"; do
  b=$(basename "$(dirname "$f")")-$(basename "$f")
  run "normalize-$b" "$BIN" -q normalize "$f"
  run "normalize-ref-$b" "$BIN" -q normalize --include-referenced "$f"
  run "sentiment-$b" "$BIN" -q sentiment "$f"
done
run normalize-generate "$BIN" -q normalize out/generate.jsonl
run normalize-text "$BIN" -q normalize --text "$DATA"/vader/*.txt
run sentiment-text "$BIN" -q sentiment --text "$DATA"/vader/README.rst

for by in hashtag mention url domain cashtag word author lang kind; do
  for w in 1 2; do
    run "top-$by-w$w-shared" "$BIN" -q top --by "$by" -k 25 -w "$w" --format tsv shared.jsonl
    run "top-$by-w$w-generate" "$BIN" -q top --by "$by" -k 25 -w "$w" --format json out/generate.jsonl
  done
done
run top-window "$BIN" -q top --by hashtag --window 1m -k 5 --format tsv out/generate.jsonl
run top-approx "$BIN" -q top --by word --approximate -k 20 --format tsv out/generate.jsonl

for p in "$ROOT"/examples/*.yaml; do
  n=$(basename "$p" .yaml)
  for w in 1 2; do
    for mode in record microbatch; do
      rm -rf out/*late* out/*dead-letters* ./*dead-letters*
      "$BIN" -q run "$p" --source out/generate.jsonl --workers "$w" --mode "$mode" \
        --results "jsonl:out/run-$n-w$w-$mode.jsonl" >/dev/null 2>&1 ||
        echo "exit $?" >>"out/run-$n-w$w-$mode.jsonl"
    done
  done
done
rm -rf out/*-checkpoint out/*.db out/*late* out/*dead-letters* 2>/dev/null || true
# Micro-batches are cut by processing time, so how many updates a window gets
# before its final depends on the machine's speed: only finals are compared.
for f in out/run-*.jsonl; do
  grep -E '"final":true|^exit ' "$f" > "$f.finals" || true
  mv "$f.finals" "$f"
done

"$BIN" -q convert shared.jsonl out/convert.csv >/dev/null 2>&1
"$BIN" -q convert shared.jsonl conv.db >/dev/null 2>&1
"$BIN" -q convert conv.db out/convert-db.jsonl >/dev/null 2>&1
"$BIN" -q convert out/convert.csv out/convert-csv.jsonl >/dev/null 2>&1
"$BIN" -q collect --source shared.jsonl --sink 'jsonl:out/collect-raw.jsonl?raw=1' >/dev/null 2>&1

# Dead letters carry the wall-clock time they were written: drop it.
for f in out/*dead-letters*; do
  [[ -e $f ]] && sed -i 's/^{"time":"[^"]*",/{/' "$f"
done
(cd out && sha256sum -- * | sort -k2) >manifest
if [[ -z $MANIFEST ]]; then
  cat manifest
  exit 0
fi
if diff -u "$MANIFEST" manifest; then
  echo "golden outputs: $(wc -l <manifest) outputs identical"
  echo "1 passed, 0 failed"
else
  echo "golden outputs differ from $MANIFEST (lines above)" >&2
  exit 1
fi
