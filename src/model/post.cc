// File: model/post.cc
#include "model/post.h"

namespace starling::model {

std::string_view ProviderName(Provider p) {
  switch (p) {
    case Provider::kX:
      return "x";
    case Provider::kGitHub:
      return "github";
    case Provider::kBluesky:
      return "bluesky";
    case Provider::kMastodon:
      return "mastodon";
    case Provider::kMeetup:
      return "meetup";
    case Provider::kUnknown:
      return "unknown";
  }
  return "unknown";
}

std::optional<Provider> ProviderFromName(std::string_view name) {
  for (auto p : {Provider::kX, Provider::kGitHub, Provider::kBluesky, Provider::kMastodon,
                 Provider::kMeetup, Provider::kUnknown}) {
    if (ProviderName(p) == name) return p;
  }
  return std::nullopt;
}

std::string_view PostKindName(PostKind k) {
  switch (k) {
    case PostKind::kPost:
      return "post";
    case PostKind::kRepost:
      return "repost";
    case PostKind::kReply:
      return "reply";
    case PostKind::kQuote:
      return "quote";
    case PostKind::kPush:
      return "push";
    case PostKind::kIssue:
      return "issue";
    case PostKind::kPullRequest:
      return "pull_request";
    case PostKind::kComment:
      return "comment";
    case PostKind::kStar:
      return "star";
    case PostKind::kFork:
      return "fork";
    case PostKind::kRelease:
      return "release";
    case PostKind::kActivity:
      return "activity";
    case PostKind::kEvent:
      return "event";
  }
  return "post";
}

std::optional<PostKind> PostKindFromName(std::string_view name) {
  for (auto k :
       {PostKind::kPost, PostKind::kRepost, PostKind::kReply, PostKind::kQuote, PostKind::kPush,
        PostKind::kIssue, PostKind::kPullRequest, PostKind::kComment, PostKind::kStar,
        PostKind::kFork, PostKind::kRelease, PostKind::kActivity, PostKind::kEvent}) {
    if (PostKindName(k) == name) return k;
  }
  return std::nullopt;
}

bool IsReferenceKind(PostKind k) {
  return k == PostKind::kPost || k == PostKind::kRepost || k == PostKind::kReply ||
         k == PostKind::kQuote;
}

std::string_view ReferenceTypeName(ReferenceType t) {
  switch (t) {
    case ReferenceType::kReposted:
      return "retweeted";
    case ReferenceType::kQuoted:
      return "quoted";
    case ReferenceType::kRepliedTo:
      return "replied_to";
  }
  return "replied_to";
}

std::optional<ReferenceType> ReferenceTypeFromName(std::string_view name) {
  for (auto t : {ReferenceType::kReposted, ReferenceType::kQuoted, ReferenceType::kRepliedTo}) {
    if (ReferenceTypeName(t) == name) return t;
  }
  return std::nullopt;
}

// A tripwire for Clear(): a field added to Post changes its size. Checked
// only where the size below was measured (64-bit libstdc++); update it after
// adding the new field to Clear().
#if defined(__x86_64__) && defined(__GLIBCXX__) && !defined(_GLIBCXX_DEBUG)
static_assert(sizeof(Post) == 672, "Post changed: reset the new field in Post::Clear()");
#endif

void Post::Clear() {
  id.clear();
  provider = Provider::kUnknown;
  created_at = 0;
  author.id.clear();
  author.handle.clear();
  author.name.clear();
  text.clear();
  lang.clear();
  channel.clear();
  kind = PostKind::kPost;
  references.clear();
  hashtags.clear();
  mentions.clear();
  urls.clear();
  cashtags.clear();
  metrics = PublicMetrics();
  geo.lon.reset();
  geo.lat.reset();
  geo.place_id.clear();
  geo.place_name.clear();
  geo.country_code.clear();
  matching_rules.clear();
  entities_extracted = false;
  raw.clear();
  source_format.clear();
}

std::string_view Post::ReferencedId() const {
  ReferenceType want = ReferenceType::kRepliedTo;
  switch (kind) {
    case PostKind::kPost:
    case PostKind::kPush:
    case PostKind::kIssue:
    case PostKind::kPullRequest:
    case PostKind::kComment:
    case PostKind::kStar:
    case PostKind::kFork:
    case PostKind::kRelease:
    case PostKind::kActivity:
    case PostKind::kEvent:
      return {};
    case PostKind::kRepost:
      want = ReferenceType::kReposted;
      break;
    case PostKind::kQuote:
      want = ReferenceType::kQuoted;
      break;
    case PostKind::kReply:
      want = ReferenceType::kRepliedTo;
      break;
  }
  for (const auto& r : references) {
    if (r.type == want) return r.id;
  }
  return {};
}

bool Post::SameContent(const Post& o) const {
  return id == o.id && provider == o.provider && created_at == o.created_at && author == o.author &&
         text == o.text && lang == o.lang && channel == o.channel && kind == o.kind &&
         references == o.references && hashtags == o.hashtags && mentions == o.mentions &&
         urls == o.urls && cashtags == o.cashtags && metrics == o.metrics && geo == o.geo &&
         matching_rules == o.matching_rules;
}

}  // namespace starling::model
