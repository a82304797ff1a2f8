// File: source/connectors/x_source.cc
// X API v2: the filtered stream (x:stream), the volume stream (x:sample) and
// recent search (x:search), with the API's reconnect rules (provider/retry.h)
// and its bearer token (X_BEARER_TOKEN).
#include <algorithm>

#include "common/credentials.h"
#include "common/duration.h"
#include "model/time.h"
#include "source/provider/poller.h"
#include "source/provider/record_slot.h"
#include "source/provider/seen_ids.h"
#include "source/provider/streaming.h"
#include "source/provider/x_api.h"
#include "source/registry.h"

namespace starling::source {
namespace {

using provider::PositionToken;
using provider::SeenIds;
namespace x = provider::x;

// Ids kept in a checkpoint for the duplicate check after a resume (the most
// a stream sends again: backfill_minutes=5 of a busy filtered stream).
constexpr std::size_t kSavedIds = 20000;

class XStreamSource final : public provider::StreamingSource {
 public:
  XStreamSource(Options options, std::string url, std::string token)
      : StreamingSource(std::move(options)), url_(std::move(url)), token_(std::move(token)) {}

  // The ids delivered, written in only when a checkpoint is taken.
  std::string Position() const override {
    return PositionToken("x-stream").Add("upto", std::to_string(seen_.inserted())).str();
  }
  std::string SealPosition(std::string_view position) const override {
    return PositionToken::Seal(position, seen_, kSavedIds);
  }
  Result<bool> Seek(std::string_view position) override {
    STARLING_ASSIGN_OR_RETURN(std::string ids, PositionToken::Get(position, "x-stream", "ids"));
    seen_.Load(ids);
    return true;
  }

 protected:
  Result<HttpRequest> MakeRequest() override {
    HttpRequest r;
    r.url = url_;
    r.headers.push_back(x::Bearer(token_));
    return r;
  }

  Result<provider::microseconds> OnRefused(const provider::Refusal& r) override {
    if (r.status == 429 && r.body.find("TooManyConnections") != std::string_view::npos) {
      return TooMany();
    }
    return DefaultRefusal(r);
  }

  Result<bool> TakeRecord(Record* out) override {
    std::string& buf = buffer();
    std::size_t& at = consumed();
    for (;;) {
      const std::size_t nl = buf.find('\n', at);
      if (nl == std::string::npos) return false;
      std::string_view line(buf.data() + at, nl - at);
      const std::uint64_t offset = offset_;
      offset_ += nl + 1 - at;
      at = nl + 1;
      ++line_;
      while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
      if (line.empty()) {  // the keep-alive newline
        health().Update([](SourceHealth& h) { ++h.keep_alives; });
        continue;
      }
      const x::LineInfo info = x::InspectLine(line);
      if (info.too_many_connections) return TooMany();
      if (!info.id.empty() && !seen_.Insert(info.id)) {
        health().Update([](SourceHealth& h) { ++h.duplicates; });
        continue;
      }
      if (info.operational_disconnect) ReconnectNow("the API sent operational-disconnect");
      slot_.Hand(std::string(line), options().who.origin, line_, offset, out);
      return true;
    }
  }

 private:
  Status TooMany() const {
    return ResourceExhausted(
        Describe() +
        ": the API refused another connection (TooManyConnections): this app already holds as "
        "many stream connections as its plan allows; stop the other client first");
  }

  std::string url_;
  std::string token_;
  SeenIds seen_;
  provider::RecordSlot slot_;
  std::uint64_t line_ = 0;
  std::uint64_t offset_ = 0;
};

// Recent search: pages of up to 100 posts back to `since`, newest first;
// with poll=DURATION, then the posts newer than the newest seen, every DURATION.
class XSearchSource final : public RecordSource {
 public:
  struct Config {
    std::string origin;
    std::string api_base;
    std::string token;
    std::string query;
    std::string since_id;    // since=ID
    std::string start_time;  // since=TIME or since=DURATION (ago)
    std::string end_time;
    int max_results = 100;
    provider::microseconds poll{0};
    provider::RetryPolicy retry;
    Clock* clock = nullptr;
    std::string ca_file;
  };
  explicit XSearchSource(Config c)
      : c_(std::move(c)),
        poller_(c_.origin, c_.retry, c_.clock, c_.ca_file),
        since_id_(c_.since_id) {}

