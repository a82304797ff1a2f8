#!/usr/bin/env bash
# Regenerates the spec lists that come from the connector registries:
# docs/specs.md (all of `starling specs --markdown`) and the block between
# the specs markers in README.md (its tables, one heading level down); and
# the result tables of docs/formats/results.md (`starling specs
# --result-tables`, from model/result_columns.cc).
#   scripts/update-spec-docs.sh [STARLING]        rewrite them
#   scripts/update-spec-docs.sh --check STARLING  exit 1 when they are not current
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
check=0
if [[ ${1:-} == --check ]]; then check=1; shift; fi
bin=${1:-$root/build/release/starling}
md=$("$bin" specs --markdown)
block=$(printf '%s\n' "$md" | sed -n '/^## Sources/,$p' | sed 's/^## /### /')
# The block goes through the environment: awk -v would read its "\|" (a
# pipe escaped in a table cell) as an escape sequence and drop the backslash.
readme=$(block="$block" awk '
  /<!-- specs:begin/ { print; print ENVIRON["block"]; skip = 1; next }
  /<!-- specs:end/ { skip = 0 }
  !skip { print }' "$root/README.md")
tables=$("$bin" specs --result-tables)
results=$(block="$tables" awk '
  /<!-- result-tables:begin/ { print; print ENVIRON["block"]; skip = 1; next }
  /<!-- result-tables:end/ { skip = 0 }
  !skip { print }' "$root/docs/formats/results.md")
if [[ $check == 1 ]]; then
  status=0
  diff <(printf '%s\n' "$md") "$root/docs/specs.md" >/dev/null || { echo "docs/specs.md is not current: run scripts/update-spec-docs.sh"; status=1; }
  diff <(printf '%s\n' "$readme") "$root/README.md" || { echo "README.md's spec tables are not current: run scripts/update-spec-docs.sh"; status=1; }
  diff <(printf '%s\n' "$results") "$root/docs/formats/results.md" || { echo "docs/formats/results.md's tables are not current: run scripts/update-spec-docs.sh"; status=1; }
  exit $status
fi
printf '%s\n' "$md" > "$root/docs/specs.md"
printf '%s\n' "$readme" > "$root/README.md"
printf '%s\n' "$results" > "$root/docs/formats/results.md"
