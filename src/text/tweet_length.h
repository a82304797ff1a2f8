// File: text/tweet_length.h
// Weighted tweet length, exactly as twitter-text's TwitterTextParser.parseTweet:
// NFC normalization, per-code-point weights by range, URLs counted as
// transformedURLLength, emoji sequences as one default-weight unit when the
// configuration enables emoji parsing (v3). Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"

namespace starling::text {

// Code points start..end (inclusive) weigh `weight`.
struct WeightedRange {
  std::int32_t start = 0;
  std::int32_t end = 0;
  std::int32_t weight = 0;
};

// One twitter-text configuration (../shared/data/twitter-text/config/*.json).
struct TweetLengthConfig {
  std::int32_t version = 3;
  std::int32_t max_weighted_tweet_length = 280;
  std::int32_t scale = 100;
  std::int32_t default_weight = 200;
  bool emoji_parsing_enabled = true;
  std::int32_t transformed_url_length = 23;
  std::vector<WeightedRange> ranges;

  // The configurations twitter-text ships: v1 (140, unweighted), v2 (280,
  // weighted ranges), v3 (v2 plus emoji parsing; the default).
  static TweetLengthConfig V1();
  static TweetLengthConfig V2();
  static TweetLengthConfig V3();
};

// Reads a configuration JSON file. Missing required fields or values out of
// range give kInvalidArgument; an unreadable file kIoError/kNotFound.
Result<TweetLengthConfig> LoadTweetLengthConfig(const std::string& path);
// Same, from JSON text.
Result<TweetLengthConfig> ParseTweetLengthConfig(std::string_view json);

// TwitterTextParseResults. Ranges are UTF-16 offsets into the ORIGINAL text,
// end inclusive; an empty or blank text gives {0, 0, false, -1..-1, -1..-1}.
struct TweetLengthResult {
  std::int32_t weighted_length = 0;
  std::int32_t permillage = 0;
  bool valid = false;
  std::int32_t display_range_start = -1;
  std::int32_t display_range_end = -1;
  std::int32_t valid_range_start = -1;
  std::int32_t valid_range_end = -1;
};

// `text` is UTF-8; invalid bytes count as U+FFFD.
TweetLengthResult ParseTweet(std::string_view text,
                             const TweetLengthConfig& config = TweetLengthConfig::V3());

}  // namespace starling::text
