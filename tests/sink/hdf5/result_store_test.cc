// Tests for the HDF5 store's window results (sink/hdf5/result_sink.h,
// result_store.h): every kind read back as written, windows emitted again
// replacing their rows (in place, and when their row count changes), a
// file reopened for more, and the same emissions through SQLite and HDF5
// read back alike.
#include "sink/hdf5/result_store.h"

#include <gtest/gtest.h>

#include <map>
#include <random>
#include <sstream>

#include "sink/hdf5/result_sink.h"
#include "sink/hdf5/table_reader.h"
#include "sink/post_fixtures.h"
#include "sink/registry.h"

namespace starling::sink {
namespace {

using model::ResultKind;
using model::ResultRow;
using model::WindowResult;
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

// One window of each kind, with only the fields its table keeps, rows in
// the order the kind reads back.
std::vector<WindowResult> OneOfEachKind() {
  return {
      Window("p", "langs", ResultKind::kCount, 0,
             {{.rank = 1, .key = "en", .count = 7}, {.rank = 2, .key = "de", .count = 3}}),
      Window("p", "tags", ResultKind::kTopK, 0,
             {{.rank = 1, .key = "\xF0\x9F\xA6\x80rust", .count = 9, .error = 1},
              {.rank = 2, .key = "\xD8\xB3\xD9\x84\xD8\xA7\xD9\x85", .count = 4}}),
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

void WriteResults(const std::string& spec, const std::vector<WindowResult>& results,
                  const std::vector<model::AnalysisMeta>& declared = {}) {
  auto sink = OpenResultSink(spec);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  if (!declared.empty()) {
    ASSERT_TRUE((*sink)->DeclareAnalyses(declared).ok());
  }
  for (const auto& r : results) ASSERT_TRUE((*sink)->Write(r).ok());
  ASSERT_TRUE((*sink)->Close().ok());
}

std::unique_ptr<ResultStore> Open(const std::string& spec) {
  auto store = OpenResultStore(spec);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  return store.ok() ? std::move(*store) : nullptr;
}

// Every window of every analysis of every pipeline, newest first.
std::vector<WindowResult> Everything(ResultStore& store) {
  std::vector<WindowResult> out;
  auto pipelines = store.Pipelines();
  EXPECT_TRUE(pipelines.ok()) << pipelines.status().ToString();
  if (!pipelines.ok()) return out;
  for (const StoredPipeline& p : *pipelines) {
    auto analyses = store.Analyses(p.name);
    EXPECT_TRUE(analyses.ok());
    if (!analyses.ok()) continue;
    for (const model::AnalysisMeta& a : *analyses) {
      auto w = store.RecentWindows(a, SIZE_MAX);
      EXPECT_TRUE(w.ok()) << w.status().ToString();
      if (w.ok()) out.insert(out.end(), w->begin(), w->end());
    }
  }
  return out;
}

// Results as JSON lines, for readable differences.
std::string Json(const std::vector<WindowResult>& results) {
  std::string out;
  for (const WindowResult& r : results) {
    model::AppendResultJson(r, &out);
    out += "\n";
  }
  return out;
}

std::uint64_t Rows(const std::string& path, const std::string& table) {
  auto reader = Hdf5TableReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  auto n = reader.ok() ? (*reader)->Rows(table) : Result<std::uint64_t>(0);
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : 0;
}

TEST(Hdf5ResultStore, ReadsBackEveryKindAsWritten) {
  const std::string path = TempPath(".h5");
  const auto written = OneOfEachKind();
  WriteResults("hdf5:" + path, written,
               {{"p", "tags", ResultKind::kTopK, "hashtag", "tumbling 1m", 10, ""},
                {"p", "authors", ResultKind::kDistinct, "lang", "sliding 10m 1m", 0, "author"}});
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(store->Name(), path);
  auto analyses = store->Analyses("p");
  ASSERT_TRUE(analyses.ok()) << analyses.status().ToString();
  ASSERT_EQ(analyses->size(), written.size());
  for (std::size_t i = 0; i < written.size(); ++i) {
    const model::AnalysisMeta& a = (*analyses)[i];
    EXPECT_EQ(a.analysis, written[i].analysis);  // in the order first stored
    EXPECT_EQ(a.kind, written[i].kind) << a.analysis;
    auto windows = store->RecentWindows(a, 10);
    ASSERT_TRUE(windows.ok()) << windows.status().ToString();
    ASSERT_EQ(windows->size(), 1u) << a.analysis;
    EXPECT_EQ((*windows)[0], written[i]) << a.analysis;
  }
  EXPECT_EQ((*analyses)[1].by, "hashtag");
  EXPECT_EQ((*analyses)[1].window, "tumbling 1m");
  EXPECT_EQ((*analyses)[1].k, 10u);
  EXPECT_EQ((*analyses)[2].of, "author");
  EXPECT_EQ((*analyses)[0].window, "");  // not declared
}

TEST(Hdf5ResultStore, PipelinesByWindowsNewestFirstAndTheGlobalWindow) {
  const std::string path = TempPath(".h5");
  std::vector<WindowResult> results;
  for (int m = 0; m < 5; ++m) {
    results.push_back(Window("big", "tags", ResultKind::kTopK, m, {{.rank = 1, .key = "x"}}));
  }
  results.push_back(Window("small", "n", ResultKind::kCount, 0, {}));
  results.push_back(Window("also-small", "n", ResultKind::kCount, 0, {}));
  WindowResult global = Window("small", "all", ResultKind::kCount, 0, {{.rank = 1, .key = "k"}});
  global.window_start = INT64_MIN;
  global.window_end = INT64_MAX;
  results.push_back(global);
  WriteResults("hdf5:" + path + "?batch=3", results);
  auto store = Open("hdf5:" + path);
  ASSERT_NE(store, nullptr);
  auto pipelines = store->Pipelines();
  ASSERT_TRUE(pipelines.ok());
  ASSERT_EQ(pipelines->size(), 3u);
  EXPECT_EQ((*pipelines)[0].name, "big");
  EXPECT_EQ((*pipelines)[0].windows, 5u);
  EXPECT_EQ((*pipelines)[1].name, "small");
  EXPECT_EQ((*pipelines)[2].name, "also-small");
  auto tags = store->RecentWindows({"big", "tags", ResultKind::kTopK}, 2);
  ASSERT_TRUE(tags.ok());
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0].window_start, kT0 + 4 * kMinute);
  EXPECT_EQ((*tags)[1].window_start, kT0 + 3 * kMinute);
  auto all = store->RecentWindows({"small", "all", ResultKind::kCount}, 5);
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0], global);
}

