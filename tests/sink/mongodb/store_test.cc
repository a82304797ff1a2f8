// The MongoDB store (src/sink/mongodb/) against the real server of the
// tests (FerretDB, started by the store_servers fixture): NULLs in every
// nullable column, microseconds, raw kept as BSON, a post rewritten with
// fewer entities, results replaced window by window, typed cells of an
// aggregation, and a server that does not answer. Skips loudly without it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <map>
#include <string>
#include <vector>

#include "model/result_columns.h"
#include "sink/mongodb/client.h"
#include "sink/mongodb/documents.h"
#include "sink/post_fixtures.h"
#include "sink/registry.h"
#include "sink/tables.h"
#include "support/store_servers.h"

namespace starling::sink::mongodb {
namespace {

using ::starling::testing::StoreServer;

server::Address AddressOf(const StoreServer& s) {
  server::Address a;
  a.host = s.host;
  a.port = s.port;
  a.user = s.user;
  a.database = s.database;
  a.password = s.password;
  a.display = s.url;
  return a;
}

// Empties the collections the store writes (not the database: other tests
// may use other collections of it meanwhile).
void Reset(const StoreServer& s) {
  auto client = Client::Open(AddressOf(s), std::chrono::seconds(10));
  ASSERT_TRUE(client.ok()) << client.status().message();
  std::vector<std::string> names = {"posts", "meta", "analyses", "windows"};
  for (const model::ResultKindInfo& k : model::ResultKinds()) names.emplace_back(k.table);
  for (const std::string& n : names) ASSERT_TRUE(client->Drop(n).ok()) << n;
}

// The stored document of a post, as libmongoc gives it.
Bson StoredDocument(const StoreServer& s, const std::string& id) {
  auto client = Client::Open(AddressOf(s), std::chrono::seconds(10));
  EXPECT_TRUE(client.ok());
  if (!client.ok()) return {};
  Collection posts = client->Get("posts");
  Bson filter = NewBson();
  AppendText(filter.get(), "_id", id);
  Cursor cursor(mongoc_collection_find_with_opts(posts.get(), filter.get(), nullptr, nullptr));
  Bson out;
  EXPECT_TRUE(client
                  ->Walk(cursor.get(), "find",
                         [&](const bson_t& doc) -> Status {
                           out = Bson(bson_copy(&doc));
                           return Status::Ok();
                         })
                  .ok());
  return out;
}

void WritePosts(const std::string& spec, const std::vector<model::Post>& posts) {
  auto sink = OpenSink(spec, {});
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  for (const model::Post& p : posts) ASSERT_TRUE((*sink)->Write(p).ok());
  ASSERT_TRUE((*sink)->Close().ok());
}

std::vector<model::Post> ReadPosts(const std::string& spec) {
  std::vector<model::Post> out;
  auto store = OpenPostStore(spec, {});
  EXPECT_TRUE(store.ok()) << store.status().message();
  if (!store.ok()) return out;
  Status st = (*store)->ReadAll([&](model::Post&& p) {
    out.push_back(std::move(p));
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

class MongoStore : public ::testing::Test {
 protected:
  void Use(const StoreServer& s) {
    setenv("MONGODB_PASSWORD", s.password.c_str(), 1);
    spec_ = s.url;
    Reset(s);
  }
  std::string spec_;
};

TEST_F(MongoStore, RoundTripOfSamplePostsInOrder) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  Use(mongo);
  std::vector<model::Post> posts = testing::SamplePosts();
  for (const model::Post& p : testing::ChannelPosts()) posts.push_back(p);
  WritePosts(spec_ + "?batch=2", posts);
  std::vector<model::Post> back = ReadPosts(spec_);
  std::sort(posts.begin(), posts.end(), [](const model::Post& a, const model::Post& b) {
    return a.created_at != b.created_at ? a.created_at < b.created_at : a.id < b.id;
  });
  ASSERT_EQ(back.size(), posts.size());
  for (std::size_t i = 0; i < posts.size(); ++i) {
    EXPECT_TRUE(back[i].SameContent(posts[i])) << posts[i].id;
    EXPECT_EQ(back[i].source_format, posts[i].source_format);
    EXPECT_EQ(back[i].raw.empty(), posts[i].raw.empty()) << posts[i].id;
  }
  auto store = OpenPostStore(spec_, {});
  ASSERT_TRUE(store.ok());
  auto recent = (*store)->RecentPosts(2);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].id, posts[posts.size() - 2].id);  // oldest of the two first
  EXPECT_EQ((*recent)[1].id, posts.back().id);
}

TEST_F(MongoStore, NullsInEveryNullableColumn) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  Use(mongo);
  model::Post p;
  p.id = "n1";
  p.provider = model::Provider::kX;
  p.created_at = 1617292351000000LL;
  p.text = "nothing optional #tag @who http://x.y";
  p.source_format = "starling";
  p.hashtags = {{"tag", {}}};      // offsets unknown: NULL
  p.mentions = {{"who", "", {}}};  // no user id: NULL
  p.urls = {{"http://x.y", "", "", "", {}}};
  WritePosts(spec_, {p});
  Bson doc = StoredDocument(mongo, "n1");
  ASSERT_TRUE(doc);
  const TableInfo& posts = TableInfoOf(LogicalTable::kPosts);
  int nulls = 0;
  for (const TableColumn& c : posts.columns) {
    bson_iter_t it;
    ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), std::string(c.name).c_str())) << c.name;
    if (c.nullable) {
      EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&it)) << c.name << " is not null";
      ++nulls;
    }
  }
  EXPECT_EQ(nulls, 13);
  std::vector<std::pair<std::string, std::string>> entity_nulls = {
      {"hashtags.0.start", ""},    {"hashtags.0.end", ""},     {"mentions.0.user_id", ""},
      {"urls.0.expanded_url", ""}, {"urls.0.display_url", ""}, {"urls.0.unwound_url", ""}};
  for (const auto& [path, unused] : entity_nulls) {
    bson_iter_t it, found;
    ASSERT_TRUE(bson_iter_init(&it, doc.get()));
    ASSERT_TRUE(bson_iter_find_descendant(&it, path.c_str(), &found)) << path;
    EXPECT_TRUE(BSON_ITER_HOLDS_NULL(&found)) << path;
  }
  std::vector<model::Post> back = ReadPosts(spec_);
  ASSERT_EQ(back.size(), 1u);
  EXPECT_TRUE(back[0].SameContent(p));
  EXPECT_FALSE(back[0].metrics.likes.has_value());
  EXPECT_FALSE(back[0].geo.lat.has_value());
  EXPECT_TRUE(back[0].raw.empty());
  EXPECT_EQ(back[0].hashtags[0].range.start, -1);
}

