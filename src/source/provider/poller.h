// File: source/provider/poller.h
// What every polling provider source shares (X recent search, GitHub events,
// Meetup, Mastodon's REST gap fill): the waits between requests on the
// injected Clock (a poll interval, or the backoff a failure earns), the
// health it reports, and sending one request with a network failure turned
// into a wait.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "source/http_client.h"
#include "source/provider/retry.h"
#include "source/provider/streaming.h"

namespace starling::source::provider {

class Poller {
 public:
  // ca_file: trusted instead of the system's CAs when not empty (every request).
  Poller(std::string origin, RetryPolicy retry, Clock* clock, std::string ca_file = {})
      : backoff_(retry), health_(std::move(origin)), clock_(clock), ca_file_(std::move(ca_file)) {}

  // Ok when a request may go now; TryAgain while a wait is in progress
  // (having slept at most kIdleWait of it, so the caller stays responsive).
  Status Ready();
  bool waiting() const { return waiting_; }
  // Starts a wait of `wait` (why: "poll", "http", "rate-limit"...).
  void Wait(std::string_view why, microseconds wait);
  // Sends a request. A network failure is logged, starts the network
  // backoff and comes back as TryAgain; InvalidArgument (a bad URL) as is.
  // `remaining_header`: the rate-limit header whose value health shows.
  Result<HttpResponse> Send(const HttpRequest& request, std::string_view remaining_header);
  // A 2xx answer: the backoff starts over.
  void Succeeded(std::size_t bytes);
  // A failure answer: logs it, keeps it as the last error and waits `wait`.
  void Failed(std::string_view why, const std::string& message, microseconds wait);

  Backoff& backoff() { return backoff_; }
  HealthBox& health() { return health_; }
  const HealthBox& health() const { return health_; }
  Clock& clock() { return *clock_; }
  // Unix microseconds now.
  std::int64_t NowUs() const { return clock_->Now().time_since_epoch().count(); }
  // The wait until a Unix time in seconds (a rate limit's reset), by this clock.
  microseconds UntilUnix(std::int64_t unix_seconds) const;

 private:
  Backoff backoff_;
  HealthBox health_;
  Clock* clock_;
  std::string ca_file_;
  bool waiting_ = false;
  std::chrono::steady_clock::time_point retry_at_{};
};

}  // namespace starling::source::provider
