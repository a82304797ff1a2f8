#include "sink/result_sink.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>
#include <cstdio>
#include <vector>

#include "common/files.h"
#include "model/post_json.h"
#include "sink/buffered_file.h"

namespace starling::sink {

using model::ResultKind;
using model::ResultRow;
using model::WindowResult;

namespace {

constexpr std::string_view kResultsSchema = R"sql(
CREATE TABLE IF NOT EXISTS analyses (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, kind TEXT NOT NULL, "by" TEXT NOT NULL,
  window TEXT NOT NULL, k INTEGER NOT NULL DEFAULT 0, "of" TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (pipeline, analysis));
CREATE TABLE IF NOT EXISTS windows (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, kind TEXT NOT NULL,
  window_start TEXT NOT NULL, window_end TEXT NOT NULL,
  total INTEGER NOT NULL, error_bound INTEGER NOT NULL, final INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end));
CREATE TABLE IF NOT EXISTS counts (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, rank INTEGER NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, key));
CREATE TABLE IF NOT EXISTS trending (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, rank INTEGER NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
  error INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, key));
CREATE TABLE IF NOT EXISTS distinct_counts (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, key TEXT NOT NULL, estimate REAL NOT NULL,
  relative_error REAL NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, key));
CREATE TABLE IF NOT EXISTS sentiment (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, rank INTEGER NOT NULL, key TEXT NOT NULL, posts INTEGER NOT NULL,
  mean_compound REAL NOT NULL, positive INTEGER NOT NULL, neutral INTEGER NOT NULL,
  negative INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, key));
CREATE TABLE IF NOT EXISTS bursts (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, rank INTEGER NOT NULL, term TEXT NOT NULL, count INTEGER NOT NULL,
  baseline REAL NOT NULL, z REAL NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, term));
CREATE TABLE IF NOT EXISTS clusters (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, cluster INTEGER NOT NULL, posts INTEGER NOT NULL,
  weight REAL NOT NULL, top_terms TEXT NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, cluster));
CREATE TABLE IF NOT EXISTS cooccurrence (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, rank INTEGER NOT NULL, tag_a TEXT NOT NULL, tag_b TEXT NOT NULL,
  count INTEGER NOT NULL, error INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, tag_a, tag_b));
CREATE TABLE IF NOT EXISTS sessions (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, key TEXT NOT NULL, posts INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, key));
)sql";

const char* TableOf(ResultKind kind) {
  switch (kind) {
    case ResultKind::kCount:
      return "counts";
    case ResultKind::kTopK:
      return "trending";
    case ResultKind::kDistinct:
      return "distinct_counts";
    case ResultKind::kSentiment:
      return "sentiment";
    case ResultKind::kBurst:
      return "bursts";
    case ResultKind::kCluster:
      return "clusters";
    case ResultKind::kCooccurrence:
      return "cooccurrence";
    case ResultKind::kSession:
      return "sessions";
  }
  return "counts";
}

const char* InsertSql(ResultKind kind) {
  switch (kind) {
    case ResultKind::kCount:
      return "INSERT OR REPLACE INTO counts VALUES (?1,?2,?3,?4,?5,?6,?7)";
    case ResultKind::kTopK:
      return "INSERT OR REPLACE INTO trending VALUES (?1,?2,?3,?4,?5,?6,?7,?8)";
    case ResultKind::kDistinct:
      return "INSERT OR REPLACE INTO distinct_counts VALUES (?1,?2,?3,?4,?6,?9,?10)";
    case ResultKind::kSentiment:
      return "INSERT OR REPLACE INTO sentiment VALUES (?1,?2,?3,?4,?5,?6,?7,?9,?11,?12,?13)";
    case ResultKind::kBurst:
      return "INSERT OR REPLACE INTO bursts VALUES (?1,?2,?3,?4,?5,?6,?7,?9,?10)";
    case ResultKind::kCluster:
      return "INSERT OR REPLACE INTO clusters VALUES (?1,?2,?3,?4,?6,?7,?9,?14)";
    case ResultKind::kCooccurrence:
      return "INSERT OR REPLACE INTO cooccurrence VALUES (?1,?2,?3,?4,?5,?6,?15,?7,?8)";
    case ResultKind::kSession:
      return "INSERT OR REPLACE INTO sessions VALUES (?1,?2,?3,?4,?6,?7)";
  }
  return "";
}

