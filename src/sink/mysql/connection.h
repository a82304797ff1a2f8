// File: sink/mysql/connection.h
// The one RAII wrapper over libmariadb (MariaDB and MySQL): a connection in
// utf8mb4 with UTC and strict mode (a value that does not fit is an error,
// never silently cut), statements, answers as typed cells, and escaping.
// Failures become Status: Unavailable when the server cannot be reached or
// the connection broke, or for a deadlock (worth trying again),
// InvalidArgument when the server refused a statement.
#pragma once

#include <mysql.h>

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

namespace starling::sink::mysql {

struct ResultDeleter {
  void operator()(MYSQL_RES* r) const { mysql_free_result(r); }
};
using MyResult = std::unique_ptr<MYSQL_RES, ResultDeleter>;

// A whole answer, held in memory (small answers: metadata, pages).
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;
};

class Connection {
 public:
  Connection() = default;
  Connection(Connection&&) noexcept;
  Connection& operator=(Connection&&) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  static Result<Connection> Open(const server::Address& address,
                                 std::chrono::microseconds connect_timeout);

  bool is_open() const { return conn_ != nullptr; }

  // Runs one statement that returns no rows.
  Status Exec(std::string_view sql);
  // Runs one statement and returns its whole answer.
  Result<Rows> Query(std::string_view sql);
  // Runs one statement and passes each row as it arrives, after the
  // column names.
  Status Stream(std::string_view sql,
                const std::function<Status(std::vector<std::string>)>& on_columns,
                const std::function<Status(std::span<const Value>)>& on_row);
  // Appends `text` as a quoted string literal.
  void AppendLiteral(std::string* out, std::string_view text);
  // Runs `load_sql` (LOAD DATA LOCAL INFILE 'starling' ...) with `data` as
  // the file, sent from memory (nothing touches the disk). InvalidArgument
  // when the server warned (LOCAL turns a value that does not fit into a
  // warning, never silently: the first warning is the message);
  // Unsupported when the server or client does not allow LOCAL.
  Status LoadData(std::string_view load_sql, std::string_view data);

 private:
  Status Failure(std::string_view what);

  MYSQL* conn_ = nullptr;
  std::string display_;
};

// The identifier back-quoted (`end`).
std::string Quote(std::string_view identifier);

// Connects, trying again by `retry` while the server does not answer.
inline Result<Connection> ConnectRetrying(const server::Address& address,
                                          const server::RetryPolicy& retry) {
  return server::ConnectRetrying<Connection>(address, retry, "MariaDB");
}

}  // namespace starling::sink::mysql
