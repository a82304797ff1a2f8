#!/usr/bin/env bash
# Loads N generated posts into MongoDB (the test servers' FerretDB, or any)
# with `starling collect`, then inserts the same documents again with plain
# libmongoc insert_many (bench/mongodb_insert_peer.cc: no parsing, no
# encoding, no upsert path), and prints posts/s of both. mongoimport is not
# packaged in Debian 12; this peer takes its place.
#   MONGODB_PASSWORD=... bench/mongodb_load.sh HOST PORT [N] [BUILD]
# The database `starling` is dropped first (FerretDB: through
# tests/support/mongo_wire.py).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
host=$1 port=$2 n=${3:-200000} build=${4:-$root/build/release}
: "${MONGODB_PASSWORD:?set MONGODB_PASSWORD}"
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"$build/starling" generate --count "$n" --no-pace --seed 42 --start 2021-04-01T00:00:00Z \
  > "$tmp/posts.jsonl"
echo "input: $n posts, $(du -m "$tmp/posts.jsonl" | cut -f1) MB"
ROOT=$root python3 -c "
import os, sys
sys.path.insert(0, os.path.join(os.environ['ROOT'], 'tests', 'support'))
import mongo_wire
with mongo_wire.MongoClient('$host', $port, timeout=300) as c:
    c.auth('starling', os.environ['MONGODB_PASSWORD'], 'starling')
    c.command('starling', {'dropDatabase': 1})
"
spec="mongodb://starling@$host:$port/starling"
t0=$(date +%s.%N)
"$build/starling" collect -s "$tmp/posts.jsonl" -o "$spec" 2>&1 | grep -v "^starling: collecting"
t1=$(date +%s.%N)
awk -v n="$n" -v a="$t0" -v b="$t1" 'BEGIN { printf "starling collect: %d posts in %.1f s (%.0f posts/s)\n", n, b - a, n / (b - a) }'
"$build/bench/mongodb_insert_peer" "$host" "$port" starling posts posts_peer 5000