  std::string Describe() const override { return c_.origin; }
  std::optional<SourceHealth> Health() const override { return poller_.health().Get(); }
  bool WouldWait() override { return poller_.waiting(); }

  std::string Position() const override {
    return PositionToken("x-search")
        .Add("since_id", since_id_)
        .Add("newest", newest_)
        .Add("next", next_)
        .Add("active", active_ ? "1" : "0")
        .Add("started", started_ ? "1" : "0")
        .str();
  }
  Result<bool> Seek(std::string_view p) override {
    constexpr std::string_view kKind = "x-search";
    STARLING_ASSIGN_OR_RETURN(since_id_, PositionToken::Get(p, kKind, "since_id"));
    STARLING_ASSIGN_OR_RETURN(newest_, PositionToken::Get(p, kKind, "newest"));
    STARLING_ASSIGN_OR_RETURN(next_, PositionToken::Get(p, kKind, "next"));
    STARLING_ASSIGN_OR_RETURN(std::string active, PositionToken::Get(p, kKind, "active"));
    STARLING_ASSIGN_OR_RETURN(std::string started, PositionToken::Get(p, kKind, "started"));
    active_ = active == "1";
    started_ = started == "1";
    return true;
  }

  Result<bool> Next(Record* out) override {
    for (;;) {
      STARLING_RETURN_IF_ERROR(poller_.Ready());
      if (!active_) {
        if (started_ && c_.poll.count() == 0) return false;  // the backfill is done
        if (started_ && !poll_due_) {
          poller_.Wait("poll", c_.poll);
          poll_due_ = true;
          continue;
        }
        poll_due_ = false;
        active_ = true;
        started_ = true;
        next_.clear();
        newest_.clear();
      }
      STARLING_ASSIGN_OR_RETURN(HttpResponse resp,
                                poller_.Send(PageRequest(), x::kRemainingHeader));
      if (resp.status < 200 || resp.status >= 300) {
        STARLING_ASSIGN_OR_RETURN(provider::microseconds wait, Refused(resp));
        poller_.Failed(
            resp.status == 429 ? "rate-limit" : "http",
            "HTTP " + std::to_string(resp.status) + ": " + provider::BodyExcerpt(resp.body), wait);
        return TryAgain("retrying the search");
      }
      auto page = x::InspectPage(resp.body);
      if (!page.ok()) {  // a proxy's error page, a cut answer: ask again later
        poller_.Failed("http",
                       "the answer is not a search page: " + provider::BodyExcerpt(resp.body),
                       poller_.backoff().Next(provider::Failure::kHttp));
        return TryAgain("retrying the search");
      }
      poller_.Succeeded(resp.body.size());
      const x::PageMeta& meta = *page;
      if (newest_.empty()) newest_ = meta.newest_id;
      next_ = meta.next_token;
      if (next_.empty()) {  // the last page of this search
        active_ = false;
        if (!newest_.empty()) since_id_ = newest_;
        newest_.clear();
      }
      if (meta.result_count == 0) return TryAgain("no posts in this page");
      // A page is one record: one line, so a raw recording stays JSONL.
      std::replace(resp.body.begin(), resp.body.end(), '\n', ' ');
      slot_.Hand(std::move(resp.body), c_.origin, ++pages_, 0, out);
      return true;
    }
  }

