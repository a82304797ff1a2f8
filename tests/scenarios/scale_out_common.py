"""What the scale-out scenario tests share (scale_out_test.py,
scale_out_hosts_test.py): the pipeline they run, the result tables they
compare, their checks."""
import os
import sqlite3

TABLES = ["windows", "trending", "cooccurrence", "counts", "distinct_counts", "sentiment", "bursts"]


def pipeline(name):
    """Every analysis kind that adds up over partitions, 1-minute windows,
    checkpoints every 200 ms."""
    return f"""name: {name}
watermark: 5s
allowed_lateness: 30s
checkpoint: {{interval: 200ms}}
analyses:
  - {{name: hashtags, type: top, by: hashtag, k: 10, window: 1m}}
  - {{name: pairs, type: cooccurrence, k: 10, window: 1m}}
  - {{name: languages, type: count, by: lang, window: 1m}}
  - {{name: authors, type: distinct, of: author, window: 1m}}
  - {{name: mood, type: sentiment, by: lang, k: 5, window: 1m}}
  - {{name: bursts, type: bursts, by: hashtag, window: 1m}}
"""


class Checks:
    def __init__(self):
        self.failures = []

    def __call__(self, ok, what):
        print(f"  {'ok  ' if ok else 'FAIL'} {what}", flush=True)
        if not ok:
            self.failures.append(what)
        return ok


def tables(dbs, distinct=False):
    """Every result table's rows from the databases that hold them (only a
    process that ran the merger wrote any), sorted. distinct: as a set (a
    merger cut off may have written a window that the next merger wrote
    again: the same rows, which a shared store keeps once, by key)."""
    out = {t: [] for t in TABLES}
    for db in dbs:
        if not os.path.exists(db):
            continue
        con = sqlite3.connect(db)
        for t in TABLES:
            try:
                out[t] += con.execute(f"SELECT * FROM {t}").fetchall()
            except sqlite3.OperationalError:
                pass  # a process that never merged made no table
        con.close()
    return {t: sorted(set(rows) if distinct else rows, key=repr) for t, rows in out.items()}


def same(check, got, want, what):
    bad = [t for t in TABLES if got[t] != want[t]]
    detail = ", ".join(f"{t}: {len(got[t])} rows vs {len(want[t])}" for t in bad)
    return check(not bad, f"{what}: every result table equals the reference"
                 + (f" (differ: {detail})" if bad else ""))