TEST_F(MongoStore, MicrosecondsKeptBesideAMillisecondDate) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  Use(mongo);
  std::vector<model::Post> posts;
  for (const std::int64_t us : {1617292351123456LL, -1LL, -1500LL, 0LL, 253402300799999999LL}) {
    model::Post p;
    p.id = "t" + std::to_string(us);
    p.created_at = us;
    p.source_format = "starling";
    posts.push_back(p);
  }
  WritePosts(spec_, posts);
  for (const model::Post& p : posts) {
    Bson doc = StoredDocument(mongo, p.id);
    ASSERT_TRUE(doc);
    bson_iter_t it;
    ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), "created_at"));
    ASSERT_TRUE(BSON_ITER_HOLDS_DATE_TIME(&it));
    // Floored to the millisecond: -1 us is in the millisecond before 1970.
    const std::int64_t floor_ms = p.created_at / 1000 - (p.created_at % 1000 < 0 ? 1 : 0);
    EXPECT_EQ(bson_iter_date_time(&it), floor_ms) << p.id;
    ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), "created_at_us"));
    ASSERT_TRUE(BSON_ITER_HOLDS_INT64(&it));
    EXPECT_EQ(bson_iter_int64(&it), p.created_at);
  }
  std::vector<model::Post> back = ReadPosts(spec_);
  ASSERT_EQ(back.size(), posts.size());
  std::vector<std::int64_t> times;
  for (const model::Post& p : back) times.push_back(p.created_at);
  EXPECT_EQ(times,
            (std::vector<std::int64_t>{-1500, -1, 0, 1617292351123456LL, 253402300799999999LL}));
}

