// File: source/provider/json_records.h
// The little JSON a provider source reads itself (sources never parse
// posts): cutting an API's array into records, byte-exact but for the
// whitespace between tokens, and a top-level field for cursors and ids.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace starling::source::provider {

// The elements of the JSON array `body`, each minified (the bytes as sent,
// less whitespace outside strings, so each is one line). MalformedInput when
// `body` is not a JSON array.
Result<std::vector<std::string>> ArrayElements(std::string_view body);

// `json` minified (one line), or MalformedInput when it is not JSON.
Result<std::string> Minify(std::string_view json);

// A top-level field of the JSON object `object` as text: a string's value, a
// number's digits; empty when absent, of another type, or not JSON.
std::string TopField(std::string_view object, std::string_view key);

}  // namespace starling::source::provider
