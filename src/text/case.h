// File: text/case.h
// The one lower case of hashtags and keys, so that every analysis and every
// store (hashtags.tag_lower) folds "#Café" and "#CAFÉ" alike.
#pragma once

#include <string>
#include <string_view>

namespace starling::text {

// Unicode lower case (ICU, root locale); ASCII is lowered without ICU.
std::string LowerTag(std::string_view tag);

}  // namespace starling::text