TEST_F(MongoStore, RawKeptAsBsonOrAsTextWhenMongoCannotHoldIt) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  Use(mongo);
  const std::vector<std::pair<std::string, std::string>> raws = {
      // id, raw
      {"doc", R"({"id":1377650090978992134,"text":"caf\u00e9 \ud83d\ude00","n":null,)"
              R"("f":1.5,"whole":2.0,"t":true,"a":[1,"x",{"":{}}],"e":{}})"},
      {"dollar", R"({"$date":"2021-01-01T00:00:00Z"})"},
      {"dot", R"({"a.b":1})"},
      {"twice", R"({"a":1,"a":2})"},
      {"huge", R"({"n":18446744073709551615})"},
      {"array", R"([1,2])"},
      {"nul", R"({"a\u0000b":1})"},
  };
  std::vector<model::Post> posts;
  for (const auto& [id, raw] : raws) {
    model::Post p;
    p.id = id;
    p.source_format = "x-v2";
    p.raw = raw;
    posts.push_back(p);
  }
  WritePosts(spec_, posts);
  for (const auto& [id, raw] : raws) {
    Bson doc = StoredDocument(mongo, id);
    ASSERT_TRUE(doc) << id;
    bson_iter_t it;
    ASSERT_TRUE(bson_iter_init_find(&it, doc.get(), "raw")) << id;
    if (id == "doc") {
      ASSERT_TRUE(BSON_ITER_HOLDS_DOCUMENT(&it));
      bson_iter_t n;
      ASSERT_TRUE(bson_iter_init(&it, doc.get()));
      ASSERT_TRUE(bson_iter_find_descendant(&it, "raw.id", &n));
      ASSERT_TRUE(BSON_ITER_HOLDS_INT64(&n));
      EXPECT_EQ(bson_iter_int64(&n), 1377650090978992134LL);  // beyond 2^53, exact
    } else {
      ASSERT_TRUE(BSON_ITER_HOLDS_UTF8(&it)) << id << " should be kept as text";
      EXPECT_EQ(std::string(bson_iter_utf8(&it, nullptr)), raw) << id;
    }
  }
  std::map<std::string, std::string> back;
  for (model::Post& p : ReadPosts(spec_)) back[p.id] = p.raw;
  // The document comes back as the same JSON, written compactly (strings
  // as UTF-8, a whole double with its ".0").
  EXPECT_EQ(back["doc"],
            "{\"id\":1377650090978992134,\"text\":\"caf\xC3\xA9 \xF0\x9F\x98\x80\",\"n\":null,"
            "\"f\":1.5,\"whole\":2.0,\"t\":true,\"a\":[1,\"x\",{\"\":{}}],\"e\":{}}");
  for (const auto& [id, raw] : raws) {
    if (id != "doc") EXPECT_EQ(back[id], raw) << id;
  }
}

TEST_F(MongoStore, PostRewrittenWithFewerEntitiesHasExactlyTheNewOnes) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  Use(mongo);
  model::Post p = testing::SamplePosts()[0];
  model::Post other = testing::SamplePosts()[1];
  WritePosts(spec_, {p, other});
  model::Post fewer = p;
  fewer.text = "rewritten";
  fewer.hashtags = {{"Only", {0, 5}}};
  fewer.mentions.clear();
  fewer.urls.clear();
  fewer.cashtags.clear();
  fewer.references = {{model::ReferenceType::kQuoted, "1377640162566496258"}};
  fewer.matching_rules = {{"42", ""}};
  fewer.metrics = {};
  fewer.geo = {};
  // Twice in one batch, then again in another: the last rendering wins.
  WritePosts(spec_ + "?batch=100", {p, fewer});
  WritePosts(spec_, {fewer});
  std::vector<model::Post> back = ReadPosts(spec_);
  ASSERT_EQ(back.size(), 2u);
  const model::Post& got = back[0].id == p.id ? back[0] : back[1];
  EXPECT_TRUE(got.SameContent(fewer));
  EXPECT_EQ(got.hashtags.size(), 1u);
  EXPECT_TRUE(got.mentions.empty());
  EXPECT_TRUE(got.urls.empty());
  EXPECT_TRUE(got.cashtags.empty());
  EXPECT_EQ(got.matching_rules.size(), 1u);
  EXPECT_FALSE(got.geo.lat.has_value());
  const model::Post& untouched = back[0].id == p.id ? back[1] : back[0];
  EXPECT_TRUE(untouched.SameContent(other));
}

