// File: sink/postgres/connection.h
// The one RAII wrapper over libpq: a connection (password passed to libpq,
// never kept in a message), statements, results as typed cells, and COPY
// FROM STDIN. Failures become Status: Unavailable when the server cannot be
// reached or the connection broke (worth trying again), InvalidArgument when
// the server refused a statement (it would refuse it again).
#pragma once

#include <libpq-fe.h>

#include <chrono>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sink/server/server.h"
#include "sink/tables.h"

namespace starling::sink::postgres {

struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

class Connection {
 public:
  Connection() = default;
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Connects (UTF8 client encoding, UTC time zone). Unavailable when the
  // server does not answer; InvalidArgument when it refuses (a wrong
  // password, a missing database).
  static Result<Connection> Open(const server::Address& address,
                                 std::chrono::microseconds connect_timeout);

  bool is_open() const { return conn_ != nullptr; }
  // The SQLSTATE of the last failed statement ("23505": a unique key
  // taken); empty when the connection, not a statement, failed.
  const std::string& last_state() const { return last_state_; }
  const std::string& display() const { return display_; }

  // Runs statements that return no rows (several, separated by ';', when
  // there are no parameters).
  Status Exec(std::string_view sql);
  // Runs one statement with text parameters (NULL for nullopt); returns its
  // rows.
  Result<PgResult> Query(std::string_view sql,
                         std::span<const std::optional<std::string>> params = {});
  // Runs a statement that starts COPY ... FROM STDIN and sends `data`
  // (COPY's text format) in one go.
  Status CopyIn(std::string_view copy_sql, std::string_view data);
  // Runs one statement and passes each row's cells (typed by the column's
  // type: int2/4/8 as integers, float4/8 as reals, bool as 0/1,
  // the rest as text), after the column names.
  // `text` as a quoted string literal (PQescapeLiteral; '' when not connected).
  std::string Literal(std::string_view text) const;
  Status Stream(std::string_view sql,
                const std::function<Status(std::vector<std::string>)>& on_columns,
                const std::function<Status(std::span<const Value>)>& on_row);

 private:
  Status Failure(std::string_view what, const PGresult* result);

  PGconn* conn_ = nullptr;
  std::string last_state_;
  std::string display_;
};

// The cell at (row, column) typed by its column's type: int2/4/8 as an
// integer, float4/8 as a real, bool as 0/1, the rest as text.
Value CellValue(const PGresult* result, int row, int column);

// A server-side cursor over one statement, read in batches (several can be
// open at once in one transaction, which single-row mode cannot).
class Cursor {
 public:
  // DECLAREs cursor `name` for `sql`; the caller's transaction must be open.
  static Result<Cursor> Declare(Connection& conn, std::string name, std::string_view sql);
  // Moves to the next row; false at the end.
  Result<bool> Next();
  Value Cell(int column) const { return CellValue(batch_.get(), row_, column); }
  int columns() const { return PQnfields(batch_.get()); }

 private:
  Connection* conn_ = nullptr;
  std::string name_;
  PgResult batch_;
  int row_ = -1;
  int rows_ = 0;
  bool done_ = false;
};

// NULL in COPY's text format (a field's text: server::AppendEscapedText).
inline void AppendCopyNull(std::string* out) { out->append("\\N"); }

// A UTC timestamp as PostgreSQL reads it: "2021-04-01 15:52:31.123456+00".
// InvalidArgument outside the years 1 to 9999.
Result<std::string> FormatTimestamptz(std::int64_t micros);

// The identifier double-quoted ("end").
std::string Quote(std::string_view identifier);

// Connects, trying again by `retry` while the server does not answer.
inline Result<Connection> ConnectRetrying(const server::Address& address,
                                          const server::RetryPolicy& retry) {
  return server::ConnectRetrying<Connection>(address, retry, "PostgreSQL");
}

}  // namespace starling::sink::postgres
