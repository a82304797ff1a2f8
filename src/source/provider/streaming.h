// File: source/provider/streaming.h
// The part every long-lived HTTP stream shares (the X streams, Mastodon's
// server-sent events): connect, check the answer, read bytes, notice a stall,
// and reconnect after the wait its failure earns (retry.h), on the injected
// Clock. A subclass says what to ask for and how its bytes become records.
#pragma once

#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "common/clock.h"
#include "source/http_client.h"
#include "source/provider/retry.h"
#include "source/record_source.h"

namespace starling::source::provider {

// The health of a provider source, shared with the threads that read it.
class HealthBox {
 public:
  explicit HealthBox(std::string source) { h_.source = std::move(source); }
  template <typename F>
  void Update(F&& f) {
    std::lock_guard lock(mu_);
    f(h_);
  }
  SourceHealth Get() const {
    std::lock_guard lock(mu_);
    return h_;
  }
  // Records a wait before an attempt (the last 32 are kept).
  void Wait(std::string_view why, microseconds wait, std::int64_t until_us);
  void Error(std::string message);

 private:
  mutable std::mutex mu_;
  SourceHealth h_;
};

// What the status of an answer means for a provider source: 401/403 stop it
// (a clear message naming the credential), 429 is a rate limit (its wait from
// `reset_header`, Unix seconds, when present), any other non-2xx an HTTP
// error. Returns the wait, or the error that stops the source.
struct Refusal {
  long status = 0;
  const HttpHeaders* headers = nullptr;
  std::string_view body;
};
struct ProviderIdentity {
  std::string origin;            // the redacted spec, for messages
  std::string credential;        // "X_BEARER_TOKEN"; empty: none needed
  std::string reset_header;      // "x-rate-limit-reset"
  std::string remaining_header;  // "x-rate-limit-remaining"
};
Status CredentialRefused(const ProviderIdentity& who, long status, std::string_view body);
// A short excerpt of an error body for a message (never a header).
std::string BodyExcerpt(std::string_view body);

class StreamingSource : public RecordSource {
 public:
  struct Options {
    ProviderIdentity who;
    RetryPolicy retry;
    microseconds stall_timeout = std::chrono::seconds(30);
    Clock* clock = &RealClock::Instance();
    std::string ca_file;  // trusted instead of the system's CAs when not empty
  };
  explicit StreamingSource(Options options);
  ~StreamingSource() override;

  Result<bool> Next(Record* out) final;
  std::string Describe() const override { return options_.who.origin; }
  bool WouldWait() override;
  std::optional<SourceHealth> Health() const override { return health_.Get(); }

 protected:
  // The request of the next connection.
  virtual Result<HttpRequest> MakeRequest() = 0;
  // A non-2xx answer (its body read, 64 KiB at most): an error stops the
  // source; otherwise the wait before trying again. The default is
  // DefaultRefusal.
  virtual Result<microseconds> OnRefused(const Refusal& r) { return DefaultRefusal(r); }
  Result<microseconds> DefaultRefusal(const Refusal& r);
  // Takes the next record out of buffer() (bytes of the current connection
  // from offset consumed()), copying it to stable storage; false when
  // no whole record is there. May call ReconnectNow().
  virtual Result<bool> TakeRecord(Record* out) = 0;
  // A connection ended: whatever is left in the buffer was cut (the
  // subclass may look at it first). Called before the buffer is cleared.
  virtual void OnDisconnect() {}
  // The connection answered 2xx (before any byte of its body is read). An
  // error stops the source when it is InvalidArgument or NotFound (bad
  // credentials, a missing feed), else counts as a network failure.
  virtual Status OnConnected() { return Status::Ok(); }

  std::string& buffer() { return buffer_; }
  std::size_t& consumed() { return consumed_; }
  // Ends the connection once the records already framed are taken, and
  // reconnects at once (an operational disconnect).
  void ReconnectNow(std::string reason);
  HealthBox& health() { return health_; }
  Clock& clock() { return *options_.clock; }
  const Options& options() const { return options_; }
  Backoff& backoff() { return backoff_; }

 private:
  void Fail(Failure f, std::string reason, std::optional<microseconds> wait = std::nullopt);
  void Drop();

  Options options_;
  Backoff backoff_;
  HealthBox health_;
  std::unique_ptr<HttpStream> stream_;
  std::string buffer_;
  std::size_t consumed_ = 0;
  std::string error_body_;
  std::chrono::steady_clock::time_point retry_at_{};
  std::chrono::steady_clock::time_point last_byte_{};
  bool waiting_ = false;
  bool healthy_ = false;  // this connection's body has flowed
  bool reconnect_now_ = false;
  std::string reconnect_reason_;
  std::optional<Status> stopped_;
};

}  // namespace starling::source::provider
