// File: source/connectors/meetup_source.cc
// Meetup's GraphQL API (POST /gql-ext, MEETUP_TOKEN), polled:
// meetup:groups/URLNAME/events and meetup:search?query=...[&lat=&lon=&radius=].
// Pages are Relay cursors; each event goes out as the answer an
// event(id:) query would give ({"data":{"event":{...}}}), once: events
// already delivered are dropped by id across polls and resumes. A 200 answer
// with errors[] is an error (it also goes out, as a control record).
#include <deque>
#include <fstream>
#include <sstream>
#include <unordered_set>

#include "common/credentials.h"
#include "model/post_json.h"
#include "source/provider/json_records.h"
#include "source/provider/meetup_api.h"
#include "source/provider/poller.h"
#include "source/provider/record_slot.h"
#include "source/provider/seen_ids.h"
#include "source/registry.h"

namespace starling::source {
namespace {

using provider::microseconds;
using provider::PositionToken;

constexpr std::string_view kDefaultApiBase = "https://api.meetup.com";
constexpr std::string_view kCredential = "MEETUP_TOKEN";
constexpr std::size_t kSavedIds = 5000;
constexpr int kMaxPages = 50;  // per poll

class MeetupSource final : public RecordSource {
 public:
  struct Config {
    std::string origin;
    std::string url;
    std::string token;
    std::string query;
    std::string variables;  // JSON object members, without braces, before "after"
    microseconds poll = std::chrono::minutes(10);
    provider::RetryPolicy retry;
    Clock* clock = nullptr;
    std::string ca_file;
  };
  explicit MeetupSource(Config c)
      : c_(std::move(c)), poller_(c_.origin, c_.retry, c_.clock, c_.ca_file) {}

  std::string Describe() const override { return c_.origin; }
  std::optional<SourceHealth> Health() const override { return poller_.health().Get(); }
  bool WouldWait() override { return pending_.empty() && poller_.waiting(); }

  std::string Position() const override {
    // Mid-poll, the page to ask for on resume: the one whose events are
    // still going out (asked again; those delivered are in ids), else the
    // next one.
    const std::string cursor = !pending_.empty() ? fetched_with_ : in_poll_ ? after_ : "";
    return PositionToken("meetup")
        .Add("cursor", cursor)
        .Add("upto", std::to_string(seen_.inserted()))  // ids written in by SealPosition
        .str();
  }
  std::string SealPosition(std::string_view position) const override {
    return PositionToken::Seal(position, seen_, kSavedIds);
  }
  Result<bool> Seek(std::string_view p) override {
    STARLING_ASSIGN_OR_RETURN(after_, PositionToken::Get(p, "meetup", "cursor"));
    STARLING_ASSIGN_OR_RETURN(std::string ids, PositionToken::Get(p, "meetup", "ids"));
    seen_.Load(ids);
    in_poll_ = !after_.empty();
    started_ = in_poll_;
    return true;
  }

  Result<bool> Next(Record* out) override {
    for (;;) {
      if (!pending_.empty()) {
        auto [id, record] = std::move(pending_.front());
        pending_.pop_front();
        if (!id.empty()) seen_.Insert(id);
        slot_.Hand(std::move(record), c_.origin, ++records_, 0, out);
        return true;
      }
      STARLING_RETURN_IF_ERROR(poller_.Ready());
      if (!in_poll_) {
        if (started_ && !poll_due_) {
          poller_.Wait("poll", c_.poll);
          poll_due_ = true;
          continue;
        }
        poll_due_ = false;
        started_ = true;
        in_poll_ = true;
        after_.clear();
        pages_ = 0;
      }
      STARLING_RETURN_IF_ERROR(FetchPage());
    }
  }

 private:
  Status FetchPage() {
    HttpRequest r;
    r.method = "POST";
    r.url = c_.url;
    r.headers.push_back({"Authorization", "Bearer " + c_.token});
    r.headers.push_back({"Content-Type", "application/json"});
    r.body = "{\"query\":";
    model::AppendJsonString(c_.query, &r.body);
    r.body += ",\"variables\":{" + c_.variables + (c_.variables.empty() ? "" : ",") + "\"after\":";
    if (after_.empty()) {
      r.body += "null";
    } else {
      model::AppendJsonString(after_, &r.body);
    }
    r.body += "}}";
    fetched_with_ = after_;
    STARLING_ASSIGN_OR_RETURN(HttpResponse resp, poller_.Send(r, "x-ratelimit-remaining"));
    const provider::ProviderIdentity who{c_.origin, std::string(kCredential), {}, {}};
    if (resp.status == 401 || resp.status == 403) {
      return provider::CredentialRefused(who, resp.status, resp.body);
    }
    if (resp.status != 200) {
      const bool limited = resp.status == 429;
      poller_.Failed(
          limited ? "rate-limit" : "http",
          "HTTP " + std::to_string(resp.status) + ": " + provider::BodyExcerpt(resp.body),
          poller_.backoff().Next(limited ? provider::Failure::kRateLimit
                                         : provider::Failure::kHttp));
      return TryAgain("waiting after a refused request");
    }
    auto page = provider::meetup::ReadPage(resp.body);
    if (!page.ok()) {
      poller_.Failed("http", c_.origin + ": " + page.status().message(),
                     poller_.backoff().Next(provider::Failure::kHttp));
      return TryAgain("waiting after a bad answer");
    }
    if (!page->errors.empty()) {
      // The answer goes out as it came (a graphql-error control record),
      // once: the same error again on a retry is not counted again.
      auto raw = provider::Minify(resp.body);
      if (raw.ok() && *raw != last_error_) {
        last_error_ = *raw;
        pending_.emplace_back(std::string(), std::move(*raw));
      }
      const std::string& code = page->codes.front();
      const std::string why =
          "GraphQL error: " + page->errors.front() + (code.empty() ? "" : " (" + code + ")");
      if (code == "UNAUTHENTICATED" || code == "UNAUTHORIZED" || code == "FORBIDDEN") {
        return provider::CredentialRefused(who, 401, why);
      }
      if (!page->has_data) {
        const bool limited = code.find("RATE") != std::string::npos;
        poller_.Failed(limited ? "rate-limit" : "http", why,
                       poller_.backoff().Next(limited ? provider::Failure::kRateLimit
                                                      : provider::Failure::kHttp));
        return TryAgain("waiting after a GraphQL error");
      }
    }
    poller_.Succeeded(resp.body.size());
    if (page->errors.empty()) last_error_.clear();
    for (auto& [id, node] : page->events) {
      if (!id.empty() && (seen_.Contains(id) || queued_.contains(id))) {
        poller_.health().Update([](SourceHealth& h) { ++h.duplicates; });
        continue;
      }
      queued_.insert(id);
      pending_.emplace_back(id, "{\"data\":{\"event\":" + node + "}}");
    }
    ++pages_;
    if (page->has_next && !page->end_cursor.empty() && pages_ < kMaxPages) {
      after_ = page->end_cursor;
    } else {
      in_poll_ = false;
      after_.clear();
      queued_.clear();
    }
    return Status::Ok();
  }

