#!/usr/bin/env bash
# Differential test: `starling normalize --text --indices` against the reference
# twitter-text JavaScript package on generated adversarial texts (see
# twitter_text_differential.js). Installs twitter-text@3.1.0 from the npm
# registry into a cache folder the first time.
# Usage: twitter_text_differential.sh STARLING_BINARY SHARED_DATA_DIR CACHE_DIR
# Environment: TWITTER_TEXT_DIFF_COUNT (generated texts, default 24000), TWITTER_TEXT_DIFF_SEED.
# Exits 77 (skipped, as CTest's SKIP_RETURN_CODE) when node or npm is missing or
# the package cannot be installed; never passes without comparing.
set -uo pipefail
bin=$(realpath -m "$1")
data=$(realpath -m "$2")
cache=$(realpath -m "$3")
here=$(cd "$(dirname "$0")" && pwd)
version=3.1.0
pkg_dir="$cache/twitter-text-$version"

skip() {
  echo "SKIPPED: twitter-text differential test not run: $*" >&2
  echo "SKIPPED: twitter-text differential test not run: $*"
  exit 77
}
command -v node >/dev/null 2>&1 || skip "node is not installed"
[ -x "$bin" ] || { echo "FAIL starling binary not found at $bin"; exit 1; }
[ -f "$data/twitter-text/extract.yml" ] || { echo "FAIL conformance suite not found in $data"; exit 1; }

if [ ! -f "$pkg_dir/node_modules/twitter-text/package.json" ]; then
  command -v npm >/dev/null 2>&1 || skip "npm is not installed (needed once, to install twitter-text@$version)"
  mkdir -p "$pkg_dir"
  echo "installing twitter-text@$version into $pkg_dir"
  if ! (cd "$pkg_dir" && npm install --no-save --no-audit --no-fund --ignore-scripts \
          --prefix "$pkg_dir" "twitter-text@$version" >"$pkg_dir/npm.log" 2>&1); then
    tail -5 "$pkg_dir/npm.log" >&2
    rm -rf "$pkg_dir/node_modules"
    skip "npm install twitter-text@$version failed (offline?), see $pkg_dir/npm.log"
  fi
fi

exec node "$here/twitter_text_differential.js" --starling "$bin" --twitter-text "$pkg_dir" \
  --data "$data" --count "${TWITTER_TEXT_DIFF_COUNT:-24000}" --seed "${TWITTER_TEXT_DIFF_SEED:-12}"
