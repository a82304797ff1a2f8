// File: source/provider/retry.cc
#include "source/provider/retry.h"

#include <algorithm>
#include <charconv>

namespace starling::source::provider {
namespace {

microseconds Doubling(microseconds first, microseconds max, int attempt) {
  microseconds wait = first;
  for (int i = 1; i < attempt && wait < max; ++i) wait *= 2;
  return std::min(wait, max);
}

}  // namespace

std::string_view FailureName(Failure f) {
  switch (f) {
    case Failure::kNetwork:
      return "network";
    case Failure::kHttp:
      return "http";
    case Failure::kRateLimit:
      return "rate-limit";
  }
  return "?";
}

microseconds Backoff::Next(Failure f) {
  switch (f) {
    case Failure::kNetwork: {
      ++network_;
      const microseconds wait = policy_.network_step * (network_ - 1);
      return std::min(wait, policy_.network_max);
    }
    case Failure::kHttp:
      return Doubling(policy_.http_first, policy_.http_max, ++http_);
    case Failure::kRateLimit:
      return Doubling(policy_.rate_first, policy_.rate_max, ++rate_);
  }
  return policy_.http_first;
}

microseconds Backoff::Until(microseconds wait_for) {
  return std::max<microseconds>(wait_for, std::chrono::seconds(1));
}

std::vector<spec::ParamDecl> RetryParams() {
  using spec::ParamType;
  return {
      {"retry_network_step", ParamType::kDuration,
       "after a network error or stall: reconnect at once, then this much longer per attempt "
       "(default 250ms)"},
      {"retry_network_max", ParamType::kDuration, "the longest such wait (default 16s)"},
      {"retry_http_first", ParamType::kDuration,
       "after an HTTP error: the first wait, doubling each attempt (default 5s)"},
      {"retry_http_max", ParamType::kDuration, "the longest such wait (default 320s)"},
      {"retry_rate_first", ParamType::kDuration,
       "after a rate limit that gives no reset time: the first wait, doubling (default 60s)"},
      {"retry_rate_max", ParamType::kDuration, "the longest such wait (default 16m)"},
  };
}

spec::ParamDecl CaFileParam() {
  return {"ca_file", spec::ParamType::kString,
          "a PEM file of CA certificates to trust instead of the system's (a private CA)"};
}

Result<RetryPolicy> RetryPolicyFrom(const spec::Params& p) {
  RetryPolicy r;
  r.network_step = p.Duration("retry_network_step", r.network_step);
  r.network_max = p.Duration("retry_network_max", r.network_max);
  r.http_first = p.Duration("retry_http_first", r.http_first);
  r.http_max = p.Duration("retry_http_max", r.http_max);
  r.rate_first = p.Duration("retry_rate_first", r.rate_first);
  r.rate_max = p.Duration("retry_rate_max", r.rate_max);
  auto check = [](microseconds first, microseconds max, std::string_view name) -> Status {
    if (first.count() < 0 || max.count() < 0 || max < first) {
      return InvalidArgument("retry_" + std::string(name) +
                             "_max must be at least its first step, and neither negative");
    }
    return Status::Ok();
  };
  STARLING_RETURN_IF_ERROR(check(r.network_step, r.network_max, "network"));
  STARLING_RETURN_IF_ERROR(check(r.http_first, r.http_max, "http"));
  STARLING_RETURN_IF_ERROR(check(r.rate_first, r.rate_max, "rate"));
  return r;
}

std::optional<std::int64_t> ParseUnixSeconds(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  std::int64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || v < 0) return std::nullopt;
  return v;
}

std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view text) {
  auto v = ParseUnixSeconds(text);
  if (!v) return std::nullopt;
  return std::chrono::seconds(*v);
}

}  // namespace starling::source::provider
