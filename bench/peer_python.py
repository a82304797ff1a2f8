#!/usr/bin/env python3
"""Peer of `starling normalize` in bench/compare.sh: Python's json module reading
the same JSONL of X v2 stream lines, joining the author from includes.users and
writing one flat JSON object per tweet with the same fields. Usage: peer_python.py FILE"""
import json
import sys


def main():
    out = sys.stdout
    dumps = json.dumps
    with open(sys.argv[1], encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            doc = json.loads(line)
            t = doc.get("data")
            if not isinstance(t, dict):
                continue
            users = {u.get("id"): u for u in doc.get("includes", {}).get("users", [])}
            a = users.get(t.get("author_id"), {})
            e = t.get("entities", {})
            m = t.get("public_metrics", {})
            refs = t.get("referenced_tweets", [])
            rec = {
                "id": t.get("id"),
                "created_at": t.get("created_at"),
                "author": {"id": t.get("author_id"), "handle": a.get("username"), "name": a.get("name")},
                "text": t.get("text"),
                "lang": t.get("lang"),
                "references": [{"type": r.get("type"), "id": r.get("id")} for r in refs],
                "hashtags": [{"tag": h.get("tag"), "start": h.get("start"), "end": h.get("end")} for h in e.get("hashtags", [])],
                "mentions": [{"handle": h.get("username"), "id": h.get("id"), "start": h.get("start"), "end": h.get("end")} for h in e.get("mentions", [])],
                "urls": [{"url": h.get("url"), "expanded_url": h.get("expanded_url"), "display_url": h.get("display_url"),
                          "start": h.get("start"), "end": h.get("end")} for h in e.get("urls", [])],
                "cashtags": [{"tag": h.get("tag"), "start": h.get("start"), "end": h.get("end")} for h in e.get("cashtags", [])],
                "metrics": {"reposts": m.get("retweet_count"), "replies": m.get("reply_count"),
                            "likes": m.get("like_count"), "quotes": m.get("quote_count")},
                "matching_rules": [{"id": str(r.get("id")), "tag": r.get("tag")} for r in doc.get("matching_rules", [])],
            }
            out.write(dumps(rec, ensure_ascii=False))
            out.write("\n")


if __name__ == "__main__":
    main()
