#!/usr/bin/env bash
# Fails when a C++ file under src/, tests/, bench/ or fuzz/ is not formatted
# as .clang-format says (run `make format` to fix).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cf=$(command -v clang-format-14 || command -v clang-format || true)
[[ -n $cf ]] || { echo "check-format: no clang-format (scripts/install-deps.sh installs clang-format-14)"; exit 1; }
cd "$root"
mapfile -t files < <(find src tests bench fuzz -name '*.cc' -o -name '*.h' | sort)
if "$cf" --dry-run --Werror "${files[@]}" 2> format.log; then
  rm -f format.log
  echo "check-format: ${#files[@]} files formatted as .clang-format says"
else
  grep -E '^[^ ].*(warning|error):' format.log | sed -E 's/:[0-9]+:[0-9]+: .*//' | sort -u |
    sed 's/^/check-format: not formatted: /'
  rm -f format.log
  echo "check-format: run 'make format'"
  exit 1
fi
