// File: sink/server/server.cc
#include "sink/server/server.h"

#include <charconv>
#include <cstdio>
#include <thread>

#include "common/credentials.h"
#include "common/duration.h"
#include "common/log.h"

namespace starling::sink::server {

Result<Address> AddressOf(const spec::Spec& spec, int default_port, std::string_view credential,
                          std::string_view default_database) {
  if (spec.hosts.size() != 1) {
    return InvalidArgument("store spec '" + spec.redacted + "' must name one server (host:port), " +
                           "got " + std::to_string(spec.hosts.size()));
  }
  Address a;
  const std::string& hp = spec.hosts.front();
  std::string_view host = hp;
  a.port = default_port;
  // [v6]:port, host:port or host.
  std::string_view port_text;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    if (close == std::string_view::npos) {
      return InvalidArgument("store spec '" + spec.redacted + "': bad host '" + hp + "'");
    }
    if (close + 1 < host.size() && host[close + 1] == ':') port_text = host.substr(close + 2);
    host = host.substr(1, close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    port_text = host.substr(colon + 1);
    host = host.substr(0, colon);
  }
  if (!port_text.empty()) {
    int port = 0;
    const auto [p, ec] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || p != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return InvalidArgument("store spec '" + spec.redacted + "': bad port '" +
                             std::string(port_text) + "' (1-65535)");
    }
    a.port = port;
  }
  if (host.empty()) return InvalidArgument("store spec '" + spec.redacted + "' names no host");
  a.host = std::string(host);
  a.user = spec.user;
  a.database = spec.path;
  while (!a.database.empty() && a.database.front() == '/') a.database.erase(0, 1);
  if (a.database.find('/') != std::string::npos) {
    return InvalidArgument("store spec '" + spec.redacted + "': the database name '" + a.database +
                           "' may not hold '/'");
  }
  if (a.database.empty()) a.database = std::string(default_database);
  if (spec.password) {
    a.password = *spec.password;
  } else {
    auto p = LookupCredential(credential);
    if (p.ok()) {
      a.password = std::move(*p);
    } else if (p.status().code() != StatusCode::kNotFound) {
      return p.status();
    }
  }
  a.display = std::string(spec.scheme) + "://" + (a.user.empty() ? "" : a.user + "@") +
              (a.host.find(':') != std::string::npos ? "[" + a.host + "]" : a.host) + ":" +
              std::to_string(a.port) + "/" + a.database;
  return a;
}

std::vector<spec::ParamDecl> RetryParams() {
  return {
      {"retries", spec::ParamType::kUint,
       "tries again this many times when the server does not answer (default 5)"},
      {"retry_wait", spec::ParamType::kDuration,
       "the first wait before trying again, doubling up to 8s (default 500ms)"},
      {"connect_timeout", spec::ParamType::kDuration,
       "how long a connection may take (default 10s)"},
  };
}

RetryPolicy RetryPolicyOf(const spec::Params& params) {
  RetryPolicy p;
  p.retries = static_cast<int>(std::min<std::uint64_t>(params.Uint("retries", 5), 1000));
  p.first_wait = params.Duration("retry_wait", p.first_wait);
  if (p.first_wait > p.max_wait) p.max_wait = p.first_wait;
  p.connect_timeout = params.Duration("connect_timeout", p.connect_timeout);
  if (p.connect_timeout < std::chrono::seconds(1)) p.connect_timeout = std::chrono::seconds(1);
  return p;
}

bool Retryable(const Status& status) {
  return status.code() == StatusCode::kUnavailable || status.code() == StatusCode::kIoError;
}

Status WithRetries(const RetryPolicy& policy, std::string_view what,
                   const std::function<Status()>& attempt) {
  const auto start = std::chrono::steady_clock::now();
  auto wait = policy.first_wait;
  for (int tries = 1;; ++tries) {
    Status st = attempt();
    if (st.ok() || !Retryable(st)) return st;
    if (tries > policy.retries) {
      const auto spent = std::chrono::duration_cast<std::chrono::microseconds>(
          std::chrono::steady_clock::now() - start);
      return Unavailable(std::string(what) + ": the server did not take it after " +
                         std::to_string(tries) + (tries == 1 ? " try" : " tries") + " over " +
                         FormatDuration(spent) + ": " + st.message());
    }
    log::Warn("{}: {}; trying again in {} ({} of {})", what, st.message(), FormatDuration(wait),
              tries, policy.retries);
    std::this_thread::sleep_for(wait);
    wait = std::min(wait * 2, policy.max_wait);
  }
}

Result<std::string> FormatSqlTime(std::int64_t micros, int min_year, int max_year,
                                  std::string_view engine) {
  // Days and the time of day, flooring for times before 1970.
  std::int64_t days = micros / 86'400'000'000LL;
  std::int64_t rest = micros % 86'400'000'000LL;
  if (rest < 0) {
    rest += 86'400'000'000LL;
    --days;
  }
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t d = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = yoe + era * 400 + (m <= 2 ? 1 : 0);
  if (y < min_year || y > max_year) {
    return InvalidArgument("timestamp " + std::to_string(micros) + " µs is outside the years " +
                           std::string(engine) + " keeps (" + std::to_string(min_year) + " to " +
                           std::to_string(max_year) + ")");
  }
  char buf[40];
  const std::int64_t secs = rest / 1'000'000;
  std::snprintf(buf, sizeof buf, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld.%06lld",
                static_cast<long long>(y), static_cast<long long>(m), static_cast<long long>(d),
                static_cast<long long>(secs / 3600), static_cast<long long>(secs / 60 % 60),
                static_cast<long long>(secs % 60), static_cast<long long>(rest % 1'000'000));
  return std::string(buf);
}

void AppendEscapedText(std::string* out, std::string_view text) {
  std::size_t run = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    const char* esc = c == '\\'   ? "\\\\"
                      : c == '\t' ? "\\t"
                      : c == '\n' ? "\\n"
                      : c == '\r' ? "\\r"
                      : c == '\0' ? "\\0"
                                  : nullptr;
    if (esc == nullptr) continue;
    out->append(text.data() + run, i - run);
    out->append(esc);
    run = i + 1;
  }
  out->append(text.data() + run, text.size() - run);
}

}  // namespace starling::sink::server
