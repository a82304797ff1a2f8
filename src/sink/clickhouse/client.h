// File: sink/clickhouse/client.h
// The one wrapper over libcurl for ClickHouse's HTTP interface: a statement
// is a POST (its text the body, or the URL's `query` when the body is an
// INSERT's data), settings are URL parameters, the user and password go in
// the X-ClickHouse-User / X-ClickHouse-Key headers (never in a URL, so never
// in a message or a server log line). One curl handle per Client keeps its
// connection alive between statements; HTTP itself is stateless, so a broken
// connection is simply made again by the next statement.
//
// Failures become Status: Unavailable when the server cannot be reached, the
// connection broke, or the server said it is overloaded (worth trying
// again); InvalidArgument when the server refused a statement, with its
// message ("Code: 62, ... Syntax error ...").
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "sink/server/server.h"

namespace starling::sink::clickhouse {

// Settings sent with one statement, as URL parameters (name, value).
using Settings = std::vector<std::pair<std::string_view, std::string_view>>;

// Receives an answer's bytes as they arrive.
using DataCallback = std::function<Status(std::string_view)>;

class Client {
 public:
  Client() = default;
  Client(Client&&) noexcept;
  Client& operator=(Client&&) noexcept;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  ~Client();

  // Sets up the handle and asks the server `SELECT 1`, so a wrong address
  // or password shows at once.
  static Result<Client> Open(const server::Address& address,
                             std::chrono::microseconds connect_timeout);

  bool is_open() const { return curl_ != nullptr; }
  const std::string& display() const { return display_; }

  // Runs one statement and drops its answer (DDL, TRUNCATE).
  Status Exec(std::string_view sql, const Settings& settings = {});
  // Runs one statement and returns its whole answer (small answers).
  Result<std::string> Fetch(std::string_view sql, const Settings& settings = {});
  // Runs one statement and passes its answer line by line (without the
  // '\n') as it arrives; stops at, and returns, the first non-OK Status.
  Status Lines(std::string_view sql, const Settings& settings,
               const std::function<Status(std::string_view)>& on_line);
  // Sends `data` as the body of `insert` ("INSERT INTO t (...) FORMAT
  // RowBinary"). A block of up to max_insert_block_size rows lands whole or
  // not at all.
  Status Insert(std::string_view insert, std::string_view data);

 private:
  // One POST: `query` in the URL when not empty, `body` as the body.
  Status Post(std::string_view query, std::string_view body, const Settings& settings,
              const DataCallback& on_data, std::string_view what);

  void* curl_ = nullptr;     // CURL*
  void* headers_ = nullptr;  // curl_slist*
  std::string base_url_;     // http://host:port/?database=DB
  std::string display_;
  bool hint_password_ = false;  // no password was given: say where it comes from
};

// Opens a Client, trying again by `retry` while the server does not answer.
Result<Client> ConnectRetrying(const server::Address& address, const server::RetryPolicy& retry);

// The identifier back-quoted (`end`), as ClickHouse reads it.
std::string Quote(std::string_view identifier);
// Appends `text` as a quoted string literal ('it\'s').
void AppendLiteral(std::string* out, std::string_view text);

}  // namespace starling::sink::clickhouse