TEST(Hdf5ResultStore, AWindowEmittedAgainReplacesItsRows) {
  const std::string path = TempPath(".h5");
  auto sink = OpenResultSink("hdf5:" + path + "?batch=1");  // each window written at once
  ASSERT_TRUE(sink.ok());
  auto top = [](int minute, int n, int count) {
    std::vector<ResultRow> rows;
    for (int i = 0; i < n; ++i) {
      rows.push_back({.rank = i + 1, .key = "k" + std::to_string(i), .count = count - i});
    }
    return Window("p", "t", ResultKind::kTopK, minute, rows);
  };
  // Minutes 0..3, then 1 again with as many rows (in place), 2 with more and
  // 0 with fewer (the table rewritten from minute 0 on), then a preview of 4.
  for (int m = 0; m < 4; ++m) ASSERT_TRUE((*sink)->Write(top(m, 3, 10)).ok());
  ASSERT_TRUE((*sink)->Write(top(1, 3, 20)).ok());
  ASSERT_TRUE((*sink)->Write(top(2, 5, 30)).ok());
  ASSERT_TRUE((*sink)->Write(top(0, 1, 40)).ok());
  WindowResult preview = top(4, 2, 5);
  preview.final = false;
  ASSERT_TRUE((*sink)->Write(preview).ok());
  ASSERT_TRUE((*sink)->Write(top(4, 3, 50)).ok());
  ASSERT_TRUE((*sink)->Close().ok());

  const std::vector<WindowResult> want = {top(4, 3, 50), top(3, 3, 10), top(2, 5, 30),
                                          top(1, 3, 20), top(0, 1, 40)};
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  EXPECT_EQ(Everything(*store), want);
  EXPECT_EQ(Rows(path, "trending"), 3u + 3 + 5 + 3 + 1);  // nothing left of earlier emissions
  EXPECT_EQ(Rows(path, "windows"), 5u);
}

TEST(Hdf5ResultStore, AFileReopenedGainsWindowsAndReplacesItsOwn) {
  const std::string path = TempPath(".h5");
  const auto first = OneOfEachKind();
  WriteResults(path, first);
  // A resumed run: the same windows recomputed (one changed), and new ones.
  std::vector<WindowResult> second = {first[1], first[5]};
  second[0].rows.push_back({.rank = 3, .key = "zz", .count = 1});
  second[1].rows.pop_back();
  second.push_back(Window("p", "tags", ResultKind::kTopK, 1, {{.rank = 1, .key = "later"}}));
  WriteResults(path, second);
  WriteResults(path, {});  // opened and closed with nothing to add

  std::vector<WindowResult> want = first;
  want[1] = second[0];
  want[5] = second[1];
  auto store = Open(path);
  ASSERT_NE(store, nullptr);
  auto tags = store->RecentWindows({"p", "tags", ResultKind::kTopK}, 10);
  ASSERT_TRUE(tags.ok());
  ASSERT_EQ(tags->size(), 2u);
  EXPECT_EQ((*tags)[0], second[2]);
  EXPECT_EQ((*tags)[1], second[0]);
  auto topics = store->RecentWindows({"p", "topics", ResultKind::kCluster}, 10);
  ASSERT_TRUE(topics.ok());
  ASSERT_EQ(topics->size(), 1u);
  EXPECT_EQ((*topics)[0], second[1]);
  EXPECT_EQ(Rows(path, "windows"), 9u);
  EXPECT_EQ(Rows(path, "trending"), 4u);
}

