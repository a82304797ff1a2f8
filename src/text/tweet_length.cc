// File: text/tweet_length.cc
// Port of TwitterTextParser.parseTweet over ICU UTF-16 strings (offsets in
// the result are UTF-16, like the Java library's).
#include "text/tweet_length.h"

#include <simdjson.h>
#include <unicode/unorm2.h>
#include <unicode/ustring.h>

#include <vector>

#include "text/extract.h"
#include "text/internal/emoji.h"

namespace starling::text {
namespace {

std::vector<WeightedRange> V2Ranges() {
  return {{0, 4351, 100}, {8192, 8205, 100}, {8208, 8223, 100}, {8242, 8247, 100}};
}

bool IsInvalidChar(UChar c) { return c == 0xFFFE || c == 0xFEFF || c == 0xFFFF; }

}  // namespace

TweetLengthConfig TweetLengthConfig::V1() {
  TweetLengthConfig c;
  c.version = 1;
  c.max_weighted_tweet_length = 140;
  c.scale = 1;
  c.default_weight = 1;
  c.emoji_parsing_enabled = false;
  c.transformed_url_length = 23;
  return c;
}

TweetLengthConfig TweetLengthConfig::V2() {
  TweetLengthConfig c;
  c.version = 2;
  c.emoji_parsing_enabled = false;
  c.ranges = V2Ranges();
  return c;
}

TweetLengthConfig TweetLengthConfig::V3() {
  TweetLengthConfig c;
  c.version = 3;
  c.emoji_parsing_enabled = true;
  c.ranges = V2Ranges();
  return c;
}

Result<TweetLengthConfig> ParseTweetLengthConfig(std::string_view json) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return InvalidArgument("tweet length config: not valid JSON");
  }
  TweetLengthConfig c;
  c.emoji_parsing_enabled = false;
  c.transformed_url_length = 23;
  auto get_int = [&](const char* key, bool required, std::int64_t min,
                     std::int32_t* out) -> Status {
    std::int64_t v = 0;
    auto err = root[key].get_int64().get(v);
    if (err == simdjson::NO_SUCH_FIELD) {
      return required ? InvalidArgument(std::string("tweet length config: missing ") + key)
                      : Status::Ok();
    }
    if (err != simdjson::SUCCESS || v < min || v > INT32_MAX) {
      return InvalidArgument(std::string("tweet length config: bad ") + key);
    }
    *out = static_cast<std::int32_t>(v);
    return Status::Ok();
  };
  STARLING_RETURN_IF_ERROR(get_int("version", true, 0, &c.version));
  STARLING_RETURN_IF_ERROR(
      get_int("maxWeightedTweetLength", true, 0, &c.max_weighted_tweet_length));
  STARLING_RETURN_IF_ERROR(get_int("scale", true, 1, &c.scale));
  STARLING_RETURN_IF_ERROR(get_int("defaultWeight", true, 0, &c.default_weight));
  STARLING_RETURN_IF_ERROR(get_int("transformedURLLength", false, 0, &c.transformed_url_length));
  bool emoji = false;
  auto emoji_err = root["emojiParsingEnabled"].get_bool().get(emoji);
  if (emoji_err == simdjson::SUCCESS) {
    c.emoji_parsing_enabled = emoji;
  } else if (emoji_err != simdjson::NO_SUCH_FIELD) {
    return InvalidArgument("tweet length config: bad emojiParsingEnabled");
  }
  simdjson::dom::array ranges;
  auto ranges_err = root["ranges"].get_array().get(ranges);
  if (ranges_err == simdjson::SUCCESS) {
    for (simdjson::dom::element r : ranges) {
      std::int64_t start = 0, end = 0, weight = 0;
      if (r["start"].get_int64().get(start) != simdjson::SUCCESS ||
          r["end"].get_int64().get(end) != simdjson::SUCCESS ||
          r["weight"].get_int64().get(weight) != simdjson::SUCCESS || start < 0 || end < 0 ||
          weight < 0 || start > INT32_MAX || end > INT32_MAX || weight > INT32_MAX) {
        return InvalidArgument("tweet length config: bad range item");
      }
      c.ranges.push_back({static_cast<std::int32_t>(start), static_cast<std::int32_t>(end),
                          static_cast<std::int32_t>(weight)});
    }
  } else if (ranges_err != simdjson::NO_SUCH_FIELD) {
    return InvalidArgument("tweet length config: bad ranges");
  }
  return c;
}

Result<TweetLengthConfig> LoadTweetLengthConfig(const std::string& path) {
  simdjson::padded_string json;
  auto err = simdjson::padded_string::load(path).get(json);
  if (err != simdjson::SUCCESS) {
    return IoError("tweet length config: cannot read " + path + ": " +
                   simdjson::error_message(err));
  }
  return ParseTweetLengthConfig(std::string_view(json.data(), json.size()));
}

