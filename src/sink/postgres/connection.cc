// File: sink/postgres/connection.cc
#include "sink/postgres/connection.h"

#include <charconv>
#include <cstdlib>

#include "model/time.h"

namespace starling::sink::postgres {
namespace {

// Type OIDs (pg_type.h; stable since PostgreSQL 7).
constexpr Oid kBool = 16;
constexpr Oid kInt8 = 20;
constexpr Oid kInt2 = 21;
constexpr Oid kInt4 = 23;
constexpr Oid kFloat4 = 700;
constexpr Oid kFloat8 = 701;

// libpq's message on one line: "ERROR:  ...; CONTEXT:  ...".
std::string Trimmed(const char* message) {
  std::string m = message == nullptr ? "" : message;
  while (!m.empty() && (m.back() == '\n' || m.back() == ' ')) m.pop_back();
  for (std::size_t i = m.find('\n'); i != std::string::npos; i = m.find('\n', i)) {
    m.replace(i, 1, "; ");
  }
  return m;
}

// SQLSTATE classes that mean the connection, not the statement, failed:
// 08 (connection exception), 57P (operator intervention: shutdown), 53
// (insufficient resources).
bool ConnectionState(std::string_view state) {
  return state.starts_with("08") || state.starts_with("57P") || state.starts_with("53") ||
         // Another writer in the way: a serialization failure, a deadlock,
         // a lock not available. Trying again may pass.
         state == "40001" || state == "40P01" || state == "55P03";
}

}  // namespace

Connection::Connection(Connection&& o) noexcept
    : conn_(std::exchange(o.conn_, nullptr)),
      last_state_(std::move(o.last_state_)),
      display_(std::move(o.display_)) {}

Connection& Connection::operator=(Connection&& o) noexcept {
  if (this != &o) {
    if (conn_ != nullptr) PQfinish(conn_);
    conn_ = std::exchange(o.conn_, nullptr);
    display_ = std::move(o.display_);
    last_state_ = std::move(o.last_state_);
  }
  return *this;
}

Connection::~Connection() {
  if (conn_ != nullptr) PQfinish(conn_);
}

Result<Connection> Connection::Open(const server::Address& a,
                                    std::chrono::microseconds connect_timeout) {
  const std::string port = std::to_string(a.port);
  const std::string timeout = std::to_string(std::max<long long>(
      1, std::chrono::duration_cast<std::chrono::seconds>(connect_timeout).count()));
  std::vector<const char*> keys{"host",
                                "port",
                                "dbname",
                                "connect_timeout",
                                "client_encoding",
                                "options",
                                "application_name"};
  std::vector<const char*> values{
      a.host.c_str(),  port.c_str(), a.database.c_str(),
      timeout.c_str(), "UTF8",       "-c TimeZone=UTC -c client_min_messages=warning",
      "starling"};
  if (!a.user.empty()) {
    keys.push_back("user");
    values.push_back(a.user.c_str());
  }
  if (a.password) {
    keys.push_back("password");
    values.push_back(a.password->c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);
  Connection c;
  c.display_ = a.display;
  c.conn_ = PQconnectdbParams(keys.data(), values.data(), 0);
  if (c.conn_ == nullptr) return Unavailable("PostgreSQL " + a.display + ": out of memory");
  // Notices (CREATE ... IF NOT EXISTS that skipped) are not for the user's
  // terminal; warnings and errors come back as Status.
  PQsetNoticeProcessor(
      c.conn_, [](void*, const char*) {}, nullptr);
  if (PQstatus(c.conn_) != CONNECTION_OK) {
    const std::string m = Trimmed(PQerrorMessage(c.conn_));
    // libpq says why in words only: a refused login is not worth retrying.
    const bool refused = m.find("password authentication failed") != std::string::npos ||
                         m.find("does not exist") != std::string::npos ||
                         m.find("no password supplied") != std::string::npos ||
                         m.find("no pg_hba.conf entry") != std::string::npos;
    const std::string text = "PostgreSQL " + a.display + ": " + m;
    if (refused) {
      return InvalidArgument(
          text + (a.password ? "" : " (set POSTGRES_PASSWORD, or run `starling configure`)"));
    }
    return Unavailable(text);
  }
  return c;
}

Status Connection::Failure(std::string_view what, const PGresult* result) {
  const char* state = result ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  last_state_ = state == nullptr ? "" : state;
  std::string m = result ? Trimmed(PQresultErrorMessage(result)) : "";
  if (m.empty()) m = Trimmed(PQerrorMessage(conn_));
  const std::string text = "PostgreSQL " + display_ + ": " + std::string(what) + ": " + m;
  if (PQstatus(conn_) != CONNECTION_OK || state == nullptr || ConnectionState(state)) {
    return Unavailable(text);
  }
  return InvalidArgument(text);
}

Status Connection::Exec(std::string_view sql) {
  if (conn_ == nullptr) return Unavailable("PostgreSQL " + display_ + ": not connected");
  const std::string s(sql);
  PgResult r(PQexec(conn_, s.c_str()));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return Status::Ok();
  return Failure(sql.substr(0, sql.find_first_of("( \n")), r.get());
}

Result<PgResult> Connection::Query(std::string_view sql,
                                   std::span<const std::optional<std::string>> params) {
  if (conn_ == nullptr) return Unavailable("PostgreSQL " + display_ + ": not connected");
  std::vector<const char*> values;
  values.reserve(params.size());
  for (const auto& p : params) values.push_back(p ? p->c_str() : nullptr);
  const std::string s(sql);
  PgResult r(PQexecParams(conn_, s.c_str(), static_cast<int>(values.size()), nullptr, values.data(),
                          nullptr, nullptr, 0));
  const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
  if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK) return r;
  return Failure("query", r.get());
}

Status Connection::CopyIn(std::string_view copy_sql, std::string_view data) {
  if (conn_ == nullptr) return Unavailable("PostgreSQL " + display_ + ": not connected");
  const std::string s(copy_sql);
  PgResult r(PQexec(conn_, s.c_str()));
  if (!r || PQresultStatus(r.get()) != PGRES_COPY_IN) return Failure("COPY", r.get());
  // In pieces: PQputCopyData takes an int length.
  constexpr std::size_t kPiece = 1 << 20;
  for (std::size_t off = 0; off < data.size(); off += kPiece) {
    const std::size_t n = std::min(kPiece, data.size() - off);
    if (PQputCopyData(conn_, data.data() + off, static_cast<int>(n)) != 1) {
      return Failure("COPY", nullptr);
    }
  }
  if (PQputCopyEnd(conn_, nullptr) != 1) return Failure("COPY", nullptr);
  Status result = Status::Ok();
  while (PGresult* next = PQgetResult(conn_)) {
    PgResult done(next);
    if (PQresultStatus(next) != PGRES_COMMAND_OK && result.ok()) result = Failure("COPY", next);
  }
  return result;
}

std::string Connection::Literal(std::string_view text) const {
  if (conn_ == nullptr) return "''";
  char* q = PQescapeLiteral(conn_, text.data(), text.size());
  if (q == nullptr) return "''";
  std::string out(q);
  PQfreemem(q);
  return out;
}

Status Connection::Stream(std::string_view sql,
                          const std::function<Status(std::vector<std::string>)>& on_columns,
                          const std::function<Status(std::span<const Value>)>& on_row) {
  if (conn_ == nullptr) return Unavailable("PostgreSQL " + display_ + ": not connected");
  const std::string s(sql);
  // The extended protocol: one statement only (a `; COMMIT; ...` in the
  // text is refused, so a read-only transaction stays one).
  if (PQsendQueryParams(conn_, s.c_str(), 0, nullptr, nullptr, nullptr, nullptr, 0) != 1) {
    return Failure("query", nullptr);
  }
  // Row by row: a large answer is never held whole.
  (void)PQsetSingleRowMode(conn_);
  Status result = Status::Ok();
  bool columns_sent = false;
  std::vector<Value> row;
  while (PGresult* next = PQgetResult(conn_)) {
    PgResult r(next);
    const ExecStatusType st = PQresultStatus(next);
    if (!result.ok()) continue;  // drain what is left
    if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK) {
      result = Failure("query", next);
      continue;
    }
    const int n = PQnfields(next);
    if (!columns_sent) {
      std::vector<std::string> names;
      for (int c = 0; c < n; ++c) names.emplace_back(PQfname(next, c));
      result = on_columns(std::move(names));
      columns_sent = true;
      if (!result.ok()) continue;
    }
    for (int i = 0; i < PQntuples(next) && result.ok(); ++i) {
      row.clear();
      for (int c = 0; c < n; ++c) row.push_back(CellValue(next, i, c));
      result = on_row(row);
    }
  }
  return result;
}

