// File: source/provider/streaming.cc
#include "source/provider/streaming.h"

#include <algorithm>

#include "common/duration.h"
#include "common/log.h"

namespace starling::source::provider {
namespace {

constexpr std::size_t kMaxErrorBody = 64u << 10;

std::int64_t NowUs(Clock& clock) { return clock.Now().time_since_epoch().count(); }

// A wait as the log shows it: whole milliseconds ("1410ms", "5s").
std::string ShowWait(microseconds w) {
  return FormatDuration(std::chrono::ceil<std::chrono::milliseconds>(w));
}

}  // namespace

void HealthBox::Wait(std::string_view why, microseconds wait, std::int64_t until_us) {
  std::lock_guard lock(mu_);
  h_.backoff = std::string(why) + " " + ShowWait(wait);
  h_.backoff_until_us = until_us;
  h_.waits_us.push_back(wait.count());
  if (h_.waits_us.size() > 32) h_.waits_us.erase(h_.waits_us.begin());
}

void HealthBox::Error(std::string message) {
  std::lock_guard lock(mu_);
  h_.last_error = std::move(message);
  h_.connected = false;
}

std::string BodyExcerpt(std::string_view body) {
  std::string out;
  for (char c : body.substr(0, 300)) out.push_back(c == '\n' || c == '\r' ? ' ' : c);
  if (body.size() > 300) out += "...";
  return out;
}

Status CredentialRefused(const ProviderIdentity& who, long status, std::string_view body) {
  std::string m =
      who.origin + ": the API refused the request (HTTP " + std::to_string(status) + ")";
  if (!body.empty()) m += ": " + BodyExcerpt(body);
  if (!who.credential.empty()) {
    m += status == 403 ? "; check that " + who.credential +
                             " is valid and that its app or account may use this endpoint"
                       : "; set " + who.credential + " to a valid token (environment, or " +
                             "`starling configure " + who.credential + "`)";
  }
  return InvalidArgument(std::move(m));
}

StreamingSource::StreamingSource(Options options)
    : options_(std::move(options)), backoff_(options_.retry), health_(options_.who.origin) {}

StreamingSource::~StreamingSource() = default;

Result<microseconds> StreamingSource::DefaultRefusal(const Refusal& r) {
  if (r.status == 401 || r.status == 403) {
    return CredentialRefused(options_.who, r.status, r.body);
  }
  if (r.status >= 300 && r.status < 400) {
    // Not followed: the token would go with it to wherever it points.
    const std::string* to = r.headers->Find("location");
    return InvalidArgument(options_.who.origin + ": the server sent the stream elsewhere (HTTP " +
                           std::to_string(r.status) + (to ? " to " + *to : std::string()) +
                           "); point the spec there (Mastodon: streaming=https://HOST)");
  }
  if (r.status == 429) {
    if (const std::string* reset = r.headers->Find(options_.who.reset_header)) {
      if (auto at = ParseUnixSeconds(*reset)) {
        const auto wait = std::chrono::seconds(*at) - clock().Now().time_since_epoch();
        return backoff_.Until(std::chrono::duration_cast<microseconds>(wait));
      }
    }
    return backoff_.Next(Failure::kRateLimit);
  }
  return backoff_.Next(Failure::kHttp);
}

void StreamingSource::Drop() {
  if (stream_ != nullptr) OnDisconnect();
  if (consumed_ < buffer_.size()) {
    health_.Update([](SourceHealth& h) { ++h.cut; });
  }
  stream_.reset();
  buffer_.clear();
  consumed_ = 0;
  error_body_.clear();
  health_.Update([](SourceHealth& h) { h.connected = false; });
}

void StreamingSource::Fail(Failure f, std::string reason, std::optional<microseconds> wait) {
  Drop();
  const microseconds w = wait ? *wait : backoff_.Next(f);
  retry_at_ = clock().Steady() + w;
  waiting_ = true;
  log::Warn("{}: {}; reconnecting in {}", options_.who.origin, reason, ShowWait(w));
  health_.Error(reason);
  health_.Wait(FailureName(f), w, NowUs(clock()) + w.count());
}

void StreamingSource::ReconnectNow(std::string reason) {
  reconnect_now_ = true;
  reconnect_reason_ = std::move(reason);
}

bool StreamingSource::WouldWait() {
  if (stopped_) return false;
  // A whole record may be buffered: only the subclass can tell cheaply, so
  // say "would wait" only when nothing at all is buffered.
  return consumed_ >= buffer_.size();
}

Result<bool> StreamingSource::Next(Record* out) {
  for (;;) {
    if (stream_ != nullptr || consumed_ < buffer_.size()) {
      STARLING_ASSIGN_OR_RETURN(bool got, TakeRecord(out));
      if (got) return true;
    }
    if (reconnect_now_) {
      reconnect_now_ = false;
      Drop();
      backoff_.Reset();
      retry_at_ = clock().Steady();
      waiting_ = true;
      log::Info("{}: {}; reconnecting", options_.who.origin, reconnect_reason_);
      health_.Wait("reconnect", microseconds(0), NowUs(clock()));
    }
    if (stopped_) return *stopped_;
    const auto now = clock().Steady();
    if (stream_ == nullptr) {
      if (waiting_ && now < retry_at_) {
        clock().SleepUntil(std::min(retry_at_, now + kIdleWait));
        if (clock().Steady() < retry_at_) return TryAgain("waiting to reconnect");
      }
      if (waiting_) health_.Update([](SourceHealth& h) { ++h.reconnects; });
      waiting_ = false;
      health_.Update([](SourceHealth& h) {
        h.backoff.clear();
        h.backoff_until_us = 0;
      });
      STARLING_ASSIGN_OR_RETURN(HttpRequest request, MakeRequest());
      if (request.ca_file.empty()) request.ca_file = options_.ca_file;
      auto opened = HttpStream::Open(request);
      if (!opened.ok()) {
        if (opened.status().code() == StatusCode::kInvalidArgument) return opened.status();
        Fail(Failure::kNetwork, opened.status().message());
        return TryAgain("reconnecting");
      }
      stream_ = std::move(*opened);
      last_byte_ = clock().Steady();
      health_.Update([](SourceHealth& h) { ++h.requests; });
    }
    const bool had_headers = stream_->headers_done();
    std::string chunk;
    stream_->Read(&chunk, kIdleWait);
    const auto after = clock().Steady();
    if (stream_->headers_done() && !had_headers) {
      const long status = stream_->status();
      if (!options_.who.remaining_header.empty()) {
        if (const std::string* rem = stream_->headers().Find(options_.who.remaining_header)) {
          if (auto v = ParseUnixSeconds(*rem)) {
            health_.Update([&](SourceHealth& h) { h.rate_limit_remaining = *v; });
          }
        }
      }
      if (status >= 200 && status < 300) {
        healthy_ = false;  // the backoff starts over once the body flows
        health_.Update([](SourceHealth& h) {
          h.connected = true;
          ++h.connects;
        });
        Status st = OnConnected();
        if (st.code() == StatusCode::kInvalidArgument || st.code() == StatusCode::kNotFound) {
          Drop();
          health_.Error(st.message());
          stopped_ = st;
          return st;
        }
        if (!st.ok()) {
          Fail(Failure::kNetwork, st.message());
          return TryAgain("reconnecting");
        }
      }
    }
    const bool refused =
        stream_->headers_done() && (stream_->status() < 200 || stream_->status() >= 300);
    if (refused) {
      if (error_body_.size() < kMaxErrorBody)
        error_body_.append(chunk, 0, kMaxErrorBody - error_body_.size());
      // Read the (short) error body to its end, or for one stall timeout.
      if (!stream_->ended() && after - last_byte_ < options_.stall_timeout) {
        if (!chunk.empty()) last_byte_ = after;
        return TryAgain("reading a refusal");
      }
      const long status = stream_->status();
      const std::string body = error_body_;
      const HttpHeaders headers = stream_->headers();
      Refusal r{status, &headers, body};
      auto wait = OnRefused(r);
      if (!wait.ok()) {
        Drop();
        health_.Error(wait.status().message());
        stopped_ = wait.status();
        return *stopped_;
      }
      const Failure f = status == 429 ? Failure::kRateLimit : Failure::kHttp;
      Fail(f, "HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + BodyExcerpt(body)),
           *wait);
      return TryAgain("reconnecting");
    }
    if (!chunk.empty()) {
      if (!healthy_) {
        // A server that answers 200 and hangs up at once would otherwise be
        // asked again at once, forever: the count starts over only now.
        healthy_ = true;
        backoff_.Reset();
      }
      last_byte_ = after;
      health_.Update([&](SourceHealth& h) { h.bytes += chunk.size(); });
      if (consumed_ > 0 && consumed_ * 2 > buffer_.size()) {
        buffer_.erase(0, consumed_);
        consumed_ = 0;
      }
      buffer_ += chunk;
      // One read per call: bytes that make no record (keep-alives) give the
      // caller its turn, or a steady trickle of them would never let it go.
      STARLING_ASSIGN_OR_RETURN(bool got, TakeRecord(out));
      if (got) return true;
      if (reconnect_now_) continue;
      return TryAgain("waiting for the stream");
    }
    if (stream_->ended()) {
      const Status& end = *stream_->ended();
      Fail(Failure::kNetwork, end.ok() ? "the server ended the stream" : end.message());
      return TryAgain("reconnecting");
    }
    if (after - last_byte_ >= options_.stall_timeout) {
      Fail(Failure::kNetwork, std::string(stream_->headers_done() ? "no byte" : "no answer") +
                                  " for " + FormatDuration(options_.stall_timeout) + " (stall)");
      return TryAgain("reconnecting");
    }
    return TryAgain("waiting for the stream");
  }
}

}  // namespace starling::source::provider
