// File: sink/mysql/connection.cc
#include "sink/mysql/connection.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>

namespace starling::sink::mysql {
namespace {

bool Transient(unsigned code) {
  switch (code) {
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_LOST_EXTENDED:
    case ER_LOCK_DEADLOCK:
    case ER_LOCK_WAIT_TIMEOUT:
    case ER_SERVER_SHUTDOWN:
    case ER_CON_COUNT_ERROR:
    case ER_QUERY_INTERRUPTED:  // 1317: a server restart, KILL QUERY
    case 1927:                  // ER_CONNECTION_KILLED
      return true;
    default:
      return false;
  }
}

Value CellOf(const MYSQL_FIELD& f, const char* v, unsigned long length) {
  if (v == nullptr) return {};
  const std::string_view text(v, length);
  switch (f.type) {
    case MYSQL_TYPE_TINY:
    case MYSQL_TYPE_SHORT:
    case MYSQL_TYPE_LONG:
    case MYSQL_TYPE_INT24:
    case MYSQL_TYPE_LONGLONG:
    case MYSQL_TYPE_YEAR: {
      std::int64_t x = 0;
      const auto [p, ec] = std::from_chars(text.data(), text.data() + text.size(), x);
      if (ec == std::errc() && p == text.data() + text.size()) return x;
      // BIGINT UNSIGNED above INT64_MAX: as a real.
      return std::strtod(std::string(text).c_str(), nullptr);
    }
    case MYSQL_TYPE_FLOAT:
    case MYSQL_TYPE_DOUBLE:
      return std::strtod(std::string(text).c_str(), nullptr);
    // DECIMAL stays text: a sum past 64 bits must not become a rounded real
    // (the query layer reads it by the type it expects).
    default:
      return std::string(text);
  }
}

// The file LOAD DATA LOCAL reads: `data`, handed over in pieces.
struct Infile {
  std::string_view data;
  std::size_t at = 0;
};

// Only LoadData's own file, named "starling", while LoadData runs: a
// server that asks for any other file (or at any other time: userdata is
// null then) is refused. No file of the client's is ever opened.
int InfileInit(void** ptr, const char* name, void* userdata) {
  *ptr = userdata;
  if (userdata == nullptr || name == nullptr || std::string_view(name) != "starling") return 1;
  return 0;
}

int InfileRead(void* ptr, char* buf, unsigned int size) {
  auto* f = static_cast<Infile*>(ptr);
  if (f == nullptr) return -1;
  const std::size_t n = std::min<std::size_t>(size, f->data.size() - f->at);
  std::memcpy(buf, f->data.data() + f->at, n);
  f->at += n;
  return static_cast<int>(n);
}

void InfileEnd(void* /*ptr*/) {}

int InfileError(void* /*ptr*/, char* message, unsigned int size) {
  std::snprintf(message, size, "reading the in-memory file");
  return 2000;  // CR_UNKNOWN_ERROR
}

}  // namespace

Connection::Connection(Connection&& o) noexcept
    : conn_(std::exchange(o.conn_, nullptr)), display_(std::move(o.display_)) {}

Connection& Connection::operator=(Connection&& o) noexcept {
  if (this != &o) {
    if (conn_ != nullptr) mysql_close(conn_);
    conn_ = std::exchange(o.conn_, nullptr);
    display_ = std::move(o.display_);
  }
  return *this;
}

Connection::~Connection() {
  if (conn_ != nullptr) mysql_close(conn_);
}

Result<Connection> Connection::Open(const server::Address& a,
                                    std::chrono::microseconds connect_timeout) {
  Connection c;
  c.display_ = a.display;
  c.conn_ = mysql_init(nullptr);
  if (c.conn_ == nullptr) return Unavailable("MariaDB " + a.display + ": out of memory");
  const unsigned timeout = static_cast<unsigned>(std::max<long long>(
      1, std::chrono::duration_cast<std::chrono::seconds>(connect_timeout).count()));
  mysql_options(c.conn_, MYSQL_OPT_CONNECT_TIMEOUT, &timeout);
  const unsigned io_timeout = 120;
  mysql_options(c.conn_, MYSQL_OPT_READ_TIMEOUT, &io_timeout);
  mysql_options(c.conn_, MYSQL_OPT_WRITE_TIMEOUT, &io_timeout);
  mysql_options(c.conn_, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  // LOAD DATA LOCAL of the bulk loads, from memory only (LoadData sets the
  // handler: no file of the client's is ever read).
  const unsigned local_infile = 1;
  mysql_options(c.conn_, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  mysql_set_local_infile_handler(c.conn_, InfileInit, InfileRead, InfileEnd, InfileError, nullptr);
  // UTC, strict (refuse what does not fit), byte-wise text.
  mysql_options(c.conn_, MYSQL_INIT_COMMAND,
                "SET time_zone = '+00:00', sql_mode = 'STRICT_ALL_TABLES,NO_ENGINE_SUBSTITUTION,"
                "ONLY_FULL_GROUP_BY', collation_connection = 'utf8mb4_nopad_bin'");
  if (mysql_real_connect(c.conn_, a.host.c_str(), a.user.empty() ? nullptr : a.user.c_str(),
                         a.password ? a.password->c_str() : nullptr, a.database.c_str(),
                         static_cast<unsigned>(a.port), nullptr, 0) == nullptr) {
    const unsigned code = mysql_errno(c.conn_);
    const std::string text = "MariaDB " + a.display + ": " + mysql_error(c.conn_);
    if (Transient(code)) return Unavailable(text);
    return InvalidArgument(text + (code == ER_ACCESS_DENIED_ERROR && !a.password
                                       ? " (set MYSQL_PASSWORD, or run `starling configure`)"
                                       : ""));
  }
  return c;
}

Status Connection::Failure(std::string_view what) {
  const unsigned code = conn_ == nullptr ? CR_SERVER_GONE_ERROR : mysql_errno(conn_);
  const std::string text = "MariaDB " + display_ + ": " + std::string(what) + ": " +
                           (conn_ == nullptr ? "not connected" : mysql_error(conn_));
  if (Transient(code)) return Unavailable(text);
  return InvalidArgument(text);
}

Status Connection::Exec(std::string_view sql) {
  if (conn_ == nullptr) return Failure("statement");
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) {
    return Failure(sql.substr(0, std::min<std::size_t>(sql.find_first_of(" \n("), 40)));
  }
  // A statement that returned rows after all: drop them.
  MyResult r(mysql_store_result(conn_));
  return Status::Ok();
}

Result<Rows> Connection::Query(std::string_view sql) {
  Rows out;
  STARLING_RETURN_IF_ERROR(Stream(
      sql,
      [&](std::vector<std::string> columns) {
        out.columns = std::move(columns);
        return Status::Ok();
      },
      [&](std::span<const Value> row) {
        out.rows.emplace_back(row.begin(), row.end());
        return Status::Ok();
      }));
  return out;
}

Status Connection::Stream(std::string_view sql,
                          const std::function<Status(std::vector<std::string>)>& on_columns,
                          const std::function<Status(std::span<const Value>)>& on_row) {
  if (conn_ == nullptr) return Failure("query");
  if (mysql_real_query(conn_, sql.data(), sql.size()) != 0) return Failure("query");
  MyResult r(mysql_use_result(conn_));
  if (!r) {
    if (mysql_field_count(conn_) == 0) return on_columns({});
    return Failure("query");
  }
  const unsigned n = mysql_num_fields(r.get());
  const MYSQL_FIELD* fields = mysql_fetch_fields(r.get());
  std::vector<std::string> names;
  for (unsigned i = 0; i < n; ++i) names.emplace_back(fields[i].name);
  Status st = on_columns(std::move(names));
  std::vector<Value> row;
  while (MYSQL_ROW values = mysql_fetch_row(r.get())) {
    if (!st.ok()) continue;  // the rest must be read before the next statement
    const unsigned long* lengths = mysql_fetch_lengths(r.get());
    row.clear();
    for (unsigned i = 0; i < n; ++i) row.push_back(CellOf(fields[i], values[i], lengths[i]));
    st = on_row(row);
  }
  if (st.ok() && mysql_errno(conn_) != 0) return Failure("reading an answer");
  return st;
}

Status Connection::LoadData(std::string_view load_sql, std::string_view data) {
  if (conn_ == nullptr) return Failure("LOAD DATA");
  Infile file{data, 0};
  mysql_set_local_infile_handler(conn_, InfileInit, InfileRead, InfileEnd, InfileError, &file);
  const int rc = mysql_real_query(conn_, load_sql.data(), load_sql.size());
  // Back to refusing every request (never libmariadb's default, which opens
  // the file a server names).
  mysql_set_local_infile_handler(conn_, InfileInit, InfileRead, InfileEnd, InfileError, nullptr);
  if (rc != 0) {
    const unsigned code = mysql_errno(conn_);
    // MariaDB's and MySQL 8's server refusals (3948: local_infile=OFF),
    // and the client's own (2068).
    if (code == ER_NOT_ALLOWED_COMMAND || code == ER_LOAD_INFILE_CAPABILITY_DISABLED ||
        code == 3948 || code == 2068) {
      return Unsupported("MariaDB " + display_ +
                         ": LOAD DATA LOCAL is not allowed: " + mysql_error(conn_));
    }
    return Failure("LOAD DATA");
  }
  if (mysql_warning_count(conn_) > 0) {
    std::string first = "a value did not fit";
    (void)Stream(
        "SHOW WARNINGS LIMIT 1", [](std::vector<std::string>) { return Status::Ok(); },
        [&](std::span<const Value> row) {
          if (row.size() >= 3) {
            if (const auto* m = std::get_if<std::string>(&row[2])) first = *m;
          }
          return Status::Ok();
        });
    return InvalidArgument("MariaDB " + display_ + ": LOAD DATA: " + first);
  }
  return Status::Ok();
}

void Connection::AppendLiteral(std::string* out, std::string_view text) {
  const std::size_t at = out->size();
  out->resize(at + text.size() * 2 + 3);
  (*out)[at] = '\'';
  const unsigned long n =
      mysql_real_escape_string(conn_, out->data() + at + 1, text.data(), text.size());
  (*out)[at + 1 + n] = '\'';
  out->resize(at + n + 2);
}

std::string Quote(std::string_view identifier) {
  std::string q = "`";
  for (char c : identifier) {
    if (c == '`') q += '`';
    q += c;
  }
  return q + "`";
}

}  // namespace starling::sink::mysql
