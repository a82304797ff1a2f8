#!/usr/bin/env bash
# Installs what Starling needs to build, test and benchmark on Debian 12.
# Idempotent: installs only what is missing, runs apt-get update at most once.
set -euo pipefail

PACKAGES=(
  build-essential cmake ninja-build pkg-config git
  clang libclang-rt-14-dev            # libFuzzer targets and sanitizer runtimes
  clang-format-14                     # the format check of make test (scripts/check-format.sh)
  llvm                                 # llvm-symbolizer: source lines in ASan/UBSan/TSan reports
  libsimdjson-dev libcli11-dev libyaml-cpp-dev libxxhash-dev libfmt-dev
  libsqlite3-dev sqlite3 libicu-dev zlib1g-dev libzstd-dev zstd gzip
  libedit-dev                         # starling query's REPL: line editing and history
  libgtest-dev libgmock-dev libbenchmark-dev
  hyperfine python3 curl netcat-openbsd
  libboost-dev libboost-system-dev    # Boost.Beast/Asio: the dashboard's HTTP + WebSocket server
  prometheus-cpp-dev                  # /metrics in the Prometheus text format
  libcurl4-openssl-dev libssl-dev     # provider APIs over HTTPS (X, GitHub, Mastodon, Meetup), wss: for Jetstream
  openssl                             # tests: a certificate for the local HTTPS/wss replay server
  chromium                            # the dashboard's browser test (headless, via playwright-core)
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done
# Node.js (for the DuckDB comparison in bench/): only when no node is present.
if ! command -v node >/dev/null 2>&1; then missing+=(nodejs npm); fi

if ((${#missing[@]} == 0)); then
  echo "install-deps: all packages present"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "install-deps: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
