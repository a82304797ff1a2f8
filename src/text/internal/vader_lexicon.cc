// File: text/internal/vader_lexicon.cc
// Builds the VADER tables from the lexicons embedded by gen_vader_tables.cmake
// and the word lists of vaderSentiment 3.3.2 (MIT licence, C.J. Hutto).
#include "text/internal/vader_lexicon.h"

#include <xxhash.h>

#include <algorithm>
#include <charconv>
#include <string>

#include "text/internal/python_case.h"
#include "text/internal/utf8.h"

namespace starling::text::internal {
namespace {

// Two literals of ~100 KB: fine for GCC and Clang, past the 64 KB the standard
// guarantees.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Woverlength-strings"
#include "vader_tables.inc"
#pragma GCC diagnostic pop

constexpr double kBoosterIncrease = 0.293;
constexpr double kBoosterDecrease = -0.293;

// vaderSentiment's NEGATE.
constexpr std::string_view kNegations[] = {
    "aint",   "arent",    "cannot",  "cant",     "couldnt",  "darent",   "didnt",   "doesnt",
    "ain't",  "aren't",   "can't",   "couldn't", "daren't",  "didn't",   "doesn't", "dont",
    "hadnt",  "hasnt",    "havent",  "isnt",     "mightnt",  "mustnt",   "neither", "don't",
    "hadn't", "hasn't",   "haven't", "isn't",    "mightn't", "mustn't",  "neednt",  "needn't",
    "never",  "none",     "nope",    "nor",      "not",      "nothing",  "nowhere", "oughtnt",
    "shant",  "shouldnt", "uhuh",    "wasnt",    "werent",   "oughtn't", "shan't",  "shouldn't",
    "uh-uh",  "wasn't",   "weren't", "without",  "wont",     "wouldnt",  "won't",   "wouldn't",
    "rarely", "seldom",   "despite"};

// vaderSentiment's BOOSTER_DICT, single-word keys (the two-word ones are
// handled by the idiom check in sentiment.cc).
constexpr std::string_view kBoostersUp[] = {
    "absolutely",    "amazingly",    "awfully",       "completely", "considerable", "considerably",
    "decidedly",     "deeply",       "effing",        "enormous",   "enormously",   "entirely",
    "especially",    "exceptional",  "exceptionally", "extreme",    "extremely",    "fabulously",
    "flipping",      "flippin",      "frackin",       "fracking",   "fricking",     "frickin",
    "frigging",      "friggin",      "fully",         "fuckin",     "fucking",      "fuggin",
    "fugging",       "greatly",      "hella",         "highly",     "hugely",       "incredible",
    "incredibly",    "intensely",    "major",         "majorly",    "more",         "most",
    "particularly",  "purely",       "quite",         "really",     "remarkably",   "so",
    "substantially", "thoroughly",   "total",         "totally",    "tremendous",   "tremendously",
    "uber",          "unbelievably", "unusually",     "utter",      "utterly",      "very"};
constexpr std::string_view kBoostersDown[] = {
    "almost",   "barely",   "hardly",     "kinda",      "kindof",       "kind-of", "less",
    "little",   "marginal", "marginally", "occasional", "occasionally", "partly",  "scarce",
    "scarcely", "slight",   "slightly",   "somewhat",   "sorta",        "sortof",  "sort-of"};

std::uint64_t Hash(std::string_view s) { return XXH3_64bits(s.data(), s.size()); }

// Python's str.strip() of ASCII whitespace (the data files hold no other).
std::string_view Strip(std::string_view s) {
  constexpr std::string_view kSpace = " \t\n\r\v\f";
  const std::size_t b = s.find_first_not_of(kSpace);
  if (b == std::string_view::npos) return {};
  return s.substr(b, s.find_last_not_of(kSpace) - b + 1);
}

// Calls fn(first, second) for the first two tab-separated fields of every
// non-empty line (vaderSentiment: line.strip().split('\t')[0:2]).
template <typename Fn>
void ForEachRow(std::string_view tsv, Fn&& fn) {
  while (!tsv.empty()) {
    const std::size_t nl = tsv.find('\n');
    const std::string_view line = Strip(tsv.substr(0, nl));
    tsv = nl == std::string_view::npos ? std::string_view() : tsv.substr(nl + 1);
    const std::size_t tab = line.find('\t');
    if (line.empty() || tab == std::string_view::npos) continue;
    std::string_view second = line.substr(tab + 1);
    second = second.substr(0, second.find('\t'));
    fn(line.substr(0, tab), second);
  }
}

}  // namespace

const VaderLexicon& VaderLexicon::Embedded() {
  static const VaderLexicon* lexicon = new VaderLexicon();  // never destroyed: used at exit too
  return *lexicon;
}

VaderLexicon::VaderLexicon() {
  slots_.resize(1 << 15);
  std::string lowered;
  ForEachRow(kVaderLexiconTsv, [&](std::string_view key, std::string_view value) {
    double valence = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), valence);
    if (ec != std::errc() || end != value.data() + value.size()) return;
    lowered.clear();
    AppendPythonLower(key, &lowered);
    if (lowered != key) return;  // unreachable in vaderSentiment (see Find)
    VaderWord* w = Insert(key);
    lexicon_size_ += !w->in_lexicon;
    w->in_lexicon = true;
    w->valence = valence;  // a later duplicate wins, as in a Python dict
  });
  for (std::string_view k : kNegations) Insert(k)->is_negation = true;
  for (std::string_view k : kBoostersUp) {
    VaderWord* w = Insert(k);
    w->is_booster = true;
    w->booster = kBoosterIncrease;
  }
  for (std::string_view k : kBoostersDown) {
    VaderWord* w = Insert(k);
    w->is_booster = true;
    w->booster = kBoosterDecrease;
  }

  ForEachRow(kVaderEmojiTsv, [&](std::string_view key, std::string_view description) {
    std::size_t len = 0;
    const char32_t cp = DecodeUtf8(key.data(), key.size(), &len);
    if (len != key.size() || cp < 0x80) return;  // only single code points ever match
    emoji_.push_back({cp, description});
  });
  // Keep the last description of a code point, as a Python dict would.
  std::stable_sort(emoji_.begin(), emoji_.end(),
                   [](const Emoji& a, const Emoji& b) { return a.cp < b.cp; });
  std::vector<Emoji> unique;
  for (std::size_t i = 0; i < emoji_.size(); ++i) {
    if (i + 1 < emoji_.size() && emoji_[i + 1].cp == emoji_[i].cp) continue;
    unique.push_back(emoji_[i]);
  }
  emoji_ = std::move(unique);
  if (!emoji_.empty()) min_emoji_ = emoji_.front().cp;
}