TEST_F(MongoStore, ManyUpsertsInOneBatchDoNotHangTheServer) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  Use(mongo);
  // FerretDB 1.24 hangs on an update command of more than ~100 statements
  // that match documents: the store sends at most 50 to a command.
  std::vector<model::Post> posts;
  for (int i = 0; i < 300; ++i) {
    model::Post p;
    p.id = "u" + std::to_string(i);
    p.created_at = 1'600'000'000'000'000LL + i;
    p.text = "first";
    p.source_format = "starling";
    posts.push_back(p);
  }
  WritePosts(spec_ + "?batch=1000&retries=0&connect_timeout=20s", posts);
  for (model::Post& p : posts) p.text = "second";
  WritePosts(spec_ + "?batch=1000&retries=0&connect_timeout=20s", posts);
  std::vector<model::Post> back = ReadPosts(spec_);
  ASSERT_EQ(back.size(), 300u);
  for (const model::Post& p : back) EXPECT_EQ(p.text, "second");
}

model::WindowResult Window(std::int64_t start, std::vector<std::pair<std::string, int>> rows,
                           bool final) {
  model::WindowResult r;
  r.pipeline = "p";
  r.analysis = "hashtags";
  r.kind = model::ResultKind::kTopK;
  r.window_start = start;
  r.window_end = start + 60'000'000;
  r.total = 0;
  r.final = final;
  int rank = 0;
  for (const auto& [key, count] : rows) {
    model::ResultRow row;
    row.rank = ++rank;
    row.key = key;
    row.count = count;
    r.total += static_cast<std::uint64_t>(count);
    r.rows.push_back(row);
  }
  return r;
}

