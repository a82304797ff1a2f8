#!/usr/bin/env bash
# Crash recovery, end to end: a checkpointing `starling run` is killed with
# SIGKILL at random moments, resumed with --resume each time, then runs to
# completion; every results table must equal that of an uninterrupted run
# (docs/pipelines.md, "Checkpoints and exactly-once results"), and every file
# output (posts JSONL, late posts, dead letters) must equal it byte for byte:
# nothing lost, nothing twice. Three times: the generator with --workers 1
# and 2, and a file of the generator's posts put out of order (late posts
# within and beyond the allowed lateness, so windows are updated after their
# first result), with malformed lines among them, resumed with --workers 2,
# 1 and 3 in turn (a checkpoint resumes with any number of workers).
#
# Usage: kill_resume_test.sh STARLING_BINARY [SECONDS]
#   SECONDS: the target length of one uninterrupted run (default 12); the
#   generator's count is calibrated to it on this machine, so the kills land
#   mid-run whatever the build type, and the test stays bounded.
# KR_SEED=N replays the kill timings of an earlier run (printed at the start).
set -uo pipefail
bin=$(realpath -m "$1")
target=${2:-12}
seed=${KR_SEED:-$$}
RANDOM=$seed
work=$(mktemp -d)
pid=""
cleanup() {
  if [ -n "$pid" ]; then kill -9 "$pid" 2>/dev/null; wait "$pid" 2>/dev/null; fi
  rm -rf "$work"
}
trap cleanup EXIT
cd "$work" || exit 1
echo "kill_resume: seed $seed (KR_SEED=$seed replays the kill timings)"

pass=0; fail=0
ok() { pass=$((pass + 1)); echo "ok   $*"; }
bad() { fail=$((fail + 1)); echo "FAIL $*"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
# A random sleep in [0.5, 3] s.
random_sleep() { awk -v r="$RANDOM" 'BEGIN { printf "%.2f", 0.5 + 2.5 * r / 32767 }'; }

gen() { echo "generate:?rate=50&count=$1&pace=0&seed=11&start=2021-04-01T00:00:00Z"; }
# Every analysis kind, several window kinds; 50 posts/s of event time, so
# windows close all through the run. A checkpoint every 200 ms.
pipeline() {  # pipeline SOURCE
  cat <<EOF
name: kr
source: "$1"
watermark: 5s
allowed_lateness: 10s
checkpoint: {interval: 200ms}
analyses:
  - {name: hashtags, type: top, by: hashtag, k: 10, window: 1m}
  - {name: hashtags_approx, type: top, by: hashtag, k: 10, mode: space-saving, capacity: 200, window: 1m}
  - {name: langs, type: count, by: lang, window: 1m}
  - {name: kinds, type: count, by: kind, window: "sliding 5m 1m"}
  - {name: authors, type: distinct, of: author, window: 5m}
  - {name: mood, type: sentiment, by: hashtag, k: 5, window: 1m}
  - {name: bursts, type: bursts, by: hashtag, window: 1m, warmup: 3}
  - {name: topics, type: clusters, k: 4, window: 10m}
  - {name: pairs, type: cooccurrence, k: 10, window: 1m}
  - {name: sessions, type: sessions, by: author, window: session 2m}
sinks:
  results: sqlite:unused.db
  posts: jsonl:posts.jsonl
  late: jsonl:late.jsonl
  dead_letters: dead.jsonl
EOF
}

# The generator's posts with each moved by up to 900 lines (about 18 s of
# event time at 50/s) later in the file: streaming, fixed seed.
shuffle() {
  python3 -c '
import heapq, random, sys
random.seed(5)
heap, i = [], 0
for i, line in enumerate(sys.stdin.buffer):
    heapq.heappush(heap, (i + random.randint(0, 900), i, line))
    while heap and heap[0][0] <= i:
        sys.stdout.buffer.write(heapq.heappop(heap)[2])
while heap:
    sys.stdout.buffer.write(heapq.heappop(heap)[2])
'
}

# Every table of a results database as sorted SELECT * (REALs in full
# precision: .mode quote prints 20 significant digits).
dump_table() { sqlite3 -cmd '.mode quote' "$1" "SELECT * FROM $2" | LC_ALL=C sort; }
tables() { sqlite3 "$1" "SELECT name FROM sqlite_master WHERE type='table' ORDER BY name" | tr '\n' ' '; }

# The generator's count for a run of about $target seconds with $1 workers.
calibrate() {
  local workers=$1 n=20000 t0 t1 el
  for _ in 1 2 3 4; do
    pipeline "$(gen $n)" > cal.yaml
    rm -rf cal.db* cal-ck late.jsonl posts.jsonl dead.jsonl
    t0=$(now)
    timeout 120 "$bin" -q run cal.yaml --workers "$workers" --checkpoint-dir cal-ck -o sqlite:cal.db || return 1
    t1=$(now)
    el=$(secs "$t0" "$t1")
    if awk -v e="$el" 'BEGIN { exit !(e >= 1.5) }'; then break; fi
    n=$((n * 4))
  done
  # Linear in the count; at least 30000 posts, at most 3 million.
  awk -v n="$n" -v e="$el" -v t="$target" 'BEGIN {
    c = int(n * t / (e > 0.01 ? e : 0.01) / 1000) * 1000
    if (c < 30000) c = 30000; if (c > 3000000) c = 3000000; print c }'
}

