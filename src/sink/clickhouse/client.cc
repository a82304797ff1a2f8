// File: sink/clickhouse/client.cc
#include "sink/clickhouse/client.h"

#include <curl/curl.h>

#include <charconv>
#include <mutex>

namespace starling::sink::clickhouse {
namespace {

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// An answer with no byte for this long is a hung server (a long sort sends
// its first block late, hence not shorter).
constexpr long kStallSeconds = 120;
// What of an error answer is kept for the message.
constexpr std::size_t kErrorBytes = 4096;

// ClickHouse's error codes that trying again may cure.
bool TransientCode(int code) {
  switch (code) {
    case 159:  // TIMEOUT_EXCEEDED
    case 202:  // TOO_MANY_SIMULTANEOUS_QUERIES
    case 209:  // SOCKET_TIMEOUT
    case 210:  // NETWORK_ERROR
    case 236:  // ABORTED
    case 242:  // TABLE_IS_READ_ONLY
    case 252:  // TOO_MANY_PARTS
    case 319:  // UNKNOWN_STATUS_OF_INSERT
    case 394:  // QUERY_WAS_CANCELLED (a server shutting down)
      return true;
    default:
      return false;
  }
}

bool AuthCode(int code) { return code == 192 || code == 193 || code == 516; }

// "Code: 62, e.displayText() = DB::Exception: Syntax error..., e.what() =
// DB::Exception" as "Code: 62, DB::Exception: Syntax error...": the code
// and the server's words, once.
std::string CleanError(std::string_view body, int* code) {
  *code = 0;
  std::string s(body);
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  if (s.rfind("Code: ", 0) == 0) {
    std::from_chars(s.data() + 6, s.data() + s.size(), *code);
  }
  for (std::string_view cut : {"e.displayText() = "}) {
    if (const auto at = s.find(cut); at != std::string::npos) s.erase(at, cut.size());
  }
  if (const auto at = s.rfind(", e.what() = "); at != std::string::npos) s.erase(at);
  return s;
}

struct Exchange {
  CURL* curl = nullptr;
  const DataCallback* on_data = nullptr;
  long http = 0;
  Status status = Status::Ok();  // the callback's, when it stopped the answer
  std::string error;             // an error answer's first bytes
};

size_t OnWrite(char* data, size_t size, size_t n, void* user) {
  auto* x = static_cast<Exchange*>(user);
  const std::size_t bytes = size * n;
  if (x->http == 0) curl_easy_getinfo(x->curl, CURLINFO_RESPONSE_CODE, &x->http);
  if (x->http != 200) {
    if (x->error.size() < kErrorBytes) {
      x->error.append(data, std::min(bytes, kErrorBytes - x->error.size()));
    }
    return bytes;
  }
  if (x->on_data == nullptr) return bytes;
  x->status = (*x->on_data)(std::string_view(data, bytes));
  return x->status.ok() ? bytes : 0;  // 0: curl stops with CURLE_WRITE_ERROR
}

std::string Summary(std::string_view sql) {
  std::string s(sql.substr(0, 60));
  for (char& c : s) {
    if (c == '\n' || c == '\t') c = ' ';
  }
  return sql.size() > 60 ? s + "..." : s;
}

}  // namespace

Client::Client(Client&& o) noexcept
    : curl_(std::exchange(o.curl_, nullptr)),
      headers_(std::exchange(o.headers_, nullptr)),
      base_url_(std::move(o.base_url_)),
      display_(std::move(o.display_)),
      hint_password_(o.hint_password_) {}

Client& Client::operator=(Client&& o) noexcept {
  if (this != &o) {
    if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
    if (headers_ != nullptr) curl_slist_free_all(static_cast<curl_slist*>(headers_));
    curl_ = std::exchange(o.curl_, nullptr);
    headers_ = std::exchange(o.headers_, nullptr);
    base_url_ = std::move(o.base_url_);
    display_ = std::move(o.display_);
    hint_password_ = o.hint_password_;
  }
  return *this;
}

Client::~Client() {
  if (curl_ != nullptr) curl_easy_cleanup(static_cast<CURL*>(curl_));
  if (headers_ != nullptr) curl_slist_free_all(static_cast<curl_slist*>(headers_));
  curl_ = nullptr;
  headers_ = nullptr;
}

Result<Client> Client::Open(const server::Address& a, std::chrono::microseconds connect_timeout) {
  GlobalInit();
  Client c;
  c.display_ = a.display;
  c.hint_password_ = !a.password.has_value();
  CURL* h = curl_easy_init();
  if (h == nullptr) return Internal("ClickHouse " + a.display + ": curl_easy_init failed");
  c.curl_ = h;
  const bool v6 = a.host.find(':') != std::string::npos;
  c.base_url_ =
      "http://" + (v6 ? "[" + a.host + "]" : a.host) + ":" + std::to_string(a.port) + "/?database=";
  char* db = curl_easy_escape(h, a.database.data(), static_cast<int>(a.database.size()));
  if (db == nullptr) return Internal("ClickHouse " + a.display + ": out of memory");
  c.base_url_ += db;
  curl_free(db);
  curl_slist* list = nullptr;
  // Headers keep the password out of every URL; "Expect:" stops curl's
  // 100-continue wait before large bodies.
  for (const std::string& line :
       {"X-ClickHouse-User: " + (a.user.empty() ? std::string("default") : a.user),
        "X-ClickHouse-Key: " + a.password.value_or(""), std::string("Expect:")}) {
    curl_slist* next = curl_slist_append(list, line.c_str());
    if (next == nullptr) {
      curl_slist_free_all(list);
      return Internal("ClickHouse " + a.display + ": out of memory");
    }
    list = next;
  }
  c.headers_ = list;
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http");
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(
      h, CURLOPT_CONNECTTIMEOUT_MS,
      static_cast<long>(std::max<long long>(
          1, std::chrono::duration_cast<std::chrono::milliseconds>(connect_timeout).count())));
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_LIMIT, 1L);
  curl_easy_setopt(h, CURLOPT_LOW_SPEED_TIME, kStallSeconds);
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, &OnWrite);
  STARLING_RETURN_IF_ERROR(c.Exec("SELECT 1"));
  return c;
}