TEST_F(MongoStore, ResultsReplacedWindowByWindow) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  Use(mongo);
  const std::int64_t t0 = 1617292320000000LL;
  {
    auto sink = OpenResultSink(spec_, {});
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    model::AnalysisMeta meta{"p", "hashtags", model::ResultKind::kTopK, "hashtag", "1m", 3, ""};
    model::AnalysisMeta langs{"p", "langs", model::ResultKind::kCount, "lang", "1m", 0, ""};
    ASSERT_TRUE((*sink)->DeclareAnalyses({meta, langs}).ok());
    ASSERT_TRUE((*sink)->Write(Window(t0, {{"#a", 5}, {"#b", 3}, {"#c", 1}}, false)).ok());
    ASSERT_TRUE((*sink)->Flush().ok());
    model::WindowResult l = Window(t0, {{"en", 4}}, true);
    l.analysis = "langs";
    l.kind = model::ResultKind::kCount;
    ASSERT_TRUE((*sink)->Write(l).ok());
    // The same window again, fewer rows, final: replaces the preview; and
    // twice in one flush: the last wins.
    ASSERT_TRUE((*sink)->Write(Window(t0, {{"#x", 9}}, false)).ok());
    ASSERT_TRUE((*sink)->Write(Window(t0, {{"#b", 4}, {"#a", 6}}, true)).ok());
    ASSERT_TRUE((*sink)->Write(Window(t0 + 60'000'000, {{"#z", 1}}, true)).ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  auto store = OpenResultStore(spec_, {});
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto pipelines = (*store)->Pipelines();
  ASSERT_TRUE(pipelines.ok()) << pipelines.status().message();
  ASSERT_EQ(pipelines->size(), 1u);
  EXPECT_EQ((*pipelines)[0].name, "p");
  EXPECT_EQ((*pipelines)[0].windows, 3u);
  auto analyses = (*store)->Analyses("p");
  ASSERT_TRUE(analyses.ok());
  ASSERT_EQ(analyses->size(), 2u);
  EXPECT_EQ((*analyses)[0].analysis, "hashtags");  // its first window was stored first
  EXPECT_EQ((*analyses)[0].by, "hashtag");
  EXPECT_EQ((*analyses)[0].k, 3u);
  EXPECT_EQ((*analyses)[1].analysis, "langs");
  auto windows = (*store)->RecentWindows((*analyses)[0], 10);
  ASSERT_TRUE(windows.ok()) << windows.status().message();
  ASSERT_EQ(windows->size(), 2u);
  EXPECT_EQ((*windows)[0].window_start, t0 + 60'000'000);  // newest first
  const model::WindowResult& w = (*windows)[1];
  EXPECT_TRUE(w.final);
  EXPECT_EQ(w.total, 10u);
  ASSERT_EQ(w.rows.size(), 2u);
  EXPECT_EQ(w.rows[0].key, "#b");  // by rank
  EXPECT_EQ(w.rows[0].count, 4);
  EXPECT_EQ(w.rows[1].key, "#a");
}

TEST_F(MongoStore, AggregationGivesTypedCells) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  Use(mongo);
  WritePosts(spec_, testing::SamplePosts());
  auto q = OpenQueryableStore(spec_);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ((*q)->Dialect(), "mongodb");
  EXPECT_EQ((*q)->ColumnSql("posts", "created_at", ""), "created_at_us");
  EXPECT_EQ((*q)->ColumnSql("posts", "text", ""), "");
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
  auto collect = [&](std::string_view statement) {
    columns.clear();
    rows.clear();
    return (*q)->Query(
        statement,
        [&](std::vector<std::string> c) {
          columns = std::move(c);
          return Status::Ok();
        },
        [&](std::span<const Value> r) {
          rows.emplace_back(r.begin(), r.end());
          return Status::Ok();
        });
  };
  auto col = [&](const std::string& name) {
    for (std::size_t i = 0; i < columns.size(); ++i) {
      if (columns[i] == name) return static_cast<int>(i);
    }
    ADD_FAILURE() << "no column " << name;
    return 0;
  };
  // Posts: a date as microseconds, a double, NULL, integers.
  Status st = collect(R"({"aggregate": "posts", "pipeline": [
      {"$match": {"_id": {"$in": ["1377650090978992134", "b2"]}}}, {"$sort": {"_id": 1}},
      {"$project": {"created_at": 1, "created_at_us": 1, "lat": 1, "like_count": 1,
                    "entities_extracted": 1}}]})");
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][col("_id")], Value{std::string("b2")});
  EXPECT_EQ(rows[1][col("created_at")], Value{std::int64_t{1617292352123000LL}});  // a date
  EXPECT_EQ(rows[1][col("created_at_us")], Value{std::int64_t{1617292352123456LL}});
  EXPECT_EQ(rows[1][col("lat")], Value{});  // null
  EXPECT_EQ(rows[1][col("like_count")], Value{});
  EXPECT_EQ(rows[1][col("entities_extracted")], Value{std::int64_t{1}});
  EXPECT_EQ(rows[0][col("lat")], Value{34.75192228});
  EXPECT_EQ(rows[0][col("like_count")], Value{std::int64_t{12345678901LL}});
  // The hashtags table: $unwind of the array, each element the whole row
  // (FerretDB keeps only _id and the unwound field), read as
  // "hashtags.<column>" without $project.
  st = collect(R"({"aggregate": "posts", "pipeline": [
      {"$match": {"_id": "b2"}}, {"$unwind": "$hashtags"}]})");
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0][col("hashtags.post_id")], Value{std::string("b2")});
  EXPECT_EQ(rows[0][col("hashtags.tag")], Value{std::string("Caf\xC3\xA9")});
  EXPECT_EQ(rows[0][col("hashtags.tag_lower")], Value{std::string("caf\xC3\xA9")});
  EXPECT_EQ(rows[1][col("hashtags.start")], Value{std::int64_t{6}});
  EXPECT_EQ(rows[1][col("hashtags.end")], Value{std::int64_t{13}});
  // A count by a field ($group with $sum: what FerretDB has).
  st = collect(R"({"aggregate": "posts", "pipeline": [{"$unwind": "$hashtags"},
      {"$group": {"_id": "$hashtags.tag_lower", "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}]})");
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(columns, (std::vector<std::string>{"_id", "n"}));
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0][0], Value{std::string("caf\xC3\xA9")});
  EXPECT_EQ(rows[0][1], Value{std::int64_t{1}});
  // An empty answer still names no columns and gives no rows.
  st = collect(R"({"aggregate": "posts", "pipeline": [{"$match": {"_id": "none"}}]})");
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_TRUE(rows.empty());
  // Refused: not JSON, not an aggregate, a write.
  EXPECT_EQ(collect("{").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collect(R"({"find": "posts"})").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(collect(R"({"aggregate": "posts", "pipeline": [{"$out": "x"}]})").code(),
            StatusCode::kInvalidArgument);
  // A stage the server refuses: its message.
  EXPECT_EQ(collect(R"({"aggregate": "posts", "pipeline": [{"$nosuchstage": {}}]})").code(),
            StatusCode::kInvalidArgument);
}

