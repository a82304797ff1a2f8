#!/usr/bin/env bash
# Fails when a file under src/ includes a header of a layer it may not use.
# The order (src/README.md, docs/architecture.md), inner to outer:
#   common <- model <- text <- parse <- source, sink <- query, analytics <- dataflow <- serve <- app
# A layer may include its own headers and those of the layers it lists below.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
declare -A allowed=(
  [common]=""
  [model]="common"
  [text]="common model"
  [parse]="common model text"
  [source]="common model"
  [sink]="common model text"
  [query]="common model text parse source sink"
  [analytics]="common text"
  [dataflow]="common model text parse source sink analytics"
  [serve]="common model text parse source sink query analytics dataflow"
  [app]="common model text parse source sink query analytics dataflow serve"
)
status=0
while IFS= read -r file; do
  rel=${file#"$root"/src/}
  layer=${rel%%/*}
  [[ -v allowed[$layer] ]] || { echo "check-layers: $rel: unknown layer '$layer'"; status=1; continue; }
  while IFS=: read -r line inc; do
    target=${inc%%/*}
    [[ $target == "$layer" ]] && continue
    [[ -v allowed[$target] ]] || continue  # a generated or third-party header
    if [[ " ${allowed[$layer]} " != *" $target "* ]]; then
      echo "check-layers: src/$rel:$line: $layer may not include \"$inc\" (allowed: ${allowed[$layer]:-none})"
      status=1
    fi
  done < <(grep -n '^#include "' "$file" | sed -E 's/^([0-9]+):#include "([^"]+)".*/\1:\2/')
done < <(find "$root/src" -name '*.cc' -o -name '*.h' | sort)
if [[ $status == 0 ]]; then echo "check-layers: every include follows the layer order"; fi
exit $status
