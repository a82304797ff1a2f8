// File: tests/query/sql_dialect_test.cc
// Snapshots: the SQL each dialect writes for a set of queries, read and
// checked by hand against each engine's documentation (docs/query.md,
// "Dialects"), and what each refuses.
#include <gtest/gtest.h>

#include "query/dialect.h"
#include "query/resolver.h"
#include "query/sql_compiler.h"

namespace starling::query {
namespace {

std::string Sql(std::string_view dialect, const std::string& q) {
  auto plan = Compile(q);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return "";
  auto sql = CompileSql(*plan, *FindDialect(dialect));
  return sql.ok() ? *sql : "ERROR " + sql.status().message();
}

const char* kTop =
    "from hashtags | group {tag_lower} (aggregate {n = count this}) | sort {-n} | take 10";
const char* kArith =
    "from posts | select {id, a = like_count + 1, d = like_count // 2, m = like_count % 3, f = "
    "like_count / 2}";
const char* kText =
    "from posts | filter text.contains 'x' text && text.starts_with 'R' text && "
    "text.ends_with 'z' lang | select {id, n = text.length text}";
const char* kAgg =
    "from posts | aggregate {s = sum like_count, a = average like_count, m = min lang, d = "
    "count_distinct lang}";
const char* kJoin =
    "from posts | join side:left hashtags (this.id == that.post_id) | select {id, tag}";
const char* kFloor = "from posts | select {h = time.floor '1h' created_at}";
// Kleene's AND/OR in a value (a filter uses the engine's own: only true counts).
const char* kLogic =
    "from posts | filter lon > 0.0 && !(lat > 0.0 || lang == null) | select {a = lon > 0.0 && "
    "(like_count > 1 || lang == null)}";
// A name given again (ClickHouse reads a name as the SELECT's alias first),
// and a float group key (-0.0 and 0.0 one group).
const char* kShadow =
    "from posts | select {a = like_count + 0, like_count = quote_count, lon} | group {lon} "
    "(aggregate {like_count = max like_count, a = max a})";
const char* kLiterals =
    "from posts | filter like_count > -5 && lon < 1.5 && lang != \"it's\\\\\" && true | select "
    "{id}";

struct Snapshot {
  const char* dialect;
  const char* query;
  const char* sql;  // or "ERROR " and the refusal
};

// Read against each engine's manual: NULL order, collation, checked
// integers, division, literals, quoting, refusals.
const Snapshot
    kSnapshots[] =
        {
            {"sqlite", kTop,
             R"sql(SELECT "tag_lower", "n" FROM (SELECT * FROM (SELECT "tag_lower" COLLATE BINARY AS "tag_lower", COUNT(*) AS "n" FROM (SELECT "tag_lower" FROM "hashtags") AS t1 GROUP BY "tag_lower" COLLATE BINARY) AS t2 ORDER BY "n" DESC NULLS FIRST, "tag_lower" COLLATE BINARY ASC NULLS LAST LIMIT 10) AS t3 ORDER BY "n" DESC NULLS FIRST, "tag_lower" COLLATE BINARY ASC NULLS LAST)sql"},
            {"sqlite", kArith,
             R"sql(SELECT "id", "a", "d", "m", "f" FROM (SELECT "id", (CASE WHEN typeof(("like_count" + 1)) = 'integer' THEN ("like_count" + 1) END) AS "a", (CASE WHEN "like_count" = (-9223372036854775807 - 1) AND 2 = -1 THEN NULL ELSE ("like_count" / NULLIF(2, 0)) END) AS "d", (CASE WHEN 3 = -1 THEN "like_count" - "like_count" ELSE ("like_count" % NULLIF(3, 0)) END) AS "m", (CAST("like_count" AS REAL) / NULLIF(2.0, 0.0)) AS "f" FROM (SELECT "id", "like_count" FROM "posts") AS t1) AS t2)sql"},
            {"sqlite", kText,
             R"sql(SELECT "id", "n" FROM (SELECT "id", length("text") AS "n" FROM (SELECT * FROM (SELECT "id", "text", "lang" FROM "posts") AS t1 WHERE (((instr("text", 'x') > 0) AND (substr("text", 1, length('R')) = 'R' COLLATE BINARY)) AND (length("lang") >= length('z') AND substr("lang", length("lang") - length('z') + 1) = 'z' COLLATE BINARY))) AS t2) AS t3)sql"},
            {"sqlite", kAgg,
             R"sql(SELECT "s", "a", "m", "d" FROM (SELECT SUM("like_count") AS "s", starling_avg("like_count") AS "a", MIN("lang" COLLATE BINARY) AS "m", COUNT(DISTINCT "lang" COLLATE BINARY) AS "d" FROM (SELECT "lang", "like_count" FROM "posts") AS t1) AS t2)sql"},
            {"sqlite", kJoin,
             R"sql(SELECT "id", "tag" FROM (SELECT "id", "tag" FROM (SELECT l."id" AS "id", r."tag" AS "tag" FROM (SELECT "id" FROM "posts") AS l LEFT JOIN (SELECT "post_id", "tag" FROM "hashtags") AS r ON l."id" COLLATE BINARY = r."post_id") AS t1) AS t2)sql"},
            {"sqlite", kFloor,
             R"sql(SELECT "h" FROM (SELECT (CASE WHEN (("created_at" / 3600000000) - (CASE WHEN ("created_at" % 3600000000) < 0 THEN 1 ELSE 0 END)) >= (-2562047788) THEN (("created_at" / 3600000000) - (CASE WHEN ("created_at" % 3600000000) < 0 THEN 1 ELSE 0 END)) * 3600000000 END) AS "h" FROM (SELECT "created_at" FROM "posts") AS t1) AS t2)sql"},
            {"sqlite", kLiterals,
             R"sql(SELECT "id" FROM (SELECT "id" FROM (SELECT * FROM (SELECT "id", "lang", "like_count", "lon" FROM "posts") AS t1 WHERE (((("like_count" > (-5)) AND ("lon" < 1.5)) AND ("lang" COLLATE BINARY <> 'it''s\')) AND TRUE)) AS t2) AS t3)sql"},
            {"postgres", kTop,
             R"sql(SELECT "tag_lower", "n" FROM (SELECT * FROM (SELECT "tag_lower" COLLATE "C" AS "tag_lower", COUNT(*) AS "n" FROM (SELECT "tag_lower" FROM "hashtags") AS t1 GROUP BY "tag_lower" COLLATE "C") AS t2 ORDER BY "n" DESC NULLS FIRST, "tag_lower" COLLATE "C" ASC NULLS LAST LIMIT 10) AS t3 ORDER BY "n" DESC NULLS FIRST, "tag_lower" COLLATE "C" ASC NULLS LAST)sql"},
            {"postgres", kArith,
             R"sql(SELECT "id", "a", "d", "m", "f" FROM (SELECT "id", (CASE WHEN CAST("like_count" AS NUMERIC) + 1 BETWEEN -9223372036854775808 AND 9223372036854775807 THEN "like_count" + 1 END) AS "a", (CASE WHEN "like_count" = (-9223372036854775807 - 1) AND 2 = -1 THEN NULL ELSE ("like_count" / NULLIF(2, 0)) END) AS "d", (CASE WHEN 3 = -1 THEN "like_count" - "like_count" ELSE ("like_count" % NULLIF(3, 0)) END) AS "m", (CAST("like_count" AS DOUBLE PRECISION) / NULLIF(CAST(2.0 AS DOUBLE PRECISION), CAST(0.0 AS DOUBLE PRECISION))) AS "f" FROM (SELECT "id", "like_count" FROM "posts") AS t1) AS t2)sql"},
            {"postgres", kText,
             R"sql(SELECT "id", "n" FROM (SELECT "id", char_length("text") AS "n" FROM (SELECT * FROM (SELECT "id", "text", "lang" FROM "posts") AS t1 WHERE (((strpos("text", 'x') > 0) AND (left("text", char_length('R')) = 'R' COLLATE "C")) AND (right("lang", char_length('z')) = 'z' COLLATE "C"))) AS t2) AS t3)sql"},
            {"postgres", kAgg,
             R"sql(SELECT "s", "a", "m", "d" FROM (SELECT CAST(SUM("like_count") AS BIGINT) AS "s", (CAST(SUM("like_count") AS DOUBLE PRECISION) / COUNT("like_count")) AS "a", MIN("lang" COLLATE "C") AS "m", COUNT(DISTINCT "lang" COLLATE "C") AS "d" FROM (SELECT "lang", "like_count" FROM "posts") AS t1) AS t2)sql"},
            {"postgres", kJoin,
             R"sql(SELECT "id", "tag" FROM (SELECT "id", "tag" FROM (SELECT l."id" AS "id", r."tag" AS "tag" FROM (SELECT "id" FROM "posts") AS l LEFT JOIN (SELECT "post_id", "tag" FROM "hashtags") AS r ON l."id" COLLATE "C" = r."post_id") AS t1) AS t2)sql"},
            {"postgres", kFloor,
             R"sql(SELECT "h" FROM (SELECT (CASE WHEN (("created_at" / 3600000000) - (CASE WHEN ("created_at" % 3600000000) < 0 THEN 1 ELSE 0 END)) >= (-2562047788) THEN (("created_at" / 3600000000) - (CASE WHEN ("created_at" % 3600000000) < 0 THEN 1 ELSE 0 END)) * 3600000000 END) AS "h" FROM (SELECT "created_at" FROM "posts") AS t1) AS t2)sql"},
            {"postgres", kLiterals,
             R"sql(SELECT "id" FROM (SELECT "id" FROM (SELECT * FROM (SELECT "id", "lang", "like_count", "lon" FROM "posts") AS t1 WHERE (((("like_count" > (-5)) AND ("lon" < CAST(1.5 AS DOUBLE PRECISION))) AND ("lang" COLLATE "C" <> 'it''s\')) AND TRUE)) AS t2) AS t3)sql"},
            {"mysql", kTop,
             R"sql(SELECT `tag_lower`, `n` FROM (SELECT * FROM (SELECT `tag_lower` COLLATE utf8mb4_nopad_bin AS `tag_lower`, COUNT(*) AS `n` FROM (SELECT `tag_lower` FROM `hashtags`) AS t1 GROUP BY `tag_lower` COLLATE utf8mb4_nopad_bin) AS t2 ORDER BY `n` IS NULL DESC, `n` DESC, `tag_lower` COLLATE utf8mb4_nopad_bin IS NULL ASC, `tag_lower` COLLATE utf8mb4_nopad_bin ASC LIMIT 10) AS t3 ORDER BY `n` IS NULL DESC, `n` DESC, `tag_lower` COLLATE utf8mb4_nopad_bin IS NULL ASC, `tag_lower` COLLATE utf8mb4_nopad_bin ASC)sql"},
            {"mysql", kArith,
             R"sql(SELECT `id`, `a`, `d`, `m`, `f` FROM (SELECT `id`, (CASE WHEN CAST(`like_count` AS DECIMAL(65,0)) + 1 BETWEEN -9223372036854775808 AND 9223372036854775807 THEN `like_count` + 1 END) AS `a`, (CASE WHEN `like_count` = (-9223372036854775807 - 1) AND 2 = -1 THEN NULL ELSE (`like_count` DIV NULLIF(2, 0)) END) AS `d`, (CASE WHEN 3 = -1 THEN `like_count` - `like_count` ELSE (`like_count` % NULLIF(3, 0)) END) AS `m`, (CAST(`like_count` AS DOUBLE) / NULLIF(2e+00, 0e+00)) AS `f` FROM (SELECT `id`, `like_count` FROM `posts`) AS t1) AS t2)sql"},
            {"mysql", kText,
             R"sql(SELECT `id`, `n` FROM (SELECT `id`, CHAR_LENGTH(`text`) AS `n` FROM (SELECT * FROM (SELECT `id`, `text`, `lang` FROM `posts`) AS t1 WHERE (((LOCATE('x' COLLATE utf8mb4_nopad_bin, `text`) > 0) AND (LEFT(`text`, CHAR_LENGTH('R')) = 'R' COLLATE utf8mb4_nopad_bin)) AND (RIGHT(`lang`, CHAR_LENGTH('z')) = 'z' COLLATE utf8mb4_nopad_bin))) AS t2) AS t3)sql"},
            {"mysql", kAgg,
             R"sql(SELECT `s`, `a`, `m`, `d` FROM (SELECT SUM(`like_count`) AS `s`, (CAST(SUM(`like_count`) AS DOUBLE) / COUNT(`like_count`)) AS `a`, MIN(`lang` COLLATE utf8mb4_nopad_bin) AS `m`, COUNT(DISTINCT `lang` COLLATE utf8mb4_nopad_bin) AS `d` FROM (SELECT `lang`, `like_count` FROM `posts`) AS t1) AS t2)sql"},
            {"mysql", kJoin,
             R"sql(SELECT `id`, `tag` FROM (SELECT `id`, `tag` FROM (SELECT l.`id` AS `id`, r.`tag` AS `tag` FROM (SELECT `id` FROM `posts`) AS l LEFT JOIN (SELECT `post_id`, `tag` FROM `hashtags`) AS r ON l.`id` COLLATE utf8mb4_nopad_bin = r.`post_id`) AS t1) AS t2)sql"},
            {"mysql", kFloor,
             R"sql(SELECT `h` FROM (SELECT (CASE WHEN ((`created_at` DIV 3600000000) - (CASE WHEN (`created_at` % 3600000000) < 0 THEN 1 ELSE 0 END)) >= (-2562047788) THEN ((`created_at` DIV 3600000000) - (CASE WHEN (`created_at` % 3600000000) < 0 THEN 1 ELSE 0 END)) * 3600000000 END) AS `h` FROM (SELECT `created_at` FROM `posts`) AS t1) AS t2)sql"},
            {"mysql", kLiterals,
             R"sql(SELECT `id` FROM (SELECT `id` FROM (SELECT * FROM (SELECT `id`, `lang`, `like_count`, `lon` FROM `posts`) AS t1 WHERE ((((`like_count` > (-5)) AND (`lon` < 1.5e+00)) AND (`lang` COLLATE utf8mb4_nopad_bin <> 'it''s\\')) AND TRUE)) AS t2) AS t3)sql"},
            {"clickhouse", kTop, R"sql(SELECT `tag_lower`, `n` FROM (SELECT * FROM (SELECT `tag_lower` AS `tag_lower`, toInt64(count()) AS `n` FROM (SELECT `tag_lower` FROM `hashtags`) AS t1 GROUP BY `tag_lower`) AS t2 ORDER BY isNull(`n`) DESC, `n` DESC, isNull(`tag_lower`) ASC, `tag_lower` ASC LIMIT 10) AS t3 ORDER BY isNull(`n`) DESC, `n` DESC, isNull(`tag_lower`) ASC, `tag_lower` ASC)sql"},
            {"clickhouse", kArith,
             R"sql(SELECT `id`, `a`, `d`, `m`, `f` FROM (SELECT `id`, if((toInt64(1) > 0 AND `like_count` > toInt64(9223372036854775807) - toInt64(1)) OR (toInt64(1) < 0 AND `like_count` < toInt64(-9223372036854775808) - toInt64(1)), NULL, `like_count` + toInt64(1)) AS `a`, if(toInt64(2) = 0 OR (`like_count` = toInt64(-9223372036854775808) AND toInt64(2) = -1), NULL, intDivOrZero(`like_count`, toInt64(2))) AS `d`, if(toInt64(3) = 0, NULL, if(toInt64(3) = -1, `like_count` - `like_count`, (`like_count` - intDivOrZero(`like_count`, toInt64(3)) * toInt64(3)))) AS `m`, (toFloat64(`like_count`) / NULLIF(2.0, 0.0)) AS `f` FROM (SELECT `id`, `like_count` FROM `posts`) AS t1) AS t2)sql"},
            {"clickhouse", kText,
             R"sql(SELECT `id`, `n` FROM (SELECT `id`, toInt64(lengthUTF8(`text`)) AS `n` FROM (SELECT * FROM (SELECT `id`, `text`, `lang` FROM `posts`) AS t1 WHERE (((position(`text`, 'x') > 0) AND (substring(`text`, 1, length('R')) = 'R')) AND (length(`lang`) >= length('z') AND substring(`lang`, length(`lang`) - length('z') + 1) = 'z'))) AS t2) AS t3)sql"},
            {"clickhouse", kAgg,
             R"sql(SELECT `s`, `a`, `m`, `d` FROM (SELECT if(count(`like_count`) = 0, NULL, toInt64(sum(toDecimal128(`like_count`, 0)))) AS `s`, if(count(`like_count`) = 0, NULL, toFloat64(sum(toDecimal128(`like_count`, 0))) / count(`like_count`)) AS `a`, if(count(`lang`) = 0, NULL, min(`lang`)) AS `m`, toInt64(ifNull(uniqExact(`lang`), 0)) AS `d` FROM (SELECT `lang`, `like_count` FROM `posts`) AS t1) AS t2)sql"},
            {"clickhouse", kJoin,
             R"sql(SELECT `id`, `tag` FROM (SELECT `id`, `tag_2` AS `tag` FROM (SELECT l.`id` AS `id`, (CASE WHEN r.`_matched` = 1 THEN r.`tag` END) AS `tag_2` FROM (SELECT `id` FROM `posts`) AS l LEFT JOIN (SELECT `post_id`, `tag`, 1 AS `_matched` FROM `hashtags`) AS r ON l.`id` = r.`post_id`) AS t1) AS t2)sql"},
            {"clickhouse", kFloor,
             R"sql(SELECT `h` FROM (SELECT (CASE WHEN (intDivOrZero(`created_at`, toInt64(3600000000)) - (CASE WHEN (`created_at` - intDivOrZero(`created_at`, toInt64(3600000000)) * toInt64(3600000000)) < 0 THEN 1 ELSE 0 END)) >= toInt64(-2562047788) THEN (intDivOrZero(`created_at`, toInt64(3600000000)) - (CASE WHEN (`created_at` - intDivOrZero(`created_at`, toInt64(3600000000)) * toInt64(3600000000)) < 0 THEN 1 ELSE 0 END)) * toInt64(3600000000) END) AS `h` FROM (SELECT `created_at` FROM `posts`) AS t1) AS t2)sql"},
            {"sqlite", kLogic,
             R"sql(SELECT "a" FROM (SELECT (("lon" > 0.0) AND (("like_count" > 1) OR ("lang" IS NULL))) AS "a" FROM (SELECT * FROM (SELECT "lang", "like_count", "lon", "lat" FROM "posts") AS t1 WHERE (("lon" > 0.0) AND (NOT (("lat" > 0.0) OR ("lang" IS NULL))))) AS t2) AS t3)sql"},
            {"clickhouse", kLogic,
             R"sql(SELECT `a` FROM (SELECT (nullIf(least(ifNull((`lon` > 0.0) * 2, 1), ifNull((nullIf(greatest(ifNull((`like_count` > toInt64(1)) * 2, 1), ifNull((`lang` IS NULL) * 2, 1)), 1) = 2) * 2, 1)), 1) = 2) AS `a` FROM (SELECT * FROM (SELECT `lang`, `like_count`, `lon`, `lat` FROM `posts`) AS t1 WHERE ((`lon` > 0.0) AND (NOT (nullIf(greatest(ifNull((`lat` > 0.0) * 2, 1), ifNull((`lang` IS NULL) * 2, 1)), 1) = 2)))) AS t2) AS t3)sql"},
            {"sqlite", kShadow,
             R"sql(SELECT "lon", "like_count", "a" FROM (SELECT "lon" AS "lon", MAX("like_count") AS "like_count", MAX("a") AS "a" FROM (SELECT (CASE WHEN typeof(("like_count" + 0)) = 'integer' THEN ("like_count" + 0) END) AS "a", "quote_count" AS "like_count", "lon" FROM (SELECT "like_count", "quote_count", "lon" FROM "posts") AS t1) AS t2 GROUP BY "lon") AS t3)sql"},
            {"clickhouse", kShadow,
             R"sql(SELECT `lon_2` AS `lon`, `like_count`, `a_2` AS `a` FROM (SELECT (`lon` + 0.0) AS `lon_2`, if(count(`like_count_2`) = 0, NULL, max(`like_count_2`)) AS `like_count`, if(count(`a`) = 0, NULL, max(`a`)) AS `a_2` FROM (SELECT if((toInt64(0) > 0 AND `like_count` > toInt64(9223372036854775807) - toInt64(0)) OR (toInt64(0) < 0 AND `like_count` < toInt64(-9223372036854775808) - toInt64(0)), NULL, `like_count` + toInt64(0)) AS `a`, `quote_count` AS `like_count_2`, `lon` FROM (SELECT `like_count`, `quote_count`, `lon` FROM `posts`) AS t1) AS t2 GROUP BY (`lon` + 0.0)) AS t3)sql"},
            {"clickhouse", kLiterals,
             R"sql(SELECT `id` FROM (SELECT `id` FROM (SELECT * FROM (SELECT `id`, `lang`, `like_count`, `lon` FROM `posts`) AS t1 WHERE ((((`like_count` > toInt64(-5)) AND (`lon` < 1.5)) AND (`lang` <> 'it\'s\\')) AND 1)) AS t2) AS t3)sql"},
};

TEST(SqlDialect, Snapshots) {
  for (const Snapshot& s : kSnapshots) {
    EXPECT_EQ(Sql(s.dialect, s.query), s.sql) << s.dialect << ": " << s.query;
  }
}

TEST(SqlDialect, RefusesWhatAnEngineCannotGiveIdentically) {
  const char* lower = "from posts | select {l = text.lower text}";
  EXPECT_TRUE(Sql("sqlite", lower).starts_with("SELECT"));
  for (const char* d : {"postgres", "mysql", "clickhouse"}) {
    EXPECT_TRUE(Sql(d, lower).starts_with(std::string("ERROR ") + d + ": text.lower is refused"))
        << d;
  }
  // ClickHouse sums integers exactly in Decimal128, and spells out NULL for
  // an aggregate of no values (18.16 has no -OrNull).
  EXPECT_NE(Sql("clickhouse", "from posts | aggregate {s = sum like_count}")
                .find("if(count(`like_count`) = 0, NULL, toInt64(sum(toDecimal128(`like_count`, "
                      "0))))"),
            std::string::npos);
  // 18.16's >= and <= on String err for a proper prefix: NOT < and NOT >.
  EXPECT_NE(Sql("clickhouse", "from posts | filter lang >= 'en' || lang <= 'de' | select {id}")
                .find("WHERE ((NOT (`lang` < 'en')) OR (NOT (`lang` > 'de')))"),
            std::string::npos);
  EXPECT_NE(Sql("clickhouse", "from posts | aggregate {s = sum lon}")
                .find("if(count(`lon`) = 0, NULL, sum(`lon`))"),
            std::string::npos);
}

TEST(SqlDialect, AStoreReadsAColumnItKeepsInAnotherForm) {
  // A store keeping created_at as timestamptz says how to read microseconds.
  const ColumnSqlFn column_sql = [](std::string_view table, std::string_view column,
                                    std::string_view) -> std::string {
    if (table == "posts" && column == "created_at") {
      return "CAST(EXTRACT(EPOCH FROM \"created_at\") * 1000000 AS BIGINT)";
    }
    return "";
  };
  auto plan = Compile("from posts | filter created_at > 0 | select {id, created_at}");
  ASSERT_TRUE(plan.ok());
  auto sql = CompileSql(*plan, *FindDialect("postgres"), column_sql);
  ASSERT_TRUE(sql.ok());
  EXPECT_EQ(*sql,
            "SELECT \"id\", \"created_at\" FROM (SELECT \"id\", \"created_at\" FROM (SELECT * "
            "FROM (SELECT \"id\", CAST(EXTRACT(EPOCH FROM \"created_at\") * 1000000 AS BIGINT) "
            "AS \"created_at\" FROM \"posts\") AS t1 WHERE (\"created_at\" > 0)) AS t2) AS t3");
}

TEST(SqlDialect, EveryDialectIsListed) {
  for (std::string_view d : DialectNames()) {
    ASSERT_NE(FindDialect(d), nullptr);
    EXPECT_EQ(FindDialect(d)->Name(), d);
  }
  EXPECT_EQ(FindDialect("oracle"), nullptr);
}

}  // namespace
}  // namespace starling::query