  Config c_;
  provider::Poller poller_;
  provider::SeenIds seen_{50000};
  std::unordered_set<std::string> queued_;
  std::deque<std::pair<std::string, std::string>> pending_;
  std::string after_;
  std::string fetched_with_;  // the cursor the last page was asked with
  std::string last_error_;    // the last error answer handed out (not twice in a row)
  bool in_poll_ = false;
  bool started_ = false;
  bool poll_due_ = false;
  int pages_ = 0;
  provider::RecordSlot slot_;
  std::uint64_t records_ = 0;
};

}  // namespace

SourceKind MeetupSourceKind() {
  SourceKind k;
  std::vector<spec::ParamDecl> params = {
      {"api_base", spec::ParamType::kString, "the API's address (default https://api.meetup.com)"},
      {"query", spec::ParamType::kString, "meetup:search: the words to search for"},
      {"lat", spec::ParamType::kNumber, "meetup:search: near this latitude"},
      {"lon", spec::ParamType::kNumber, "meetup:search: near this longitude"},
      {"radius", spec::ParamType::kNumber, "meetup:search: within this many miles"},
      {"poll", spec::ParamType::kDuration, "how often to ask again (default 10m)"},
      {"graphql", spec::ParamType::kString,
       "a file with the GraphQL query to send instead of the built-in one (it takes $after, "
       "and $urlname or $query/$lat/$lon/$radius)"},
  };
  for (spec::ParamDecl& d : provider::RetryParams()) params.push_back(d);
  params.push_back(provider::CaFileParam());
  k.info = {.scheme = "meetup",
            .usage = "meetup:groups/URLNAME/events | meetup:search?query=Q[&lat=&lon=&radius=]",
            .help = "Meetup events over its GraphQL API, polled (MEETUP_TOKEN)",
            .params = std::move(params)};
  k.caps = {.live = true, .seekable = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const SourceOptions& options) -> Result<std::unique_ptr<RecordSource>> {
    MeetupSource::Config c;
    c.origin = s.redacted;
    const std::string& path = s.path;
    if (!s.url && path.starts_with("groups/") && path.ends_with("/events") && path.size() > 14 &&
        path.find('/', 7) == path.size() - 7) {
      const std::string urlname = path.substr(7, path.size() - 14);
      c.query = provider::meetup::GroupQuery();
      c.variables = "\"urlname\":";
      model::AppendJsonString(urlname, &c.variables);
    } else if (!s.url && path == "search") {
      if (!p.Has("query")) return InvalidArgument("meetup:search needs query=...");
      c.query = provider::meetup::SearchQuery();
      c.variables = "\"query\":";
      model::AppendJsonString(p.String("query"), &c.variables);
      for (std::string_view key : {"lat", "lon", "radius"}) {
        if (p.Has(key)) {
          c.variables += ",\"" + std::string(key) + "\":" + std::to_string(p.Number(key, 0));
        }
      }
    } else {
      return InvalidArgument(
          "meetup source: meetup:groups/URLNAME/events or meetup:search?query=..., got '" +
          s.redacted + "'");
    }
    if (p.Has("graphql")) {
      std::ifstream in(p.String("graphql"));
      if (!in) return NotFound("meetup: cannot read the query file " + p.String("graphql"));
      std::stringstream ss;
      ss << in.rdbuf();
      c.query = ss.str();
    }
    std::string base = p.String("api_base", std::string(kDefaultApiBase));
    while (!base.empty() && base.back() == '/') base.pop_back();
    c.url = base + "/gql-ext";
    c.poll = p.Duration("poll", std::chrono::minutes(10));
    STARLING_ASSIGN_OR_RETURN(c.token, LookupCredential(kCredential));
    STARLING_ASSIGN_OR_RETURN(c.retry, provider::RetryPolicyFrom(p));
    c.ca_file = p.String("ca_file");
    c.clock = options.clock;
    return std::unique_ptr<RecordSource>(std::make_unique<MeetupSource>(std::move(c)));
  };
  return k;
}

}  // namespace starling::source
