// File: parse/post_parser.cc
// One pass over each record with simdjson On-Demand. X v1.1, X v2 and our own
// normalized format share most field names, so a single field handler reads a
// tweet object whatever its dialect (internal/tweet.cc); the envelope
// (data/includes/statuses/errors/control keys) is recognised at the top level
// (internal/envelope.cc). A record of another provider is noticed by a field
// name X never has and read again, from its start, by that provider's reader
// (internal/detect.cc), so X records pay nothing for the others. Here: the
// public API, and the record's first byte to its last.
#include "parse/post_parser.h"

#include <cstring>

#include "parse/internal/parser_impl.h"

namespace starling::parse {

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kAuto:
      return "auto";
    case Format::kXV2:
      return "x-v2";
    case Format::kXV11:
      return "x-v11";
    case Format::kStarling:
      return "starling";
    case Format::kGitHub:
      return "github";
    case Format::kBluesky:
      return "bluesky";
    case Format::kMastodon:
      return "mastodon";
    case Format::kMeetup:
      return "meetup";
  }
  return "auto";
}

Result<Format> FormatFromName(std::string_view name) {
  for (auto f : {Format::kAuto, Format::kXV2, Format::kXV11, Format::kStarling, Format::kGitHub,
                 Format::kBluesky, Format::kMastodon, Format::kMeetup}) {
    if (FormatName(f) == name) return f;
  }
  return InvalidArgument("unknown format '" + std::string(name) +
                         "' (expected auto, x-v2, x-v11, starling, github, bluesky, mastodon or "
                         "meetup)");
}

// Sequential pre-snowflake ids stayed below ~3e10; snowflakes start near 3e16.
constexpr std::uint64_t kFirstSnowflakeId = 1000000000000000ULL;  // 1e15

model::TimestampUs SnowflakeTime(std::string_view id) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
  if (ec != std::errc() || p != id.data() + id.size() || v < kFirstSnowflakeId) return 0;
  constexpr std::int64_t kTwitterEpochMs = 1288834974657LL;  // 2010-11-04T01:42:54.657Z
  return (static_cast<std::int64_t>(v >> 22) + kTwitterEpochMs) * 1000;
}

PostParser::PostParser(ParseOptions options)
    : options_(options), impl_(std::make_unique<Impl>(options_)) {}

PostParser::~PostParser() = default;

Status PostParser::Parse(std::string_view record, std::vector<model::Post>* posts,
                         std::vector<ControlMessage>* controls, std::size_t padding) {
  return ParseRecord(record, posts, nullptr, controls, padding);
}

Status PostParser::ParseView(std::string_view record, std::vector<const model::Post*>* posts,
                             std::vector<ControlMessage>* controls, std::size_t padding) {
  posts->clear();
  Status st = ParseRecord(record, nullptr, posts, controls, padding);
  if (!st.ok()) posts->clear();
  return st;
}

// Exactly one of posts (Parse) and view (ParseView) is set.
Status PostParser::ParseRecord(std::string_view record, std::vector<model::Post>* posts,
                               std::vector<const model::Post*>* view,
                               std::vector<ControlMessage>* controls, std::size_t padding) {
  static_assert(kPaddingForInPlace >= simdjson::SIMDJSON_PADDING);
  const char* record_end = record.data() + record.size();
  record = Trim(record);
  padding += static_cast<std::size_t>(record_end - (record.data() + record.size()));
  if (record.empty()) return Status::Ok();
  if (record.size() > options_.max_record_bytes) {
    return ResourceExhausted("record of " + std::to_string(record.size()) +
                             " bytes exceeds the limit of " +
                             std::to_string(options_.max_record_bytes));
  }
  Impl& im = *impl_;
  im.Reset();
  std::size_t capacity;
  if (padding >= kPaddingForInPlace) {
    im.buf_begin = record.data();
    capacity = record.size() + padding;
  } else {
    im.padded.resize(record.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(im.padded.data(), record.data(), record.size());
    std::memset(im.padded.data() + record.size(), ' ', simdjson::SIMDJSON_PADDING);
    im.buf_begin = im.padded.data();
    capacity = im.padded.size();
  }
  im.record = record;
  im.where = "document";
  im.out = posts;
  im.view_out = view;
  const std::size_t posts_before = posts != nullptr ? posts->size() : 0;
  const std::size_t controls_before = controls->size();
  try {
    im.doc = im.parser.iterate(im.buf_begin, record.size(), capacity);
    od::json_type t = im.doc.type();
    if (t == od::json_type::object) {
      im.ParseTopObject(im.doc.get_object(), controls);
    } else if (t == od::json_type::array) {
      im.ParseTweetArray(im.doc.get_value(), "[]");
      if (!im.other_provider) {
        for (TweetBuilder* b : im.tweets) im.Emit(*b, b->span, /*apply_rules=*/false);
      }
    } else {
      throw Malformed("expected a JSON object or array");
    }
    // Not X: read again from the start as the provider it is.
    if (im.other_provider) im.ParseOtherProvider(controls);
    const char* trailing = nullptr;
    if (!im.stopped_early && im.doc.current_location().get(trailing) == simdjson::SUCCESS) {
      throw Malformed("trailing content after the JSON document");
    }
    if (options_.format != Format::kAuto) {
      for (Format f : im.finished_formats) {
        if (f != options_.format) {
          throw Malformed("not " + std::string(FormatName(options_.format)) + " (looks like " +
                          std::string(FormatName(f)) + ")");
        }
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    if (posts != nullptr) {
      posts->erase(posts->begin() + static_cast<std::ptrdiff_t>(posts_before), posts->end());
    }
    controls->erase(controls->begin() + static_cast<std::ptrdiff_t>(controls_before),
                    controls->end());
    return MalformedInput(std::string(im.where) + ": " + simdjson::error_message(e.error()));
  } catch (const Malformed& e) {
    if (posts != nullptr) {
      posts->erase(posts->begin() + static_cast<std::ptrdiff_t>(posts_before), posts->end());
    }
    controls->erase(controls->begin() + static_cast<std::ptrdiff_t>(controls_before),
                    controls->end());
    return MalformedInput(std::string(im.where) + ": " + e.what());
  }
  return Status::Ok();
}

}  // namespace starling::parse
