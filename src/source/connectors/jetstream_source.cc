// File: source/connectors/jetstream_source.cc
// Bluesky's Jetstream over WebSocket: bluesky:jetstream?collections=...&dids=...
// Its cursor is the time_us of the last event delivered, kept in
// checkpoints; a reconnect or a resume asks again from a few seconds before
// it, and drops what it had by (did, commit rev, collection, rkey).
#include <charconv>

#include "common/duration.h"
#include "common/log.h"
#include "source/provider/jetstream_api.h"
#include "source/provider/record_slot.h"
#include "source/provider/retry.h"
#include "source/provider/seen_ids.h"
#include "source/provider/streaming.h"
#include "source/provider/websocket_client.h"
#include "source/registry.h"

namespace starling::source {
namespace {

using provider::microseconds;
using provider::PositionToken;

constexpr std::string_view kDefaultBase = "wss://jetstream2.us-east.bsky.network";
// The most keys a checkpoint keeps: the rewind's worth at a busy firehose.
constexpr std::size_t kSavedKeys = 200000;

class JetstreamSource final : public RecordSource {
 public:
  struct Config {
    std::string origin;
    std::string url;                // .../subscribe?wantedCollections=...; the cursor is added
    std::int64_t start_cursor = 0;  // cursor=: where a fresh start begins (0: now)
    microseconds rewind = std::chrono::seconds(5);
    microseconds stall_timeout = std::chrono::seconds(30);
    provider::RetryPolicy retry;
    Clock* clock = nullptr;
    std::string ca_file;
  };
  explicit JetstreamSource(Config c) : c_(std::move(c)), backoff_(c_.retry), health_(c_.origin) {}

  std::string Describe() const override { return c_.origin; }
  std::optional<SourceHealth> Health() const override { return health_.Get(); }
  // Messages already here: the engine may fill its chunk with them.
  bool WouldWait() override { return client_ == nullptr || client_->queued() == 0; }

  std::string Position() const override {
    return PositionToken("jetstream")
        .Add("cursor", cursor_ > 0 ? std::to_string(cursor_) : std::string())
        .Add("upto", std::to_string(seen_.inserted()))  // keys written in by SealPosition
        .str();
  }
  // Every key a resume can be sent again: those of the rewind before the
  // cursor (however many: at firehose rates thousands a second).
  std::string SealPosition(std::string_view position) const override {
    std::int64_t cursor = 0;
    auto text = PositionToken::Get(position, "jetstream", "cursor");
    if (text.ok() && !text->empty()) {
      std::from_chars(text->data(), text->data() + text->size(), cursor);
    }
    return PositionToken::Seal(position, seen_, kSavedKeys,
                               cursor > 0 ? cursor - c_.rewind.count() : 0);
  }
  Result<bool> Seek(std::string_view p) override {
    STARLING_ASSIGN_OR_RETURN(std::string cursor, PositionToken::Get(p, "jetstream", "cursor"));
    STARLING_ASSIGN_OR_RETURN(std::string keys, PositionToken::Get(p, "jetstream", "ids"));
    cursor_ = 0;
    if (!cursor.empty() &&
        std::from_chars(cursor.data(), cursor.data() + cursor.size(), cursor_).ec != std::errc()) {
      return MalformedInput("jetstream: a cursor that is not a number in the checkpoint");
    }
    seen_.Load(keys, cursor_);  // kept by later checkpoints for one more rewind
    return true;
  }

  Result<bool> Next(Record* out) override {
    if (stopped_) return *stopped_;
    Clock& clock = *c_.clock;
    bool waited = false;
    for (;;) {
      if (client_ == nullptr) {
        if (waiting_) {
          const auto now = clock.Steady();
          if (now < retry_at_) {
            clock.SleepUntil(std::min(retry_at_, now + kIdleWait));
            if (clock.Steady() < retry_at_) return TryAgain("waiting to reconnect");
          }
          waiting_ = false;
          health_.Update([](SourceHealth& h) {
            ++h.reconnects;
            h.backoff.clear();
            h.backoff_until_us = 0;
          });
        }
        provider::WebSocketClient::Options o;
        o.url = c_.url;
        // After an event: a few seconds back from it, so nothing between it
        // and the cut is missed (what comes twice is dropped by its key).
        const std::int64_t from = cursor_ > 0 ? cursor_ - c_.rewind.count() : c_.start_cursor;
        if (from > 0) {
          o.url += (o.url.find('?') == std::string::npos ? "?" : "&") + std::string("cursor=") +
                   std::to_string(from);
        }
        o.idle_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(c_.stall_timeout);
        o.ca_file = c_.ca_file;
        STARLING_ASSIGN_OR_RETURN(client_, provider::WebSocketClient::Start(o));
        healthy_ = false;
        health_.Update([](SourceHealth& h) { ++h.requests; });
        was_open_ = false;
      }
      // One wait per call: after a duplicate only what is already here is
      // taken, or a steady trickle of duplicates would never let the caller go.
      auto msg = client_->Read(waited ? std::chrono::milliseconds(0) : kIdleWait);
      waited = true;
      if (client_->open() && !was_open_) {
        was_open_ = true;
        health_.Update([](SourceHealth& h) {
          h.connected = true;
          ++h.connects;
        });
      }
      if (!msg.ok()) {
        const int status = client_->http_status();
        provider::Failure f = provider::Failure::kNetwork;
        if (status == 429) {
          f = provider::Failure::kRateLimit;
        } else if (status >= 400 && status < 500 && status != 408) {
          // A bad request (an unknown collection, a bad cursor) does not heal.
          return Stop(InvalidArgument(c_.origin + ": " + msg.status().message()));
        } else if (status > 0) {
          f = provider::Failure::kHttp;
        }
        std::string why = client_->timed_out()
                              ? "no frame for " + FormatDuration(c_.stall_timeout) + " (stall)"
                              : msg.status().message();
        Fail(f, std::move(why));
        return TryAgain("reconnecting");
      }
      if (!msg->has_value()) return TryAgain("waiting for the stream");
      if (!healthy_) {
        healthy_ = true;  // a server that opens and hangs up at once backs off
        backoff_.Reset();
      }
      std::string& m = **msg;
      health_.Update([&](SourceHealth& h) { h.bytes += m.size(); });
      const provider::jetstream::EventKey key = provider::jetstream::KeyOf(m);
      if (!key.key.empty() && !seen_.Insert(key.key, key.time_us)) {
        health_.Update([](SourceHealth& h) { ++h.duplicates; });
        continue;
      }
      if (key.time_us > cursor_) cursor_ = key.time_us;
      slot_.Hand(std::move(m), c_.origin, ++records_, static_cast<std::uint64_t>(key.time_us), out);
      return true;
    }
  }

