// File: text/case.h
// The one lower case of hashtags and keys, so that every analysis and every
// store (hashtags.tag_lower) folds "#Café" and "#CAFÉ" alike.
#pragma once

#include <string>
#include <string_view>

namespace starling::text {

// Unicode lower case (ICU, root locale); ASCII is lowered without ICU.
std::string LowerTag(std::string_view tag);

// Each code point mapped on its own, to one code point: Unicode's simple
// case mapping (ICU u_tolower / u_toupper), so 'ß' stays 'ß' and 'İ' lowers
// to 'i' (no combining dot). Bytes that are not UTF-8 stay as they are.
// `starling query`'s text.lower and text.upper, in every executor.
std::string LowerEachCodePoint(std::string_view text);
std::string UpperEachCodePoint(std::string_view text);

}  // namespace starling::text
