// File: source/connectors/github_source.cc
// GitHub's Events API, polled: github:events, github:repos/OWNER/REPO/events,
// github:orgs/ORG/events, github:users/USER/events. ETag and If-None-Match
// (a 304 costs no rate limit), X-Poll-Interval obeyed, Link pages followed
// up to the API's 300 events, events already delivered dropped by id, and
// GitHub's primary and secondary rate limits (GITHUB_TOKEN is optional).
#include <deque>
#include <unordered_set>

#include "common/credentials.h"
#include "common/log.h"
#include "source/provider/json_records.h"
#include "source/provider/poller.h"
#include "source/provider/record_slot.h"
#include "source/provider/seen_ids.h"
#include "source/registry.h"

namespace starling::source {
namespace {

using provider::microseconds;
using provider::PositionToken;

constexpr std::string_view kDefaultApiBase = "https://api.github.com";
constexpr std::string_view kCredential = "GITHUB_TOKEN";
constexpr std::string_view kRemaining = "x-ratelimit-remaining";
constexpr std::string_view kReset = "x-ratelimit-reset";
constexpr int kPerPage = 100;
constexpr int kMaxEvents = 300;  // the Events API gives no more than this
constexpr std::size_t kSavedIds = 2000;

class GitHubEventsSource final : public RecordSource {
 public:
  struct Config {
    std::string origin;
    std::string base;  // api_base: a Link elsewhere is not followed (the token goes with it)
    std::string url;   // the first page
    std::string token;
    std::optional<microseconds> poll;  // poll=: at least this long between polls
    provider::RetryPolicy retry;
    Clock* clock = nullptr;
    std::string ca_file;
  };
  explicit GitHubEventsSource(Config c)
      : c_(std::move(c)), poller_(c_.origin, c_.retry, c_.clock, c_.ca_file), seen_(20000) {}

  std::string Describe() const override { return c_.origin; }
  std::optional<SourceHealth> Health() const override { return poller_.health().Get(); }
  bool WouldWait() override { return pending_.empty() && poller_.waiting(); }

  // The ETag goes into a checkpoint only once its poll's events are all
  // delivered: a resumed run that stopped halfway asks afresh (and drops by
  // id what it had), so a 304 cannot hide the rest.
  std::string Position() const override {
    PositionToken t("github");
    t.Add("etag", pending_.empty() && !in_poll_ ? etag_ : std::string());
    t.Add("upto", std::to_string(seen_.inserted()));  // ids written in by SealPosition
    return t.str();
  }
  std::string SealPosition(std::string_view position) const override {
    return PositionToken::Seal(position, seen_, kSavedIds);
  }
  Result<bool> Seek(std::string_view p) override {
    STARLING_ASSIGN_OR_RETURN(etag_, PositionToken::Get(p, "github", "etag"));
    STARLING_ASSIGN_OR_RETURN(std::string ids, PositionToken::Get(p, "github", "ids"));
    seen_.Load(ids);
    return true;
  }

  Result<bool> Next(Record* out) override {
    for (;;) {
      if (!pending_.empty()) {
        seen_.Insert(pending_.front().first);
        pending_ids_.erase(pending_.front().first);
        slot_.Hand(std::move(pending_.front().second), c_.origin, ++records_, 0, out);
        pending_.pop_front();
        return true;
      }
      STARLING_RETURN_IF_ERROR(poller_.Ready());
      if (!in_poll_) {
        if (started_ && !poll_due_) {
          poller_.Wait("poll", NextPollWait());
          poll_due_ = true;
          continue;
        }
        poll_due_ = false;
        started_ = true;
        in_poll_ = true;
        page_url_ = c_.url;
        pages_ = 0;
        batch_.clear();
        batch_ids_.clear();  // a poll cut short by a refusal left its ids here
      }
      STARLING_RETURN_IF_ERROR(FetchPage());
    }
  }

 private:
  microseconds NextPollWait() const {
    microseconds wait = std::max(interval_, c_.poll.value_or(microseconds(0)));
    if (reset_at_ > 0) wait = std::max(wait, poller_.UntilUnix(reset_at_));
    return wait;
  }