Status Client::Post(std::string_view query, std::string_view body, const Settings& settings,
                    const DataCallback& on_data, std::string_view what) {
  if (curl_ == nullptr) return Unavailable("ClickHouse " + display_ + ": not connected");
  CURL* h = static_cast<CURL*>(curl_);
  std::string url = base_url_;
  auto param = [&](std::string_view name, std::string_view value) {
    char* v = curl_easy_escape(h, value.data(), static_cast<int>(value.size()));
    if (v == nullptr) return false;
    url += "&" + std::string(name) + "=" + v;
    curl_free(v);
    return true;
  };
  if (!query.empty() && !param("query", query)) return Internal("ClickHouse: out of memory");
  for (const auto& [name, value] : settings) {
    if (!param(name, value)) return Internal("ClickHouse: out of memory");
  }
  Exchange x;
  x.curl = h;
  x.on_data = on_data ? &on_data : nullptr;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(h, CURLOPT_POST, 1L);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &x);
  const CURLcode rc = curl_easy_perform(h);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (rc == CURLE_WRITE_ERROR && !x.status.ok()) return x.status;
  const std::string head = "ClickHouse " + display_ + ": " + std::string(what) + ": ";
  if (rc != CURLE_OK) {
    // Refused, reset, timed out, cut off: the server is not there now.
    return Unavailable(head + (errbuf[0] != '\0' ? errbuf : curl_easy_strerror(rc)));
  }
  if (x.http == 0) curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &x.http);
  if (x.http == 200) return Status::Ok();
  int code = 0;
  const std::string message = CleanError(x.error, &code);
  const std::string text = head + (message.empty() ? "HTTP " + std::to_string(x.http) : message);
  if (TransientCode(code) || (code == 0 && x.http >= 502 && x.http <= 504)) {
    return Unavailable(text);
  }
  if (AuthCode(code) && hint_password_) {
    return InvalidArgument(text + " (set CLICKHOUSE_PASSWORD, or run `starling configure`)");
  }
  return InvalidArgument(text);
}

Status Client::Exec(std::string_view sql, const Settings& settings) {
  return Post({}, sql, settings, nullptr, Summary(sql));
}

Result<std::string> Client::Fetch(std::string_view sql, const Settings& settings) {
  std::string out;
  STARLING_RETURN_IF_ERROR(Post(
      {}, sql, settings,
      [&](std::string_view data) {
        out.append(data);
        return Status::Ok();
      },
      Summary(sql)));
  return out;
}

Status Client::Lines(std::string_view sql, const Settings& settings,
                     const std::function<Status(std::string_view)>& on_line) {
  std::string carry;  // a line cut between two pieces of the answer
  STARLING_RETURN_IF_ERROR(Post(
      {}, sql, settings,
      [&](std::string_view data) -> Status {
        while (!data.empty()) {
          const auto nl = data.find('\n');
          if (nl == std::string_view::npos) {
            carry.append(data);
            return Status::Ok();
          }
          if (carry.empty()) {
            STARLING_RETURN_IF_ERROR(on_line(data.substr(0, nl)));
          } else {
            carry.append(data.substr(0, nl));
            STARLING_RETURN_IF_ERROR(on_line(carry));
            carry.clear();
          }
          data.remove_prefix(nl + 1);
        }
        return Status::Ok();
      },
      Summary(sql)));
  if (!carry.empty()) return on_line(carry);
  return Status::Ok();
}

Status Client::Insert(std::string_view insert, std::string_view data) {
  return Post(insert, data, {}, nullptr, Summary(insert));
}

Result<Client> ConnectRetrying(const server::Address& address, const server::RetryPolicy& retry) {
  Client c;
  STARLING_RETURN_IF_ERROR(
      server::WithRetries(retry, "connecting to ClickHouse " + address.display, [&]() -> Status {
        STARLING_ASSIGN_OR_RETURN(c, Client::Open(address, retry.connect_timeout));
        return Status::Ok();
      }));
  return c;
}

std::string Quote(std::string_view identifier) {
  std::string q = "`";
  for (char c : identifier) {
    if (c == '`' || c == '\\') q += '\\';
    q += c;
  }
  return q + "`";
}

void AppendLiteral(std::string* out, std::string_view text) {
  out->push_back('\'');
  for (char c : text) {
    switch (c) {
      case '\'':
        out->append("\\'");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\0':
        out->append("\\0");
        break;
      default:
        out->push_back(c);
    }
  }
  out->push_back('\'');
}

}  // namespace starling::sink::clickhouse