 private:
  HttpRequest PageRequest() const {
    HttpRequest r;
    r.url = c_.api_base + "/2/tweets/search/recent?query=" + UrlEncode(c_.query) +
            "&max_results=" + std::to_string(c_.max_results) + "&" + x::DefaultFieldsQuery();
    if (!since_id_.empty()) {
      r.url += "&since_id=" + UrlEncode(since_id_);
    } else if (!c_.start_time.empty()) {
      r.url += "&start_time=" + UrlEncode(c_.start_time);
    }
    if (!c_.end_time.empty() && since_id_ == c_.since_id) {
      r.url += "&end_time=" + UrlEncode(c_.end_time);
    }
    if (!next_.empty()) r.url += "&next_token=" + UrlEncode(next_);
    r.headers.push_back(x::Bearer(c_.token));
    return r;
  }

  Result<provider::microseconds> Refused(const HttpResponse& resp) {
    const provider::ProviderIdentity who{c_.origin, std::string(x::kCredential), {}, {}};
    if (resp.status == 401 || resp.status == 403) {
      return provider::CredentialRefused(who, resp.status, resp.body);
    }
    if (resp.status == 429) {
      if (const std::string* reset = resp.headers.Find(x::kResetHeader)) {
        if (auto at = provider::ParseUnixSeconds(*reset)) {
          return poller_.backoff().Until(poller_.UntilUnix(*at));
        }
      }
      return poller_.backoff().Next(provider::Failure::kRateLimit);
    }
    if (resp.status >= 400 && resp.status < 500) {
      // A bad query (400) does not get better by asking again.
      return InvalidArgument(c_.origin + ": the API refused the search (HTTP " +
                             std::to_string(resp.status) +
                             "): " + provider::BodyExcerpt(resp.body));
    }
    return poller_.backoff().Next(provider::Failure::kHttp);
  }

