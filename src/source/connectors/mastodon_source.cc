// File: source/connectors/mastodon_source.cc
// Mastodon's streaming API (server-sent events): mastodon:public and
// mastodon:hashtag/TAG on an instance, with MASTODON_TOKEN. The stream cannot
// resume, so after every reconnect (and on --resume) the gap is filled from
// the REST timeline with min_id before the stream's events go on; what was
// already delivered is dropped by id.
#include <algorithm>
#include <deque>

#include "common/credentials.h"
#include "model/post_json.h"
#include "source/provider/json_records.h"
#include "source/provider/record_slot.h"
#include "source/provider/seen_ids.h"
#include "source/provider/sse.h"
#include "source/provider/streaming.h"
#include "source/registry.h"

namespace starling::source {
namespace {

using provider::microseconds;
using provider::PositionToken;

constexpr std::string_view kCredential = "MASTODON_TOKEN";
constexpr std::size_t kSavedIds = 5000;
constexpr int kGapPages = 25;             // 1000 statuses at most per gap
constexpr std::size_t kGapPageSize = 40;  // the most the timeline gives per page

// Mastodon ids are decimal strings of growing length: compare as numbers.
bool IdLess(std::string_view a, std::string_view b) {
  return a.size() != b.size() ? a.size() < b.size() : a < b;
}

class MastodonSource final : public provider::StreamingSource {
 public:
  struct Config {
    std::string stream_url;    // .../api/v1/streaming/public[/local] or hashtag[?tag=]
    std::string timeline_url;  // .../api/v1/timelines/public?local=true or tag/TAG
    std::string stream_name;   // "public", "public:local", "hashtag"...
    std::string token;
  };
  MastodonSource(Options o, Config c) : StreamingSource(std::move(o)), c_(std::move(c)) {}

  std::string Position() const override {
    return PositionToken("mastodon")
        .Add("last", last_id_)
        .Add("upto", std::to_string(seen_.inserted()))  // ids written in by SealPosition
        .str();
  }
  std::string SealPosition(std::string_view position) const override {
    return PositionToken::Seal(position, seen_, kSavedIds);
  }
  Result<bool> Seek(std::string_view p) override {
    STARLING_ASSIGN_OR_RETURN(last_id_, PositionToken::Get(p, "mastodon", "last"));
    STARLING_ASSIGN_OR_RETURN(std::string ids, PositionToken::Get(p, "mastodon", "ids"));
    seen_.Load(ids);
    return true;
  }

 protected:
  Result<HttpRequest> MakeRequest() override {
    HttpRequest r;
    r.url = c_.stream_url;
    r.headers.push_back({"Authorization", "Bearer " + c_.token});
    r.headers.push_back({"Accept", "text/event-stream"});
    return r;
  }

  // The stream is up: before its events, what the timeline has after the
  // last status delivered (none on a first start: the stream is live-only).
  Status OnConnected() override {
    sse_.Reset();
    if (last_id_.empty()) return Status::Ok();
    const provider::ProviderIdentity who{Describe(), std::string(kCredential), {}, {}};
    std::string after = last_id_;
    for (int page = 0; page < kGapPages; ++page) {
      HttpRequest r;
      r.url = c_.timeline_url + (c_.timeline_url.find('?') == std::string::npos ? "?" : "&") +
              "limit=" + std::to_string(kGapPageSize) + "&min_id=" + UrlEncode(after);
      r.headers.push_back({"Authorization", "Bearer " + c_.token});
      r.ca_file = options().ca_file;
      STARLING_ASSIGN_OR_RETURN(HttpResponse resp, HttpFetch(r));
      health().Update([&](SourceHealth& h) {
        ++h.requests;
        h.bytes += resp.body.size();
      });
      if (resp.status == 401 || resp.status == 403) {
        return provider::CredentialRefused(who, resp.status, resp.body);
      }
      if (resp.status == 404 || resp.status == 410) {
        return NotFound(Describe() + ": the instance has no such timeline to fill a gap from " +
                        "(HTTP " + std::to_string(resp.status) + ")");
      }
      if (resp.status != 200) {
        return Unavailable("filling the gap from the timeline: HTTP " +
                           std::to_string(resp.status));
      }
      auto statuses = provider::ArrayElements(resp.body);
      if (!statuses.ok()) return Unavailable("the timeline's answer is not a JSON array");
      if (statuses->empty()) break;
      std::vector<std::pair<std::string, std::string>> sorted;
      for (std::string& s : *statuses)
        sorted.emplace_back(provider::TopField(s, "id"), std::move(s));
      std::sort(sorted.begin(), sorted.end(),
                [](const auto& a, const auto& b) { return IdLess(a.first, b.first); });
      const std::string before = after;
      for (auto& [id, status] : sorted) {
        if (!id.empty() && IdLess(after, id)) after = id;
        gap_.push_back({std::move(id), std::move(status)});
      }
      gap_filled_ += sorted.size();
      // A short page is the last; a server that ignores min_id cannot loop.
      if (sorted.size() < kGapPageSize || after == before) break;
    }
    return Status::Ok();
  }

  Result<bool> TakeRecord(Record* out) override {
    while (!gap_.empty()) {
      auto [id, status] = std::move(gap_.front());
      gap_.pop_front();
      if (!Fresh(id)) continue;
      return Emit(status, out);
    }
    std::string& buf = buffer();
    std::size_t& at = consumed();
    for (;;) {
      const std::size_t nl = buf.find('\n', at);
      if (nl == std::string::npos) return false;
      const std::string_view line(buf.data() + at, nl - at);
      at = nl + 1;
      std::optional<provider::SseEvent> event = sse_.Line(line);
      if (sse_.heartbeat()) health().Update([](SourceHealth& h) { ++h.keep_alives; });
      if (!event) continue;
      if (std::optional<std::string> record = Message(event->event, event->data)) {
        return Emit(*record, out);
      }
    }
  }