TweetLengthResult ParseTweet(std::string_view text, const TweetLengthConfig& config) {
  TweetLengthResult empty;
  // Java's tweet.trim().length() == 0: nothing above U+0020.
  bool blank = true;
  for (unsigned char c : text) {
    if (c > 0x20) {
      blank = false;
      break;
    }
  }
  if (blank || config.scale <= 0 || config.max_weighted_tweet_length <= 0) return empty;

  UErrorCode status = U_ZERO_ERROR;
  int32_t u16_len = 0;
  u_strFromUTF8WithSub(nullptr, 0, &u16_len, text.data(), static_cast<int32_t>(text.size()), 0xFFFD,
                       nullptr, &status);
  status = U_ZERO_ERROR;
  std::vector<UChar> original(static_cast<std::size_t>(u16_len) + 1);
  u_strFromUTF8WithSub(original.data(), u16_len + 1, nullptr, text.data(),
                       static_cast<int32_t>(text.size()), 0xFFFD, nullptr, &status);
  if (U_FAILURE(status)) return empty;

  const UNormalizer2* nfc = unorm2_getNFCInstance(&status);
  if (U_FAILURE(status)) return empty;
  std::vector<UChar> norm(static_cast<std::size_t>(u16_len) * 3 + 16);
  int32_t norm_len = unorm2_normalize(nfc, original.data(), u16_len, norm.data(),
                                      static_cast<int32_t>(norm.size()), &status);
  if (status == U_BUFFER_OVERFLOW_ERROR) {
    status = U_ZERO_ERROR;
    norm.resize(static_cast<std::size_t>(norm_len) + 1);
    norm_len = unorm2_normalize(nfc, original.data(), u16_len, norm.data(),
                                static_cast<int32_t>(norm.size()), &status);
  }
  if (U_FAILURE(status) || norm_len == 0) return empty;

  // URLs are extracted from the normalized text (UTF-8 again for the extractor).
  int32_t utf8_len = 0;
  status = U_ZERO_ERROR;
  u_strToUTF8(nullptr, 0, &utf8_len, norm.data(), norm_len, &status);
  status = U_ZERO_ERROR;
  std::string normalized(static_cast<std::size_t>(utf8_len), '\0');
  u_strToUTF8(normalized.data(), utf8_len + 1, nullptr, norm.data(), norm_len, &status);
  const std::vector<Entity> urls = ExtractUrls(normalized);

  const std::int64_t scale = config.scale;
  const std::int64_t max_scaled =
      static_cast<std::int64_t>(config.max_weighted_tweet_length) * scale;
  const std::int64_t url_weight = static_cast<std::int64_t>(config.transformed_url_length) * scale;

  std::int64_t weighted = 0;
  int32_t offset = 0;
  int32_t valid_offset = 0;
  bool has_invalid = false;
  std::size_t next_url = 0;
  while (offset < norm_len) {
    std::int64_t char_weight = config.default_weight;
    while (next_url < urls.size() && urls[next_url].start_utf16 < offset) ++next_url;
    if (next_url < urls.size() && urls[next_url].start_utf16 == offset) {
      const int32_t url_length = urls[next_url].end_utf16 - urls[next_url].start_utf16;
      weighted += url_weight;
      offset += url_length;
      if (weighted <= max_scaled) valid_offset += url_length;
      ++next_url;
    }
    if (offset >= norm_len) break;
    int32_t j = offset;
    UChar32 code_point;
    U16_NEXT(norm.data(), j, norm_len, code_point);
    int32_t emoji_length = 0;
    if (config.emoji_parsing_enabled) {
      emoji_length = internal::MatchEmoji(norm.data(), norm_len, offset);
    }
    if (emoji_length == 0) {
      for (const WeightedRange& r : config.ranges) {
        if (code_point >= r.start && code_point <= r.end) {
          char_weight = r.weight;
          break;
        }
      }
    }
    weighted += char_weight;
    has_invalid = has_invalid || IsInvalidChar(norm[static_cast<std::size_t>(offset)]);
    const int32_t delta = emoji_length != 0 ? emoji_length : j - offset;
    offset += delta;
    if (!has_invalid && weighted <= max_scaled) valid_offset += delta;
  }
  const int32_t normalization_offset = u16_len - norm_len;
  const std::int64_t scaled_length = weighted / scale;
  TweetLengthResult r;
  r.weighted_length = static_cast<std::int32_t>(scaled_length);
  r.valid = !has_invalid && scaled_length <= config.max_weighted_tweet_length;
  r.permillage = static_cast<std::int32_t>(scaled_length * 1000 / config.max_weighted_tweet_length);
  r.display_range_start = 0;
  r.display_range_end = offset + normalization_offset - 1;
  r.valid_range_start = 0;
  r.valid_range_end = valid_offset + normalization_offset - 1;
  return r;
}

}  // namespace starling::text
