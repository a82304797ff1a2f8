// File: tests/query/mongo_compiler_test.cc
// Snapshots: the MongoDB aggregation each query compiles to
// (query/mongo_compiler.h), read and checked by hand against the MongoDB
// manual and what FerretDB 1.24 runs (docs/query.md, "MongoDB"), and what
// is refused, with its reason. The answers themselves are checked against
// FerretDB in differential_test.cc.
#include "query/mongo_compiler.h"

#include <gtest/gtest.h>

#include "query/resolver.h"

namespace starling::query {
namespace {

// As the MongoDB store reads posts.created_at (QueryableStore::ColumnSql).
std::string StoreField(std::string_view table, std::string_view column) {
  return table == "posts" && column == "created_at" ? "created_at_us" : "";
}

std::string Mongo(const std::string& q) {
  auto plan = Compile(q);
  EXPECT_TRUE(plan.ok()) << plan.status().ToString();
  if (!plan.ok()) return "";
  auto m = CompileMongo(*plan, StoreField);
  return m.ok() ? m->statement : "ERROR " + m.status().message();
}

struct Snapshot {
  const char* query;
  const char* mongo;  // the statement, or "ERROR " and the refusal
};

// Read against the MongoDB manual and FerretDB 1.24: the three-valued logic
// written out ($nin [v, null] for !=, the negation pushed down to the
// leaves), an integer compared with a float as thresholds where its
// conversion crosses the float, the NULL order and the total tie-break of a
// sort, one accumulator per $group, the empty input's row; and each refusal.
const Snapshot kSnapshots[] = {
    {"from hashtags | group {tag_lower} (aggregate {n = count this}) | sort {-n} | take 10",
     R"json({"aggregate": "posts", "pipeline": [
  {"$unwind": "$hashtags"},
  {"$group": {"_id": {"k0": "$hashtags.tag_lower"}, "a0": {"$sum": 1}}},
  {"$sort": {"a0": -1, "_id.k0": 1}},
  {"$limit": 10},
  {"$project": {"_id.k0": 1, "a0": 1}}
]})json"},
    {"from posts | filter !(lang == 'en' || like_count != 3) && country_code != null | select {id, "
     "lang}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$match": {"$and": [{"$and": [{"lang": {"$nin": ["en", null]}}, {"like_count": {"$eq": {"$numberLong": "3"}}}]}, {"country_code": {"$ne": null}}]}},
  {"$project": {"id": 1, "lang": 1, "_id": 0}}
]})json"},
    {"from posts | filter like_count > 2.5 || like_count == 2.0 || like_count < 9.3e18 || "
     "like_count >= 9223372036854775807.0 | select {id}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$match": {"$or": [{"$or": [{"$or": [{"like_count": {"$gte": {"$numberLong": "3"}}}, {"$and": [{"like_count": {"$gte": {"$numberLong": "2"}}}, {"like_count": {"$lt": {"$numberLong": "3"}}}]}]}, {"like_count": {"$ne": null}}]}, {"like_count": {"$gte": {"$numberLong": "9223372036854775296"}}}]}},
  {"$project": {"id": 1, "_id": 0}}
]})json"},
    {"from posts | filter !(like_count == 9007199254740993.0) | select {id}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$match": {"$or": [{"like_count": {"$lt": {"$numberLong": "9007199254740992"}}}, {"like_count": {"$gte": {"$numberLong": "9007199254740994"}}}]}},
  {"$project": {"id": 1, "_id": 0}}
]})json"},
    {"from posts | filter ref_id == null && lon != null && !(lat == null) | select {id}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$match": {"$and": [{"$and": [{"ref_id": null}, {"lon": {"$ne": null}}]}, {"lat": {"$ne": null}}]}},
  {"$project": {"id": 1, "_id": 0}}
]})json"},
    {"from posts | filter (quote_count ?? 0) == 0 && !((lon ?? 1.5) > 1.0) | select {id}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$match": {"$and": [{"$or": [{"quote_count": {"$eq": {"$numberLong": "0"}}}, {"quote_count": null}]}, {"lon": {"$lte": 1.0}}]}},
  {"$project": {"id": 1, "_id": 0}}
]})json"},
    {"from posts | filter text.starts_with 'a.b' text && !(text.ends_with '$' text) && "
     "text.contains '' lang | select {id}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$match": {"$and": [{"$and": [{"text": {"$regex": "^a\\.b"}}, {"$and": [{"text": {"$ne": null}}, {"text": {"$not": {"$regex": "\\$\\z"}}}]}]}, {"lang": {"$regex": ""}}]}},
  {"$project": {"id": 1, "_id": 0}}
]})json"},
    {"from posts | filter created_at >= @2021-03-28T01:00:00Z | aggregate {n = count this, c = "
     "count id}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$match": {"created_at_us": {"$gte": {"$numberLong": "1616893200000000"}}}},
  {"$group": {"_id": null, "a0": {"$sum": 1}}},
  {"$project": {"a0": 1, "_id": 0}}
]})json"},
    {"from posts | aggregate {s = sum like_count}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$match": {"like_count": {"$ne": null}}},
  {"$group": {"_id": null, "a0": {"$sum": "$like_count"}}},
  {"$project": {"a0": 1, "_id": 0}}
]})json"},
    {"from posts | select {id} | take 0",
     R"json({"aggregate": "posts", "pipeline": [
  {"$match": {"_id": {"$in": []}}},
  {"$project": {"id": 1, "_id": 0}}
]})json"},
    {"from posts | sort {author_handle} | take 3..5 | select {author_handle}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$sort": {"author_handle": 1, "id": 1}},
  {"$skip": 2},
  {"$limit": 3},
  {"$project": {"author_handle": 1, "_id": 0}}
]})json"},
    {"from posts | sort {-created_at} | group {lang} (aggregate {n = count this}) | filter n > 1 | "
     "sort {lang}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$group": {"_id": {"k0": "$lang"}, "a0": {"$sum": 1}}},
  {"$match": {"a0": {"$gt": {"$numberLong": "1"}}}},
  {"$sort": {"_id.k0": 1}},
  {"$project": {"_id.k0": 1, "a0": 1}}
]})json"},
    {"from trending | filter rank <= 3 | sort {-window_end, rank}",
     R"json({"aggregate": "trending", "pipeline": [
  {"$match": {"rank": {"$lte": {"$numberLong": "3"}}}},
  {"$sort": {"window_end": -1, "rank": 1, "pipeline": 1, "analysis": 1, "window_start": 1, "key": 1}},
  {"$project": {"pipeline": 1, "analysis": 1, "window_start": 1, "window_end": 1, "rank": 1, "key": 1, "count": 1, "error": 1, "_id": 0}}
]})json"},
    {"from mentions | filter user_id != null | group {handle, user_id} (aggregate {u = count "
     "user_id}) | sort {-u, handle} | select {handle, u}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$unwind": "$mentions"},
  {"$match": {"mentions.user_id": {"$ne": null}}},
  {"$group": {"_id": {"k0": "$mentions.handle", "k1": "$mentions.user_id"}, "a0": {"$sum": 1}}},
  {"$sort": {"a0": -1, "_id.k0": 1, "_id.k1": 1}},
  {"$project": {"_id.k0": 1, "a0": 1}}
]})json"},
    {"from posts | filter 1 < 2 && (null == 3 || like_count == null) | select {id, h = "
     "author_handle}",
     R"json({"aggregate": "posts", "pipeline": [
  {"$match": {"like_count": null}},
  {"$project": {"id": 1, "author_handle": 1, "_id": 0}}
]})json"},
    {"from posts | aggregate {n = count this} | take 2..3",
     R"json({"aggregate": "posts", "pipeline": [
  {"$group": {"_id": null, "a0": {"$sum": 1}}},
  {"$skip": 1},
  {"$limit": 2},
  {"$project": {"a0": 1, "_id": 0}}
]})json"},
    {"from posts | join side:left hashtags (this.id == that.post_id) | select {id, tag}",
     R"json(ERROR query: a join cannot be run on MongoDB here (FerretDB 1.24 lacks $lookup))json"},
    {"from posts | select {id, a = like_count + 1}",
     R"json(ERROR query: the column 'a' (arithmetic) cannot be run on MongoDB here (FerretDB 1.24 lacks computed fields: $project and $addFields with an expression, $literal))json"},
    {"from posts | group {lang} (aggregate {a = average like_count})",
     R"json(ERROR query: average cannot be run on MongoDB here (FerretDB 1.24 lacks $avg in $group))json"},
    {"from posts | group {lang} (aggregate {m = min like_count})",
     R"json(ERROR query: min cannot be run on MongoDB here (FerretDB 1.24 lacks $min in $group))json"},
    {"from hashtags | group {tag_lower} (aggregate {d = count_distinct post_id})",
     R"json(ERROR query: count_distinct cannot be run on MongoDB here (FerretDB 1.24 lacks $addToSet in $group))json"},
    {"from posts | group {lang} (aggregate {n = count this, s = sum entities_extracted})",
     R"json(ERROR query: more than one kind of aggregate in one group (here 2) cannot be run on MongoDB here (FerretDB 1.24 lacks a $group that computes more than its first accumulator (the others come back 0)))json"},
    {"from posts | sort {like_count} | take 3",
     R"json(ERROR query: a sort by like_count (it may be NULL, which sorts last ascending and first descending; MongoDB sorts it first ascending and last descending) cannot be run on MongoDB here (FerretDB 1.24 lacks the expressions ($ifNull, $cond) to move NULLs: filter like_count != null first))json"},
    {"from hashtags | sort {tag} | take 3",
     R"json(ERROR query: a sort by hashtags.start (it may be NULL, which sorts last ascending and first descending; MongoDB sorts it first ascending and last descending) cannot be run on MongoDB here (FerretDB 1.24 lacks the expressions ($ifNull, $cond) to move NULLs: filter hashtags.start != null first))json"},
    {"from posts | group {lang} (aggregate {c = count like_count})",
     R"json(ERROR query: count like_count (it may be NULL: filter like_count != null first) cannot be run on MongoDB here (FerretDB 1.24 lacks the expressions ($cond, $ifNull) to tell NULLs apart in $group))json"},
    {"from posts | select {raw}",
     R"json(ERROR query: the column 'raw' cannot be run on MongoDB: posts.raw is read back as a BSON document, not the provider's byte-exact JSON)json"},
    {"from posts | filter like_count > reply_count | select {id}",
     R"json(ERROR query: a comparison of two columns or computed values cannot be run on MongoDB here (FerretDB 1.24 lacks $expr in $match))json"},
    {"from posts | aggregate {n = count this} | filter n > 0",
     R"json(ERROR query: a filter after aggregate cannot be run on MongoDB here (FerretDB 1.24 lacks a way to tell an empty input from a row filtered out ($facet, $unionWith)))json"},
    {"from posts | filter text.lower lang == 'en' | select {id}",
     R"json(ERROR query: a filter on text.lower cannot be run on MongoDB here (FerretDB 1.24 lacks $expr and the expressions of computed values ($add, $toLower, $strLenCP, $cond, $ifNull...)))json"},
    {"from posts | filter text.contains lang text | select {id}",
     R"json(ERROR query: text.contains of anything but a constant in a column cannot be run on MongoDB here (FerretDB 1.24 lacks $expr and the string expressions ($indexOfBytes, $substrBytes)))json"},
    {"from posts | derive {x = 1} | select {x}",
     R"json(ERROR query: the column 'x' (a constant) cannot be run on MongoDB here (FerretDB 1.24 lacks computed fields: $project and $addFields with an expression, $literal))json"},
};

