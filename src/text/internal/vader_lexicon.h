// File: text/internal/vader_lexicon.h
// The word tables of the VADER sentiment port (text/sentiment.h): the rated
// lexicon and emoji descriptions embedded at build time from shared data, plus
// vaderSentiment 3.3.2's booster, negation and idiom lists, in one flat hash
// table so that scoring looks each token up once.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace starling::text::internal {

// What VADER knows about one lower-case token.
struct VaderWord {
  double valence = 0;        // mean rating from vader_lexicon.txt (when in_lexicon)
  double booster = 0;        // BOOSTER_DICT scalar (when is_booster)
  bool in_lexicon = false;   // key of vader_lexicon.txt
  bool is_booster = false;   // single-word key of BOOSTER_DICT
  bool is_negation = false;  // member of NEGATE
};

class VaderLexicon {
 public:
  // The tables built from the embedded data; built once, thread-safe, never destroyed.
  static const VaderLexicon& Embedded();

  // `lowered` as Python's str.lower() leaves it; nullptr when VADER knows nothing of it.
  // Keys of vader_lexicon.txt that are not lower case are unreachable in
  // vaderSentiment (it looks up lower-cased tokens only) and are not stored.
  const VaderWord* Find(std::string_view lowered) const;

  // Description replacing the single code point `cp` (emoji_utf8_lexicon.txt),
  // empty when none. Multi-code-point keys never match in vaderSentiment (it
  // translates one character at a time) and are not stored.
  std::string_view EmojiDescription(char32_t cp) const;
  // No emoji key is below this code point (a cheap pre-filter).
  char32_t MinEmoji() const { return min_emoji_; }

  std::size_t LexiconSize() const { return lexicon_size_; }
  std::size_t EmojiCount() const { return emoji_.size(); }

 private:
  VaderLexicon();
  VaderWord* Insert(std::string_view key);

  struct Slot {
    std::string_view key;  // empty: free slot; views the embedded tables or string literals
    std::uint64_t hash = 0;
    VaderWord word;
  };
  std::vector<Slot> slots_;  // open addressing, linear probing, power-of-two size
  std::size_t used_ = 0;
  std::size_t lexicon_size_ = 0;
  struct Emoji {
    char32_t cp;
    std::string_view description;
  };
  std::vector<Emoji> emoji_;  // sorted by cp
  char32_t min_emoji_ = 0x110000;
};

}  // namespace starling::text::internal
