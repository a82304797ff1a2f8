// File: sink/sqlite/database.cc
#include "sink/sqlite/database.h"

#include <sqlite3.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <utility>

namespace starling::sink::sqlite {

// --- Statement ---------------------------------------------------------------

Statement::Statement(Statement&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), st_(std::exchange(other.st_, nullptr)) {}

Statement& Statement::operator=(Statement&& other) noexcept {
  if (this != &other) {
    sqlite3_finalize(st_);
    db_ = std::exchange(other.db_, nullptr);
    st_ = std::exchange(other.st_, nullptr);
  }
  return *this;
}

Statement::~Statement() { sqlite3_finalize(st_); }

void Statement::BindText(int i, std::string_view v) {
  sqlite3_bind_text64(st_, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void Statement::BindTextOrNull(int i, std::string_view v) {
  if (v.empty()) {
    sqlite3_bind_null(st_, i);
  } else {
    BindText(i, v);
  }
}

void Statement::BindInt(int i, std::int64_t v) { sqlite3_bind_int64(st_, i, v); }

void Statement::BindIntOrNull(int i, const std::optional<std::int64_t>& v) {
  if (v) {
    sqlite3_bind_int64(st_, i, *v);
  } else {
    sqlite3_bind_null(st_, i);
  }
}

void Statement::BindDouble(int i, double v) { sqlite3_bind_double(st_, i, v); }

void Statement::BindDoubleOrNull(int i, const std::optional<double>& v) {
  if (v) {
    sqlite3_bind_double(st_, i, *v);
  } else {
    sqlite3_bind_null(st_, i);
  }
}

void Statement::BindNull(int i) { sqlite3_bind_null(st_, i); }

Status Statement::Error(std::string_view what) const {
  return IoError(std::string(what) + ": " + (db_ ? sqlite3_errmsg(db_) : "out of memory"));
}

Result<bool> Statement::Step(std::string_view what) {
  const int rc = sqlite3_step(st_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return Error(what);
}

Status Statement::Run(std::string_view what) {
  const int rc = sqlite3_step(st_);
  Status st = rc == SQLITE_DONE || rc == SQLITE_ROW ? Status::Ok() : Error(what);
  sqlite3_reset(st_);
  sqlite3_clear_bindings(st_);
  return st;
}

void Statement::Reset() { sqlite3_reset(st_); }

Statement::ColumnKind Statement::Kind(int col) const {
  switch (sqlite3_column_type(st_, col)) {
    case SQLITE_INTEGER:
      return ColumnKind::kInt;
    case SQLITE_FLOAT:
      return ColumnKind::kReal;
    case SQLITE_TEXT:
      return ColumnKind::kText;
    case SQLITE_BLOB:
      return ColumnKind::kBlob;
    default:
      return ColumnKind::kNull;
  }
}

int Statement::ColumnCount() const { return sqlite3_column_count(st_); }

std::string Statement::ColumnName(int col) const {
  const char* name = sqlite3_column_name(st_, col);
  return name == nullptr ? std::string() : std::string(name);
}

bool Statement::IsNull(int col) const { return sqlite3_column_type(st_, col) == SQLITE_NULL; }

std::string Statement::Text(int col) const {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(st_, col));
  if (p == nullptr) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(st_, col)));
}

std::int64_t Statement::Int(int col) const { return sqlite3_column_int64(st_, col); }

double Statement::Double(int col) const { return sqlite3_column_double(st_, col); }

std::optional<std::int64_t> Statement::OptInt(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Int(col);
}

std::optional<double> Statement::OptDouble(int col) const {
  if (IsNull(col)) return std::nullopt;
  return Double(col);
}

// --- Database ----------------------------------------------------------------

Result<Database> Database::Open(const std::string& path, OpenMode mode) {
  Database d;
  d.path_ = path;
  int rc = SQLITE_OK;
  switch (mode) {
    case OpenMode::kReadWrite:
      rc = sqlite3_open_v2(path.c_str(), &d.db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                           nullptr);
      break;
    case OpenMode::kReadOnly:
      rc = sqlite3_open_v2(path.c_str(), &d.db_, SQLITE_OPEN_READONLY, nullptr);
      break;
    case OpenMode::kSnapshot: {
      const std::string uri = "file:" + path + "?immutable=1";
      rc = sqlite3_open_v2(uri.c_str(), &d.db_, SQLITE_OPEN_READONLY | SQLITE_OPEN_URI, nullptr);
      break;
    }
  }
  if (rc != SQLITE_OK) {
    Status st = IoError("cannot open SQLite database " + path + ": " +
                        (d.db_ ? sqlite3_errmsg(d.db_) : "out of memory"));
    sqlite3_close(d.db_);
    d.db_ = nullptr;
    return st;
  }
  return d;
}

Database::Database(Database&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    sqlite3_close_v2(db_);
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

// close_v2: statements still alive (a member declared after the Database)
// keep the connection until they are finalized.
Database::~Database() { sqlite3_close_v2(db_); }

void Database::SetBusyTimeout(std::chrono::milliseconds timeout) {
  sqlite3_busy_timeout(db_, static_cast<int>(timeout.count()));
}

Status Database::Exec(const std::string& sql, std::string_view what) {
  char* err = nullptr;
  if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : (db_ ? sqlite3_errmsg(db_) : "out of memory");
    sqlite3_free(err);
    return IoError(std::string(what) + ": " + msg);
  }
  return Status::Ok();
}

Result<Statement> Database::Prepare(std::string_view sql, std::string_view what, bool persistent) {
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                    persistent ? SQLITE_PREPARE_PERSISTENT : 0, &st, nullptr);
  if (rc != SQLITE_OK) {
    sqlite3_finalize(st);
    return IoError(std::string(what) + ": " + ErrorMessage());
  }
  return Statement(db_, st);
}

