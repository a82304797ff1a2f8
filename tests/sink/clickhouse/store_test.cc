// File: tests/sink/clickhouse/store_test.cc
// The ClickHouse store against the real ClickHouse 18.16 that the
// store_servers fixture started: the types of its tables and of a query's
// cells, NULLs in every nullable column, a post written again with fewer
// entities, a window written again with fewer rows, a statement the server
// refuses, and a server that goes away mid-run (it is killed and restarted:
// the binary is registered KILLS_SERVERS). Each test works in its own
// database.
#include "sink/clickhouse/store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <map>
#include <tuple>

#include "model/post_json.h"
#include "model/result_columns.h"
#include "sink/clickhouse/client.h"
#include "sink/post_fixtures.h"
#include "support/store_servers.h"

namespace starling::sink::clickhouse {
namespace {

using starling::testing::ControlStoreServer;
using starling::testing::StoreServer;

// A fresh database for the running test, and the options that name it.
Options Fresh(const StoreServer& s) {
  Options o;
  o.address.host = s.host;
  o.address.port = s.port;
  o.address.user = s.user;
  o.address.password = s.password;
  o.address.database = "starling";
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string db = std::string("gt_") + info->name() + "_" + std::to_string(::getpid());
  auto c = Client::Open(o.address, std::chrono::seconds(5));
  EXPECT_TRUE(c.ok()) << c.status().message();
  if (c.ok()) {
    EXPECT_TRUE(c->Exec("DROP DATABASE IF EXISTS " + db).ok());
    EXPECT_TRUE(c->Exec("CREATE DATABASE " + db).ok());
  }
  o.address.database = db;
  o.address.display =
      "clickhouse://" + s.user + "@" + s.host + ":" + std::to_string(s.port) + "/" + db;
  o.retry.retries = 1;
  o.retry.first_wait = std::chrono::milliseconds(50);
  o.retry.connect_timeout = std::chrono::seconds(2);
  o.batch = 100;
  return o;
}

// Posts as their JSON (raw included), to compare.
std::vector<std::string> Json(const std::vector<model::Post>& posts) {
  std::vector<std::string> out;
  for (const model::Post& p : posts) {
    out.emplace_back();
    model::AppendPostJson(p, &out.back(), {.include_raw = true});
  }
  return out;
}

struct Answer {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

Result<Answer> Ask(QueryableStore& q, std::string_view sql) {
  Answer a;
  STARLING_RETURN_IF_ERROR(q.Query(
      sql,
      [&](std::vector<std::string> c) {
        a.columns = std::move(c);
        return Status::Ok();
      },
      [&](std::span<const Value> row) {
        a.rows.emplace_back(row.begin(), row.end());
        return Status::Ok();
      }));
  return a;
}

std::vector<model::Post> ReadBack(const Options& o) {
  auto store = OpenPostStore(o);
  EXPECT_TRUE(store.ok()) << store.status().message();
  std::vector<model::Post> out;
  if (!store.ok()) return out;
  Status st = (*store)->ReadAll([&](model::Post&& p) {
    out.push_back(std::move(p));
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.message();
  return out;
}

void WritePosts(const Options& o, const std::vector<model::Post>& posts) {
  auto sink = OpenPostSink(o);
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  for (const model::Post& p : posts) ASSERT_TRUE((*sink)->Write(p).ok());
  Status st = (*sink)->Close();
  ASSERT_TRUE(st.ok()) << st.message();
}

TEST(ClickHouseStore, TypesOfTablesAndOfQueryCells) {
  STARLING_REQUIRE_STORE_SERVER(ch, "clickhouse");
  const Options o = Fresh(ch);
  WritePosts(o, testing::SamplePosts());
  auto q = OpenQueryable(o);
  ASSERT_TRUE(q.ok()) << q.status().message();
  EXPECT_EQ((*q)->Dialect(), "clickhouse");
  EXPECT_EQ((*q)->ColumnSql("posts", "created_at", "p"), "");  // the view gives microseconds
  auto types = Ask(**q,
                   "SELECT name, type FROM system.columns WHERE database = currentDatabase() AND "
                   "table IN ('posts_data', 'posts', 'hashtags') ORDER BY table, name");
  ASSERT_TRUE(types.ok()) << types.status().message();
  std::map<std::string, std::string> type;
  for (const auto& r : types->rows) {
    type[std::get<std::string>(r[0])] = std::get<std::string>(r[1]);
  }
  EXPECT_EQ(type["created_at"], "Int64");
  EXPECT_EQ(type["lang"], "LowCardinality(String)");
  EXPECT_EQ(type["provider"], "LowCardinality(String)");
  EXPECT_EQ(type["ref_id"], "Nullable(String)");
  EXPECT_EQ(type["lon"], "Nullable(Float64)");
  EXPECT_EQ(type["like_count"], "Nullable(Int64)");
  EXPECT_EQ(type["hashtags.start"], "Array(Nullable(Int64))");
  EXPECT_EQ(type["version"], "UInt64");
  EXPECT_EQ(type["start"], "Nullable(Int64)");  // hashtags' view: one row per entity

  auto cells = Ask(**q,
                   "SELECT toInt8(-3) AS a, toUInt64(18446744073709551615) AS b, toFloat32(1.5) "
                   "AS c, 'tab\\there' AS d, NULL AS e, toDateTime('2021-04-01 15:52:31', 'UTC') "
                   "AS f, created_at, lon, toDecimal64(1.5, 2) AS g FROM posts WHERE id = "
                   "'1377650090978992134'");
  ASSERT_TRUE(cells.ok()) << cells.status().message();
  ASSERT_EQ(cells->rows.size(), 1u);
  EXPECT_EQ(cells->columns,
            (std::vector<std::string>{"a", "b", "c", "d", "e", "f", "created_at", "lon", "g"}));
  const auto& r = cells->rows[0];
  EXPECT_EQ(r[0], Value{std::int64_t{-3}});
  EXPECT_EQ(r[1], Value{18446744073709551615.0});
  EXPECT_EQ(r[2], Value{1.5});
  EXPECT_EQ(r[3], Value{std::string("tab\there")});
  EXPECT_EQ(r[4], Value{});
  EXPECT_EQ(r[5], Value{std::string("2021-04-01 15:52:31")});
  EXPECT_EQ(r[6], Value{std::int64_t{1617292351000000LL}});
  EXPECT_EQ(r[7], Value{-86.58216981});         // exact: RowBinary in, shortest digits out
  EXPECT_EQ(r[8], Value{std::string("1.50")});  // Decimal as text, as every store gives it
  EXPECT_EQ(Json(ReadBack(o)), Json([] {
              auto v = testing::SamplePosts();
              std::sort(v.begin(), v.end(), [](const auto& a, const auto& b) {
                return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
              });
              return v;
            }()));
}

TEST(ClickHouseStore, NullsInEveryNullableColumn) {
  STARLING_REQUIRE_STORE_SERVER(ch, "clickhouse");
  const Options o = Fresh(ch);
  model::Post p;
  p.id = "n";
  p.provider = model::Provider::kX;
  p.created_at = -1;  // before 1970, to the microsecond
  p.source_format = "starling";
  p.mentions = {{"nouser", "", {-1, -1}}};
  p.urls = {{"https://x.example", "", "", "", {-1, -1}}};
  p.hashtags = {{"a", {-1, -1}}};
  p.cashtags = {{"B", {-1, -1}}};
  WritePosts(o, {p});
  EXPECT_EQ(Json(ReadBack(o)), Json({p}));
  auto q = OpenQueryable(o);
  ASSERT_TRUE(q.ok()) << q.status().message();
  for (const TableInfo& t : Tables()) {
    std::string cols;
    for (const TableColumn& c : t.columns) {
      if (c.nullable) cols += (cols.empty() ? "" : ", ") + Quote(c.name);
    }
    if (cols.empty()) continue;  // post_references, matching_rules
    auto a = Ask(**q, "SELECT " + cols + " FROM " + std::string(t.name));
    ASSERT_TRUE(a.ok()) << t.name << ": " << a.status().message();
    ASSERT_EQ(a->rows.size(), 1u) << t.name;
    for (std::size_t i = 0; i < a->rows[0].size(); ++i) {
      EXPECT_EQ(a->rows[0][i], Value{}) << t.name << "." << a->columns[i];
    }
  }
  auto created = Ask(**q, "SELECT created_at FROM posts");
  ASSERT_TRUE(created.ok());
  EXPECT_EQ(created->rows[0][0], Value{std::int64_t{-1}});
}

TEST(ClickHouseStore, PostWrittenAgainWithFewerEntitiesKeepsOnlyTheNewOnes) {
  STARLING_REQUIRE_STORE_SERVER(ch, "clickhouse");
  const Options o = Fresh(ch);
  std::vector<model::Post> first = testing::SamplePosts();
  WritePosts(o, first);
  model::Post again = first[0];
  again.text = "edited";
  again.hashtags.clear();
  again.mentions.clear();
  again.matching_rules.resize(1);
  again.references.resize(1);
  again.urls.clear();
  again.cashtags = {{"NEW", {0, 4}}};
  WritePosts(o, {again});
  const std::vector<model::Post> back = ReadBack(o);
  ASSERT_EQ(back.size(), 3u);
  const auto it =
      std::find_if(back.begin(), back.end(), [&](const auto& p) { return p.id == again.id; });
  ASSERT_NE(it, back.end());
  EXPECT_EQ(Json({*it}), Json({again}));
  auto q = OpenQueryable(o);
  ASSERT_TRUE(q.ok());
  const std::string id = "'" + again.id + "'";
  for (const auto& [table, want] :
       std::vector<std::pair<std::string, std::int64_t>>{{"posts", 1},
                                                         {"hashtags", 0},
                                                         {"mentions", 0},
                                                         {"urls", 0},
                                                         {"cashtags", 1},
                                                         {"post_references", 1},
                                                         {"matching_rules", 1}}) {
    auto a = Ask(**q, "SELECT count() FROM " + table + " WHERE " +
                          (table == "posts" ? "id" : "post_id") + " = " + id);
    ASSERT_TRUE(a.ok()) << a.status().message();
    EXPECT_EQ(a->rows[0][0], Value{want}) << table;
  }
  auto tag = Ask(**q, "SELECT tag FROM cashtags WHERE post_id = " + id);
  ASSERT_TRUE(tag.ok());
  EXPECT_EQ(tag->rows[0][0], Value{std::string("NEW")});
}

model::WindowResult Window(std::vector<std::string> keys, bool final) {
  model::WindowResult r;
  r.pipeline = "p";
  r.analysis = "tags";
  r.kind = model::ResultKind::kTopK;
  r.window_start = 1617235200000000LL;
  r.window_end = 1617235260000000LL;
  r.final = final;
  std::int32_t rank = 0;
  for (std::string& k : keys) {
    model::ResultRow row;
    row.rank = ++rank;
    row.key = std::move(k);
    row.count = 10 - rank;
    r.rows.push_back(std::move(row));
    r.total += static_cast<std::uint64_t>(10 - rank);
  }
  return r;
}

TEST(ClickHouseStore, WindowWrittenAgainIsReplacedWhole) {
  STARLING_REQUIRE_STORE_SERVER(ch, "clickhouse");
  const Options o = Fresh(ch);
  for (const auto& w : {Window({"a", "b", "c"}, false), Window({"z"}, true)}) {
    auto sink = OpenResultSink(o);
    ASSERT_TRUE(sink.ok()) << sink.status().message();
    model::AnalysisMeta meta;
    meta.pipeline = "p";
    meta.analysis = "tags";
    meta.kind = model::ResultKind::kTopK;
    meta.by = "hashtag";
    meta.window = "tumbling 1m";
    meta.k = 3;
    ASSERT_TRUE((*sink)->DeclareAnalyses({meta}).ok());
    ASSERT_TRUE((*sink)->Write(w).ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  auto store = OpenResultStore(o);
  ASSERT_TRUE(store.ok()) << store.status().message();
  auto analyses = (*store)->Analyses("p");
  ASSERT_TRUE(analyses.ok()) << analyses.status().message();
  ASSERT_EQ(analyses->size(), 1u);
  EXPECT_EQ((*analyses)[0].by, "hashtag");
  EXPECT_EQ((*analyses)[0].k, 3u);
  auto windows = (*store)->RecentWindows((*analyses)[0], 10);
  ASSERT_TRUE(windows.ok()) << windows.status().message();
  ASSERT_EQ(windows->size(), 1u);
  EXPECT_EQ((*windows)[0], Window({"z"}, true));
  auto q = OpenQueryable(o);
  ASSERT_TRUE(q.ok());
  auto rows = Ask(**q, "SELECT key FROM trending");
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], Value{std::string("z")});
  auto heads = Ask(**q, "SELECT kind, final, rows FROM windows");
  ASSERT_TRUE(heads.ok()) << heads.status().message();
  ASSERT_EQ(heads->rows.size(), 1u);
  EXPECT_EQ(heads->rows[0],
            (std::vector<Value>{std::string("top"), std::int64_t{1}, std::int64_t{1}}));
}

TEST(ClickHouseStore, BatchesInFlightKeepEveryPostAndTheLastRenderingWins) {
  STARLING_REQUIRE_STORE_SERVER(ch, "clickhouse");
  Options o = Fresh(ch);
  o.batch = 3;
  std::vector<model::Post> posts;
  for (int i = 0; i < 20; ++i) {
    model::Post p = testing::SamplePosts()[static_cast<std::size_t>(i % 3)];
    p.id = "p" + std::to_string(i % 12);  // ids 0-7 twice: in the same batch or a later one
    p.text = "rendering " + std::to_string(i);
    p.created_at += i % 12;
    posts.push_back(std::move(p));
  }
  WritePosts(o, posts);
  std::vector<model::Post> want(posts.begin() + 8, posts.end());  // the last of each id
  std::sort(want.begin(), want.end(), [](const auto& a, const auto& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
  EXPECT_EQ(Json(ReadBack(o)), Json(want));
}

TEST(ClickHouseStore, RefusedStatementIsInvalidArgumentWithTheServersMessage) {
  STARLING_REQUIRE_STORE_SERVER(ch, "clickhouse");
  const Options o = Fresh(ch);
  WritePosts(o, testing::SamplePosts());
  auto q = OpenQueryable(o);
  ASSERT_TRUE(q.ok());
  auto bad = Ask(**q, "SELEC 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("Syntax error"), std::string::npos)
      << bad.status().message();
  auto write = Ask(**q, "DROP TABLE posts_data");  // read-only
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(write.status().message().find("readonly"), std::string::npos)
      << write.status().message();
  auto still = Ask(**q, "SELECT count() FROM posts");
  ASSERT_TRUE(still.ok());
  EXPECT_EQ(still->rows[0][0], Value{std::int64_t{3}});
  Options wrong = o;
  wrong.address.password = "not-the-password";
  auto denied = OpenPostStore(wrong);
  ASSERT_FALSE(denied.ok());
  EXPECT_EQ(denied.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(denied.status().message().find("not-the-password"), std::string::npos);
}

TEST(ClickHouseStore, StoppedServerIsUnavailableAfterTheRetriesAndNothingIsLost) {
  STARLING_REQUIRE_STORE_SERVER(ch, "clickhouse");
  Options o = Fresh(ch);
  o.batch = 2;  // the second post sends a batch in the background, which fails
  auto sink = OpenPostSink(o);
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  ASSERT_TRUE(ControlStoreServer("kill", "clickhouse"));
  for (const model::Post& p : testing::SamplePosts()) ASSERT_TRUE((*sink)->Write(p).ok());
  Status st = (*sink)->Flush();
  const bool restarted = ControlStoreServer("restart", "clickhouse");
  ASSERT_TRUE(restarted);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.message();
  EXPECT_NE(st.message().find("did not take it after 2 tries"), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find(ch.password), std::string::npos);
  // The batches are still held: once the server is back, they land, once.
  st = (*sink)->Close();
  ASSERT_TRUE(st.ok()) << st.message();
  EXPECT_EQ(ReadBack(o).size(), 3u);
  Options gone = o;
  gone.address.port = 1;  // nothing listens there
  auto none = OpenPostStore(gone);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kUnavailable) << none.status().message();
}

}  // namespace
}  // namespace starling::sink::clickhouse
