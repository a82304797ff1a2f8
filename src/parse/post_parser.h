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
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/post.h"

namespace starling::parse {

enum class Format : std::uint8_t { kAuto, kXV2, kXV11, kStarling };
std::string_view FormatName(Format f);  // "auto", "x-v2", "x-v11", "starling"
Result<Format> FormatFromName(std::string_view name);

// A non-post message a stream carries: X v2 error lines
// ("operational-disconnect"), v1.1 delete / limit / scrub_geo / warning ...
struct ControlMessage {
  std::string kind;    // "operational-disconnect", "delete", "limit", "warning", ...
  std::string detail;  // short human summary (may be empty)
};

struct ParseOptions {
  Format format = Format::kAuto;
  // Also emit the tweets a post references (retweeted, quoted, included),
  // each right after the post that references it.
  bool include_referenced = false;
  // Run the twitter-text extractor when a post carries no provider entities.
  bool extract_missing_entities = true;
  // Keep the provider JSON of each post in Post::raw. Off when nothing
  // downstream reads it (e.g. `normalize` without --with-raw): saves a copy
  // of every record.
  bool keep_raw = true;
  // Records longer than this are rejected (ResourceExhausted) without parsing.
  std::size_t max_record_bytes = 16u << 20;
};

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