namespace {

void CallTextFunction(sqlite3_context* ctx, int /*argc*/, sqlite3_value** argv) {
  if (sqlite3_value_type(argv[0]) == SQLITE_NULL) {
    sqlite3_result_null(ctx);
    return;
  }
  const auto* p = reinterpret_cast<const char*>(sqlite3_value_text(argv[0]));
  const std::string_view in(p == nullptr ? "" : p,
                            static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
  const auto* fn = static_cast<const Database::TextFunction*>(sqlite3_user_data(ctx));
  const std::string out = (*fn)(in);
  sqlite3_result_text64(ctx, out.data(), out.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

}  // namespace

namespace {

// The state of an integer average. The aggregate context (8-byte aligned)
// holds a pointer to it, as __int128 wants 16; the final call frees it.
struct IntegerAverage {
  __extension__ __int128 sum = 0;
  std::int64_t count = 0;
};

void IntegerAverageStep(sqlite3_context* ctx, int, sqlite3_value** argv) {
  const int type = sqlite3_value_type(argv[0]);
  if (type == SQLITE_NULL) return;
  auto** s = static_cast<IntegerAverage**>(sqlite3_aggregate_context(ctx, sizeof(IntegerAverage*)));
  if (s == nullptr) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  if (type != SQLITE_INTEGER) {
    sqlite3_result_error(ctx, "an integer average of a value that is not an integer", -1);
    return;
  }
  if (*s == nullptr) *s = new IntegerAverage();
  (*s)->sum += sqlite3_value_int64(argv[0]);
  ++(*s)->count;
}

void IntegerAverageFinal(sqlite3_context* ctx) {
  auto** s = static_cast<IntegerAverage**>(sqlite3_aggregate_context(ctx, 0));
  if (s == nullptr || *s == nullptr) {
    sqlite3_result_null(ctx);
    return;
  }
  const double avg = static_cast<double>((*s)->sum) / static_cast<double>((*s)->count);
  delete *s;
  *s = nullptr;
  sqlite3_result_double(ctx, avg);
}

}  // namespace

Status Database::AddIntegerAverage(const std::string& name) {
  const int rc =
      sqlite3_create_function_v2(db_, name.c_str(), 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nullptr,
                                 nullptr, IntegerAverageStep, IntegerAverageFinal, nullptr);
  if (rc != SQLITE_OK) return IoError("cannot add SQL function " + name + ": " + ErrorMessage());
  return Status::Ok();
}

Status Database::AddTextFunction(const std::string& name, TextFunction fn) {
  const int rc = sqlite3_create_function_v2(
      db_, name.c_str(), 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, new TextFunction(fn),
      CallTextFunction, nullptr, nullptr, [](void* p) { delete static_cast<TextFunction*>(p); });
  if (rc != SQLITE_OK) return IoError("cannot add SQL function " + name + ": " + ErrorMessage());
  return Status::Ok();
}

std::string Database::ErrorMessage() const {
  return db_ ? sqlite3_errmsg(db_) : "the database is closed";
}

Status Database::Close(std::string_view what) {
  if (db_ == nullptr) return Status::Ok();
  Status st;
  if (sqlite3_close(db_) != SQLITE_OK) {
    st = IoError(std::string(what) + ": " + sqlite3_errmsg(db_));
    sqlite3_close_v2(db_);  // closes once the statements left are finalized
  }
  db_ = nullptr;
  return st;
}

// --- Files -------------------------------------------------------------------

bool IsDatabaseFile(const std::string& path) {
  char head[16] = {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  const std::size_t got = f != nullptr ? std::fread(head, 1, sizeof head, f) : 0;
  if (f != nullptr) std::fclose(f);
  return got == sizeof head && std::memcmp(head, "SQLite format 3", 16) == 0;
}

Status RemoveDatabase(const std::string& path) {
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !IsDatabaseFile(path)) {
    return InvalidArgument(path + " exists and is not a SQLite database; not replacing it");
  }
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
    std::filesystem::remove(path + suffix, ec);
    if (ec) return IoError("cannot remove " + path + suffix + ": " + ec.message());
  }
  return Status::Ok();
}

Result<Database> OpenForReading(const std::string& path, bool finished) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound("no such database: " + path);
  return Database::Open(path, finished ? OpenMode::kSnapshot : OpenMode::kReadOnly);
}

Result<Statement> PrepareReader(Database& db, std::string_view sql, std::string_view kind) {
  auto st = db.Prepare(sql, db.path());
  if (!st.ok()) {
    const std::string msg = db.ErrorMessage();
    if (msg.find("no such table") != std::string::npos) {
      return NotFound(db.path() + " is not a Starling " + std::string(kind) + " database (" + msg +
                      ")");
    }
  }
  return st;
}

}  // namespace starling::sink::sqlite
