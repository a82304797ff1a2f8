// File: sink/server/server.h
// What the stores on a database server (PostgreSQL, MariaDB, ClickHouse,
// MongoDB) share: where the server is (the URL form of a spec,
// scheme://user@host:port/database), the password (never in a message), and
// how a write that the server did not take is tried again before the run
// stops with a clear error. Nothing here speaks a server's protocol.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/spec.h"
#include "common/status.h"

namespace starling::sink::server {

struct Address {
  std::string host;      // "127.0.0.1"
  int port = 0;          // the kind's default when the spec gives none
  std::string user;      // empty: the kind's default
  std::string database;  // the spec's path, without '/'; empty: the kind's default
  // From the spec's URL (discouraged: shells keep history), else the
  // credential (environment variable, else `starling configure`'s file);
  // unset when neither has one (a server that trusts, or libpq's own
  // PGPASSWORD / ~/.pgpass).
  std::optional<std::string> password;
  std::string display;  // "postgres://starling@127.0.0.1:5432/starling": no password, ever
};

// The address a spec names. `credential` is the name of the password's
// environment variable and credentials-file entry (POSTGRES_PASSWORD).
// InvalidArgument for more than one host, a bad port, or a database name
// with '/'; the credential's file errors (a file others can read).
Result<Address> AddressOf(const spec::Spec& spec, int default_port, std::string_view credential,
                          std::string_view default_database);

// How a failed write or connection is tried again: `retries` more times,
// waiting first_wait, then doubling up to max_wait.
struct RetryPolicy {
  int retries = 5;
  std::chrono::microseconds first_wait = std::chrono::milliseconds(500);
  std::chrono::microseconds max_wait = std::chrono::seconds(8);
  std::chrono::microseconds connect_timeout = std::chrono::seconds(10);
};

// What a server store is opened with.
struct Options {
  Address address;
  RetryPolicy retry;
  std::size_t batch = 5000;  // posts per transaction
  bool replace = false;      // empty the tables first (--replace)
};

// The parameters every server store takes (retries, retry_wait,
// connect_timeout), for its ConnectorInfo.
std::vector<spec::ParamDecl> RetryParams();
// The policy a spec's parameters say (defaults above).
RetryPolicy RetryPolicyOf(const spec::Params& params);

// True for the failures that trying again may cure: the server did not
// answer, or the connection broke (Unavailable, IoError).
bool Retryable(const Status& status);

// Runs `attempt` until it succeeds, fails with a status that is not
// Retryable, or has failed policy.retries + 1 times; waits between tries
// (logging each). The last failure is returned as Unavailable: "<what>: the
// server did not take it after N tries over T: <last error>".
Status WithRetries(const RetryPolicy& policy, std::string_view what,
                   const std::function<Status()>& attempt);

// A UTC time as SQL servers read it: "2021-04-01 15:52:31.123456".
// InvalidArgument outside the years min_year to max_year (what the engine's
// type keeps), naming `engine`.
Result<std::string> FormatSqlTime(std::int64_t micros, int min_year, int max_year,
                                  std::string_view engine);

// The text of a field in the tab-separated bulk formats that PostgreSQL's
// COPY and MariaDB's LOAD DATA both read: backslash, tab, newline, carriage
// return and NUL escaped (\\N, written by the caller, is NULL).
void AppendEscapedText(std::string* out, std::string_view text);

// Opens a `Conn` (a connection class with a static Open(address, timeout)),
// trying again by `retry` while the server does not answer; `engine` names
// it in messages ("PostgreSQL").
template <typename Conn>
Result<Conn> ConnectRetrying(const Address& address, const RetryPolicy& retry,
                             std::string_view engine) {
  Conn c;
  STARLING_RETURN_IF_ERROR(WithRetries(
      retry, "connecting to " + std::string(engine) + " " + address.display, [&]() -> Status {
        STARLING_ASSIGN_OR_RETURN(c, Conn::Open(address, retry.connect_timeout));
        return Status::Ok();
      }));
  return c;
}

// WithRetries for a batch written in one transaction on `conn` (a
// connection class with is_open(), Exec() and a static Open(address,
// timeout): postgres::Connection, mysql::Connection): connects when `conn`
// is closed; after a failure, rolls back, and for a Retryable one drops the
// connection, so that the next try starts on a new one and writes the whole
// batch again.
template <typename Conn, typename Body>
Status WriteRetrying(const Options& options, std::string_view what, Conn& conn, Body&& body) {
  return WithRetries(options.retry, what, [&]() -> Status {
    if (!conn.is_open()) {
      STARLING_ASSIGN_OR_RETURN(conn, Conn::Open(options.address, options.retry.connect_timeout));
    }
    Status st = body();
    if (!st.ok()) {
      (void)conn.Exec("ROLLBACK");
      if (Retryable(st)) conn = Conn();
    }
    return st;
  });
}

}  // namespace starling::sink::server
