// Tests for sink/sqlite/result_sink.h against a real SQLite file: the
// analyses table (and its upgrade), and rows replaced per window.
#include "sink/sqlite/result_sink.h"

#include <gtest/gtest.h>

#include "sink/post_fixtures.h"
#include "sink/registry.h"
#include "sink/sqlite/test_db.h"

namespace starling::sink {
namespace {

using testing::Exec;
using testing::QueryRows;
using testing::TempPath;

// The analyses table: kind, by, window, k and of as declared; a database
// written before k and of existed gains the columns.
TEST(SqliteResultSink, DeclaresAnalysesAndUpgradesAnOldTable) {
  const std::string path = TempPath("-analyses.db");
  Exec(path,
       "CREATE TABLE analyses (pipeline TEXT NOT NULL, analysis TEXT NOT NULL, "
       "kind TEXT NOT NULL, \"by\" TEXT NOT NULL, window TEXT NOT NULL, "
       "PRIMARY KEY (pipeline, analysis));"
       "INSERT INTO analyses VALUES ('old','a','top','hashtag','1m');");
  auto sink = OpenResultSink("sqlite:" + path);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  model::AnalysisMeta top{"p", "tags", model::ResultKind::kTopK, "hashtag", "tumbling 1m", 10, ""};
  model::AnalysisMeta authors{"p", "authors", model::ResultKind::kDistinct, "lang", "5m",
                              0,   "author"};
  ASSERT_TRUE((*sink)->DeclareAnalyses({top, authors}).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ(QueryRows(path,
                      "SELECT pipeline, analysis, kind, \"by\", window, k, \"of\" FROM analyses "
                      "ORDER BY 1, 2"),
            "old|a|top|hashtag|1m|0|\n"
            "p|authors|distinct|lang|5m|0|author\n"
            "p|tags|top|hashtag|tumbling 1m|10|\n");
}

// A window emitted again replaces its rows; the windows table keeps one
// row per window, with its latest total and finality.
TEST(SqliteResultSink, ReplacesTheRowsOfAWindow) {
  const std::string path = TempPath(".db");
  auto sink = OpenSqliteResultSink(path);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  model::WindowResult r;
  r.pipeline = "p";
  r.analysis = "tags";
  r.kind = model::ResultKind::kTopK;
  r.window_start = 1617292320000000LL;  // 2021-04-01T15:52:00Z
  r.window_end = r.window_start + 60000000;
  r.total = 5;
  r.rows = {{.rank = 1, .key = "a", .count = 3}, {.rank = 2, .key = "b", .count = 2}};
  ASSERT_TRUE((*sink)->Write(r).ok());
  r.total = 6;
  r.final = true;
  r.rows = {{.rank = 1, .key = "b", .count = 4, .error = 1}};
  ASSERT_TRUE((*sink)->Write(r).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ((*sink)->Describe(), path + " (SQLite results)");
  EXPECT_EQ(QueryRows(path, "SELECT window_start, rank, key, count, error FROM trending"),
            "2021-04-01T15:52:00.000Z|1|b|4|1\n");
  EXPECT_EQ(QueryRows(path, "SELECT kind, total, final, rows FROM windows"), "top|6|1|1\n");
}

}  // namespace
}  // namespace starling::sink
