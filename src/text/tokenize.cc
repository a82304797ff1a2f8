// File: text/tokenize.cc
// The word scanner behind ForEachWord() and the stopword list.
#include "text/tokenize.h"

#include <unicode/ubrk.h>
#include <unicode/uchar.h>
#include <unicode/utext.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>

#include "text/internal/utf8.h"

namespace starling::text {
namespace {

// Written for Starling: English function words, their contractions, and tweet
// noise. Sorted by bytes (checked below) for binary search.
constexpr std::string_view kStopwords[] = {
    "a",        "about",      "above",   "after",    "again",      "against",  "all",
    "almost",   "also",       "am",      "amp",      "an",         "and",      "any",
    "are",      "aren't",     "as",      "at",       "be",         "because",  "been",
    "before",   "being",      "below",   "between",  "both",       "but",      "by",
    "can",      "can't",      "cannot",  "co",       "could",      "couldn't", "did",
    "didn't",   "do",         "does",    "doesn't",  "doing",      "don't",    "dont",
    "down",     "during",     "each",    "either",   "else",       "even",     "ever",
    "every",    "few",        "for",     "from",     "further",    "get",      "gets",
    "got",      "gt",         "had",     "hadn't",   "has",        "hasn't",   "have",
    "haven't",  "having",     "he",      "he'd",     "he'll",      "he's",     "her",
    "here",     "here's",     "hers",    "herself",  "him",        "himself",  "his",
    "how",      "how's",      "http",    "https",    "i",          "i'd",      "i'll",
    "i'm",      "i've",       "if",      "im",       "in",         "into",     "is",
    "isn't",    "it",         "it'd",    "it'll",    "it's",       "its",      "itself",
    "just",     "let's",      "lt",      "may",      "me",         "might",    "more",
    "most",     "much",       "must",    "my",       "myself",     "no",       "nor",
    "not",      "now",        "of",      "off",      "on",         "once",     "only",
    "or",       "other",      "our",     "ours",     "ourselves",  "out",      "over",
    "own",      "per",        "quot",    "rt",       "same",       "shall",    "she",
    "she'd",    "she'll",     "she's",   "should",   "shouldn't",  "so",       "some",
    "such",     "than",       "that",    "that's",   "the",        "their",    "theirs",
    "them",     "themselves", "then",    "there",    "there's",    "these",    "they",
    "they'd",   "they'll",    "they're", "they've",  "this",       "those",    "though",
    "through",  "thru",       "to",      "too",      "u",          "under",    "until",
    "up",       "upon",       "ur",      "us",       "very",       "via",      "was",
    "wasn't",   "we",         "we'd",    "we'll",    "we're",      "we've",    "were",
    "weren't",  "what",       "what's",  "when",     "when's",     "where",    "where's",
    "whether",  "which",      "while",   "who",      "who's",      "whom",     "whose",
    "why",      "why's",      "will",    "with",     "within",     "won't",    "would",
    "wouldn't", "www",        "yet",     "you",      "you'd",      "you'll",   "you're",
    "you've",   "your",       "yours",   "yourself", "yourselves",
};
static_assert(std::ranges::is_sorted(kStopwords));

// Scripts written without spaces between words, segmented by ICU's dictionaries.
bool IsDictionaryScript(char32_t c) {
  return (c >= 0x0E00 && c <= 0x0EFF) ||  // Thai, Lao
         (c >= 0x1000 && c <= 0x109F) ||  // Myanmar
         (c >= 0x1780 && c <= 0x17FF) ||  // Khmer
         (c >= 0x3005 && c <= 0x3007) ||  // 々 〆 〇
         (c >= 0x3040 && c <= 0x30FF) ||  // Hiragana, Katakana
         (c >= 0x31F0 && c <= 0x31FF) ||  // Katakana phonetic extensions
         (c >= 0x3400 && c <= 0x4DBF) ||  // CJK extension A
         (c >= 0x4E00 && c <= 0x9FFF) ||  // CJK unified ideographs
         (c >= 0xF900 && c <= 0xFAFF) ||  // CJK compatibility ideographs
         (c >= 0xFF66 && c <= 0xFF9F) ||  // half-width Katakana
         (c >= 0x20000 && c <= 0x3FFFF);  // CJK extensions B..
}

enum class Kind : std::uint8_t { kSeparator, kWord, kDictionaryWord, kApostrophe };

struct Char {
  char32_t cp;
  std::size_t len;
  Kind kind;
};

Char Classify(std::string_view text, std::size_t i) {
  const auto b = static_cast<unsigned char>(text[i]);
  if (b < 0x80) {
    const bool alnum = (b >= '0' && b <= '9') || ((b | 0x20) >= 'a' && (b | 0x20) <= 'z');
    return {b, 1, alnum ? Kind::kWord : b == '\'' ? Kind::kApostrophe : Kind::kSeparator};
  }
  std::size_t len;
  const char32_t cp = internal::DecodeUtf8(text.data() + i, text.size() - i, &len);
  if (len == 1) return {cp, 1, Kind::kSeparator};  // invalid byte
  if (cp == 0x2019) return {cp, len, Kind::kApostrophe};
  const std::uint32_t mask = U_GET_GC_MASK(static_cast<UChar32>(cp));
  if ((mask & (U_GC_L_MASK | U_GC_M_MASK | U_GC_ND_MASK)) == 0) return {cp, len, Kind::kSeparator};
  return {cp, len, IsDictionaryScript(cp) ? Kind::kDictionaryWord : Kind::kWord};
}

bool IsSpace(std::string_view text, std::size_t i, std::size_t* len) {
  const auto b = static_cast<unsigned char>(text[i]);
  *len = 1;
  if (b < 0x80) return b == ' ' || (b >= 0x09 && b <= 0x0D);
  const char32_t cp = internal::DecodeUtf8(text.data() + i, text.size() - i, len);
  return *len > 1 && u_isUWhiteSpace(static_cast<UChar32>(cp));
}

bool StartsWithNoCase(std::string_view text, std::size_t i, std::string_view prefix) {
  if (text.size() - i < prefix.size()) return false;
  for (std::size_t k = 0; k < prefix.size(); ++k) {
    char c = text[i + k];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    if (c != prefix[k]) return false;
  }
  return true;
}

bool IsSigil(char32_t c) { return c == '#' || c == '@' || c == '$' || c == 0xFF03 || c == 0xFF20; }

class WordScanner {
 public:
  WordScanner(const WordOptions& options, void* context, internal::WordCallback callback)
      : options_(options), context_(context), callback_(callback) {}