scenario() {  # scenario WORKERS generator|shuffled
  local w="$1, $2" count t0 t1 rc kills=0 resumes=0 finished=0 s
  echo "--- --workers $1, $2 input"
  count=$(calibrate "$1") || { bad "workers $w: calibration run failed"; return; }
  rm -rf ref.db* crash.db* ref-ck ck run.log ref-* late.jsonl posts.jsonl dead.jsonl \
    results.jsonl in.jsonl.zst
  if [ "$2" = generator ]; then
    pipeline "$(gen "$count")" > p.yaml
  else
    count=$((count * 7 / 10))  # reading and decompressing a file is slower than the generator
    # Out of order; about ten malformed lines, and about ten times again one
    # of the first 50 posts dated a day earlier, so it is too late for every
    # window (the longest, ten minutes, closes 10 min 15 s of event time
    # after it opens; a day is beyond any): the late side output. Spaced by
    # the count, so a slower build (a sanitizer's, calibrated to fewer
    # posts) still has enough of both.
    local every=$((count / 10 > 1000 ? count / 10 : 1000))
    "$bin" generate --count "$count" --rate 50 --no-pace --seed 11 --start 2021-04-01T00:00:00Z |
      shuffle | awk -v every="$every" '{ print } NR <= 50 { early[NR] = $0 }
        NR % every == 0 { print "{\"broken\": " NR }
        NR % every == int(every / 2) && NR >= 2000 {
          late = early[int(NR / every) % 50 + 1]
          sub(/"created_at":"2021-04-01T/, "\"created_at\":\"2021-03-31T", late); print late }' |
      zstd -q -1 -o in.jsonl.zst || { bad "workers $w: cannot write the input"; return; }
    pipeline in.jsonl.zst > p.yaml
  fi

  # 1. Uninterrupted (checkpoints on too: the same code path, never resumed).
  t0=$(now)
  if timeout 300 "$bin" run p.yaml --workers "$1" --checkpoint-dir ref-ck -o sqlite:ref.db \
       -o jsonl:ref-results.jsonl 2> ref.log; then
    t1=$(now); echo "     uninterrupted run: $count posts in $(secs "$t0" "$t1") s; $(grep -o '[0-9,]* window results ([0-9,]* final)' ref.log)"
    mv late.jsonl ref-late.jsonl; mv posts.jsonl ref-posts.jsonl
    if [ -f dead.jsonl ]; then mv dead.jsonl ref-dead.jsonl; else : > ref-dead.jsonl; fi
    if [ "$2" = shuffled ]; then
      # Out of order for real: some posts come too late for their minute (not
      # counted), and windows get updated results after their first one.
      local counted; counted=$(sqlite3 ref.db "SELECT SUM(count) FROM counts WHERE analysis='langs'")
      local updates; updates=$(grep -o '[0-9,]* window results ([0-9,]* final)' ref.log | tr -d ',()' | awk '{ print $1 - $4 }')
      if [ "$counted" -lt "$count" ] && [ "$counted" -gt $((count * 9 / 10)) ] && [ "$updates" -gt 100 ]; then
        ok "workers $w: $((count - counted)) posts too late for their minute, $updates updated results"
      else bad "workers $w: the input is not out of order enough ($counted of $count counted, $updates updates)"; fi
    fi
  else
    bad "workers $w: the uninterrupted run failed"; return
  fi

  # 2. kill -9 at a random moment, resume, kill again (4 times), then a clean
  # stop by SIGINT (windows stay open in the checkpoint), then resume to the end.
  t0=$(now)
  local sigint=0 workers_used=()
  for attempt in 1 2 3 4 5 6 7 8; do
    # The file scenario resumes with another worker count each time.
    local wn=$1
    if [ "$2" = shuffled ]; then wn=$(( (attempt % 3) + 1 )); fi
    workers_used+=("$wn")
    local args=(run p.yaml --workers "$wn" --checkpoint-dir ck -o sqlite:crash.db -o jsonl:results.jsonl)
    # The first run, or after a kill before the first checkpoint: start afresh.
    # (A kill before the first checkpoint leaves outputs a plain run refuses: --overwrite.)
    if [ -f ck/checkpoint.bin ]; then args+=(--resume); resumes=$((resumes + 1)); else args+=(--overwrite); fi
    "$bin" "${args[@]}" >> run.log 2>&1 & pid=$!
    s=$(random_sleep); sleep "$s"
    if [ $kills -lt 4 ]; then
      kill -9 "$pid" 2>/dev/null
      wait "$pid" 2>/dev/null; rc=$?; pid=""
      if [ $rc -eq 137 ]; then
        kills=$((kills + 1))
        echo "     kill -9 after $s s$([ -f ck/checkpoint.bin ] || echo ' (before the first checkpoint)')"
        continue
      fi
    else
      kill -INT "$pid" 2>/dev/null
      for _ in $(seq 300); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
      if kill -0 "$pid" 2>/dev/null; then bad "workers $w: SIGINT did not stop the run within 30 s"; return; fi
      wait "$pid"; rc=$?; pid=""
      sigint=1
    fi
    # Ended on its own before the kill (exit 0), or stopped by SIGINT (exit 130).
    if ! { [ $rc -eq 0 ] || { [ $sigint -eq 1 ] && [ $rc -eq 130 ]; }; }; then
      bad "workers $w: a run exited $rc"; tail -5 run.log; return
    fi
    break
  done
  # The summary of the last run that was not killed: all records read?
  local last; last=$(grep '^done: ' run.log | tail -n 1 | sed -E 's/^done: ([0-9,]+) records.*/\1/' | tr -d ,)
  [ "$last" = "$count" ] && finished=1
  if [ $sigint -eq 1 ]; then
    if [ $finished -eq 0 ]; then echo "     SIGINT after $s s: clean stop, exit 130"; ok "workers $w: SIGINT stops a checkpointing run cleanly"
    else echo "     (the run had ended before the SIGINT)"; fi
  fi
  if [ $finished -eq 0 ]; then
    timeout 300 "$bin" run p.yaml --workers "$1" --checkpoint-dir ck -o sqlite:crash.db \
      -o jsonl:results.jsonl --resume >> run.log 2>&1
    rc=$?; resumes=$((resumes + 1))
    [ $rc -eq 0 ] || { bad "workers $w: the final resume failed (exit $rc)"; tail -5 run.log; return; }
  fi
  t1=$(now)
  echo "     interrupted run: $kills kills, $resumes resumes, $(secs "$t0" "$t1") s in all"
  if [ $kills -ge 3 ]; then ok "workers $w: killed $kills times mid-run"
  else bad "workers $w: the run ended after $kills kills (needs 3; raise SECONDS)"; fi
  # (a run killed while it skips to its checkpoint's position has not logged yet)
  local resumed; resumed=$(grep -c 'resumed from checkpoint' run.log)
  if [ "$resumed" -ge 1 ] && [ "$resumes" -ge 3 ]; then ok "workers $w: $resumes resumes ($resumed logged 'resumed from checkpoint')"
  else bad "workers $w: $resumes resumes, $resumed logged 'resumed from checkpoint'"; fi

  # 3. The same tables, row for row.
  if [ "$(tables ref.db)" = "$(tables crash.db)" ]; then ok "workers $w: the same tables"
  else bad "workers $w: tables differ: $(tables ref.db) vs $(tables crash.db)"; fi
  local t differ=0 nonempty=0
  for t in $(tables ref.db); do
    dump_table ref.db "$t" > "dump-ref.$t"; dump_table crash.db "$t" > "dump-crash.$t"
    [ -s "dump-ref.$t" ] && nonempty=$((nonempty + 1))
    if ! cmp -s "dump-ref.$t" "dump-crash.$t"; then
      differ=1
      echo "     $t: $(wc -l < "dump-ref.$t") rows uninterrupted, $(wc -l < "dump-crash.$t") after the crashes; first differences:"
      diff "dump-ref.$t" "dump-crash.$t" | head -8 | sed 's/^/       /'
    fi
  done
  if [ $differ -eq 0 ]; then ok "workers $w: every results table equals the uninterrupted run's ($(cat dump-ref.* | wc -l) rows)"
  else bad "workers $w: results differ after kill -9 and --resume"; fi
  # File outputs: a resumed run cuts each back to its checkpoint, so they
  # hold every post once, in input order, exactly as the uninterrupted run's.
  local f
  for f in posts late; do
    if cmp -s $f.jsonl ref-$f.jsonl; then ok "workers $w: $f.jsonl is byte for byte the uninterrupted run's ($(wc -l < ref-$f.jsonl) lines)"
    else bad "workers $w: $f.jsonl differs: $(wc -l < $f.jsonl) lines, uninterrupted $(wc -l < ref-$f.jsonl)"; cmp $f.jsonl ref-$f.jsonl | head -2; fi
  done
  # Dead letters: the same records, reasons and positions (not the time written).
  [ -f dead.jsonl ] || : > dead.jsonl
  if cmp -s <(sed 's/"time":"[^"]*"//' dead.jsonl) <(sed 's/"time":"[^"]*"//' ref-dead.jsonl); then
    ok "workers $w: the same dead letters ($(wc -l < ref-dead.jsonl))"
  else bad "workers $w: dead letters differ: $(wc -l < dead.jsonl) lines, uninterrupted $(wc -l < ref-dead.jsonl)"; fi
  if [ "$2" = shuffled ] && { [ "$(wc -l < ref-dead.jsonl)" -lt 5 ] || [ "$(wc -l < ref-late.jsonl)" -lt 5 ]; }; then
    bad "workers $w: too few dead letters or late posts to test"
  fi
  # JSONL results: the last line of each window (its final value) as the
  # uninterrupted run's. (Previews between may differ where a stop cut a
  # chunk short.)
  last_per_window() { python3 -c '
import json, sys
last = {}
for line in open(sys.argv[1]):
    r = json.loads(line)
    last[(r["analysis"], r["window_start"], r["window_end"])] = line
sys.stdout.write("".join(sorted(last.values())))' "$1"; }
  if cmp -s <(last_per_window results.jsonl) <(last_per_window ref-results.jsonl); then
    ok "workers $w: JSONL results end with the same final value for each of $(last_per_window ref-results.jsonl | wc -l) windows"
  else bad "workers $w: JSONL results differ"; fi
  local ntables; ntables=$(tables ref.db | wc -w)
  # analyses, windows and one table per kind of result.
  if [ "$ntables" -eq 10 ] && [ "$nonempty" -eq 10 ]; then ok "workers $w: all 10 tables have rows"
  else bad "workers $w: $nonempty of $ntables tables have rows (expected 10 of 10)"; fi
  if [ "$(sqlite3 crash.db 'SELECT COUNT(*) FROM windows WHERE final = 0')" -eq 0 ] &&
     [ "$(sqlite3 ref.db 'SELECT COUNT(*) FROM windows WHERE final = 0')" -eq 0 ]; then
    ok "workers $w: every stored window is final"
  else bad "workers $w: windows with final = 0 remain"; fi

  # 4. Other worker counts resumed the same checkpoints.
  if [ "$2" = shuffled ]; then
    local distinct; distinct=$(printf '%s\n' "${workers_used[@]}" | sort -u | wc -l)
    if [ "$distinct" -ge 2 ] && grep -q 'worker(s) run them' run.log; then
      ok "workers $w: resumed with --workers ${workers_used[*]} in turn"
    else bad "workers $w: the resumes did not change the worker count (${workers_used[*]})"; fi
  fi
}

scenario 1 generator
scenario 2 generator
scenario 2 shuffled
echo "kill_resume: $pass passed, $fail failed"
[ $fail -eq 0 ]
