// File: model/post_json.h
// The normalized post as JSON (the "starling" format, documented in
// docs/formats/post.md): writing it (parse/ reads it back, losslessly).
// Timestamps have their own header, model/time.h.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "model/post.h"
#include "model/time.h"

namespace starling::model {

struct PostJsonOptions {
  bool include_raw = false;  // add "raw": the provider JSON as a string
};

// Appends one JSON object (no trailing newline) to *out.
void AppendPostJson(const Post& post, std::string* out, const PostJsonOptions& options = {});

// Appends s as a JSON string literal (quoted, escaped) to *out. Invalid UTF-8
// is replaced by U+FFFD so the output is always valid JSON.
void AppendJsonString(std::string_view s, std::string* out);

}  // namespace starling::model
