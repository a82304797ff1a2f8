// File: sink/sqlite/result_store.cc
#include "sink/sqlite/result_store.h"

#include <algorithm>
#include <filesystem>

#include "model/post_json.h"
#include "model/result_columns.h"
#include "sink/sqlite/database.h"
#include "sink/sqlite/schema.h"

namespace starling::sink {
namespace {

// A stored window bound: '' is the global window's.
Result<model::TimestampUs> Time(const std::string& text, bool start) {
  if (text.empty()) return start ? INT64_MIN : INT64_MAX;
  return model::ParseTimestamp(text);
}

class SqliteResultStore final : public ResultStore {
 public:
  explicit SqliteResultStore(sqlite::Database db) : db_(std::move(db)) {
    db_.SetBusyTimeout(std::chrono::milliseconds(2000));
  }

  const std::string& Name() const override { return db_.path(); }

  Result<std::vector<StoredPipeline>> Pipelines() override {
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement st,
        Prepare("SELECT pipeline, COUNT(*) FROM windows GROUP BY pipeline ORDER BY 2 DESC, 1"));
    std::vector<StoredPipeline> out;
    for (;;) {
      STARLING_ASSIGN_OR_RETURN(const bool row, st.Step(Name()));
      if (!row) break;
      out.push_back({st.Text(0), static_cast<std::uint64_t>(st.Int(1))});
    }
    return out;
  }

  Result<std::vector<model::AnalysisMeta>> Analyses(const std::string& pipeline) override {
    std::vector<model::AnalysisMeta> analyses;
    {
      STARLING_ASSIGN_OR_RETURN(sqlite::Statement st,
                                Prepare("SELECT analysis, kind FROM windows WHERE pipeline = ?1 "
                                        "GROUP BY analysis, kind ORDER BY MIN(rowid)"));
      st.BindText(1, pipeline);
      for (;;) {
        STARLING_ASSIGN_OR_RETURN(const bool row, st.Step(Name()));
        if (!row) break;
        auto kind = model::ResultKindFromName(st.Text(1));
        if (!kind) continue;
        model::AnalysisMeta a;
        a.pipeline = pipeline;
        a.analysis = st.Text(0);
        a.kind = *kind;
        analyses.push_back(std::move(a));
      }
    }
    // What the run declared of its analyses: databases written before the
    // analyses table existed lack it (by and window stay empty), and those
    // from before k and of were declared lack these columns (0 and empty).
    bool full = true;
    auto st = db_.Prepare(
        "SELECT analysis, \"by\", window, k, \"of\" FROM analyses WHERE pipeline = ?1", Name());
    if (!st.ok()) {
      full = false;
      st = db_.Prepare("SELECT analysis, \"by\", window FROM analyses WHERE pipeline = ?1", Name());
    }
    if (!st.ok()) return analyses;
    st->BindText(1, pipeline);
    for (;;) {
      STARLING_ASSIGN_OR_RETURN(const bool row, st->Step(Name()));
      if (!row) break;
      const std::string analysis = st->Text(0);
      for (model::AnalysisMeta& a : analyses) {
        if (a.analysis != analysis) continue;
        a.by = st->Text(1);
        a.window = st->Text(2);
        if (full) {
          a.k = static_cast<std::uint64_t>(std::max<std::int64_t>(0, st->Int(3)));
          a.of = st->Text(4);
        }
      }
    }
    return analyses;
  }

  Result<std::vector<model::WindowResult>> RecentWindows(const model::AnalysisMeta& a,
                                                         std::size_t limit) override {
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement ws,
        Prepare("SELECT window_start, window_end, total, error_bound, final FROM windows WHERE "
                "pipeline = ?1 AND analysis = ?2 ORDER BY window_end DESC, window_start DESC "
                "LIMIT ?3"));
    ws.BindText(1, a.pipeline);
    ws.BindText(2, a.analysis);
    ws.BindInt(3, limit > static_cast<std::size_t>(INT64_MAX) ? -1  // no limit
                                                              : static_cast<std::int64_t>(limit));
    STARLING_ASSIGN_OR_RETURN(sqlite::Statement rows,
                              Prepare(sqlite::ResultSelectSql(a.kind) +
                                      " WHERE pipeline = ?1 AND analysis = ?2 AND "
                                      "window_start = ?3 AND window_end = ?4" +
                                      sqlite::ResultOrderSql(a.kind)));
    std::vector<model::WindowResult> out;
    for (;;) {
      STARLING_ASSIGN_OR_RETURN(const bool more, ws.Step(Name()));
      if (!more) break;
      model::WindowResult r;
      r.pipeline = a.pipeline;
      r.analysis = a.analysis;
      r.kind = a.kind;
      const std::string start = ws.Text(0), end = ws.Text(1);
      auto s = Time(start, true);
      auto e = Time(end, false);
      if (!s.ok() || !e.ok()) {
        return MalformedInput(Name() + ": window of " + a.analysis + " has a bad time '" + start +
                              "'..'" + end + "'");
      }
      r.window_start = *s;
      r.window_end = *e;
      r.total = static_cast<std::uint64_t>(ws.Int(2));
      r.error_bound = static_cast<std::uint64_t>(ws.Int(3));
      r.final = ws.Int(4) != 0;
      rows.Reset();
      rows.BindText(1, a.pipeline);
      rows.BindText(2, a.analysis);
      rows.BindText(3, start);
      rows.BindText(4, end);
      std::int32_t rank = 0;
      const bool rank_by_order = model::ResultKindInfoOf(a.kind).rank_by_order;
      for (;;) {
        STARLING_ASSIGN_OR_RETURN(const bool row, rows.Step(Name()));
        if (!row) break;
        r.rows.push_back(sqlite::ReadRow(a.kind, rows));
        if (rank_by_order) r.rows.back().rank = ++rank;
      }
      rows.Reset();
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  // A missing table means this is not a results database (or one from
  // before that table existed).
  Result<sqlite::Statement> Prepare(std::string_view sql) {
    return sqlite::PrepareReader(db_, sql, "results");
  }

  sqlite::Database db_;
};

}  // namespace

Result<std::unique_ptr<ResultStore>> OpenSqliteResultStore(const std::string& path,
                                                           const StoreOptions& options) {
  STARLING_ASSIGN_OR_RETURN(sqlite::Database db, sqlite::OpenForReading(path, options.finished));
  return std::unique_ptr<ResultStore>(new SqliteResultStore(std::move(db)));
}

std::vector<std::string> SqliteDemoQueries(const std::string& path) {
  return {"sqlite3 " + path +
              " \"SELECT window_start, rank, key, count FROM trending WHERE analysis='hashtags' "
              "ORDER BY window_start DESC, rank LIMIT 10\"",
          "sqlite3 " + path +
              " \"SELECT window_start, key, posts, round(mean_compound, 3) FROM sentiment WHERE "
              "key='*' ORDER BY window_start\""};
}

}  // namespace starling::sink
