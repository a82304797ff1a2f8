#!/usr/bin/env python3
"""What the test servers can do, asked of them: prints one yes/no line per
feature that a store or a query compiler would want, for ClickHouse (Debian's
18.16) and FerretDB (MongoDB wire protocol over SQLite). docs/stores.md keeps
the answers; run this again after a server's version changes:

    python3 tests/support/store_servers.py start --dir /tmp/s
    python3 tests/support/store_servers_probe.py /tmp/s/servers.json
    python3 tests/support/store_servers.py stop --dir /tmp/s
"""
import json
import os
import sys
import uuid

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import mongo_wire  # noqa: E402
from store_servers import clickhouse_query  # noqa: E402


def line(ok, what, detail=""):
    print(f"  {'yes' if ok else 'NO '}  {what}" + (f"  ({detail})" if detail else ""))


def clickhouse(s):
    db = "starling"

    def q(sql, params=""):
        return clickhouse_query(s["port"], sql + params, "starling", s["password"], db)

    def probe(what, setup, sql, expect=None, params=""):
        try:
            for st in setup:
                q(st)
            if params:  # URL settings: this helper sends the SQL only; use the URL form
                import urllib.request
                req = urllib.request.Request(
                    f"http://127.0.0.1:{s['port']}/?database={db}{params}",
                    data=sql.encode(), headers={"X-ClickHouse-User": "starling",
                                                "X-ClickHouse-Key": s["password"]})
                out = urllib.request.urlopen(req, timeout=10).read().decode()
            else:
                out = q(sql)
            ok = expect is None or expect in out
            line(ok, what, "" if ok else f"got {out.strip()[:80]!r}")
        except Exception as e:  # the server's refusal is the answer
            line(False, what, str(e).split(", e.what()")[0][-110:])

    t = "p_" + uuid.uuid4().hex[:8]
    print(f"ClickHouse {s['version']}:")
    probe("X-ClickHouse-User/X-ClickHouse-Key headers", [], "SELECT 1", "1")
    try:
        clickhouse_query(s["port"], "SELECT 1", "starling", s["password"] + "x", db)
        line(False, "a wrong password is refused", "it was accepted")
    except RuntimeError as e:
        line(True, "a wrong password is refused", str(e).split(",")[0])
    probe("Nullable(T) columns", [f"CREATE TABLE {t}n (id UInt64, n Nullable(Int64)) "
                                  "ENGINE = MergeTree ORDER BY id",
                                  f"INSERT INTO {t}n VALUES (1, NULL), (2, 5)"],
          f"SELECT count() FROM {t}n WHERE n IS NULL", "1")
    probe("ORDER BY ... NULLS FIRST / NULLS LAST", [],
          f"SELECT id FROM {t}n ORDER BY n NULLS FIRST FORMAT CSV", "1\n2")
    probe("INSERT ... FORMAT JSONEachRow", [],
          f"INSERT INTO {t}n FORMAT JSONEachRow {{\"id\":3,\"n\":null}}")
    probe("JSONEachRow output quotes UInt64/Int64 (as strings) by default", [],
          f"SELECT id FROM {t}n WHERE id = 3 FORMAT JSONEachRow", '"3"')
    probe("  ...unless output_format_json_quote_64bit_integers=0 (URL setting)", [],
          f"SELECT id FROM {t}n WHERE id = 3 FORMAT JSONEachRow", '{"id":3}',
          params="&output_format_json_quote_64bit_integers=0")
    probe("SETTINGS clause before FORMAT", [], "SELECT 1 SETTINGS max_threads = 1 FORMAT CSV", "1")
    probe("input_format_skip_unknown_fields (URL setting)", [],
          f"INSERT INTO {t}n FORMAT JSONEachRow {{\"id\":4,\"n\":1,\"zz\":2}}",
          params="&input_format_skip_unknown_fields=1")
    probe("DateTime parses ISO 8601 with date_time_input_format=best_effort", [
        f"CREATE TABLE {t}d (id UInt64, ts DateTime) ENGINE = MergeTree ORDER BY id"],
        f"INSERT INTO {t}d FORMAT JSONEachRow {{\"id\":1,\"ts\":\"2024-01-01T00:00:00Z\"}}",
        params="&date_time_input_format=best_effort")
    probe("DateTime parses ISO 8601 'T...Z' by default", [],
          f"INSERT INTO {t}d FORMAT JSONEachRow {{\"id\":2,\"ts\":\"2024-01-01T00:00:00Z\"}}")
    probe("DateTime64", [], "SELECT toDateTime64('2024-01-01 00:00:00.123', 3)")
    probe("LowCardinality(String) (without the experimental setting)", [],
          f"CREATE TABLE {t}l (id UInt64, s LowCardinality(String)) ENGINE = MergeTree ORDER BY id")
    probe("  ...with allow_experimental_low_cardinality_type=1", [],
          f"CREATE TABLE {t}l (id UInt64, s LowCardinality(String)) ENGINE = MergeTree ORDER BY id",
          params="&allow_experimental_low_cardinality_type=1")
    probe("ReplacingMergeTree(ver) + SELECT ... FINAL", [
        f"CREATE TABLE {t}r (id UInt64, v UInt64, s String) ENGINE = ReplacingMergeTree(v) "
        "ORDER BY id", f"INSERT INTO {t}r VALUES (1, 1, 'old')", f"INSERT INTO {t}r VALUES (1, 2, 'new')"],
        f"SELECT s FROM {t}r FINAL", "new")
    probe("ALTER TABLE ... DELETE (mutation)", [], f"ALTER TABLE {t}r DELETE WHERE id = 0")
    probe("Array(String) + ARRAY JOIN", [], "SELECT x FROM (SELECT ['a','b'] AS xs) ARRAY JOIN xs AS x",
          "a\nb")
    probe("query parameters {name:Type} (param_ URL settings)", [], "SELECT {x:UInt8}",
          "5", params="&param_x=5")
    probe("window functions (OVER)", [], "SELECT number, row_number() OVER (ORDER BY number) "
          "FROM system.numbers LIMIT 2")
    probe("ILIKE", [], "SELECT 'A' ILIKE 'a'", "1")
    probe("lowerUTF8 / lengthUTF8 / positionCaseInsensitiveUTF8", [],
          "SELECT lowerUTF8('ÀB'), lengthUTF8('日本'), positionCaseInsensitiveUTF8('ABC', 'b')",
          "àb\t2\t2")
    probe("toStartOfInterval", [], "SELECT toStartOfInterval(now(), INTERVAL 5 minute)")
    probe("toStartOfMinute/FiveMinute/Hour/Day", [],
          "SELECT toStartOfMinute(now()), toStartOfFiveMinute(now()), toStartOfHour(now()), "
          "toStartOfDay(now())")
    probe("uniqExact / topK / quantile / argMax / groupArray", [],
          "SELECT uniqExact(number), topK(2)(number), quantile(0.5)(number), argMax(number, number), "
          "groupArray(number) FROM numbers(3)")
    probe("LIMIT n BY", [], "SELECT number % 2 AS k FROM numbers(4) ORDER BY k LIMIT 1 BY k", "0\n1")
    probe("ORDER BY ... WITH FILL", [], "SELECT number FROM numbers(2) ORDER BY number WITH FILL")
    probe("column CODEC(...)", [],
          f"CREATE TABLE {t}c (id UInt64 CODEC(ZSTD)) ENGINE = MergeTree ORDER BY id")
    probe("JOIN ... ON / USING", [], "SELECT a.number FROM numbers(2) AS a "
          "INNER JOIN numbers(2) AS b ON a.number = b.number ORDER BY a.number", "0\n1")
    probe("IN with mixed signed/unsigned types", [], "SELECT -1 IN (SELECT 1)")
    probe("FORMAT JSONStrings / JSONCompactEachRow", [], "SELECT 1 FORMAT JSONCompactEachRow")
    for suffix in ("n", "d", "l", "r", "c"):
        try:
            q(f"DROP TABLE IF EXISTS {t}{suffix}")
        except Exception:
            pass


