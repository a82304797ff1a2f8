// Tests for sink/sqlite/result_store.h: a results database written by the
// SQLite result sink, read back through OpenResultStore (sink/registry.h).
#include "sink/sqlite/result_store.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "sink/post_fixtures.h"
#include "sink/registry.h"
#include "sink/sqlite/test_db.h"

namespace starling::sink {
namespace {

using model::ResultKind;
using model::ResultRow;
using model::WindowResult;
using testing::Exec;
using testing::TempPath;

constexpr model::TimestampUs kMinute = 60000000;
constexpr model::TimestampUs kT0 = 1617292320000000LL;  // 2021-04-01T15:52:00Z

WindowResult Window(std::string pipeline, std::string analysis, ResultKind kind, int minute,
                    std::vector<ResultRow> rows) {
  WindowResult r;
  r.pipeline = std::move(pipeline);
  r.analysis = std::move(analysis);
  r.kind = kind;
  r.window_start = kT0 + minute * kMinute;
  r.window_end = r.window_start + kMinute;
  r.rows = std::move(rows);
  r.total = 100 + static_cast<std::uint64_t>(minute);
  r.error_bound = kind == ResultKind::kTopK ? 2 : 0;
  r.final = minute % 2 == 0;
  return r;
}

// One window of each kind, with only the fields its table keeps.
std::vector<WindowResult> OneOfEachKind() {
  return {
      Window("p", "langs", ResultKind::kCount, 0,
             {{.rank = 1, .key = "en", .count = 7}, {.rank = 2, .key = "de", .count = 3}}),
      Window("p", "tags", ResultKind::kTopK, 0,
             {{.rank = 1, .key = "rust", .count = 9, .error = 1}}),
      Window(
          "p", "authors", ResultKind::kDistinct, 0,
          {{.key = "de", .value = 2, .value2 = 0.01}, {.key = "en", .value = 5.5, .value2 = 0.02}}),
      Window("p", "mood", ResultKind::kSentiment, 0,
             {{.key = "*", .count = 10, .value = 0.25, .pos = 5, .neu = 3, .neg = 2},
              {.rank = 1, .key = "en", .count = 6, .value = -0.5, .pos = 1, .neu = 1, .neg = 4}}),
      Window("p", "bursts", ResultKind::kBurst, 0,
             {{.rank = 1, .key = "storm", .count = 40, .value = 3.5, .value2 = 6.25}}),
      Window("p", "topics", ResultKind::kCluster, 0,
             {{.rank = 1, .key = "4", .count = 12, .value = 20.5, .text = "rain storm"},
              {.rank = 2, .key = "1", .count = 5, .value = 8, .text = "sun beach"}}),
      Window("p", "pairs", ResultKind::kCooccurrence, 0,
             {{.rank = 1, .key = "a", .key2 = "b", .count = 4, .error = 1}}),
      Window("p", "visits", ResultKind::kSession, 0, {{.key = "alice", .count = 3}}),
  };
}

void WriteResults(const std::string& path, const std::vector<WindowResult>& results,
                  const std::vector<model::AnalysisMeta>& declared = {}) {
  auto sink = OpenResultSink("sqlite:" + path);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  if (!declared.empty()) {
    ASSERT_TRUE((*sink)->DeclareAnalyses(declared).ok());
  }
  for (const auto& r : results) ASSERT_TRUE((*sink)->Write(r).ok());
  ASSERT_TRUE((*sink)->Close().ok());
}

std::unique_ptr<ResultStore> Open(const std::string& spec, StoreOptions options = {}) {
  auto store = OpenResultStore(spec, options);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

TEST(SqliteResultStore, ReadsBackEveryKindAsWritten) {
  const std::string path = TempPath(".db");
  const auto written = OneOfEachKind();
  WriteResults(path, written);
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Name(), path);
  auto analyses = store->Analyses("p");
  ASSERT_TRUE(analyses.ok()) << analyses.status().ToString();
  ASSERT_EQ(analyses->size(), written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    const model::AnalysisMeta& a = (*analyses)[i];
    EXPECT_EQ(a.pipeline, "p");
    EXPECT_EQ(a.analysis, written[i].analysis);  // in the order first stored
    EXPECT_EQ(a.kind, written[i].kind) << a.analysis;
    auto windows = store->RecentWindows(a, 10);
    ASSERT_TRUE(windows.ok()) << windows.status().ToString();
    ASSERT_EQ(windows->size(), 1u) << a.analysis;
    EXPECT_EQ((*windows)[0], written[i]) << a.analysis;
  }
}

TEST(SqliteResultStore, PipelinesByWindowsAndRecentWindowsNewestFirst) {
  const std::string path = TempPath(".db");
  std::vector<WindowResult> results;
  for (int m = 0; m < 5; ++m) {
    results.push_back(Window("big", "tags", ResultKind::kTopK, m, {{.rank = 1, .key = "x"}}));
  }
  results.push_back(Window("small", "n", ResultKind::kCount, 0, {}));
  results.push_back(Window("also-small", "n", ResultKind::kCount, 0, {}));
  // The global window: no bounds.
  WindowResult global = Window("small", "all", ResultKind::kCount, 0, {{.rank = 1, .key = "k"}});
  global.window_start = INT64_MIN;
  global.window_end = INT64_MAX;
  results.push_back(global);
  WriteResults(path, results,
               {{"big", "tags", ResultKind::kTopK, "hashtag", "tumbling 1m", 10, ""}});
  auto store = Open("sqlite:" + path);
  ASSERT_NE(store, nullptr);
  auto pipelines = store->Pipelines();
  ASSERT_TRUE(pipelines.ok()) << pipelines.status().ToString();
  ASSERT_EQ(pipelines->size(), 3u);
  EXPECT_EQ((*pipelines)[0].name, "big");
  EXPECT_EQ((*pipelines)[0].windows, 5u);
  EXPECT_EQ((*pipelines)[1].name, "small");  // 2 windows
  EXPECT_EQ((*pipelines)[2].name, "also-small");

  auto analyses = store->Analyses("big");
  ASSERT_TRUE(analyses.ok());
  ASSERT_EQ(analyses->size(), 1u);
  EXPECT_EQ((*analyses)[0].by, "hashtag");
  EXPECT_EQ((*analyses)[0].window, "tumbling 1m");
  EXPECT_EQ((*analyses)[0].k, 10u);
  auto windows = store->RecentWindows((*analyses)[0], 3);
  ASSERT_TRUE(windows.ok());
  ASSERT_EQ(windows->size(), 3u);
  EXPECT_EQ((*windows)[0], results[4]);
  EXPECT_EQ((*windows)[2], results[2]);
  auto all = store->RecentWindows((*analyses)[0], SIZE_MAX);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 5u);