  // One page of the current poll. Ok when the caller should go on (a page
  // taken, the poll over); TryAgain while waiting; an error stops the source.
  Status FetchPage() {
    HttpRequest r;
    r.url = page_url_;
    r.headers.push_back({"Accept", "application/vnd.github+json"});
    r.headers.push_back({"X-GitHub-Api-Version", "2022-11-28"});
    if (!c_.token.empty()) r.headers.push_back({"Authorization", "Bearer " + c_.token});
    const bool first = pages_ == 0;
    if (first && !etag_.empty()) r.headers.push_back({"If-None-Match", etag_});
    STARLING_ASSIGN_OR_RETURN(HttpResponse resp, poller_.Send(r, kRemaining));
    ReadLimits(resp.headers);
    if (resp.status == 304) {  // nothing new, and no rate limit spent
      poller_.Succeeded(0);
      in_poll_ = false;
      return Status::Ok();
    }
    if (resp.status != 200) {
      STARLING_ASSIGN_OR_RETURN(microseconds wait, Refused(resp));
      poller_.Failed(
          resp.status == 429 || resp.status == 403 ? "rate-limit" : "http",
          "HTTP " + std::to_string(resp.status) + ": " + provider::BodyExcerpt(resp.body), wait);
      in_poll_ = false;  // the poll starts over (with its ETag) after the wait
      poll_due_ = true;
      return TryAgain("waiting after a refused poll");
    }
    poller_.Succeeded(resp.body.size());
    std::string etag;
    if (first) {
      if (const std::string* e = resp.headers.Find("etag")) etag = *e;
    }
    auto events = provider::ArrayElements(resp.body);
    if (!events.ok()) {
      poller_.Failed("http",
                     c_.origin + ": the answer is not a JSON array of events: " +
                         provider::BodyExcerpt(resp.body),
                     poller_.backoff().Next(provider::Failure::kHttp));
      in_poll_ = false;
      poll_due_ = true;
      return TryAgain("waiting after a bad answer");
    }
    bool reached_seen = false;
    for (std::string& e : *events) {  // newest first
      std::string id = provider::TopField(e, "id");
      if (!id.empty() &&
          (seen_.Contains(id) || pending_ids_.contains(id) || batch_ids_.contains(id))) {
        poller_.health().Update([](SourceHealth& h) { ++h.duplicates; });
        reached_seen = true;
        continue;
      }
      if (!id.empty()) batch_ids_.insert(id);
      batch_.emplace_back(std::move(id), std::move(e));
    }
    ++pages_;
    std::string next;
    if (const std::string* link = resp.headers.Find("link")) next = NextLink(*link);
    if (!next.empty() && !next.starts_with(c_.base + "/")) {
      log::Warn("{}: not following a Link to another server ({})", c_.origin, next.substr(0, 80));
      next.clear();
    }
    if (!reached_seen && !next.empty() && pages_ * kPerPage < kMaxEvents) {
      page_url_ = next;
      if (first) first_etag_ = etag;
      return Status::Ok();
    }
    // The poll is over: its events go out oldest first.
    for (auto it = batch_.rbegin(); it != batch_.rend(); ++it) {
      pending_ids_.insert(it->first);
      pending_.push_back(std::move(*it));
    }
    batch_.clear();
    batch_ids_.clear();
    etag_ = first ? etag : first_etag_;
    in_poll_ = false;
    return Status::Ok();
  }

  void ReadLimits(const HttpHeaders& h) {
    if (const std::string* v = h.Find("x-poll-interval")) {
      if (auto s = provider::ParseUnixSeconds(*v); s && *s > 0) {
        interval_ = std::chrono::seconds(*s);
      }
    }
    reset_at_ = 0;
    const std::string* remaining = h.Find(kRemaining);
    const std::string* reset = h.Find(kReset);
    if (remaining != nullptr && reset != nullptr && *remaining == "0") {
      if (auto at = provider::ParseUnixSeconds(*reset)) reset_at_ = *at;
    }
  }

