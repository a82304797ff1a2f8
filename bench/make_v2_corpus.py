#!/usr/bin/env python3
"""Builds a large JSONL of real X API v2 tweets for bench/compare.sh.

Every tweet comes from recorded traffic in ../shared/data: the filtered-stream
lines of twarc-csv as they are, and each tweet of the recorded v2 search pages
(twarc-csv kpop/brexit, twarc-hashtags tweets1) turned into a stream line
{"data": tweet, "includes": {"users": [its author], "tweets": [...]},
"matching_rules": [...]} the way the filtered stream delivers it. The 500-odd
distinct tweets are repeated until the file has the requested number of lines.

Usage: make_v2_corpus.py SHARED_DATA_DIR OUT.jsonl LINES
"""
import json
import sys


def stream_lines(data_dir):
    out = []
    with open(f"{data_dir}/twarc-csv/streaming_output.jsonl", encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if "data" in doc:
                doc.pop("__twarc", None)
                out.append(json.dumps(doc, ensure_ascii=False))
    rule = [{"id": "1377649934414049282", "tag": "bench"}]
    for page_file in ("twarc-csv/kpop.jsonl", "twarc-csv/brexit.jsonl", "twarc-hashtags/tweets1.jsonl"):
        with open(f"{data_dir}/{page_file}", encoding="utf-8") as f:
            for line in f:
                page = json.loads(line)
                users = {u["id"]: u for u in page.get("includes", {}).get("users", [])}
                tweets = {t["id"]: t for t in page.get("includes", {}).get("tweets", [])}
                for t in page.get("data", []):
                    inc = {"users": [users[t["author_id"]]] if t.get("author_id") in users else []}
                    refs = [tweets[r["id"]] for r in t.get("referenced_tweets", []) if r["id"] in tweets]
                    if refs:
                        inc["tweets"] = refs
                    out.append(json.dumps({"data": t, "includes": inc, "matching_rules": rule},
                                          ensure_ascii=False))
    return out


def main():
    data_dir, out_path, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    lines = stream_lines(data_dir)
    with open(out_path, "w", encoding="utf-8") as f:
        for i in range(n):
            f.write(lines[i % len(lines)])
            f.write("\n")
    print(f"{out_path}: {n} lines from {len(lines)} distinct real v2 tweets", file=sys.stderr)


if __name__ == "__main__":
    main()