TEST(MongoDocuments, CellsTypedFromBson) {
  Bson doc = NewBson();
  BSON_APPEND_INT32(doc.get(), "i32", -7);
  BSON_APPEND_INT64(doc.get(), "i64", 1LL << 60);
  BSON_APPEND_DOUBLE(doc.get(), "d", 0.5);
  BSON_APPEND_UTF8(doc.get(), "s", "x");
  BSON_APPEND_NULL(doc.get(), "n");
  BSON_APPEND_BOOL(doc.get(), "t", true);
  BSON_APPEND_BOOL(doc.get(), "f", false);
  BSON_APPEND_DATE_TIME(doc.get(), "date", -1);
  bson_oid_t oid;
  bson_oid_init_from_string(&oid, "0123456789abcdef01234567");
  BSON_APPEND_OID(doc.get(), "oid", &oid);
  bson_t sub, arr;
  BSON_APPEND_DOCUMENT_BEGIN(doc.get(), "sub", &sub);
  BSON_APPEND_INT32(&sub, "a", 1);
  bson_append_document_end(doc.get(), &sub);
  BSON_APPEND_ARRAY_BEGIN(doc.get(), "arr", &arr);
  BSON_APPEND_UTF8(&arr, "0", "q\"");
  BSON_APPEND_DOUBLE(&arr, "1", 3.0);
  bson_append_array_end(doc.get(), &arr);
  std::vector<std::pair<std::string, Value>> fields;
  FlattenDocument(*doc, &fields);
  std::vector<std::pair<std::string, Value>> want = {
      {"i32", std::int64_t{-7}},
      {"i64", std::int64_t{1LL << 60}},
      {"d", 0.5},
      {"s", std::string("x")},
      {"n", Value{}},
      {"t", std::int64_t{1}},
      {"f", std::int64_t{0}},
      {"date", std::int64_t{-1000}},
      {"oid", std::string("0123456789abcdef01234567")},
      {"sub.a", std::int64_t{1}},
      {"arr", std::string("[\"q\\\"\",3.0]")}};
  EXPECT_EQ(fields, want);
}

TEST_F(MongoStore, WrongPasswordIsRefusedWithoutRetries) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  setenv("MONGODB_PASSWORD", "not-the-password", 1);
  auto sink = OpenSink(mongo.url + "?retries=3&retry_wait=2s", {});
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument) << sink.status().message();
  EXPECT_EQ(sink.status().message().find("not-the-password"), std::string::npos);
}

TEST_F(MongoStore, NoServerIsUnavailableAfterTheRetries) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  setenv("MONGODB_PASSWORD", mongo.password.c_str(), 1);
  // A port nothing listens on (the server's, plus one, is not a server).
  const std::string spec = "mongodb://starling@127.0.0.1:1/starling?retries=2&retry_wait=10ms";
  auto sink = OpenSink(spec, {});
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kUnavailable);
  EXPECT_NE(sink.status().message().find("did not take it after 3 tries"), std::string::npos)
      << sink.status().message();
}

}  // namespace
}  // namespace starling::sink::mongodb
