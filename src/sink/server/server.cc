// File: sink/server/server.cc
#include "sink/server/server.h"

#include <charconv>
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

}  // namespace starling::sink::server