  auto small = store->Analyses("small");
  ASSERT_TRUE(small.ok());
  ASSERT_EQ(small->size(), 2u);
  EXPECT_EQ((*small)[1].analysis, "all");
  EXPECT_EQ((*small)[1].by, "");  // never declared
  auto g = store->RecentWindows((*small)[1], 1);
  ASSERT_TRUE(g.ok());
  ASSERT_EQ(g->size(), 1u);
  EXPECT_EQ((*g)[0], global);
  EXPECT_TRUE(store->Analyses("nothing")->empty());
}

TEST(SqliteResultStore, ADatabaseFromBeforeTheAnalysesTable) {
  const std::string path = TempPath(".db");
  WriteResults(path, {Window("p", "tags", ResultKind::kTopK, 0, {{.rank = 1, .key = "x"}})});
  Exec(path, "DROP TABLE analyses");
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  auto analyses = store->Analyses("p");
  ASSERT_TRUE(analyses.ok()) << analyses.status().ToString();
  ASSERT_EQ(analyses->size(), 1u);
  EXPECT_EQ((*analyses)[0].by, "");
  EXPECT_EQ((*analyses)[0].window, "");
}

TEST(SqliteResultStore, ErrorsNameTheFile) {
  const std::string missing = TempPath(".db");
  auto none = OpenResultStore(missing);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(), "no such database: " + missing);

