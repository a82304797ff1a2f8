#!/usr/bin/env python3
"""`starling query` through the real binary: the same answer from a SQLite
store, the JSONL file it came from and its CSV; every output format; the
REPL on plain stdin; --explain; exit code 2 with query:LINE:COL and a caret
for a bad query, 1 for a runtime error.

usage: query_test.py STARLING SHARED_DATA WORKDIR
"""
import csv
import io
import json
import os
import shutil
import subprocess
import sys

STARLING, SHARED, WORK = sys.argv[1], sys.argv[2], sys.argv[3]
TWEETS = os.path.join(SHARED, "twarc-hashtags", "tweets1.jsonl")
failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print("FAIL:", what)


def query(on, q, *args, stdin=None):
    p = subprocess.run([STARLING, "query", "--on", on, *args] + ([q] if q is not None else []),
                       input=stdin, capture_output=True, text=True, timeout=60)
    return p.returncode, p.stdout, p.stderr


def main():
    shutil.rmtree(WORK, ignore_errors=True)
    os.makedirs(WORK)
    db = os.path.join(WORK, "t.db")
    csv_path = os.path.join(WORK, "t.csv")
    for dst in (db, csv_path):
        p = subprocess.run([STARLING, "-q", "convert", TWEETS, dst], capture_output=True, text=True)
        check(p.returncode == 0, "convert to " + dst + ": " + p.stderr)

    top = "from hashtags | group {tag_lower} (aggregate {n = count this}) | sort {-n} | take 5"
    answers = {}
    for on in (db, TWEETS, csv_path):
        rc, out, err = query(on, top, "--format", "tsv")
        check(rc == 0, "top on " + on + ": " + err)
        answers[on] = out
    check(len(set(answers.values())) == 1, "one answer on every target: %r" % answers)
    lines = answers[db].splitlines()
    check(lines[0] == "tag_lower\tn", "tsv header: %r" % lines[0])
    check(len(lines) == 6, "tsv: a header and 5 rows: %r" % lines)

    # A query spanning lines, with a comment, from a file.
    qfile = os.path.join(WORK, "q.prql")
    with open(qfile, "w", encoding="utf-8") as f:
        f.write("# by language\nfrom posts\nfilter lang != null\n"
                "group {lang} (aggregate {n = count this, likes = sum like_count})\n"
                "sort {-n, lang}\n")
    outs = {}
    for fmt in ("table", "tsv", "csv", "jsonl"):
        rc, out, err = query(db, None, "--file", qfile, "--format", fmt)
        check(rc == 0, "--file --format " + fmt + ": " + err)
        outs[fmt] = out
    rows_csv = list(csv.reader(io.StringIO(outs["csv"])))
    rows_json = [json.loads(line) for line in outs["jsonl"].splitlines()]
    check(rows_csv[0] == ["lang", "n", "likes"], "csv header: %r" % rows_csv[0])
    check([r["lang"] for r in rows_json] == [r[0] for r in rows_csv[1:]], "csv and jsonl rows")
    check(all(isinstance(r["n"], int) for r in rows_json), "jsonl integers are numbers")
    check(outs["table"].rstrip().endswith("(%d rows)" % len(rows_json)),
          "table ends with the row count: %r" % outs["table"][-40:])
    check(outs["table"].splitlines()[1].startswith("----"), "table: a rule under the header")

    # NULL, booleans, floats and escaping in each format.
    lit = ("from posts | take 1 | select {t = 'a\\tb\\nc\\\\d', e = '', n = null, "
           "b = 1 < 2, f = 1 / 4, i = -7 // 2}")
    rc, out, err = query(db, lit, "--format", "tsv")
    check(rc == 0, "literals: " + err)
    check(out == "t\te\tn\tb\tf\ti\na\\tb\\nc\\\\d\t\t\ttrue\t0.25\t-3\n", "tsv escaping: %r" % out)
    rc, out, err = query(TWEETS, lit, "--format", "jsonl")
    check(json.loads(out) == {"t": "a\tb\nc\\d", "e": "", "n": None, "b": True, "f": 0.25,
                              "i": -3}, "jsonl values: %r" % out)
    rc, out, err = query(csv_path, lit, "--format", "csv")
    check(out == 't,e,n,b,f,i\n"a\tb\nc\\d","",,true,0.25,-3\n', "csv: %r" % out)

    # --explain: the SQL for a store, the plan for a file.
    rc, out, err = query(db, top, "--explain")
    check(rc == 0 and out.startswith("SELECT ") and "NULLS FIRST" in out, "explain sql: " + out)
    rc, out, err = query(TWEETS, top, "--explain")
    check(rc == 0 and "top-n heap sort" in out and "scan hashtags" in out, "explain plan: " + out)

    # The REPL on plain stdin: a blank line or ';' runs a query.
    rc, out, err = query(db, None, "--format", "tsv",
                         stdin="from posts\n| aggregate {n = count this}\n\n"
                               "from hashtags | aggregate {n = count this};\n")
    check(rc == 0, "repl: " + err)
    lines = out.splitlines()
    check(len(lines) == 4 and lines[:3] == ["n", "300", "n"] and int(lines[3]) > 0,
          "repl answers: %r" % out)

    # A bad query: exit 2, the position and a caret.
    rc, out, err = query(db, "from posts\n| filter nolang == 1")
    check(rc == 2, "bad query exits 2, got %d" % rc)
    check(err.startswith("query:2:10: no column 'nolang'"), "error position: %r" % err)
    check(err.splitlines()[1:] == ["  | filter nolang == 1", "           ^"], "caret: %r" % err)
    rc, out, err = query(TWEETS, "from posts | filter lang = 'en'")
    check(rc == 2 and "query:1:26:" in err, "'=' in a filter: %d %r" % (rc, err))
    rc, out, err = query(db, "from posts", "--format", "xml")
    check(rc == 2, "bad --format exits 2, got %d" % rc)
    rc, out, err = query(db, "from posts | select {l = text.lower text}")
    check(rc == 0, "text.lower runs on SQLite: " + err)
    # Runtime errors: exit 1.
    rc, out, err = query(os.path.join(WORK, "missing.db"), "from posts")
    check(rc == 1, "a missing store exits 1, got %d %r" % (rc, err))
    rc, out, err = query(TWEETS, "from trending")
    check(rc == 2, "a result table on a file of posts exits 2, got %d" % rc)
    check("holds posts only" in err and TWEETS in err, "names the file: %r" % err)

    # Result tables: a run's results in SQLite and HDF5 answer alike (the
    # HDF5 file natively, through its result reader).
    rdb, rh5 = os.path.join(WORK, "r.db"), os.path.join(WORK, "r.h5")
    pipeline = os.path.join(WORK, "p.yaml")
    with open(pipeline, "w", encoding="utf-8") as f:
        f.write("name: q\nsource: " + TWEETS + "\nanalyses:\n"
                "  - {name: tags, type: top, by: hashtag, k: 5, window: 1h}\n"
                "  - {name: langs, type: count, by: lang, window: 1h}\n"
                "  - {name: mood, type: sentiment, by: lang, k: 3, window: 1h}\n")
    p = subprocess.run([STARLING, "-q", "run", pipeline, "-o", rdb, "-o", rh5],
                       capture_output=True, text=True, timeout=120)
    check(p.returncode == 0, "run into SQLite and HDF5: " + p.stderr)
    for q in ("from trending | sort {window_start, rank, key}",
              "from counts | group {key} (aggregate {n = sum count}) | sort {-n, key}",
              "from sentiment | filter key == '*' | select {window_start, posts, mean_compound} "
              "| sort {window_start}"):
        rc1, out1, err1 = query(rdb, q, "--format", "tsv")
        rc2, out2, err2 = query(rh5, q, "--format", "tsv")
        check(rc1 == 0 and rc2 == 0, "%s: %s %s" % (q, err1, err2))
        check(out1 == out2 and len(out1.splitlines()) >= 2,
              "%s: SQLite and HDF5 differ:\n%s\n%s" % (q, out1, out2))
    posts_h5 = os.path.join(WORK, "posts.h5")
    subprocess.run([STARLING, "-q", "convert", TWEETS, posts_h5], check=True)
    rc, out, err = query(posts_h5, "from trending")
    check(rc == 2 and "holds no window results" in err, "an HDF5 file without results: %r" % err)

    if failures:
        print("%d check(s) failed" % len(failures))
        return 1
    print("query_test: all checks passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