constexpr ResultKind kAllKinds[] = {
    ResultKind::kCount, ResultKind::kTopK,    ResultKind::kDistinct,     ResultKind::kSentiment,
    ResultKind::kBurst, ResultKind::kCluster, ResultKind::kCooccurrence, ResultKind::kSession};

// Window bounds as stored: ISO-8601 UTC, '' for the unbounded global window.
std::string Bound(model::TimestampUs t) {
  if (t == INT64_MIN || t == INT64_MAX) return "";
  return model::FormatTimestamp(t);
}

class SqliteResultSink final : public ResultSink {
 public:
  explicit SqliteResultSink(std::string path) : path_(std::move(path)) {}
  ~SqliteResultSink() override { (void)Close(); }

  Status Open() {
    STARLING_RETURN_IF_ERROR(CreateParentDirs(path_));
    if (sqlite3_open_v2(path_.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) !=
        SQLITE_OK) {
      Status st = IoError("cannot open SQLite database " + path_ + ": " +
                          (db_ ? sqlite3_errmsg(db_) : "out of memory"));
      sqlite3_close(db_);
      db_ = nullptr;
      return st;
    }
    sqlite3_busy_timeout(db_, 5000);
    STARLING_RETURN_IF_ERROR(Exec("PRAGMA journal_mode=WAL"));
    STARLING_RETURN_IF_ERROR(Exec("PRAGMA synchronous=NORMAL"));
    STARLING_RETURN_IF_ERROR(Exec(std::string(kResultsSchema)));
    // A database from before `k` and `of` were declared gains them.
    for (const char* column : {"k", "of"}) {
      sqlite3_stmt* q = nullptr;
      STARLING_RETURN_IF_ERROR(
          Prepare("SELECT COUNT(*) FROM pragma_table_info('analyses') WHERE name = ?1", &q));
      sqlite3_bind_text(q, 1, column, -1, SQLITE_STATIC);
      const bool has = sqlite3_step(q) == SQLITE_ROW && sqlite3_column_int(q, 0) > 0;
      sqlite3_finalize(q);
      if (!has) {
        STARLING_RETURN_IF_ERROR(Exec(std::string(column) == "k"
                                          ? "ALTER TABLE analyses ADD COLUMN k INTEGER NOT NULL "
                                            "DEFAULT 0"
                                          : "ALTER TABLE analyses ADD COLUMN \"of\" TEXT NOT "
                                            "NULL DEFAULT ''"));
      }
    }
    STARLING_RETURN_IF_ERROR(Prepare(
        "INSERT OR REPLACE INTO windows VALUES (?1,?2,?3,?4,?5,?6,?7,?8,?9)", &upsert_window_));
    for (ResultKind kind : kAllKinds) {
      const auto i = static_cast<std::size_t>(kind);
      STARLING_RETURN_IF_ERROR(Prepare(InsertSql(kind), &insert_[i]));
      const std::string del = std::string("DELETE FROM ") + TableOf(kind) +
                              " WHERE pipeline=?1 AND analysis=?2 AND window_start=?3 AND "
                              "window_end=?4";
      STARLING_RETURN_IF_ERROR(Prepare(del.c_str(), &delete_[i]));
    }
    return Status::Ok();
  }

