#!/usr/bin/env bash
# Kafka against a file, and scale-out over processes (docs/benchmarks.md).
#   bench/kafka_bench.sh [N_POSTS] [PARTITIONS] [MAX_PROCESSES] [BUILD]
# Starts a throwaway broker (tests/support/kafka_broker.py, 127.0.0.1) in a
# scratch folder, generates N posts (default 200,000) into a file and, with
# `starling collect`, into a topic of PARTITIONS partitions (default 8),
# then times with hyperfine, side by side:
#   - `run examples/trending.yaml` over the file of the posts as the topic
#     holds them (normalized), and over the topic (`stop=end`): the
#     consume-and-analyse ratio;
#   - `run --scale-out` with 1, 2, ... MAX_PROCESSES processes (default 2)
#     in one group, each run a fresh group: the scaling curve. On a 16-core
#     machine: bench/kafka_bench.sh 1000000 16 8.
# Each configuration's results are checked equal to the file run's before
# it is timed. Needs Java 17 and the broker's jars (scripts/install-deps.sh),
# kcat, hyperfine, sqlite3.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
n=${1:-200000} partitions=${2:-8} max=${3:-2} build=${4:-$root/build/release}
bin="$build/starling"
[ -x "$bin" ] || { echo "kafka_bench: build first (make release): missing $bin"; exit 1; }
work=$(mktemp -d)
broker="$work/broker"
cleanup() { python3 "$root/tests/support/kafka_broker.py" stop --dir "$broker" >/dev/null 2>&1 || true; rm -rf "$work"; }
trap cleanup EXIT
python3 "$root/tests/support/kafka_broker.py" start --dir "$broker" >/dev/null
bootstrap=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['bootstrap'])" "$broker/kafka.json")
cd "$work"
"$bin" -q generate --count "$n" --no-pace --seed 42 --rate 200 --start 2026-01-01T00:00:00Z > posts.jsonl
# The file to compare with holds what the topic holds (collect writes
# normalized posts to both), not the generator's raw X lines.
"$bin" -q collect -s posts.jsonl -o jsonl:normalized.jsonl
python3 "$root/tests/support/kafka_broker.py" create-topic --dir "$broker" posts "$partitions" >/dev/null
t0=$(date +%s.%N)
"$bin" -q collect -s posts.jsonl -o "kafka://$bootstrap/posts" 2>/dev/null
t1=$(date +%s.%N)
echo "input: $n posts ($(du -m normalized.jsonl | cut -f1) MB normalized, as the topic holds them), topic of $partitions partitions on $bootstrap"
echo "collect into Kafka: $(python3 -c "print(f'{$n / ($t1 - $t0):,.0f}')") posts/s"
pipeline="$root/examples/trending.yaml"
tables="windows trending cooccurrence counts distinct_counts"
dump() { for t in $tables; do sqlite3 "$1" "SELECT * FROM $t ORDER BY 1,2,3,4,5" 2>/dev/null; done | sha256sum; }

"$bin" -q run "$pipeline" --source normalized.jsonl --results sqlite:file.db
want=$(dump file.db)
"$bin" -q run "$pipeline" --source "kafka://$bootstrap/posts?stop=end" --results sqlite:kafka.db
[ "$(dump kafka.db)" = "$want" ] || { echo "kafka_bench: the Kafka run's results differ from the file's"; exit 1; }

# The scale-out runs: K processes in one fresh group, all to their own
# results file; the run ends when every process has.
cat > scale.sh <<EOF
#!/usr/bin/env bash
set -e
k=\$1 g=g\$RANDOM\$RANDOM
for i in \$(seq 1 \$k); do
  "$bin" -q run "$pipeline" --scale-out --source "kafka://$bootstrap/posts?group=\$g&stop=end" \\
    --results sqlite:so-\$k-\$i.db --checkpoint-dir ck-\$g-\$i 2>/dev/null &
done
wait
EOF
chmod +x scale.sh
for k in $(seq 1 "$max"); do
  rm -f so-"$k"-*.db
  ./scale.sh "$k"
  got=$(for t in $tables; do for db in so-"$k"-*.db; do sqlite3 "$db" "SELECT * FROM $t" 2>/dev/null; done | sort; done | sha256sum)
  want_sorted=$(for t in $tables; do sqlite3 file.db "SELECT * FROM $t" | sort; done | sha256sum)
  [ "$got" = "$want_sorted" ] || { echo "kafka_bench: $k process(es) differ from the file's results"; exit 1; }
done
echo "every configuration's results equal the file run's"

cmds=(-n file "'$bin' -q run '$pipeline' --source normalized.jsonl --results sqlite:t-file.db"
      -n kafka "'$bin' -q run '$pipeline' --source 'kafka://$bootstrap/posts?stop=end' --results sqlite:t-kafka.db")
for k in $(seq 1 "$max"); do cmds+=(-n "scale-out x$k" "./scale.sh $k"); done
hyperfine --warmup 1 --runs "${RUNS:-5}" --prepare 'rm -f t-*.db so-*.db' --export-markdown kafka.md "${cmds[@]}"
cat kafka.md