 private:
  Status Stop(Status st) {
    client_.reset();
    health_.Error(st.message());
    stopped_ = st;
    return st;
  }

  void Fail(provider::Failure f, std::string why) {
    client_.reset();
    const microseconds wait = backoff_.Next(f);
    retry_at_ = c_.clock->Steady() + wait;
    waiting_ = true;
    log::Warn("{}: {}; reconnecting in {}", c_.origin, why,
              FormatDuration(std::chrono::ceil<std::chrono::milliseconds>(wait)));
    health_.Error(std::move(why));
    health_.Wait(provider::FailureName(f), wait,
                 c_.clock->Now().time_since_epoch().count() + wait.count());
  }

  Config c_;
  provider::Backoff backoff_;
  provider::HealthBox health_;
  std::unique_ptr<provider::WebSocketClient> client_;
  bool was_open_ = false;
  bool healthy_ = false;
  bool waiting_ = false;
  std::optional<Status> stopped_;
  std::chrono::steady_clock::time_point retry_at_{};
  std::int64_t cursor_ = 0;
  provider::SeenIds seen_{kSavedKeys};
  provider::RecordSlot slot_;
  std::uint64_t records_ = 0;
};

}  // namespace

SourceKind JetstreamSourceKind() {
  SourceKind k;
  std::vector<spec::ParamDecl> params = {
      {"api_base", spec::ParamType::kString,
       "the Jetstream server (default wss://jetstream2.us-east.bsky.network)"},
      {"collections", spec::ParamType::kList,
       "the record collections wanted, e.g. app.bsky.feed.post (default: all)"},
      {"dids", spec::ParamType::kList, "only these accounts' events (DIDs)"},
      {"cursor", spec::ParamType::kInt,
       "start at this time_us (Unix microseconds) instead of now, within the server's hours"},
      {"rewind", spec::ParamType::kDuration,
       "on a reconnect or resume, ask from this long before the last event (default 5s)"},
      {"stall_timeout", spec::ParamType::kDuration,
       "reconnect when no frame, not even a pong to a ping, came for this long (default 30s)"},
  };
  for (spec::ParamDecl& d : provider::RetryParams()) params.push_back(d);
  params.push_back(provider::CaFileParam());
  k.info = {.scheme = "bluesky",
            .usage = "bluesky:jetstream?collections=app.bsky.feed.post[&dids=...]",
            .help = "Bluesky's Jetstream over WebSocket, resumed by its time_us cursor",
            .params = std::move(params)};
  k.caps = {.live = true, .seekable = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const SourceOptions& options) -> Result<std::unique_ptr<RecordSource>> {
    if (s.url || s.path != "jetstream") {
      return InvalidArgument("bluesky source: bluesky:jetstream?collections=..., got '" +
                             s.redacted + "'");
    }
    JetstreamSource::Config c;
    c.origin = s.redacted;
    std::string base = p.String("api_base", std::string(kDefaultBase));
    while (!base.empty() && base.back() == '/') base.pop_back();
    if (!base.starts_with("ws://") && !base.starts_with("wss://")) {
      return InvalidArgument("bluesky: api_base is ws://... or wss://..., got '" + base + "'");
    }
    std::string query;
    for (const std::string& col : p.List("collections")) {
      query += (query.empty() ? "?" : "&") + std::string("wantedCollections=") + UrlEncode(col);
    }
    for (const std::string& did : p.List("dids")) {
      query += (query.empty() ? "?" : "&") + std::string("wantedDids=") + UrlEncode(did);
    }
    c.url = base + "/subscribe" + query;
    c.rewind = p.Duration("rewind", std::chrono::seconds(5));
    c.stall_timeout = p.Duration("stall_timeout", std::chrono::seconds(30));
    if (c.stall_timeout.count() <= 0 || c.rewind.count() < 0) {
      return InvalidArgument("bluesky: stall_timeout must be positive and rewind not negative");
    }
    STARLING_ASSIGN_OR_RETURN(c.retry, provider::RetryPolicyFrom(p));
    c.ca_file = p.String("ca_file");
    c.clock = options.clock;
    c.start_cursor = p.Int("cursor", 0);
    return std::unique_ptr<RecordSource>(std::make_unique<JetstreamSource>(std::move(c)));
  };
  return k;
}

}  // namespace starling::source
