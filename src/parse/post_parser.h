// File: parse/post_parser.h
// Bytes -> normalized posts. One PostParser turns one record (a JSON document:
// a line of a JSONL stream, or a whole file holding a JSON document) into the
// posts it contains, in input order, plus the control messages it carries.
//
// Recognised automatically per record (see docs/formats/post.md):
//   x-v2      X API v2: stream lines {data, includes, matching_rules}, search
//             and lookup pages {data: [...], includes, meta}, bare v2 tweet
//             objects, error lines {errors: [...]} (control, not posts)
//   x-v11     X API v1.1: statuses (standard, extended and enterprise
//             formats), search pages {statuses: [...]}, arrays of statuses,
//             stream control messages (delete, limit, scrub_geo, warning, ...)
//   starling  our own normalized post JSON (what `starling normalize` writes)
//   github    GitHub Events API: one event object, or the API's array of them
//   bluesky   Bluesky Jetstream v1 events (posts and reposts; every other
//             event is a control message)
//   mastodon  Mastodon Status entities (one, or an array of them) and
//             streaming events {stream, event, payload}
//   meetup    Meetup GraphQL responses {data, errors}: the event nodes of
//             every `edges` array (or a single event object)
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/post.h"

namespace starling::parse {

enum class Format : std::uint8_t {
  kAuto,
  kXV2,
  kXV11,
  kStarling,
  kGitHub,
  kBluesky,
  kMastodon,
  kMeetup,
};
// "auto", "x-v2", "x-v11", "starling", "github", "bluesky", "mastodon", "meetup"
std::string_view FormatName(Format f);
Result<Format> FormatFromName(std::string_view name);

// A non-post message a stream carries: X v2 error lines
// ("operational-disconnect"), v1.1 delete / limit / scrub_geo / warning ...,
// Bluesky deletes, likes, follows, identity and account events, Mastodon
// delete / notification / ... events, Meetup GraphQL errors.
struct ControlMessage {
  std::string kind;    // "operational-disconnect", "delete", "limit", "warning", ...
  std::string detail;  // short human summary (may be empty)
};

// Which parts of a post the parser decodes: a projection, so that a pipeline
// that counts hashtags does not pay for texts, authors and metrics. Fields
// not requested stay at their defaults (empty; created_at 0; kind kPost) and
// their JSON is skipped, not decoded. Always read, whatever the projection:
// the id, provider, channel, source_format and entities_extracted, and enough of the
// rest to tell a post from a control message and its dialect (so --format
// checks and "not a post: no id / no text" stay as they are). A projected
// parse checks only what it reads: a record whose only fault is a wrong
// type in a field not requested is accepted. With every field requested
// (the default) the parser behaves exactly as without projections.
struct Fields {
  enum : std::uint32_t {
    kText = 1u << 0,        // Post::text
    kTime = 1u << 1,        // created_at (not requested: 0, no snowflake fallback)
    kAuthor = 1u << 2,      // author, and the includes.users join
    kLang = 1u << 3,        // lang
    kHashtags = 1u << 4,    // hashtags
    kMentions = 1u << 5,    // mentions
    kUrls = 1u << 6,        // urls (v1.1 media included)
    kCashtags = 1u << 7,    // cashtags
    kReferences = 1u << 8,  // references and kind
    kMetrics = 1u << 9,     // metrics
    kGeo = 1u << 10,        // geo, and the includes.places join
    kRules = 1u << 11,      // matching_rules
    kEntities = kHashtags | kMentions | kUrls | kCashtags,
    kAll = (1u << 12) - 1,
  };
  std::uint32_t bits = kAll;

  bool Has(std::uint32_t f) const { return (bits & f) != 0; }  // any of f
  bool all() const { return (bits & kAll) == kAll; }
  bool operator==(const Fields&) const = default;
};

struct ParseOptions {
  Format format = Format::kAuto;
  // What to decode of each post (see Fields). Entities are still extracted
  // from the text when the provider gives none and some entity kind is
  // requested (the text is then decoded for that, even without kText);
  // include_referenced implies kReferences.
  Fields fields;
  // Also emit the tweets a post references (retweeted, quoted, included),
  // each right after the post that references it.
  bool include_referenced = false;
  // Run the twitter-text extractor when a post carries no provider entities.
  bool extract_missing_entities = true;
  // Keep the provider JSON of each post in Post::raw. Off when nothing
  // downstream reads it (e.g. `normalize` without --with-raw): saves a copy
  // of every record.
  bool keep_raw = true;
  // false: read an X v2 envelope ({data, includes, matching_rules, ...}) no
  // further than its `data` when the projection (fields) needs nothing after
  // it: no author, geo or rules, and not include_referenced. Faster (the
  // includes of a stream line are often bigger than its tweet), but the rest
  // of the record goes unchecked: a line cut or malformed after its data is
  // not rejected, and errors listed after the data are not reported as
  // controls. For quick answers over trusted files (`starling top`).
  bool read_whole_record = true;
  // Records longer than this are rejected (ResourceExhausted) without parsing.
  std::size_t max_record_bytes = 16u << 20;
};

// A record of nothing but spaces, tabs and line breaks ("\r" included): a
// blank line. Readers skip it: it is neither a record nor a dead letter
// (PostParser gives nothing for it, without an error).
inline bool IsBlankRecord(std::string_view record) {
  for (const char c : record) {
    if (c != ' ' && c != '\t' && c != '\n' && c != '\r') return false;
  }
  return true;
}

// Not thread-safe: one parser per thread. Reuses its buffers across calls.
class PostParser {
 public:
  explicit PostParser(ParseOptions options = {});
  ~PostParser();
  PostParser(const PostParser&) = delete;
  PostParser& operator=(const PostParser&) = delete;

  // Parses one record. On success appends the posts to *posts (after what is
  // already there) and control messages to *controls. A record is all or
  // nothing: on error nothing is appended and the Status says why
  // (MalformedInput for bad JSON, wrong types, invalid UTF-8 or an
  // unrecognised document; ResourceExhausted for an oversized record).
  // Leading/trailing whitespace (including "\r") is ignored.
  // `padding`: how many bytes after the record may be read. With at least
  // kPaddingForInPlace the record is parsed where it lies; otherwise it is
  // first copied into a padded buffer.
  Status Parse(std::string_view record, std::vector<model::Post>* posts,
               std::vector<ControlMessage>* controls, std::size_t padding = 0);

  // Like Parse, but the posts stay in the parser: on success *posts is set
  // to pointers to this record's posts, in order (none for a blank record);
  // on error it is empty. They are valid until the next call of Parse or
  // ParseView. The parser reuses their storage for later records (strings
  // and vectors keep their capacity), so a stream parsed this way allocates
  // next to nothing per post, and no post is moved or copied.
  Status ParseView(std::string_view record, std::vector<const model::Post*>* posts,
                   std::vector<ControlMessage>* controls, std::size_t padding = 0);

  static constexpr std::size_t kPaddingForInPlace = 64;

  const ParseOptions& options() const { return options_; }

 private:
  struct Impl;
  Status ParseRecord(std::string_view record, std::vector<model::Post>* posts,
                     std::vector<const model::Post*>* view, std::vector<ControlMessage>* controls,
                     std::size_t padding);
  ParseOptions options_;
  std::unique_ptr<Impl> impl_;
};

// X snowflake ids carry their creation time; used when created_at is absent.
// Returns 0 for ids that are not snowflakes (before 2010-11-04).
model::TimestampUs SnowflakeTime(std::string_view id);

}  // namespace starling::parse