VaderWord* VaderLexicon::Insert(std::string_view key) {
  if ((used_ + 1) * 2 > slots_.size()) {
    std::vector<Slot> old(slots_.size() * 2);
    old.swap(slots_);
    used_ = 0;
    for (const Slot& s : old) {
      if (!s.key.empty()) *Insert(s.key) = s.word;
    }
  }
  const std::uint64_t h = Hash(key);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    Slot& s = slots_[i];
    if (s.key.empty()) {
      s.key = key;
      s.hash = h;
      ++used_;
      return &s.word;
    }
    if (s.hash == h && s.key == key) return &s.word;
  }
}

const VaderWord* VaderLexicon::Find(std::string_view lowered) const {
  if (lowered.empty()) return nullptr;
  const std::uint64_t h = Hash(lowered);
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = h & mask;; i = (i + 1) & mask) {
    const Slot& s = slots_[i];
    if (s.key.empty()) return nullptr;
    if (s.hash == h && s.key == lowered) return &s.word;
  }
}

std::string_view VaderLexicon::EmojiDescription(char32_t cp) const {
  if (cp < min_emoji_) return {};
  const auto it = std::lower_bound(emoji_.begin(), emoji_.end(), cp,
                                   [](const Emoji& e, char32_t c) { return e.cp < c; });
  if (it == emoji_.end() || it->cp != cp) return {};
  return it->description;
}

}  // namespace starling::text::internal