def ferretdb(s):
    print(f"{s['version']} (SQLite backend):")
    c = mongo_wire.MongoClient("127.0.0.1", s["port"], timeout=10)
    c.auth("starling", s["password"], "starling")
    db, coll, other = "starling", "p_" + uuid.uuid4().hex[:8], "q_" + uuid.uuid4().hex[:8]

    def probe(what, fn, expect=None):
        try:
            out = fn()
            ok = expect is None or out == expect
            line(ok, what, "" if ok else f"got {str(out)[:100]}")
        except Exception as e:
            line(False, what, str(e)[:110])

    probe("SCRAM-SHA-256 login (--test-enable-new-auth), commands refused before it",
          lambda: True, True)
    probe("insert", lambda: c.command(db, {"insert": coll, "documents": [
        {"_id": "a", "text": "Héllo 😀", "n": 1, "tag": "x", "user": "u1"},
        {"_id": "b", "text": "hi", "n": 2, "tag": "y", "user": "u2"}]})["n"], 2)
    probe("bulk upsert by _id: update with upsert, ordered:false",
          lambda: c.command(db, {"update": coll, "ordered": False, "updates": [
              {"q": {"_id": "a"}, "u": {"$set": {"n": 10}}, "upsert": True},
              {"q": {"_id": "c"}, "u": {"$set": {"text": "new", "n": 3, "tag": "x", "user": "u1"}},
               "upsert": True}]})["n"], 2)
    probe("replacement upsert (u is a whole document)",
          lambda: c.command(db, {"update": coll, "updates": [
              {"q": {"_id": "d"}, "u": {"_id": "d", "text": "d", "n": 4, "tag": "y", "user": "u3"},
               "upsert": True}]})["n"], 1)
    probe("duplicate _id insert with ordered:false reports writeErrors and goes on",
          lambda: len(c.raw_command(db, {"insert": coll, "ordered": False, "documents": [
              {"_id": "a"}, {"_id": "e", "text": "e", "n": 5, "tag": "z", "user": "u3"}]})
              .get("writeErrors", [])) == 1 and c.command(db, {"count": coll})["n"] == 5, True)
    probe("createIndexes (single, compound, unique)",
          lambda: c.command(db, {"createIndexes": coll, "indexes": [
              {"key": {"tag": 1}, "name": "tag_1"},
              {"key": {"user": 1, "n": -1}, "name": "user_1_n_-1"},
              {"key": {"text": 1}, "name": "text_u", "unique": True}]})["ok"], 1.0)
    probe("listIndexes", lambda: len(c.command(db, {"listIndexes": coll})["cursor"]["firstBatch"]), 4)
    c.command(db, {"insert": other, "documents": [{"_id": "u1", "name": "Ann"},
                                                  {"_id": "u2", "name": "Bob"}]})

    def agg(pipeline):
        return c.aggregate(db, coll, pipeline)
    probe("aggregate $match/$group/$sort/$limit",
          lambda: agg([{"$match": {"n": {"$gte": 2}}}, {"$group": {"_id": "$tag", "c": {"$sum": 1}}},
                       {"$sort": {"c": -1, "_id": 1}}, {"$limit": 1}]), [{"_id": "x", "c": 2}])
    probe("$project inclusion / exclusion (1 / 0)",
          lambda: agg([{"$match": {"_id": "b"}}, {"$project": {"text": 1, "_id": 0}}]), [{"text": "hi"}])
    probe("$project with a field path ({t: '$text'}) (a NO here returns the literal)",
          lambda: agg([{"$match": {"_id": "b"}}, {"$project": {"t": "$text", "_id": 0}}]), [{"t": "hi"}])
    probe("$addFields with a field path", lambda: agg([{"$match": {"_id": "b"}}, {"$addFields": {"m": "$n"}},
                                                      {"$project": {"m": 1, "_id": 0}}]), [{"m": 2}])
    probe("$skip", lambda: len(agg([{"$sort": {"_id": 1}}, {"$skip": 3}])), 2)
    probe("$match with $in / $exists / $ne / $regex",
          lambda: len(agg([{"$match": {"tag": {"$in": ["x", "y"]}, "n": {"$exists": True, "$ne": 0},
                                       "text": {"$regex": "."}}}])), 4)
    probe("$lookup", lambda: agg([{"$match": {"_id": "b"}}, {"$lookup": {
        "from": other, "localField": "user", "foreignField": "_id", "as": "u"}},
        {"$project": {"u": 1, "_id": 0}}]), [{"u": [{"_id": "u2", "name": "Bob"}]}])
    c.command(db, {"update": coll, "updates": [{"q": {"_id": "a"}, "u": {"$set": {"tags": ["p", "q"]}}}]})
    probe("$unwind", lambda: agg([{"$match": {"_id": "a"}}, {"$unwind": "$tags"},
                                  {"$project": {"tags": 1, "_id": 0}}]), [{"tags": "p"}, {"tags": "q"}])
    probe("$count", lambda: agg([{"$count": "n"}]), [{"n": 5}])
    for acc in ("$sum", "$count", "$avg", "$min", "$max", "$first", "$last", "$push", "$addToSet"):
        probe(f"$group accumulator {acc}", lambda acc=acc: len(agg([{"$group": {
            "_id": "$tag", "v": {acc: {} if acc == "$count" else "$n"}}}])), 3)
    probe("$group by a compound key {a: '$tag', b: '$user'}",
          lambda: len(agg([{"$group": {"_id": {"a": "$tag", "b": "$user"}, "c": {"$sum": 1}}}])), 4)
    probe("$group by an expression ($toLower)",
          lambda: len(agg([{"$group": {"_id": {"$toLower": "$tag"}, "c": {"$sum": 1}}}])), 3)
    probe("distinct command", lambda: sorted(c.command(db, {"distinct": coll, "key": "tag"})["values"]),
          ["x", "y", "z"])
    probe("count command with a filter", lambda: c.command(db, {"count": coll, "query": {"tag": "x"}})["n"], 2)
    probe("$sortByCount", lambda: agg([{"$sortByCount": "$tag"}, {"$limit": 1}]), [{"_id": "x", "count": 2}])

    def expr(e, doc_id="a"):
        return agg([{"$match": {"_id": doc_id}}, {"$project": {"_id": 0, "v": e}}])

    probe("$toLower", lambda: expr({"$toLower": "$text"}), [{"v": "héllo 😀"}])
    probe("$strLenCP", lambda: expr({"$strLenCP": "$text"}), [{"v": 7}])
    probe("$divide", lambda: expr({"$divide": ["$n", 4]}), [{"v": 2.5}])
    probe("$cond", lambda: expr({"$cond": [{"$gt": ["$n", 5]}, "big", "small"]}), [{"v": "big"}])
    probe("$ifNull", lambda: expr({"$ifNull": ["$missing", "dflt"]}), [{"v": "dflt"}])
    probe("$concat / $substrCP", lambda: expr({"$concat": [{"$substrCP": ["$text", 0, 2]}, "!"]}),
          [{"v": "Hé!"}])
    probe("$dateToString / $toDate", lambda: expr({"$dateToString": {
        "format": "%Y", "date": {"$toDate": 0}}}), [{"v": "1970"}])
    probe("$regexMatch", lambda: expr({"$regexMatch": {"input": "$text", "regex": "^H"}}), [{"v": True}])
    probe("find with $regex filter, sort, skip, limit, projection",
          lambda: [d["_id"] for d in c.find(db, coll, {"text": {"$regex": "^h", "$options": "i"}},
                                            sort={"_id": 1}, skip=0, limit=5,
                                            projection={"_id": 1})], ["a", "b"])
    probe("$expr in $match", lambda: len(agg([{"$match": {"$expr": {"$gt": ["$n", 3]}}}])), 3)
    probe("$facet", lambda: agg([{"$facet": {"a": [{"$count": "n"}]}}]), [{"a": [{"n": 5}]}])
    probe("$bucket", lambda: len(agg([{"$bucket": {"groupBy": "$n", "boundaries": [0, 5, 100]}}])), 2)
    probe("$setWindowFields", lambda: len(agg([{"$setWindowFields": {
        "sortBy": {"n": 1}, "output": {"r": {"$rank": {}}}}}])), 5)
    probe("delete many", lambda: c.command(db, {"delete": coll, "deletes": [
        {"q": {"tag": "z"}, "limit": 0}]})["n"], 1)
    probe("$merge / $out stage", lambda: agg([{"$out": other + "_out"}]) == [])
    for name in (coll, other, other + "_out"):
        try:
            c.command(db, {"drop": name})
        except mongo_wire.CommandError:
            pass
    c.close()


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("STARLING_TEST_SERVERS")
    if not path:
        sys.exit("usage: store_servers_probe.py DIR/servers.json")
    with open(path, encoding="utf-8") as f:
        state = json.load(f)
    if "clickhouse" in state:
        clickhouse(state["clickhouse"])
    if "mongodb" in state:
        ferretdb(state["mongodb"])
    for name, why in state.get("skipped", {}).items():
        print(f"{name}: skipped: {why}")


if __name__ == "__main__":
    main()
