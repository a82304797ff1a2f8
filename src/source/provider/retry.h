// File: source/provider/retry.h
// How long a provider source waits before it tries again, by the kind of
// failure: the X API's reconnect rules, which GitHub, Mastodon, Meetup and
// Jetstream sources follow too. Pure arithmetic; the waiting itself is the
// source's, on the injected Clock.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "common/spec.h"
#include "common/status.h"

namespace starling::source::provider {

using std::chrono::microseconds;

struct RetryPolicy {
  // A network error or a stall: at once, then +step per attempt, linear, up to max.
  microseconds network_step = std::chrono::milliseconds(250);
  microseconds network_max = std::chrono::seconds(16);
  // An HTTP error other than 401/403/429: first, doubling, up to max.
  microseconds http_first = std::chrono::seconds(5);
  microseconds http_max = std::chrono::seconds(320);
  // A rate limit (429, GitHub's secondary limits) that gives no time to
  // wait for: first, doubling, up to max.
  microseconds rate_first = std::chrono::seconds(60);
  microseconds rate_max = std::chrono::minutes(16);
};

enum class Failure { kNetwork, kHttp, kRateLimit };

std::string_view FailureName(Failure f);

// Consecutive failures of each kind, and the wait each one earns.
class Backoff {
 public:
  explicit Backoff(RetryPolicy policy = {}) : policy_(policy) {}
  // The wait before the next attempt after a failure of kind `f` (counted).
  microseconds Next(Failure f);
  // A rate limit that says when it ends: the wait until then (never less
  // than 1 s, so a stale reset time cannot spin). Not counted: a later limit
  // without a time starts its doubling where it was.
  microseconds Until(std::chrono::microseconds wait_for);
  // A success: every count starts over.
  void Reset() { network_ = http_ = rate_ = 0; }
  int attempts() const { return network_ + http_ + rate_; }
  const RetryPolicy& policy() const { return policy_; }

 private:
  RetryPolicy policy_;
  int network_ = 0;
  int http_ = 0;
  int rate_ = 0;
};

// The parameters every provider source takes to change its waits (tests use
// them; the defaults are the providers' rules).
std::vector<spec::ParamDecl> RetryParams();
// The ca_file parameter every provider source takes (a PEM file of CA
// certificates to trust instead of the system's).
spec::ParamDecl CaFileParam();
// The policy a spec's parameters give. InvalidArgument for a negative or
// inverted pair.
Result<RetryPolicy> RetryPolicyFrom(const spec::Params& params);

// Parses a rate-limit reset header: Unix seconds (x-rate-limit-reset,
// x-ratelimit-reset), or nullopt.
std::optional<std::int64_t> ParseUnixSeconds(std::string_view text);
// Parses retry-after as seconds (the HTTP-date form is not used by the
// providers), or nullopt.
std::optional<std::chrono::seconds> ParseRetryAfter(std::string_view text);

}  // namespace starling::source::provider
