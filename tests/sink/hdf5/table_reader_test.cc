// Tests for sink/hdf5/table_reader.h: the tables of an HDF5 store, posts'
// and results', streamed as cells with their logical columns.
#include "sink/hdf5/table_reader.h"

#include <gtest/gtest.h>

#include "model/result_columns.h"
#include "sink/post_fixtures.h"
#include "sink/registry.h"

namespace starling::sink {
namespace {

using testing::TempPath;

std::vector<std::vector<Value>> All(const Hdf5TableReader& r, std::string_view table) {
  std::vector<std::vector<Value>> rows;
  Status st = r.Scan(table, [&](std::span<const Value> row) {
    rows.emplace_back(row.begin(), row.end());
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return rows;
}

std::string S(const char* s) { return s; }

TEST(Hdf5TableReader, StreamsTheLogicalTablesOfPosts) {
  const std::string path = TempPath(".h5");
  {
    auto sink = OpenSink(path);
    ASSERT_TRUE(sink.ok());
    for (const auto& p : testing::SamplePosts()) ASSERT_TRUE((*sink)->Write(p).ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  auto reader = Hdf5TableReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  EXPECT_EQ((*reader)->TableNames(),
            (std::vector<std::string>{"posts", "hashtags", "mentions", "urls", "cashtags",
                                      "post_references", "matching_rules"}));
  // The columns are the logical table's, in its order.
  for (const TableInfo& t : Tables()) {
    auto columns = (*reader)->Columns(t.name);
    ASSERT_TRUE(columns.ok()) << t.name;
    ASSERT_EQ(columns->size(), t.columns.size());
    for (std::size_t i = 0; i < t.columns.size(); ++i) {
      EXPECT_EQ((*columns)[i].name, t.columns[i].name);
      EXPECT_EQ((*columns)[i].type, t.columns[i].type);
      EXPECT_EQ((*columns)[i].nullable, t.columns[i].nullable);
    }
  }
  using V = std::vector<Value>;
  EXPECT_EQ(
      All(**reader, "hashtags"),
      (std::vector<V>{
          {S("1377650090978992134"), S("Dogs"), S("dogs"), std::int64_t{33}, std::int64_t{38}},
          {S("b2"), S("Caf\xC3\xA9"), S("caf\xC3\xA9"), std::int64_t{0}, std::int64_t{5}},
          {S("b2"), S("SECOND"), S("second"), std::int64_t{6}, std::int64_t{13}}}));
  EXPECT_EQ(
      All(**reader, "matching_rules"),
      (std::vector<V>{{S("1377650090978992134"), S("1377649934414049282"), S("dogs: and cats")},
                      {S("1377650090978992134"), S("42"), S("")}}));
  const auto posts = All(**reader, "posts");
  ASSERT_EQ(posts.size(), 3u);
  EXPECT_EQ(posts[0][2], Value(std::int64_t{1617292351000000LL}));  // created_at
  EXPECT_EQ(posts[0][3], Value(S("2021-04-01T15:52:31.000Z")));
  EXPECT_EQ(posts[0][13], Value(std::int64_t{12345678901LL}));  // like_count
  EXPECT_EQ(posts[0][16], Value(-86.58216981));                 // lon
  EXPECT_EQ(posts[2][10], Value(S("at://x")));                  // ref_id
  EXPECT_EQ(posts[2][11], Value());                             // repost_count: NULL
  EXPECT_EQ(posts[2][15], Value(std::int64_t{7}));              // impression_count
  EXPECT_EQ(posts[2][23], Value());                             // raw: NULL

  // Stopping early hands back the callback's Status.
  int seen = 0;
  Status st = (*reader)->Scan("posts", [&](std::span<const Value>) {
    ++seen;
    return Unavailable("enough");
  });
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(seen, 1);
  // A table the store does not have, and one it may have but this file lacks.
  EXPECT_EQ((*reader)->Columns("tweets").status().code(), StatusCode::kNotFound);
  EXPECT_NE((*reader)->Columns("tweets").status().message().find("valid: posts"),
            std::string::npos);
  EXPECT_EQ((*reader)->Rows("trending").status().code(), StatusCode::kNotFound);
}

TEST(Hdf5TableReader, StreamsTheResultTablesWithTheirWindowHead) {
  const std::string path = TempPath(".h5");
  {
    auto sink = OpenResultSink("hdf5:" + path);
    ASSERT_TRUE(sink.ok());
    model::WindowResult r;
    r.pipeline = "p";
    r.analysis = "tags";
    r.kind = model::ResultKind::kTopK;
    r.window_start = 1617292320000000LL;
    r.window_end = 1617292380000000LL;
    r.rows = {{.rank = 1, .key = "rust", .count = 9, .error = 1}};
    r.total = 12;
    r.final = true;
    ASSERT_TRUE((*sink)
                    ->DeclareAnalyses(
                        {{"p", "tags", model::ResultKind::kTopK, "hashtag", "tumbling 1m", 5, ""}})
                    .ok());
    ASSERT_TRUE((*sink)->Write(r).ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  std::vector<std::string> names;
  std::vector<std::vector<Value>> rows;
  ASSERT_TRUE(ReadHdf5Table(
                  path, "trending",
                  [&](std::vector<std::string> n) {
                    names = std::move(n);
                    return Status::Ok();
                  },
                  [&](std::span<const Value> row) {
                    rows.emplace_back(row.begin(), row.end());
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(names, (std::vector<std::string>{"pipeline", "analysis", "window_start", "window_end",
                                             "rank", "key", "count", "error"}));
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0], (std::vector<Value>{S("p"), S("tags"), S("2021-04-01T15:52:00.000Z"),
                                         S("2021-04-01T15:53:00.000Z"), std::int64_t{1}, S("rust"),
                                         std::int64_t{9}, std::int64_t{1}}));
  auto reader = Hdf5TableReader::Open(path);
  ASSERT_TRUE(reader.ok());
  EXPECT_EQ((*reader)->TableNames(), (std::vector<std::string>{"trending", "windows", "analyses"}));
  EXPECT_EQ(All(**reader, "windows"),
            (std::vector<std::vector<Value>>{
                {S("p"), S("tags"), S("top"), S("2021-04-01T15:52:00.000Z"),
                 S("2021-04-01T15:53:00.000Z"), std::int64_t{12}, std::int64_t{0}, std::int64_t{1},
                 std::int64_t{1}, std::int64_t{0}}}));
  EXPECT_EQ(All(**reader, "analyses"),
            (std::vector<std::vector<Value>>{{S("p"), S("tags"), S("top"), S("hashtag"),
                                              S("tumbling 1m"), std::int64_t{5}, S("")}}));
}

}  // namespace
}  // namespace starling::sink