  Status DeclareAnalyses(const std::vector<model::AnalysisMeta>& analyses) override {
    if (db_ == nullptr) return IoError("results database " + path_ + " is closed");
    sqlite3_stmt* st = nullptr;
    STARLING_RETURN_IF_ERROR(
        Prepare("INSERT OR REPLACE INTO analyses (pipeline, analysis, kind, \"by\", window, k, "
                "\"of\") VALUES (?1,?2,?3,?4,?5,?6,?7)",
                &st));
    Status result = Status::Ok();
    for (const model::AnalysisMeta& a : analyses) {
      const std::string_view kind = model::ResultKindName(a.kind);
      sqlite3_reset(st);
      sqlite3_bind_text(st, 1, a.pipeline.data(), static_cast<int>(a.pipeline.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(st, 2, a.analysis.data(), static_cast<int>(a.analysis.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(st, 3, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
      sqlite3_bind_text(st, 4, a.by.data(), static_cast<int>(a.by.size()), SQLITE_STATIC);
      sqlite3_bind_text(st, 5, a.window.data(), static_cast<int>(a.window.size()), SQLITE_STATIC);
      sqlite3_bind_int64(st, 6, static_cast<sqlite3_int64>(a.k));
      sqlite3_bind_text(st, 7, a.of.data(), static_cast<int>(a.of.size()), SQLITE_STATIC);
      if (sqlite3_step(st) != SQLITE_DONE) {
        result = IoError("cannot write analyses to " + path_ + ": " + sqlite3_errmsg(db_));
        break;
      }
    }
    sqlite3_finalize(st);
    return result;
  }

  Status Write(const WindowResult& r) override {
    if (db_ == nullptr) return IoError("results database " + path_ + " is closed");
    if (!in_transaction_) {
      STARLING_RETURN_IF_ERROR(Exec("BEGIN"));
      in_transaction_ = true;
    }
    const auto k = static_cast<std::size_t>(r.kind);
    const std::string start = Bound(r.window_start);
    const std::string end = Bound(r.window_end);
    auto bind_head = [&](sqlite3_stmt* s) {
      sqlite3_reset(s);
      sqlite3_bind_text(s, 1, r.pipeline.data(), static_cast<int>(r.pipeline.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(s, 2, r.analysis.data(), static_cast<int>(r.analysis.size()),
                        SQLITE_STATIC);
      sqlite3_bind_text(s, 3, start.data(), static_cast<int>(start.size()), SQLITE_STATIC);
      sqlite3_bind_text(s, 4, end.data(), static_cast<int>(end.size()), SQLITE_STATIC);
    };
    bind_head(delete_[k]);
    STARLING_RETURN_IF_ERROR(Step(delete_[k]));
    for (const ResultRow& row : r.rows) {
      sqlite3_stmt* s = insert_[k];
      bind_head(s);
      sqlite3_bind_int(s, 5, row.rank);
      sqlite3_bind_text(s, 6, row.key.data(), static_cast<int>(row.key.size()), SQLITE_STATIC);
      sqlite3_bind_int64(s, 7, row.count);
      sqlite3_bind_int64(s, 8, static_cast<sqlite3_int64>(row.error));
      sqlite3_bind_double(s, 9, row.value);
      sqlite3_bind_double(s, 10, row.value2);
      sqlite3_bind_int64(s, 11, row.pos);
      sqlite3_bind_int64(s, 12, row.neu);
      sqlite3_bind_int64(s, 13, row.neg);
      sqlite3_bind_text(s, 14, row.text.data(), static_cast<int>(row.text.size()), SQLITE_STATIC);
      sqlite3_bind_text(s, 15, row.key2.data(), static_cast<int>(row.key2.size()), SQLITE_STATIC);
      STARLING_RETURN_IF_ERROR(Step(s));
    }
    sqlite3_stmt* w = upsert_window_;
    sqlite3_reset(w);
    sqlite3_bind_text(w, 1, r.pipeline.data(), static_cast<int>(r.pipeline.size()), SQLITE_STATIC);
    sqlite3_bind_text(w, 2, r.analysis.data(), static_cast<int>(r.analysis.size()), SQLITE_STATIC);
    const std::string_view kind = model::ResultKindName(r.kind);
    sqlite3_bind_text(w, 3, kind.data(), static_cast<int>(kind.size()), SQLITE_STATIC);
    sqlite3_bind_text(w, 4, start.data(), static_cast<int>(start.size()), SQLITE_STATIC);
    sqlite3_bind_text(w, 5, end.data(), static_cast<int>(end.size()), SQLITE_STATIC);
    sqlite3_bind_int64(w, 6, static_cast<sqlite3_int64>(r.total));
    sqlite3_bind_int64(w, 7, static_cast<sqlite3_int64>(r.error_bound));
    sqlite3_bind_int(w, 8, r.final ? 1 : 0);
    sqlite3_bind_int64(w, 9, static_cast<sqlite3_int64>(r.rows.size()));
    return Step(w);
  }

  Status Flush() override {
    if (!in_transaction_) return Status::Ok();
    in_transaction_ = false;
    return Exec("COMMIT");
  }

  Status Close() override {
    if (db_ == nullptr) return Status::Ok();
    Status st = Flush();
    for (sqlite3_stmt* s : insert_) sqlite3_finalize(s);
    for (sqlite3_stmt* s : delete_) sqlite3_finalize(s);
    sqlite3_finalize(upsert_window_);
    sqlite3_close(db_);
    db_ = nullptr;
    return st;
  }

  std::string Describe() const override { return path_ + " (SQLite results)"; }

 private:
  Status Exec(const std::string& sql) {
    char* err = nullptr;
    if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
      Status st = IoError("SQLite " + path_ + ": " + (err ? err : "error"));
      sqlite3_free(err);
      return st;
    }
    return Status::Ok();
  }
  Status Prepare(const char* sql, sqlite3_stmt** out) {
    if (sqlite3_prepare_v2(db_, sql, -1, out, nullptr) != SQLITE_OK) {
      return IoError("SQLite " + path_ + ": " + sqlite3_errmsg(db_));
    }
    return Status::Ok();
  }
  Status Step(sqlite3_stmt* s) {
    if (sqlite3_step(s) != SQLITE_DONE) {
      Status st = IoError("SQLite " + path_ + ": " + sqlite3_errmsg(db_));
      sqlite3_reset(s);
      return st;
    }
    return Status::Ok();
  }

  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_window_ = nullptr;
  sqlite3_stmt* insert_[std::size(kAllKinds)] = {};
  sqlite3_stmt* delete_[std::size(kAllKinds)] = {};
  bool in_transaction_ = false;
};

class JsonlResultSink final : public ResultSink {
 public:
  JsonlResultSink(std::string path, bool keep_existing)
      : path_(std::move(path)), keep_existing_(keep_existing) {}
  ~JsonlResultSink() override { (void)Close(); }
  Status Open() { return file_.Open(path_, 64u << 10, keep_existing_); }
  Status Write(const WindowResult& r) override {
    if (!file_.is_open()) return IoError(path_ + " is closed");
    line_.clear();
    AppendResultJson(r, &line_);
    line_ += '\n';
    return file_.Append(line_);
  }
  Status Flush() override { return file_.Flush(); }
  Status Close() override { return file_.Close(); }
  std::string Describe() const override {
    return path_ == "-" ? "stdout (JSON lines)" : path_ + " (JSON lines)";
  }
  std::string CommitName() const override { return FileOutputName("jsonl results", path_); }
  // The file's size.
  Result<std::string> CheckpointCommit() override {
    STARLING_RETURN_IF_ERROR(file_.Sync());
    if (file_.is_stdout() || !file_.is_open()) return std::string();
    return std::to_string(file_.size());
  }
  Status RestoreCommit(std::string_view token) override {
    if (token.empty() || file_.is_stdout() || !file_.is_open()) return Status::Ok();
    std::uint64_t size = 0;
    const auto r = std::from_chars(token.data(), token.data() + token.size(), size);
    if (r.ec != std::errc() || r.ptr != token.data() + token.size()) {
      return InvalidArgument(Describe() + ": not a checkpoint token of this sink");
    }
    return file_.TruncateTo(size);
  }

 private:
  std::string path_;
  bool keep_existing_;
  BufferedFile file_;
  std::string line_;
};

void AppendNumber(double v, std::string* out) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.6g", v);
  out->append(buf, static_cast<std::size_t>(n));
}

}  // namespace

std::string_view ResultsSchemaSql() { return kResultsSchema; }

void AppendResultJson(const WindowResult& r, std::string* out) {
  *out += "{\"pipeline\":";
  model::AppendJsonString(r.pipeline, out);
  *out += ",\"analysis\":";
  model::AppendJsonString(r.analysis, out);
  *out += ",\"kind\":\"";
  *out += model::ResultKindName(r.kind);
  *out += "\",\"window_start\":";
  if (r.window_start == INT64_MIN) {
    *out += "null";
  } else {
    model::AppendJsonString(model::FormatTimestamp(r.window_start), out);
  }
  *out += ",\"window_end\":";
  if (r.window_end == INT64_MAX) {
    *out += "null";
  } else {
    model::AppendJsonString(model::FormatTimestamp(r.window_end), out);
  }
  *out += ",\"final\":";
  *out += r.final ? "true" : "false";
  *out += ",\"total\":" + std::to_string(r.total);
  if (r.error_bound > 0) *out += ",\"error_bound\":" + std::to_string(r.error_bound);
  *out += ",\"rows\":[";
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const ResultRow& row = r.rows[i];
    if (i > 0) *out += ',';
    *out += '{';
    if (row.rank != 0 || r.kind != ResultKind::kSentiment)
      *out += "\"rank\":" + std::to_string(row.rank) + ",";
    *out += "\"key\":";
    model::AppendJsonString(row.key, out);
    if (r.kind == ResultKind::kCooccurrence) {
      *out += ",\"key2\":";
      model::AppendJsonString(row.key2, out);
    }
    *out += ",\"count\":" + std::to_string(row.count);
    switch (r.kind) {
      case ResultKind::kTopK:
      case ResultKind::kCooccurrence:
        if (row.error > 0) *out += ",\"error\":" + std::to_string(row.error);
        break;
      case ResultKind::kDistinct:
        *out += ",\"estimate\":";
        AppendNumber(row.value, out);
        *out += ",\"relative_error\":";
        AppendNumber(row.value2, out);
        break;
      case ResultKind::kSentiment:
        *out += ",\"mean_compound\":";
        AppendNumber(row.value, out);
        *out += ",\"positive\":" + std::to_string(row.pos) +
                ",\"neutral\":" + std::to_string(row.neu) +
                ",\"negative\":" + std::to_string(row.neg);
        break;
      case ResultKind::kBurst:
        *out += ",\"baseline\":";
        AppendNumber(row.value, out);
        *out += ",\"z\":";
        AppendNumber(row.value2, out);
        break;
      case ResultKind::kCluster:
        *out += ",\"weight\":";
        AppendNumber(row.value, out);
        *out += ",\"top_terms\":";
        model::AppendJsonString(row.text, out);
        break;
      default:
        break;
    }
    *out += '}';
  }
  *out += "]}";
}

Result<std::unique_ptr<ResultSink>> OpenSqliteResultSink(const std::string& path) {
  auto sink = std::make_unique<SqliteResultSink>(path);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ResultSink>(std::move(sink));
}

Result<std::unique_ptr<ResultSink>> OpenJsonlResultSink(const std::string& path,
                                                        bool keep_existing) {
  auto sink = std::make_unique<JsonlResultSink>(path, keep_existing);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ResultSink>(std::move(sink));
}

}  // namespace starling::sink
