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
  libsqlite3-dev sqlite3
  libhdf5-dev hdf5-tools              # the HDF5 store (sink/hdf5/), h5dump in its tests
  libicu-dev zlib1g-dev libzstd-dev zstd gzip
  libedit-dev                         # starling query's REPL: line editing and history
  libgtest-dev libgmock-dev libbenchmark-dev
  hyperfine python3 curl netcat-openbsd
  libboost-dev libboost-system-dev    # Boost.Beast/Asio: the dashboard's HTTP + WebSocket server
  prometheus-cpp-dev                  # /metrics in the Prometheus text format
  libcurl4-openssl-dev libssl-dev     # provider APIs over HTTPS (X, GitHub, Mastodon, Meetup), wss: for Jetstream
  openssl                             # tests: a certificate for the local HTTPS/wss replay server
  chromium                            # the dashboard's browser test (headless, via playwright-core)
  # The stores' client libraries (src/sink/): PostgreSQL, MariaDB, MongoDB, HDF5.
  libpq-dev libmariadb-dev libmongoc-dev libbson-dev libhdf5-dev
  hdf5-tools                          # h5dump: tests read back what the HDF5 store wrote
  # Real servers for the store tests (tests/support/store_servers.py starts
  # and stops them per ctest run, on 127.0.0.1): PostgreSQL (with psql),
  # MariaDB (with the mariadb client), ClickHouse (Debian's 18.16, HTTP).
  # MongoDB is FerretDB, built from the Go module proxy below.
  postgresql mariadb-server clickhouse-server
  # Kafka: the client library (librdkafka 2.0.2) and kcat on it; the tests'
  # real broker (tests/support/kafka_broker.py) runs on Java 17, its jars
  # fetched from Maven Central with maven below.
  librdkafka-dev kcat openjdk-17-jre-headless maven
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
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  # The server packages must not start system-wide servers (port 5432, 3306,
  # 8123/9000) on install: the tests start their own on free ports.
  policy=""
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod 755 "$policy"
  fi
  trap '[ -n "$policy" ] && $SUDO rm -f "$policy"' EXIT
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# FerretDB (the MongoDB wire protocol over SQLite) for the MongoDB store's
# tests: no MongoDB server is packaged for Debian 12. Built once from the Go
# module proxy into ${XDG_CACHE_HOME:-~/.cache}/starling/ (a few minutes on
# 2 cores), reused after. It needs Go >= 1.24 (Debian 12's golang-go is 1.19,
# too old, so it is not installed from apt): without one, this says so and the
# MongoDB tests skip loudly; every other test runs.
python3 "$(dirname "$0")/../tests/support/store_servers.py" build-ferretdb ||
  echo "install-deps: no FerretDB: the MongoDB store's tests will be SKIPPED (see above)"

# The Kafka broker of the Kafka tests (one node, KRaft): its jars fetched
# once with Maven into ${XDG_CACHE_HOME:-~/.cache}/starling/kafka-VERSION/libs
# (about 45 MB; 15-45 s on the first fetch), reused after. Without them the
# fixture tries again at its start; when it cannot, this says so and the
# Kafka tests skip loudly; every other test runs.
python3 "$(dirname "$0")/../tests/support/kafka_broker.py" fetch ||
  echo "install-deps: no Kafka broker: the Kafka tests will be SKIPPED (see above)"
