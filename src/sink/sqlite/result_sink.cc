// File: sink/sqlite/result_sink.cc
#include "sink/sqlite/result_sink.h"

#include <vector>

#include "common/files.h"
#include "model/post_json.h"
#include "model/result_columns.h"
#include "sink/sqlite/database.h"
#include "sink/sqlite/schema.h"

namespace starling::sink {
namespace {

using model::ResultRow;
using model::WindowResult;

// Window bounds as stored: ISO-8601 UTC, '' for the unbounded global window.
std::string Bound(model::TimestampUs t) {
  if (t == INT64_MIN || t == INT64_MAX) return "";
  return model::FormatTimestamp(t);
}

class SqliteResultSink final : public ResultSink {
 public:
  explicit SqliteResultSink(std::string path) : path_(std::move(path)), what_("SQLite " + path_) {}
  ~SqliteResultSink() override { (void)Close(); }

  Status Open() {
    STARLING_RETURN_IF_ERROR(CreateParentDirs(path_));
    STARLING_ASSIGN_OR_RETURN(db_, sqlite::Database::Open(path_, sqlite::OpenMode::kReadWrite));
    db_.SetBusyTimeout(std::chrono::milliseconds(5000));
    STARLING_RETURN_IF_ERROR(db_.Exec("PRAGMA journal_mode=WAL", what_));
    STARLING_RETURN_IF_ERROR(db_.Exec("PRAGMA synchronous=NORMAL", what_));
    STARLING_RETURN_IF_ERROR(db_.Exec(std::string(ResultsSchemaSql()), what_));
    // A database from before `k` and `of` were declared gains them.
    for (const char* column : {"k", "of"}) {
      STARLING_ASSIGN_OR_RETURN(
          sqlite::Statement q,
          db_.Prepare("SELECT COUNT(*) FROM pragma_table_info('analyses') WHERE name = ?1", what_));
      q.BindText(1, column);
      auto row = q.Step(what_);
      const bool has = row.ok() && *row && q.Int(0) > 0;
      if (!has) {
        STARLING_RETURN_IF_ERROR(db_.Exec(std::string(column) == "k"
                                              ? "ALTER TABLE analyses ADD COLUMN k INTEGER NOT "
                                                "NULL DEFAULT 0"
                                              : "ALTER TABLE analyses ADD COLUMN \"of\" TEXT NOT "
                                                "NULL DEFAULT ''",
                                          what_));
      }
    }
    STARLING_ASSIGN_OR_RETURN(
        upsert_window_,
        db_.Prepare("INSERT OR REPLACE INTO windows VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)", what_));
    const auto kinds = model::ResultKinds();
    insert_.resize(kinds.size());
    delete_.resize(kinds.size());
    for (std::size_t i = 0; i < kinds.size(); ++i) {
      STARLING_ASSIGN_OR_RETURN(insert_[i],
                                db_.Prepare(sqlite::ResultInsertSql(kinds[i].kind), what_));
      STARLING_ASSIGN_OR_RETURN(delete_[i],
                                db_.Prepare(sqlite::ResultDeleteSql(kinds[i].kind), what_));
    }
    return Status::Ok();
  }

  Status DeclareAnalyses(const std::vector<model::AnalysisMeta>& analyses) override {
    if (!db_.is_open()) return IoError("results database " + path_ + " is closed");
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement st,
        db_.Prepare("INSERT OR REPLACE INTO analyses (pipeline, analysis, kind, \"by\", window, k, "
                    "\"of\") VALUES (?1,?2,?3,?4,?5,?6,?7)",
                    what_));
    const std::string what = "cannot write analyses to " + path_;
    for (const model::AnalysisMeta& a : analyses) {
      st.BindText(1, a.pipeline);
      st.BindText(2, a.analysis);
      st.BindText(3, model::ResultKindName(a.kind));
      st.BindText(4, a.by);
      st.BindText(5, a.window);
      st.BindInt(6, static_cast<std::int64_t>(a.k));
      st.BindText(7, a.of);
      STARLING_RETURN_IF_ERROR(st.Run(what));
    }
    return Status::Ok();
  }

  Status Write(const WindowResult& r) override {
    if (!db_.is_open()) return IoError("results database " + path_ + " is closed");
    if (!in_transaction_) {
      STARLING_RETURN_IF_ERROR(db_.Exec("BEGIN", what_));
      in_transaction_ = true;
    }
    const auto k = static_cast<std::size_t>(r.kind);
    const std::string start = Bound(r.window_start);
    const std::string end = Bound(r.window_end);
    auto bind_head = [&](sqlite::Statement& s) {
      s.BindText(1, r.pipeline);
      s.BindText(2, r.analysis);
      s.BindText(3, start);
      s.BindText(4, end);
    };
    bind_head(delete_[k]);
    STARLING_RETURN_IF_ERROR(delete_[k].Run(what_));
    for (const ResultRow& row : r.rows) {
      sqlite::Statement& s = insert_[k];
      bind_head(s);
      sqlite::BindRow(r.kind, row, s);
      STARLING_RETURN_IF_ERROR(s.Run(what_));
    }
    sqlite::Statement& w = upsert_window_;
    w.BindText(1, r.pipeline);
    w.BindText(2, r.analysis);
    w.BindText(3, model::ResultKindName(r.kind));
    w.BindText(4, start);
    w.BindText(5, end);
    w.BindInt(6, static_cast<std::int64_t>(r.total));
    w.BindInt(7, static_cast<std::int64_t>(r.error_bound));
    w.BindInt(8, r.final ? 1 : 0);
    w.BindInt(9, static_cast<std::int64_t>(r.rows.size()));
    return w.Run(what_);
  }

  Status Flush() override {
    if (!in_transaction_) return Status::Ok();
    in_transaction_ = false;
    return db_.Exec("COMMIT", what_);
  }

  Status Close() override {
    if (!db_.is_open()) return Status::Ok();
    Status st = Flush();
    for (sqlite::Statement& s : insert_) s = {};
    for (sqlite::Statement& s : delete_) s = {};
    upsert_window_ = {};
    (void)db_.Close(what_);
    return st;
  }

  std::string Describe() const override { return path_ + " (SQLite results)"; }

 private:
  std::string path_;
  std::string what_;  // "SQLite PATH": how failures begin
  sqlite::Database db_;
  // Declared after db_: finalized before the connection closes.
  sqlite::Statement upsert_window_;
  std::vector<sqlite::Statement> insert_;  // per result kind
  std::vector<sqlite::Statement> delete_;
  bool in_transaction_ = false;
};

}  // namespace

Result<std::unique_ptr<ResultSink>> OpenSqliteResultSink(const std::string& path) {
  auto sink = std::make_unique<SqliteResultSink>(path);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ResultSink>(std::move(sink));
}

}  // namespace starling::sink
