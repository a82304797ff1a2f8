// File: source/provider/poller.cc
#include "source/provider/poller.h"

#include "common/duration.h"
#include "common/log.h"

namespace starling::source::provider {

Status Poller::Ready() {
  if (!waiting_) return Status::Ok();
  const auto now = clock_->Steady();
  if (now < retry_at_) {
    clock_->SleepUntil(std::min(retry_at_, now + kIdleWait));
    if (clock_->Steady() < retry_at_) return TryAgain("waiting for the next request");
  }
  waiting_ = false;
  health_.Update([](SourceHealth& h) {
    h.backoff.clear();
    h.backoff_until_us = 0;
  });
  return Status::Ok();
}

void Poller::Wait(std::string_view why, microseconds wait) {
  retry_at_ = clock_->Steady() + wait;
  waiting_ = true;
  health_.Wait(why, wait, NowUs() + wait.count());
}

Result<HttpResponse> Poller::Send(const HttpRequest& request, std::string_view remaining_header) {
  HttpRequest r = request;
  if (r.ca_file.empty()) r.ca_file = ca_file_;
  auto resp = HttpFetch(r);
  health_.Update([](SourceHealth& h) { ++h.requests; });
  if (!resp.ok()) {
    if (resp.status().code() == StatusCode::kInvalidArgument) return resp.status();
    Failed("network", resp.status().message(), backoff_.Next(Failure::kNetwork));
    return TryAgain("retrying after a network failure");
  }
  if (!remaining_header.empty()) {
    if (const std::string* rem = resp->headers.Find(remaining_header)) {
      if (auto v = ParseUnixSeconds(*rem)) {
        health_.Update([&](SourceHealth& h) { h.rate_limit_remaining = *v; });
      }
    }
  }
  return resp;
}

void Poller::Succeeded(std::size_t bytes) {
  backoff_.Reset();
  health_.Update([&](SourceHealth& h) {
    h.connected = true;
    ++h.connects;
    h.bytes += bytes;
  });
}

void Poller::Failed(std::string_view why, const std::string& message, microseconds wait) {
  log::Warn("{}: {}; trying again in {}", health_.Get().source, message,
            FormatDuration(std::chrono::ceil<std::chrono::milliseconds>(wait)));
  health_.Error(message);
  Wait(why, wait);
}

microseconds Poller::UntilUnix(std::int64_t unix_seconds) const {
  return std::chrono::duration_cast<microseconds>(std::chrono::seconds(unix_seconds) -
                                                  clock_->Now().time_since_epoch());
}

}  // namespace starling::source::provider