  void OnDisconnect() override { sse_.Reset(); }

 private:
  // A status id seen for the first time (and now delivered): true.
  bool Fresh(const std::string& id) {
    if (id.empty()) return true;
    if (!seen_.Insert(id)) {
      health().Update([](SourceHealth& h) { ++h.duplicates; });
      return false;
    }
    if (last_id_.empty() || IdLess(last_id_, id)) last_id_ = id;
    return true;
  }

  // An SSE event as a record: Mastodon's own WebSocket message form
  // {"stream":[...],"event":E,"payload":"..."}, so a raw recording replays.
  // A status already delivered comes back as nothing.
  std::optional<std::string> Message(const std::string& event, const std::string& data) {
    if (event == "update" || event == "status.update") {
      if (!Fresh(provider::TopField(data, "id"))) return std::nullopt;
    }
    std::string json = "{\"stream\":[";
    model::AppendJsonString(c_.stream_name, &json);
    json += "],\"event\":";
    model::AppendJsonString(event, &json);
    json += ",\"payload\":";
    model::AppendJsonString(data, &json);
    json += '}';
    return json;
  }

  Result<bool> Emit(std::string_view bytes, Record* out) {
    slot_.Hand(std::string(bytes), options().who.origin, ++records_, 0, out);
    return true;
  }

  Config c_;
  provider::SeenIds seen_{20000};
  std::string last_id_;
  std::deque<std::pair<std::string, std::string>> gap_;
  std::uint64_t gap_filled_ = 0;
  provider::SseParser sse_;
  provider::RecordSlot slot_;
  std::uint64_t records_ = 0;
};

}  // namespace

SourceKind MastodonSourceKind() {
  SourceKind k;
  std::vector<spec::ParamDecl> params = {
      {"instance", spec::ParamType::kString, "the instance, https://HOST (required)"},
      {"local", spec::ParamType::kBool, "only the instance's own posts (default 0)"},
      {"streaming", spec::ParamType::kString,
       "the streaming server when it is not the instance (its urls.streaming, e.g. "
       "wss://streaming.HOST as https://streaming.HOST)"},
      {"stall_timeout", spec::ParamType::kDuration,
       "reconnect when no byte (not even a heartbeat) came for this long (default 60s)"},
  };
  for (spec::ParamDecl& d : provider::RetryParams()) params.push_back(d);
  params.push_back(provider::CaFileParam());
  k.info = {.scheme = "mastodon",
            .usage =
                "mastodon:public?instance=https://HOST[&local=1] | "
                "mastodon:hashtag/TAG?instance=https://HOST",
            .help =
                "a Mastodon instance's public or hashtag stream (MASTODON_TOKEN); gaps filled "
                "from its timeline",
            .params = std::move(params)};
  k.caps = {.live = true, .seekable = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const SourceOptions& options) -> Result<std::unique_ptr<RecordSource>> {
    std::string instance = p.String("instance");
    while (!instance.empty() && instance.back() == '/') instance.pop_back();
    if (!instance.starts_with("https://") && !instance.starts_with("http://")) {
      return InvalidArgument("mastodon source needs instance=https://HOST, got '" + s.redacted +
                             "'");
    }
    std::string streaming = p.String("streaming", instance);
    while (!streaming.empty() && streaming.back() == '/') streaming.pop_back();
    const bool local = p.Bool("local", false);
    MastodonSource::Config c;
    if (s.path == "public") {
      c.stream_url = streaming + "/api/v1/streaming/public" + (local ? "/local" : "");
      c.timeline_url = instance + "/api/v1/timelines/public" + (local ? "?local=true" : "");
      c.stream_name = local ? "public:local" : "public";
    } else if (s.path.starts_with("hashtag/") && s.path.size() > 8 &&
               s.path.find('/', 8) == std::string::npos) {
      const std::string tag = s.path.substr(8);
      c.stream_url = streaming + "/api/v1/streaming/hashtag" + (local ? "/local" : "") +
                     "?tag=" + UrlEncode(tag);
      c.timeline_url =
          instance + "/api/v1/timelines/tag/" + UrlEncode(tag) + (local ? "?local=true" : "");
      c.stream_name = local ? "hashtag:local" : "hashtag";
    } else {
      return InvalidArgument(
          "mastodon source: mastodon:public?instance=... or mastodon:hashtag/TAG?instance=..., "
          "got '" +
          s.redacted + "'");
    }
    STARLING_ASSIGN_OR_RETURN(c.token, LookupCredential(kCredential));
    provider::StreamingSource::Options o;
    o.who = {s.redacted, std::string(kCredential), {}, {}};
    STARLING_ASSIGN_OR_RETURN(o.retry, provider::RetryPolicyFrom(p));
    o.ca_file = p.String("ca_file");
    o.stall_timeout = p.Duration("stall_timeout", std::chrono::seconds(60));
    if (o.stall_timeout.count() <= 0) {
      return InvalidArgument("mastodon: stall_timeout must be positive");
    }
    o.clock = options.clock;
    return std::unique_ptr<RecordSource>(
        std::make_unique<MastodonSource>(std::move(o), std::move(c)));
  };
  return k;
}

}  // namespace starling::source