  void Scan(std::string_view text);

 private:
  void Emit(std::string_view word);
  void EmitDictionaryRun(std::string_view run);

  const WordOptions& options_;
  void* context_;
  internal::WordCallback callback_;
};

struct ThreadState {
  std::string lowered;
  UBreakIterator* breaker = nullptr;
  bool breaker_failed = false;
  UText utext = UTEXT_INITIALIZER;  // reused: no allocation once warm
  ~ThreadState() {
    if (breaker != nullptr) ubrk_close(breaker);
    utext_close(&utext);
  }
};
thread_local ThreadState thread_state;

void WordScanner::Scan(std::string_view text) {
  bool after_word = false;  // the previous character belongs to a word
  std::size_t i = 0;
  while (i < text.size()) {
    const Char c = Classify(text, i);
    if (options_.drop_entities && !after_word) {
      if (IsSigil(c.cp) && i + c.len < text.size()) {
        const Char next = Classify(text, i + c.len);
        // Cashtags start with a letter ("$5" is a number, not an entity).
        const bool cashtag_ok = c.cp != '$' || ((next.cp | 0x20) >= 'a' && (next.cp | 0x20) <= 'z');
        if ((next.kind == Kind::kWord || next.kind == Kind::kDictionaryWord || next.cp == '_') &&
            cashtag_ok) {
          i += c.len;
          for (Char k = next;
               k.kind == Kind::kWord || k.kind == Kind::kDictionaryWord || k.cp == '_';) {
            i += k.len;
            if (i >= text.size()) break;
            k = Classify(text, i);
          }
          after_word = true;  // as in twitter-text, "#a#b" has one entity: "b" is a word
          continue;
        }
      }
      if ((c.cp == 'h' || c.cp == 'H' || c.cp == 'w' || c.cp == 'W') &&
          (StartsWithNoCase(text, i, "http://") || StartsWithNoCase(text, i, "https://") ||
           StartsWithNoCase(text, i, "www."))) {
        std::size_t len = 1;
        while (i < text.size() && !IsSpace(text, i, &len)) i += len;
        after_word = false;
        continue;
      }
    }
    if (c.kind != Kind::kWord && c.kind != Kind::kDictionaryWord) {
      i += c.len;
      after_word = false;
      continue;
    }
    // A word: a run of one kind; apostrophes inside ordinary words are kept.
    const std::size_t begin = i;
    const Kind kind = c.kind;
    i += c.len;
    while (i < text.size()) {
      Char k = Classify(text, i);
      if (k.kind == Kind::kApostrophe && kind == Kind::kWord && i + k.len < text.size() &&
          Classify(text, i + k.len).kind == Kind::kWord) {
        i += k.len;
        continue;
      }
      // Marks stay with the word they follow whatever their script.
      const bool mark = k.kind != Kind::kSeparator && k.cp >= 0x80 &&
                        (U_GET_GC_MASK(static_cast<UChar32>(k.cp)) & U_GC_M_MASK) != 0;
      if (k.kind != kind && !mark) break;
      i += k.len;
    }
    after_word = true;
    if (kind == Kind::kDictionaryWord) {
      EmitDictionaryRun(text.substr(begin, i - begin));
    } else {
      Emit(text.substr(begin, i - begin));
    }
  }
}

void WordScanner::EmitDictionaryRun(std::string_view run) {
  ThreadState& ts = thread_state;
  UErrorCode status = U_ZERO_ERROR;
  if (ts.breaker == nullptr && !ts.breaker_failed) {
    ts.breaker = ubrk_open(UBRK_WORD, "", nullptr, 0, &status);
    if (U_FAILURE(status)) ts.breaker = nullptr, ts.breaker_failed = true;
  }
  if (ts.breaker == nullptr) return Emit(run);
  status = U_ZERO_ERROR;
  utext_openUTF8(&ts.utext, run.data(), static_cast<int64_t>(run.size()), &status);
  if (U_SUCCESS(status)) ubrk_setUText(ts.breaker, &ts.utext, &status);
  if (U_FAILURE(status)) return Emit(run);
  // Boundaries of a UTF-8 UText are byte offsets.
  int32_t start = ubrk_first(ts.breaker);
  for (int32_t end = ubrk_next(ts.breaker); end != UBRK_DONE;
       start = end, end = ubrk_next(ts.breaker)) {
    if (ubrk_getRuleStatus(ts.breaker) == UBRK_WORD_NONE) continue;
    Emit(run.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(end - start)));
  }
}

void WordScanner::Emit(std::string_view word) {
  std::string& out = thread_state.lowered;
  out.clear();
  std::size_t code_points = 0;
  bool only_digits = true;
  char32_t last = 0;
  std::size_t letters = 0;
  for (std::size_t i = 0; i < word.size();) {
    std::size_t len;
    const char32_t cp = internal::DecodeUtf8(word.data() + i, word.size() - i, &len);
    i += len;
    ++code_points;
    last = cp;
    if (cp < 0x80) {
      const bool digit = cp >= '0' && cp <= '9';
      only_digits &= digit || cp == '\'';
      letters += !digit && cp != '\'';
      out.push_back(static_cast<char>(cp >= 'A' && cp <= 'Z' ? cp + 32 : cp));
      continue;
    }
    if (cp == 0x2019) {
      out.push_back('\'');
      continue;
    }
    const bool digit = u_charType(static_cast<UChar32>(cp)) == U_DECIMAL_DIGIT_NUMBER;
    only_digits &= digit;
    letters += !digit;
    std::array<std::uint8_t, 4> buf;
    int32_t n = 0;
    UBool error = false;
    U8_APPEND(buf.data(), n, 4, u_tolower(static_cast<UChar32>(cp)), error);
    (void)error;  // 4 bytes always suffice
    out.append(reinterpret_cast<const char*>(buf.data()), static_cast<std::size_t>(n));
  }
  // Final sigma: a word-final capital sigma lower-cases to ς, not σ.
  if (last == 0x03A3 && letters > 1) out.replace(out.size() - 2, 2, "\xCF\x82");
  if (code_points < options_.min_length) return;
  if (options_.drop_numbers && only_digits) return;
  if (options_.drop_stopwords && IsStopword(out)) return;
  callback_(context_, out);
}

}  // namespace

namespace internal {

void ForEachWord(std::string_view utf8_text, const WordOptions& options, void* context,
                 WordCallback callback) {
  WordScanner scanner(options, context, callback);
  scanner.Scan(utf8_text);
}

}  // namespace internal

bool IsStopword(std::string_view lowered_word) {
  return std::ranges::binary_search(kStopwords, lowered_word);
}

}  // namespace starling::text