  // A posts database is not a results one.
  const std::string posts = TempPath("-posts.db");
  {
    auto sink = OpenSink("sqlite:" + posts);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  auto store = Open(posts);
  ASSERT_NE(store, nullptr);
  auto pipelines = store->Pipelines();
  ASSERT_FALSE(pipelines.ok());
  EXPECT_EQ(pipelines.status().code(), StatusCode::kNotFound);
  EXPECT_NE(pipelines.status().message().find(posts + " is not a Starling results database (no "
                                                      "such table: windows)"),
            std::string::npos)
      << pipelines.status().message();

  // A window whose bounds are not times.
  const std::string bad = TempPath("-bad.db");
  WriteResults(bad, {Window("p", "n", ResultKind::kCount, 0, {})});
  Exec(bad, "UPDATE windows SET window_start = 'yesterday'");
  auto b = Open(bad);
  ASSERT_NE(b, nullptr);
  auto analyses = b->Analyses("p");
  ASSERT_TRUE(analyses.ok());
  ASSERT_EQ(analyses->size(), 1u);
  auto windows = b->RecentWindows((*analyses)[0], 5);
  ASSERT_FALSE(windows.ok());
  EXPECT_EQ(windows.status().code(), StatusCode::kMalformedInput);
  EXPECT_NE(windows.status().message().find("window of n has a bad time 'yesterday'"),
            std::string::npos)
      << windows.status().message();
}

TEST(OpenResultStore, ResolvesAmongTheStoresThatReadBack) {
  const std::string dir = STARLING_TEST_TMP;
  struct Case {
    std::string spec;
    std::string message_part;
  } cases[] = {
      {"",
       "empty results store spec; valid schemes: sqlite, postgres, mysql, clickhouse, mongodb, "
       "hdf5, or a bare path ending in .db"},
      {dir + "/r.jsonl", "cannot tell the results store type"},
      {"jsonl:" + dir + "/r.jsonl", "jsonl cannot be read back as a store"},
      {"-", "cannot tell the results store type of '-'"},
      {"parquet:x", "unknown results store scheme 'parquet'"},
      {"sqlite:", "has no path"},
  };
  for (const auto& c : cases) {
    auto store = OpenResultStore(c.spec);
    ASSERT_FALSE(store.ok()) << c.spec;
    EXPECT_EQ(store.status().code(), StatusCode::kInvalidArgument) << c.spec;
    EXPECT_NE(store.status().message().find(c.message_part), std::string::npos)
        << c.spec << " -> " << store.status().message();
  }
}

// A finished store is read as a snapshot: nothing is left beside the file.
TEST(SqliteResultStore, AFinishedStoreLeavesNoFilesBehind) {
  const std::string path = TempPath(".DB");
  WriteResults(path, OneOfEachKind());
  ASSERT_FALSE(std::filesystem::exists(path + "-wal"));
  {
    auto store = Open(path, {.finished = true});
    ASSERT_NE(store, nullptr);
    auto pipelines = store->Pipelines();
    ASSERT_TRUE(pipelines.ok());
    EXPECT_EQ(pipelines->size(), 1u);
  }
  EXPECT_FALSE(std::filesystem::exists(path + "-wal"));
  EXPECT_FALSE(std::filesystem::exists(path + "-shm"));
}

TEST(SqliteDemoQueries, NameTheFile) {
  const auto queries = SqliteDemoQueries("out/demo.db");
  ASSERT_EQ(queries.size(), 2u);
  EXPECT_EQ(queries[0].rfind("sqlite3 out/demo.db \"SELECT ", 0), 0u) << queries[0];
}

}  // namespace
}  // namespace starling::sink
