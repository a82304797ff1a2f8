// File: model/post_json.h
// The normalized post as JSON (the "starling" format, documented in
// docs/formats/post.md): writing it (parse/ reads it back, losslessly), and
// the timestamps of every format (implemented in model/time.cc).
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "model/post.h"

namespace starling::model {

struct PostJsonOptions {
  bool include_raw = false;  // add "raw": the provider JSON as a string
};

// Appends one JSON object (no trailing newline) to *out.
void AppendPostJson(const Post& post, std::string* out, const PostJsonOptions& options = {});

// Appends s as a JSON string literal (quoted, escaped) to *out. Invalid UTF-8
// is replaced by U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string_view s, std::string* out);

// Formats microseconds since the epoch as "2021-04-01T15:52:31.000Z"
// (milliseconds when the value has none finer, else microseconds).
std::string FormatTimestamp(TimestampUs us);
// The same text written into buf (room for 32 bytes) without allocating:
// the hot-path form. Returns its length, or 0 for a year outside 0000..9999,
// which the fixed layout cannot hold (FormatTimestamp handles those).
std::size_t WriteTimestamp(TimestampUs us, char* buf);
// Parses ISO-8601 ("2021-04-01T15:52:31.000Z", "+00:00" offsets, fractions)
// and X v1.1 dates ("Wed Oct 10 20:19:24 +0000 2018").
Result<TimestampUs> ParseTimestamp(std::string_view text);

}  // namespace starling::model
