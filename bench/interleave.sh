#!/usr/bin/env bash
# Interleaved timing on a noisy machine: runs every command once, in turn,
# ROUNDS times, and prints each command's median, min and max wall time.
# Commands in a round see the same machine, so their ratios hold even when
# the machine's own speed drifts between rounds (hyperfine runs all of one
# command, then all of the next).
# Usage: bench/interleave.sh ROUNDS 'CMD1' 'CMD2' ...   (output to /dev/null)
set -euo pipefail
[ $# -ge 2 ] || { echo "usage: $0 ROUNDS 'CMD' ['CMD' ...]" >&2; exit 2; }
rounds=$1
shift
declare -a times
for ((r = 0; r < rounds; r++)); do
  i=0
  for cmd in "$@"; do
    start=$(date +%s%N)
    bash -c "$cmd" > /dev/null 2>&1 || { echo "failed: $cmd" >&2; exit 1; }
    end=$(date +%s%N)
    times[i]+="$(((end - start) / 1000000)) "
    i=$((i + 1))
  done
done
i=0
for cmd in "$@"; do
  echo "${times[i]}" | tr ' ' '\n' | grep . | sort -n |
    awk -v c="$cmd" '{ a[NR] = $1 } END { printf "median %d ms (min %d, max %d)  %s\n", a[int((NR + 1) / 2)], a[1], a[NR], c }'
  i=$((i + 1))
done