TEST(MongoCompiler, Snapshots) {
  for (const Snapshot& s : kSnapshots) EXPECT_EQ(Mongo(s.query), s.mongo) << s.query;
}

// Every refusal names what the server lacks (docs/query.md, MongoDB).
TEST(MongoCompiler, RefusalsSayWhy) {
  for (const Snapshot& s : kSnapshots) {
    const std::string m = s.mongo;
    if (!m.starts_with("ERROR ")) continue;
    EXPECT_TRUE(m.starts_with("ERROR query: ")) << m;
    EXPECT_NE(m.find("cannot be run on MongoDB"), std::string::npos) << m;
  }
}

// How the answer reads back: each column's field, and the row of an empty
// input for aggregate without group (MongoDB's $group gives no document).
TEST(MongoCompiler, AnswerFields) {
  auto plan = Compile(
      "from posts | filter lon != null | aggregate {n = count this, m = count lon} | select {m, "
      "n}");
  ASSERT_TRUE(plan.ok());
  auto q = CompileMongo(*plan, StoreField);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->fields, (std::vector<std::string>{"a0", "a0"}));
  ASSERT_TRUE(q->empty_input_row);
  ASSERT_EQ(q->empty_row.size(), 2u);
  EXPECT_EQ(q->empty_row[0].type, Type::kInt);
  EXPECT_EQ(q->empty_row[0].i, 0);

  plan = Compile("from posts | aggregate {s = sum like_count}");
  ASSERT_TRUE(plan.ok());
  q = CompileMongo(*plan, StoreField);
  ASSERT_TRUE(q.ok());
  ASSERT_TRUE(q->empty_input_row);
  EXPECT_TRUE(q->empty_row[0].null());

  plan = Compile("from hashtags | group {tag} (aggregate {n = count this}) | select {n, t = tag}");
  ASSERT_TRUE(plan.ok());
  q = CompileMongo(*plan, StoreField);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->fields, (std::vector<std::string>{"a0", "_id.k0"}));
  EXPECT_FALSE(q->empty_input_row);
}

// A server profile that computes several accumulators per $group (a real
// MongoDB) takes what FerretDB 1.24 cannot.
TEST(MongoCompiler, ServerProfile) {
  auto plan =
      Compile("from posts | group {lang} (aggregate {n = count this, s = sum entities_extracted})");
  ASSERT_TRUE(plan.ok());
  EXPECT_FALSE(CompileMongo(*plan, StoreField).ok());
  MongoServer mongodb;
  mongodb.name = "MongoDB";
  mongodb.several_accumulators = true;
  auto q = CompileMongo(*plan, StoreField, mongodb);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_NE(q->statement.find(R"("a0": {"$sum": 1}, "a1": {"$sum": "$entities_extracted"})"),
            std::string::npos)
      << q->statement;
}

}  // namespace
}  // namespace starling::query