Value CellValue(const PGresult* r, int row, int column) {
  if (PQgetisnull(r, row, column)) return {};
  const char* v = PQgetvalue(r, row, column);
  const std::string_view text(v, static_cast<std::size_t>(PQgetlength(r, row, column)));
  switch (PQftype(r, column)) {
    case kInt2:
    case kInt4:
    case kInt8: {
      std::int64_t x = 0;
      std::from_chars(text.data(), text.data() + text.size(), x);
      return x;
    }
    case kFloat4:
    case kFloat8:
      return std::strtod(v, nullptr);  // also NaN and Infinity
    // numeric stays text: a sum past 64 bits must not become a rounded real
    // (the query layer reads it by the type it expects).
    case kBool:
      return std::int64_t{text == "t" ? 1 : 0};
    default:
      return std::string(text);
  }
}

Result<Cursor> Cursor::Declare(Connection& conn, std::string name, std::string_view sql) {
  STARLING_RETURN_IF_ERROR(
      conn.Exec("DECLARE " + name + " NO SCROLL CURSOR FOR " + std::string(sql)));
  Cursor c;
  c.conn_ = &conn;
  c.name_ = std::move(name);
  return c;
}

Result<bool> Cursor::Next() {
  if (++row_ < rows_) return true;
  if (done_) return false;
  STARLING_ASSIGN_OR_RETURN(batch_, conn_->Query("FETCH FORWARD 2000 FROM " + name_));
  rows_ = PQntuples(batch_.get());
  row_ = 0;
  done_ = rows_ < 2000;
  return rows_ > 0;
}

Result<std::string> FormatTimestamptz(std::int64_t micros) {
  STARLING_ASSIGN_OR_RETURN(std::string t, server::FormatSqlTime(micros, 1, 9999, "PostgreSQL"));
  return t + "+00";
}

std::string Quote(std::string_view identifier) {
  std::string q = "\"";
  for (char c : identifier) {
    if (c == '"') q += '"';
    q += c;
  }
  return q + "\"";
}

}  // namespace starling::sink::postgres
