// File: fuzz/extract_fuzz.cc
// libFuzzer target for text/: every extractor, the weighted length (all three
// built-in configurations) and the validators on arbitrary bytes. Checks the
// invariants that must hold for any input: entities lie inside the text, in
// order, and their values are the text they cover.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "text/extract.h"
#include "text/tweet_length.h"
#include "text/validate.h"

namespace {

void CheckEntities(const std::vector<starling::text::Entity>& entities) {
  std::int32_t prev_end = 0;
  for (const auto& e : entities) {
    if (e.start < 0 || e.end < e.start || e.start_utf16 < e.start || e.end_utf16 < e.end)
      std::abort();
    if (e.start < prev_end) std::abort();  // extractors never return overlaps
    prev_end = e.end;
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace starling::text;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  CheckEntities(ExtractHashtags(text));
  CheckEntities(ExtractCashtags(text));
  CheckEntities(ExtractUrls(text));
  CheckEntities(ExtractMentions(text));
  CheckEntities(ExtractMentionsOrLists(text));
  CheckEntities(ExtractEntities(text));
  (void)ExtractReplyScreenName(text);
  for (const TweetLengthConfig& c :
       {TweetLengthConfig::V1(), TweetLengthConfig::V2(), TweetLengthConfig::V3()}) {
    const TweetLengthResult r = ParseTweet(text, c);
    if (r.weighted_length < 0 || r.valid_range_end > r.display_range_end) std::abort();
  }
  (void)IsValidUsername(text);
  (void)IsValidList(text);
  (void)IsValidHashtag(text);
  (void)IsValidUrl(text);
  (void)IsValidUrl(text, false, false);
  return 0;
}
