// File: text/validate.h
// Validation helpers of twitter-text (conformance: validate.yml sections
// tweets, usernames, lists, hashtags, urls, urls_without_protocol).
// Pure functions; thread-safe; input is UTF-8.
#pragma once

#include <string_view>

#include "text/tweet_length.h"

namespace starling::text {

// ParseTweet(text, config).valid.
bool IsValidTweet(std::string_view text, const TweetLengthConfig& config = TweetLengthConfig::V3());
// "@name": exactly one mention whose name is the rest of the text.
bool IsValidUsername(std::string_view text);
// "@name/slug" and nothing else.
bool IsValidList(std::string_view text);
// "#tag": exactly one hashtag whose tag is the rest of the text.
bool IsValidHashtag(std::string_view text);
// RFC 3986 shaped URL as twitter-text's isValidUrl: scheme http/https (unless
// !require_protocol), host a (Unicode, unless !unicode_domains) domain or IP.
bool IsValidUrl(std::string_view text, bool unicode_domains = true, bool require_protocol = true);

}  // namespace starling::text