  Result<microseconds> Refused(const HttpResponse& resp) {
    const provider::ProviderIdentity who{c_.origin, std::string(kCredential), {}, {}};
    if (resp.status == 401) return provider::CredentialRefused(who, resp.status, resp.body);
    if (resp.status == 403 || resp.status == 429) {
      if (reset_at_ > 0) return poller_.backoff().Until(poller_.UntilUnix(reset_at_));
      if (const std::string* after = resp.headers.Find("retry-after")) {
        if (auto s = provider::ParseRetryAfter(*after)) {
          return poller_.backoff().Until(std::chrono::duration_cast<microseconds>(*s));
        }
      }
      if (resp.status == 429 || resp.body.find("rate limit") != std::string::npos) {
        return poller_.backoff().Next(provider::Failure::kRateLimit);  // secondary limit
      }
      return provider::CredentialRefused(who, resp.status, resp.body);
    }
    if (resp.status == 404 || resp.status == 410 || resp.status == 422) {
      return NotFound(c_.origin + ": GitHub has no such events feed (HTTP " +
                      std::to_string(resp.status) +
                      "); check the owner, repository, organization or user (a private one needs "
                      "GITHUB_TOKEN)");
    }
    return poller_.backoff().Next(provider::Failure::kHttp);
  }

  Config c_;
  provider::Poller poller_;
  provider::SeenIds seen_;
  std::string etag_;
  std::string first_etag_;
  microseconds interval_ = std::chrono::seconds(60);
  std::int64_t reset_at_ = 0;
  bool started_ = false;
  bool in_poll_ = false;
  bool poll_due_ = false;
  std::string page_url_;
  int pages_ = 0;
  std::vector<std::pair<std::string, std::string>> batch_;  // (id, event), newest first
  std::unordered_set<std::string> batch_ids_;
  std::deque<std::pair<std::string, std::string>> pending_;  // oldest first
  std::unordered_set<std::string> pending_ids_;
  provider::RecordSlot slot_;
  std::uint64_t records_ = 0;
};

bool ValidFeed(std::string_view path) {
  auto part_ok = [](std::string_view p) {
    if (p.empty()) return false;
    for (char c : p) {
      if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.')) {
        return false;
      }
    }
    return p != "." && p != "..";
  };
  std::vector<std::string_view> parts;
  while (true) {
    const std::size_t slash = path.find('/');
    parts.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  if (parts.size() == 1) return parts[0] == "events";
  if (parts.size() == 3) {
    return (parts[0] == "orgs" || parts[0] == "users") && part_ok(parts[1]) && parts[2] == "events";
  }
  if (parts.size() == 4) {
    return parts[0] == "repos" && part_ok(parts[1]) && part_ok(parts[2]) && parts[3] == "events";
  }
  return false;
}

}  // namespace

SourceKind GitHubSourceKind() {
  SourceKind k;
  std::vector<spec::ParamDecl> params = {
      {"api_base", spec::ParamType::kString, "the API's address (default https://api.github.com)"},
      {"poll", spec::ParamType::kDuration,
       "at least this long between polls (default: GitHub's X-Poll-Interval, 60s)"},
  };
  for (spec::ParamDecl& d : provider::RetryParams()) params.push_back(d);
  params.push_back(provider::CaFileParam());
  k.info = {.scheme = "github",
            .usage =
                "github:events | github:repos/OWNER/REPO/events | github:orgs/ORG/events | "
                "github:users/USER/events",
            .help = "GitHub's public events, polled with ETags (GITHUB_TOKEN optional)",
            .params = std::move(params)};
  k.caps = {.live = true, .seekable = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const SourceOptions& options) -> Result<std::unique_ptr<RecordSource>> {
    if (s.url || !ValidFeed(s.path)) {
      return InvalidArgument(
          "github source: github:events, github:repos/OWNER/REPO/events, github:orgs/ORG/events "
          "or github:users/USER/events, got '" +
          s.redacted + "'");
    }
    GitHubEventsSource::Config c;
    c.origin = s.redacted;
    std::string base = p.String("api_base", std::string(kDefaultApiBase));
    while (!base.empty() && base.back() == '/') base.pop_back();
    c.url = base + "/" + s.path + "?per_page=" + std::to_string(kPerPage);
    c.base = base;
    auto token = LookupCredential(kCredential);
    if (token.ok()) {
      c.token = std::move(*token);
    } else if (token.status().code() != StatusCode::kNotFound) {
      return token.status();  // a credentials file others can read
    }
    if (p.Has("poll")) c.poll = p.Duration("poll", std::chrono::seconds(60));
    STARLING_ASSIGN_OR_RETURN(c.retry, provider::RetryPolicyFrom(p));
    c.ca_file = p.String("ca_file");
    c.clock = options.clock;
    return std::unique_ptr<RecordSource>(std::make_unique<GitHubEventsSource>(std::move(c)));
  };
  return k;
}

}  // namespace starling::source