  Config c_;
  provider::Poller poller_;
  std::string since_id_;
  std::string newest_;
  std::string next_;
  bool active_ = false;
  bool started_ = false;
  bool poll_due_ = false;
  provider::RecordSlot slot_;
  std::uint64_t pages_ = 0;
};

bool AllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

// since=/until=: a time (ISO 8601) or a duration before now.
Result<std::string> SearchTime(std::string_view key, const std::string& value, Clock& clock) {
  auto at = model::ParseTimestamp(value);
  if (!at.ok()) {
    auto ago = ParseDuration(value);
    if (!ago.ok()) {
      return InvalidArgument("x:search: " + std::string(key) +
                             " is a post id, a time (2026-12-01T00:00:00Z) or a duration "
                             "before now (6h, 7d), got '" +
                             value + "'");
    }
    at = clock.Now().time_since_epoch().count() - ago->count();
  }
  // Whole seconds: the API takes YYYY-MM-DDTHH:mm:ssZ.
  std::string text = model::FormatTimestamp(*at / 1000000 * 1000000);
  if (const std::size_t dot = text.find('.'); dot != std::string::npos)
    text = text.substr(0, dot) + "Z";
  return text;
}

}  // namespace

SourceKind XSourceKind() {
  SourceKind k;
  std::vector<spec::ParamDecl> params = {
      {"api_base", spec::ParamType::kString, "the API's address (default https://api.x.com)"},
      {"query", spec::ParamType::kString, "x:search: the search query (X's search syntax)"},
      {"since", spec::ParamType::kString,
       "x:search: a post id, a time, or a duration before now (default: the API's 7 days)"},
      {"until", spec::ParamType::kString, "x:search: a time, or a duration before now"},
      {"max_results", spec::ParamType::kUint, "x:search: posts per page, 10 to 100 (default 100)"},
      {"poll", spec::ParamType::kDuration,
       "x:search: after the backfill, search again for newer posts this often (default: end)"},
      {"backfill_minutes", spec::ParamType::kUint,
       "x:stream/x:sample: ask for up to 5 minutes missed before each (re)connect (plans that "
       "have it); what was already delivered is dropped by id"},
      {"stall_timeout", spec::ParamType::kDuration,
       "x:stream/x:sample: reconnect when no byte (not even the 20 s keep-alive) came for this "
       "long (default 30s)"},
  };
  for (spec::ParamDecl& d : provider::RetryParams()) params.push_back(d);
  params.push_back(provider::CaFileParam());
  k.info = {.scheme = "x",
            .usage = "x:stream | x:sample | x:search?query=Q[&since=...]",
            .help = "X API v2: filtered stream, volume stream, recent search (X_BEARER_TOKEN)",
            .params = std::move(params)};
  k.caps = {.live = true, .seekable = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const SourceOptions& options) -> Result<std::unique_ptr<RecordSource>> {
    const std::string mode = s.path;
    if (s.url || (mode != "stream" && mode != "sample" && mode != "search")) {
      return InvalidArgument("x source: x:stream, x:sample or x:search?query=..., got '" +
                             s.redacted + "'");
    }
    std::string api_base = p.String("api_base", std::string(x::kDefaultApiBase));
    while (!api_base.empty() && api_base.back() == '/') api_base.pop_back();
    STARLING_ASSIGN_OR_RETURN(provider::RetryPolicy retry, provider::RetryPolicyFrom(p));
    const bool streaming = mode != "search";
    for (std::string_view key : {"query", "since", "until", "max_results", "poll"}) {
      if (streaming && p.Has(key)) {
        return InvalidArgument("x:" + mode + " takes no '" + std::string(key) +
                               "' (that is x:search's)");
      }
    }
    for (std::string_view key : {"backfill_minutes", "stall_timeout"}) {
      if (!streaming && p.Has(key)) {
        return InvalidArgument("x:search takes no '" + std::string(key) + "' (a stream's)");
      }
    }
    STARLING_ASSIGN_OR_RETURN(std::string token, LookupCredential(x::kCredential));
    if (streaming) {
      std::string url = api_base +
                        (mode == "stream" ? "/2/tweets/search/stream" : "/2/tweets/sample/stream") +
                        "?" + x::DefaultFieldsQuery();
      const std::uint64_t backfill = p.Uint("backfill_minutes", 0);
      if (backfill > 5) return InvalidArgument("x: backfill_minutes is 1 to 5");
      if (backfill > 0) url += "&backfill_minutes=" + std::to_string(backfill);
      provider::StreamingSource::Options o;
      o.who = {s.redacted, std::string(x::kCredential), std::string(x::kResetHeader),
               std::string(x::kRemainingHeader)};
      o.retry = retry;
      o.ca_file = p.String("ca_file");
      o.stall_timeout = p.Duration("stall_timeout", std::chrono::seconds(30));
      if (o.stall_timeout.count() <= 0) return InvalidArgument("x: stall_timeout must be positive");
      o.clock = options.clock;
      return std::unique_ptr<RecordSource>(
          std::make_unique<XStreamSource>(std::move(o), std::move(url), std::move(token)));
    }
    XSearchSource::Config c;
    c.origin = s.redacted;
    c.api_base = api_base;
    c.token = std::move(token);
    c.query = p.String("query");
    if (c.query.empty()) return InvalidArgument("x:search needs query=... (X's search syntax)");
    c.clock = options.clock;
    if (p.Has("since")) {
      const std::string since = p.String("since");
      if (AllDigits(since)) {
        c.since_id = since;
      } else {
        STARLING_ASSIGN_OR_RETURN(c.start_time, SearchTime("since", since, *c.clock));
      }
    }
    if (p.Has("until")) {
      STARLING_ASSIGN_OR_RETURN(c.end_time, SearchTime("until", p.String("until"), *c.clock));
    }
    const std::uint64_t max_results = p.Uint("max_results", 100);
    if (max_results < 10 || max_results > 100) {
      return InvalidArgument("x:search: max_results is 10 to 100");
    }
    c.max_results = static_cast<int>(max_results);
    c.poll = p.Duration("poll", provider::microseconds(0));
    c.retry = retry;
    c.ca_file = p.String("ca_file");
    return std::unique_ptr<RecordSource>(std::make_unique<XSearchSource>(std::move(c)));
  };
  return k;
}

}  // namespace starling::source