// The same emissions (windows of three kinds, re-emitted with other row
// counts, with flushes and reopenings between them) into SQLite and HDF5:
// both read back the same.
TEST(Hdf5ResultStore, ReadsBackWhatSqliteReadsBack) {
  const std::string h5 = TempPath(".h5");
  const std::string db = TempPath(".db");
  std::mt19937 rng(7);
  const std::vector<std::pair<std::string, ResultKind>> analyses = {
      {"tags", ResultKind::kTopK},
      {"langs", ResultKind::kCount},
      {"pairs", ResultKind::kCooccurrence}};
  std::unique_ptr<ResultSink> a, b;
  auto open = [&] {
    if (a) {
      ASSERT_TRUE(a->Close().ok());
    }
    if (b) {
      ASSERT_TRUE(b->Close().ok());
    }
    a = std::move(*OpenResultSink("hdf5:" + h5 + "?batch=7"));
    b = std::move(*OpenResultSink("sqlite:" + db));
  };
  open();
  for (int i = 0; i < 400; ++i) {
    const auto& [name, kind] = analyses[rng() % analyses.size()];
    const int minute = static_cast<int>(rng() % 25);
    std::vector<ResultRow> rows;
    const int n = static_cast<int>(rng() % 7);
    for (int r = 0; r < n; ++r) {
      // Keys unique within a window (SQLite keeps one row per key).
      ResultRow row{.rank = r + 1,
                    .key = "key" + std::to_string(rng() % 1000) + "-" + std::to_string(r),
                    .count = static_cast<std::int64_t>(rng() % 100)};
      if (kind == ResultKind::kCooccurrence) row.key2 = "z" + std::to_string(r);
      if (kind == ResultKind::kTopK) row.error = rng() % 3;
      rows.push_back(row);
    }
    WindowResult w = Window("p", name, kind, minute, rows);
    w.final = rng() % 2 == 0;
    ASSERT_TRUE(a->Write(w).ok());
    ASSERT_TRUE(b->Write(w).ok());
    if (rng() % 40 == 0) {
      ASSERT_TRUE(a->Flush().ok());
      ASSERT_TRUE(b->Flush().ok());
    }
    if (rng() % 100 == 0) open();
  }
  ASSERT_TRUE(a->Close().ok());
  ASSERT_TRUE(b->Close().ok());
  auto sa = Open(h5);
  auto sb = Open(db);
  ASSERT_NE(sa, nullptr);
  ASSERT_NE(sb, nullptr);
  // By analysis: SQLite's order of analyses follows its rowids, which a
  // replaced window renews; their windows, newest first, must agree.
  auto by_analysis = [](const std::vector<WindowResult>& all) {
    std::map<std::string, std::vector<WindowResult>> m;
    for (const WindowResult& w : all) m[w.analysis].push_back(w);
    std::string out;
    for (const auto& [name, windows] : m) out += Json(windows);
    return out;
  };
  const auto from_db = Everything(*sb);
  EXPECT_GT(from_db.size(), 50u);
  // Line by line: the first difference, not two pages of JSON.
  std::istringstream h(by_analysis(Everything(*sa))), d(by_analysis(from_db));
  std::string lh, ld;
  int line = 0;
  while (std::getline(d, ld)) {
    ++line;
    ASSERT_TRUE(std::getline(h, lh)) << "HDF5 ends at line " << line;
    ASSERT_EQ(lh, ld) << "line " << line;
  }
  EXPECT_FALSE(std::getline(h, lh)) << "HDF5 has more: " << lh;
}

TEST(Hdf5ResultStore, AFileWithoutResultsSaysSo) {
  const std::string path = TempPath(".h5");
  {
    auto sink = OpenSink("hdf5:" + path);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  auto store = OpenResultStore(path);
  ASSERT_TRUE(store.ok());
  EXPECT_EQ((*store)->Pipelines().status().code(), StatusCode::kNotFound);
  EXPECT_EQ(OpenResultStore(TempPath(".h5")).status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace starling::sink
