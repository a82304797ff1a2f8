// File: sink/sqlite/database.h
// The one thin RAII layer over the SQLite C API that every SQLite writer and
// reader of Starling goes through: a connection (Database) and its prepared
// statements (Statement). Nothing outside src/sink/sqlite/ includes
// <sqlite3.h>. Failures come back as IoError("<what>: <SQLite's message>"),
// `what` given by the caller, so each store keeps its own wording. A Database
// and its statements belong to one thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "common/status.h"

struct sqlite3;
struct sqlite3_stmt;

namespace starling::sink::sqlite {

// One prepared statement. Parameters are 1-based, columns 0-based. Owns the
// sqlite3_stmt (finalized on destruction); may outlive its Database's
// Close(), which then completes when the last statement goes.
class Statement {
 public:
  Statement() = default;
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&& other) noexcept;
  Statement(const Statement&) = delete;
  Statement& operator=(const Statement&) = delete;
  ~Statement();

  bool valid() const { return st_ != nullptr; }

  // Binding. Text is not copied: it must stay valid until the statement is
  // reset (Run does that, as does Reset).
  void BindText(int i, std::string_view v);
  void BindTextOrNull(int i, std::string_view v);  // NULL when empty
  void BindInt(int i, std::int64_t v);
  void BindIntOrNull(int i, const std::optional<std::int64_t>& v);
  void BindDouble(int i, double v);
  void BindDoubleOrNull(int i, const std::optional<double>& v);
  void BindNull(int i);

  // Steps to the next row: true when there is one, false after the last.
  // IoError("<what>: ...") when SQLite fails.
  Result<bool> Step(std::string_view what);
  // Runs a statement that returns no rows, then resets it and clears its
  // bindings (also when it fails).
  Status Run(std::string_view what);
  // Back to before the first row; the bindings are kept.
  void Reset();

  // The current row's columns.
  enum class ColumnKind { kNull, kInt, kReal, kText, kBlob };
  ColumnKind Kind(int col) const;
  int ColumnCount() const;
  std::string ColumnName(int col) const;
  bool IsNull(int col) const;
  std::string Text(int col) const;  // "" for NULL; bytes as stored
  std::int64_t Int(int col) const;  // 0 for NULL
  double Double(int col) const;     // 0 for NULL
  std::optional<std::int64_t> OptInt(int col) const;
  std::optional<double> OptDouble(int col) const;

 private:
  friend class Database;
  Statement(sqlite3* db, sqlite3_stmt* st) : db_(db), st_(st) {}
  Status Error(std::string_view what) const;

  sqlite3* db_ = nullptr;  // for error messages; not owned
  sqlite3_stmt* st_ = nullptr;
};

enum class OpenMode {
  kReadWrite,  // read and write; the file is created when missing
  kReadOnly,   // read only; the file must exist
  // Read only, as an immutable file (URI `?immutable=1`): no locks, and no
  // -wal/-shm files left behind. Only for a file nothing writes any more.
  kSnapshot,
};

// One connection. Closed on destruction.
class Database {
 public:
  // IoError("cannot open SQLite database PATH: ...") when SQLite cannot
  // open it (a missing file in a read-only mode included).
  static Result<Database> Open(const std::string& path, OpenMode mode);

  Database() = default;
  Database(Database&& other) noexcept;
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  bool is_open() const { return db_ != nullptr; }
  const std::string& path() const { return path_; }

  // How long a statement waits for another connection's lock before failing.
  void SetBusyTimeout(std::chrono::milliseconds timeout);
  // Runs one or more statements that return nothing (DDL, PRAGMA, BEGIN).
  Status Exec(const std::string& sql, std::string_view what);
  // `persistent`: the statement is kept for the connection's life (a
  // writer's hot statements).
  Result<Statement> Prepare(std::string_view sql, std::string_view what, bool persistent = false);
  // Adds a deterministic one-argument SQL function of text on this
  // connection: NULL in, NULL out; anything else is read as text. IoError
  // when SQLite refuses.
  using TextFunction = std::string (*)(std::string_view);
  Status AddTextFunction(const std::string& name, TextFunction fn);
  // Adds NAME(x), the average of integers from their exact sum (128 bits)
  // over their count, as one double; NULL for no values (AVG sums in a
  // double once a partial sum leaves 64 bits; SUM fails there).
  Status AddIntegerAverage(const std::string& name);
  // SQLite's message for the last call that failed on this connection.
  std::string ErrorMessage() const;
  // Closes the connection; IoError("<what>: ...") when SQLite refuses (a
  // statement of it still prepared). Idempotent.
  Status Close(std::string_view what);

 private:
  sqlite3* db_ = nullptr;
  std::string path_;
};

// The read side of a store: an existing database opened read only (as a
// snapshot when `finished`: nothing writes it any more). NotFound("no such
// database: PATH") when the file is missing; errors as Database::Open.
Result<Database> OpenForReading(const std::string& path, bool finished);

// Prepares a reader's statement: a missing table means the file is not a
// Starling `kind` database (NotFound "PATH is not a Starling KIND database
// (...)", kind "posts" or "results"); other errors as Database::Prepare.
Result<Statement> PrepareReader(Database& db, std::string_view sql, std::string_view kind);

// True when `path` is a file that starts with SQLite's 16-byte header.
bool IsDatabaseFile(const std::string& path);

// Removes a database file and its -wal, -shm and -journal companions, so it
// can be created afresh. Nothing to do when it does not exist;
// InvalidArgument ("PATH exists and is not a SQLite database; not replacing
// it") when it is not a SQLite file, which is then left alone; IoError when
// a file cannot be removed.
Status RemoveDatabase(const std::string& path);

}  // namespace starling::sink::sqlite
