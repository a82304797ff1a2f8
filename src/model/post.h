// File: model/post.h
// The normalized post: one record type for every provider. Parsers (parse/)
// produce it, sinks (sink/) consume it. Plain data; no behaviour beyond
// small helpers, so that every layer can depend on it.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/time.h"

namespace starling::model {

enum class Provider : std::uint8_t { kX, kGitHub, kBluesky, kMastodon, kMeetup, kUnknown };
std::string_view ProviderName(Provider p);
std::optional<Provider> ProviderFromName(std::string_view name);

// What the post is. When a post is several things at once (a reply that
// quotes), the kind is the first that applies in this order: repost, quote,
// reply, post. All references are kept in Post::references.
// The kinds after kQuote name provider activity that is not a post of a
// timeline: GitHub events (push, issue, pull_request, comment, star, fork,
// release, activity for every other event type) and Meetup events (event).
// They are set by the parser from the record, never derived from references.
enum class PostKind : std::uint8_t {
  kPost,
  kRepost,
  kReply,
  kQuote,
  kPush,
  kIssue,
  kPullRequest,
  kComment,
  kStar,
  kFork,
  kRelease,
  kActivity,
  kEvent,
};
std::string_view PostKindName(PostKind k);
std::optional<PostKind> PostKindFromName(std::string_view name);
// True for post, repost, reply and quote: the kinds derived from references.
bool IsReferenceKind(PostKind k);
std::string_view PostKindName(PostKind k);
std::optional<PostKind> PostKindFromName(std::string_view name);

enum class ReferenceType : std::uint8_t { kReposted, kQuoted, kRepliedTo };
std::string_view ReferenceTypeName(ReferenceType t);  // "retweeted", "quoted", "replied_to"
std::optional<ReferenceType> ReferenceTypeFromName(std::string_view name);

struct Reference {
  ReferenceType type;
  std::string id;
  bool operator==(const Reference&) const = default;
};

struct Author {
  std::string id;      // provider's user id, as a string (X ids exceed 2^53)
  std::string handle;  // screen name / username, without '@'
  std::string name;    // display name
  bool operator==(const Author&) const = default;
};

// Offsets of an entity in the post text, in Unicode code points, end exclusive.
// -1 when unknown (e.g. read back from CSV).
struct TextRange {
  std::int32_t start = -1;
  std::int32_t end = -1;
  bool operator==(const TextRange&) const = default;
};

struct Hashtag {
  std::string tag;  // without '#', case as written
  TextRange range;
  bool operator==(const Hashtag&) const = default;
};

struct Mention {
  std::string handle;   // without '@'
  std::string user_id;  // empty when the provider does not give it
  TextRange range;
  bool operator==(const Mention&) const = default;
};

struct Url {
  std::string url;           // as in the text (t.co for X)
  std::string expanded_url;  // provider's expansion, else equal to url
  std::string display_url;   // may be empty
  std::string unwound_url;   // X v2 enrichment: final URL after redirects; may be empty
  TextRange range;
  bool operator==(const Url&) const = default;
};

struct Cashtag {
  std::string tag;  // without '$'
  TextRange range;
  bool operator==(const Cashtag&) const = default;
};

struct PublicMetrics {
  std::optional<std::int64_t> reposts;
  std::optional<std::int64_t> replies;
  std::optional<std::int64_t> likes;
  std::optional<std::int64_t> quotes;
  std::optional<std::int64_t> impressions;
  bool operator==(const PublicMetrics&) const = default;
};

struct Geo {
  std::optional<double> lon;  // WGS84, from a point when the provider gives one
  std::optional<double> lat;
  std::string place_id;
  std::string place_name;  // "full_name" on X
  std::string country_code;
  bool empty() const { return !lon && !lat && place_id.empty(); }
  bool operator==(const Geo&) const = default;
};

// A filtered-stream rule that selected this post.
struct MatchingRule {
  std::string id;   // string even when the provider sent a number
  std::string tag;  // may be empty
  bool operator==(const MatchingRule&) const = default;
};

struct Post {
  std::string id;
  Provider provider = Provider::kUnknown;
  TimestampUs created_at = 0;
  Author author;
  std::string text;  // full text (extended / note text when the provider has it)
  std::string lang;  // BCP-47 as given ("und" when unknown); may be empty
  // Where in the provider the post was made, when the provider has such a
  // place: GitHub's repository ("owner/name"), Meetup's group urlname. Empty
  // for X, Bluesky and Mastodon.
  std::string channel;
  PostKind kind = PostKind::kPost;
  std::vector<Reference> references;
  std::vector<Hashtag> hashtags;
  std::vector<Mention> mentions;
  std::vector<Url> urls;
  std::vector<Cashtag> cashtags;
  PublicMetrics metrics;
  Geo geo;
  std::vector<MatchingRule> matching_rules;
  // Which entities came from the text extractor rather than the provider.
  bool entities_extracted = false;
  // The provider's JSON for this post, byte-exact as received: the whole line
  // for a stream line (so includes stay with it), the tweet object for a post
  // taken out of a page or array. Empty when read back from CSV.
  std::string raw;
  // Format the post was parsed from ("x-v2", "x-v11", "starling", "csv", ...).
  std::string source_format;

  // Resets every field to its default, as `*this = Post()` would, but keeps
  // the capacity of the strings and vectors, so that a Post reused for
  // record after record (parse/ does) stops allocating. Must reset every
  // field above: post.cc checks the size of Post to catch a new one.
  void Clear();

  // The id referenced by `kind` (empty for a plain post).
  std::string_view ReferencedId() const;
  // Equality of content, ignoring raw and source_format: what a v1.1 and a v2
  // rendering of the same tweet must agree on.
  bool SameContent(const Post& other) const;
};

}  // namespace starling::model
