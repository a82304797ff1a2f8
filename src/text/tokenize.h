// File: text/tokenize.h
// Word tokenizing for "top words" and topic clustering: lower-cased Unicode
// words of a post, without stopwords, entities (hashtags, mentions, cashtags,
// URLs), numbers and very short words unless asked to keep them.
#pragma once

#include <concepts>
#include <cstddef>
#include <string_view>
#include <type_traits>

namespace starling::text {

struct WordOptions {
  bool drop_stopwords = true;  // IsStopword() words
  // Skip #hashtags, @mentions, $cashtags (also with full-width sigils) and URLs
  // (http://, https://, www. up to the next space) where a word could start.
  // When false, their words are kept ("#Tag" gives "tag").
  bool drop_entities = true;
  std::size_t min_length = 2;  // in code points; shorter words are dropped
  bool drop_numbers = true;    // words made only of digits (any script)
};

namespace internal {
using WordCallback = void (*)(void* context, std::string_view word);
void ForEachWord(std::string_view utf8_text, const WordOptions& options, void* context,
                 WordCallback callback);
}  // namespace internal

// Calls fn(word) for each word of `utf8_text`, in order, lower-cased (full
// Unicode simple case mapping plus final sigma; ’ becomes '). Words are runs
// of Unicode letters, marks and decimal digits, with apostrophes kept inside a
// word ("don't"); everything else separates words, so emoji and punctuation
// never appear. Han, kana, Thai, Lao, Khmer and Myanmar runs, written without
// spaces, are split into words by ICU's dictionary-based word breaker.
// `word` views a per-thread buffer valid only during the call. Any bytes are
// accepted (invalid UTF-8 separates words). Thread-safe; no allocation per
// call in steady state.
template <typename Fn>
requires std::invocable<Fn&, std::string_view>
void ForEachWord(std::string_view utf8_text, const WordOptions& options, Fn&& fn) {
  using F = std::remove_reference_t<Fn>;
  internal::ForEachWord(utf8_text, options, const_cast<void*>(static_cast<const void*>(&fn)),
                        [](void* f, std::string_view w) { (*static_cast<F*>(f))(w); });
}

// True for the words of a small English stopword list (function words and
// their contractions with ') and common tweet noise ("rt", "amp", "https",
// "co"). `lowered_word` must already be lower case. Thread-safe.
bool IsStopword(std::string_view lowered_word);

}  // namespace starling::text
