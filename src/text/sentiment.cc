// File: text/sentiment.cc
// VADER scoring, rule for rule as vaderSentiment 3.3.2's polarity_scores()
// (including its quirks: the tokenizer, the order of the checks, and the
// list.index() lookup of its "but" rule), over per-thread scratch buffers.
#include "text/sentiment.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include "text/internal/python_case.h"
#include "text/internal/utf8.h"
#include "text/internal/vader_lexicon.h"

namespace starling::text {
namespace {

using internal::VaderLexicon;
using internal::VaderWord;

constexpr double kCapsIncrease = 0.733;      // C_INCR
constexpr double kNegationScalar = -0.74;    // N_SCALAR
constexpr double kBoosterDecrease = -0.293;  // B_DECR
constexpr double kNormalizeAlpha = 15;

// SPECIAL_CASES of vaderSentiment ("badass", a single word, is never matched
// there: only sequences of two or three tokens are looked up).
struct SpecialCase {
  std::string_view words[3];
  int size;
  double valence;
};
constexpr SpecialCase kSpecialCases[] = {
    {{"the", "shit"}, 2, 3},        {{"the", "bomb"}, 2, 3},
    {{"bad", "ass"}, 2, 1.5},       {{"bus", "stop"}, 2, 0.0},
    {{"yeah", "right"}, 2, -2},     {{"kiss", "of", "death"}, 3, -1.5},
    {{"to", "die", "for"}, 3, 3},   {{"beating", "heart"}, 2, 3.1},
    {{"broken", "heart"}, 2, -2.9},
};
// The two-word keys of BOOSTER_DICT (all dampeners).
constexpr std::string_view kBoosterBigrams[][2] = {
    {"just", "enough"}, {"kind", "of"}, {"sort", "of"}};

struct Token {
  std::string_view word;   // after VADER's edge-punctuation rule; views the text
  std::string_view lower;  // Python's word.lower()
  const VaderWord* info;   // nullptr: unknown to VADER
  bool upper;              // Python's word.isupper()
  bool negated;            // vaderSentiment's negated([word])
};

struct Scratch {
  std::string translated;  // text with emoji replaced, when it has any
  std::string lowered;     // all lower-cased tokens, back to back
  std::vector<std::uint32_t> lower_end;
  std::vector<Token> tokens;
  std::vector<double> sentiments;
};

// Python's str.isspace() for the character at p (what str.split() splits on):
// its byte length, or 0.
std::size_t SpaceLength(const unsigned char* p, std::size_t n) {
  const unsigned char b = p[0];
  if (b < 0x80) return (b == ' ' || (b >= 0x09 && b <= 0x0D) || (b >= 0x1C && b <= 0x1F)) ? 1 : 0;
  if (b == 0xC2) return n >= 2 && (p[1] == 0x85 || p[1] == 0xA0) ? 2 : 0;
  if (n < 3) return 0;
  switch (b) {
    case 0xE1:  // U+1680
      return p[1] == 0x9A && p[2] == 0x80 ? 3 : 0;
    case 0xE2:  // U+2000..U+200A, U+2028, U+2029, U+202F, U+205F
      if (p[1] == 0x80) {
        return (p[2] >= 0x80 && p[2] <= 0x8A) || p[2] == 0xA8 || p[2] == 0xA9 || p[2] == 0xAF ? 3
                                                                                              : 0;
      }
      return p[1] == 0x81 && p[2] == 0x9F ? 3 : 0;
    case 0xE3:  // U+3000
      return p[1] == 0x80 && p[2] == 0x80 ? 3 : 0;
    default:
      return 0;
  }
}

// Python's string.punctuation.
bool IsPunctuation(unsigned char c) {
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

std::size_t CodePoints(std::string_view s) {
  std::size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

// vaderSentiment replaces every character that is an emoji key by its
// description, with a space before it unless it follows ' ' or a description.
std::string_view TranslateEmoji(std::string_view text, const VaderLexicon& lexicon,
                                std::string* out) {
  bool prev_space = true;
  bool translated = false;
  std::size_t copied = 0;
  for (std::size_t i = 0; i < text.size();) {
    const auto b = static_cast<unsigned char>(text[i]);
    if (b < 0x80) {
      prev_space = b == ' ';
      ++i;
      continue;
    }
    std::size_t len;
    const char32_t cp = internal::DecodeUtf8(text.data() + i, text.size() - i, &len);
    const std::string_view description =
        len > 1 ? lexicon.EmojiDescription(cp) : std::string_view();
    if (description.empty()) {
      prev_space = false;
      i += len;
      continue;
    }
    if (!translated) out->clear(), translated = true;
    out->append(text.substr(copied, i - copied));
    if (!prev_space) out->push_back(' ');
    out->append(description);
    prev_space = false;
    i += len;
    copied = i;
  }
  if (!translated) return text;
  out->append(text.substr(copied));
  return *out;
}

// SentiText: split on whitespace; strip punctuation from both ends of a token
// unless that leaves two characters or fewer (emoticons such as ":)" stay).
void Tokenize(std::string_view text, const VaderLexicon& lexicon, Scratch* s) {
  s->tokens.clear();
  s->lowered.clear();
  s->lower_end.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    std::size_t sp;
    while (i < n && (sp = SpaceLength(p + i, n - i)) != 0) i += sp;
    if (i >= n) break;
    const std::size_t begin = i;
    while (i < n && SpaceLength(p + i, n - i) == 0) ++i;
    std::string_view word = text.substr(begin, i - begin);
    std::size_t b = 0;
    std::size_t e = word.size();
    while (b < e && IsPunctuation(static_cast<unsigned char>(word[b]))) ++b;
    while (e > b && IsPunctuation(static_cast<unsigned char>(word[e - 1]))) --e;
    if (CodePoints(word.substr(b, e - b)) > 2) word = word.substr(b, e - b);
    internal::AppendPythonLower(word, &s->lowered);
    s->lower_end.push_back(static_cast<std::uint32_t>(s->lowered.size()));
    s->tokens.push_back({word, {}, nullptr, internal::PythonIsUpper(word), false});
  }
  std::size_t start = 0;
  for (std::size_t k = 0; k < s->tokens.size(); ++k) {
    Token& t = s->tokens[k];
    t.lower = std::string_view(s->lowered).substr(start, s->lower_end[k] - start);
    start = s->lower_end[k];
    t.info = lexicon.Find(t.lower);
    t.negated =
        (t.info != nullptr && t.info->is_negation) || t.lower.find("n't") != std::string_view::npos;
  }
}

bool InLexicon(const Token& t) { return t.info != nullptr && t.info->in_lexicon; }

const SpecialCase* FindSpecialCase(std::string_view a, std::string_view b,
                                   std::string_view c = {}) {
  const int size = c.empty() ? 2 : 3;
  for (const SpecialCase& sc : kSpecialCases) {
    if (sc.size == size && sc.words[0] == a && sc.words[1] == b &&
        (size == 2 || sc.words[2] == c)) {
      return &sc;
    }
  }
  return nullptr;
}

bool IsBoosterBigram(std::string_view a, std::string_view b) {
  for (const auto& bg : kBoosterBigrams) {
    if (bg[0] == a && bg[1] == b) return true;
  }
  return false;
}

// scalar_inc_dec().
double BoosterScalar(const Token& t, double valence, bool is_cap_diff) {
  double scalar = 0.0;
  if (t.info != nullptr && t.info->is_booster) {
    scalar = t.info->booster;
    if (valence < 0) scalar *= -1;
    if (t.upper && is_cap_diff) {
      if (valence > 0) {
        scalar += kCapsIncrease;
      } else {
        scalar -= kCapsIncrease;
      }
    }
  }
  return scalar;
}

bool IsSoOrThis(std::string_view w) { return w == "so" || w == "this"; }

// _negation_check().
double NegationCheck(double valence, const std::vector<Token>& t, int start_i, std::size_t i) {
  if (start_i == 0) {
    if (t[i - 1].negated) valence *= kNegationScalar;
  } else if (start_i == 1) {
    if (t[i - 2].lower == "never" && IsSoOrThis(t[i - 1].lower)) {
      valence *= 1.25;
    } else if (t[i - 2].lower == "without" && t[i - 1].lower == "doubt") {
      // unchanged
    } else if (t[i - 2].negated) {
      valence *= kNegationScalar;
    }
  } else {
    // (never and (so or this)) or (so or this): Python's precedence, kept.
    if ((t[i - 3].lower == "never" && IsSoOrThis(t[i - 2].lower)) || IsSoOrThis(t[i - 1].lower)) {
      valence *= 1.25;
    } else if (t[i - 3].lower == "without" &&
               (t[i - 2].lower == "doubt" || t[i - 1].lower == "doubt")) {
      // unchanged
    } else if (t[i - 3].negated) {
      valence *= kNegationScalar;
    }
  }
  return valence;
}

// _special_idioms_check(); needs i >= 3.
double SpecialIdiomsCheck(double valence, const std::vector<Token>& t, std::size_t i) {
  const std::string_view w0 = t[i].lower;
  const std::string_view w1 = t[i - 1].lower;
  const std::string_view w2 = t[i - 2].lower;
  const std::string_view w3 = t[i - 3].lower;
  const SpecialCase* sc = FindSpecialCase(w1, w0);
  if (sc == nullptr) sc = FindSpecialCase(w2, w1, w0);
  if (sc == nullptr) sc = FindSpecialCase(w2, w1);
  if (sc == nullptr) sc = FindSpecialCase(w3, w2, w1);
  if (sc == nullptr) sc = FindSpecialCase(w3, w2);
  if (sc != nullptr) valence = sc->valence;
  if (t.size() - 1 > i) {
    if ((sc = FindSpecialCase(w0, t[i + 1].lower)) != nullptr) valence = sc->valence;
  }
  if (t.size() - 1 > i + 1) {
    if ((sc = FindSpecialCase(w0, t[i + 1].lower, t[i + 2].lower)) != nullptr) {
      valence = sc->valence;
    }
  }
  // Booster bigrams such as "kind of" two and three words back (the
  // three-word sequence never matches a two-word key).
  if (IsBoosterBigram(w3, w2)) valence += kBoosterDecrease;
  if (IsBoosterBigram(w2, w1)) valence += kBoosterDecrease;
  return valence;
}

// _least_check().
double LeastCheck(double valence, const std::vector<Token>& t, std::size_t i) {
  if (i > 1 && !InLexicon(t[i - 1]) && t[i - 1].lower == "least") {
    if (t[i - 2].lower != "at" && t[i - 2].lower != "very") valence *= kNegationScalar;
  } else if (i > 0 && !InLexicon(t[i - 1]) && t[i - 1].lower == "least") {
    valence *= kNegationScalar;
  }
  return valence;
}

// sentiment_valence() for a token known to be in the lexicon.
double SentimentValence(const std::vector<Token>& t, std::size_t i, bool is_cap_diff) {
  const Token& item = t[i];
  double valence = item.info->valence;
  if (item.lower == "no" && i != t.size() - 1 && InLexicon(t[i + 1])) valence = 0.0;
  if ((i > 0 && t[i - 1].lower == "no") || (i > 1 && t[i - 2].lower == "no") ||
      (i > 2 && t[i - 3].lower == "no" && (t[i - 1].lower == "or" || t[i - 1].lower == "nor"))) {
    valence = item.info->valence * kNegationScalar;
  }
  if (item.upper && is_cap_diff) {
    if (valence > 0) {
      valence += kCapsIncrease;
    } else {
      valence -= kCapsIncrease;
    }
  }
  for (int start_i = 0; start_i < 3; ++start_i) {
    const std::size_t back = static_cast<std::size_t>(start_i) + 1;
    if (i > static_cast<std::size_t>(start_i) && !InLexicon(t[i - back])) {
      double s = BoosterScalar(t[i - back], valence, is_cap_diff);
      if (start_i == 1 && s != 0) s = s * 0.95;
      if (start_i == 2 && s != 0) s = s * 0.9;
      valence = valence + s;
      valence = NegationCheck(valence, t, start_i, i);
      if (start_i == 2) valence = SpecialIdiomsCheck(valence, t, i);
    }
  }
  return LeastCheck(valence, t, i);
}

// _but_check(), including its sentiments.index(value) lookup: each value
// scales the first element equal to it, not necessarily itself.
void ButCheck(const std::vector<Token>& t, std::vector<double>* sentiments) {
  std::size_t bi = 0;
  while (bi < t.size() && t[bi].lower != "but") ++bi;
  if (bi == t.size()) return;
  std::vector<double>& s = *sentiments;
  for (std::size_t k = 0; k < s.size(); ++k) {
    const double v = s[k];
    std::size_t si = 0;
    while (s[si] != v) ++si;  // terminates at k at the latest
    if (si < bi) {
      s[si] = v * 0.5;
    } else if (si > bi) {
      s[si] = v * 1.5;
    }
  }
}

// Python's round(x, digits): correctly rounded on the exact binary value.
double PyRound(double x, int digits) {
  const double scale = digits == 3 ? 1e3 : 1e4;
  const double y = x * scale;
  const double floor_y = std::floor(y);
  // Far from a decimal midpoint the scaled product decides; near one, the
  // exact decimal expansion does.
  if (std::fabs(y - floor_y - 0.5) > 1e-6) return std::nearbyint(y) / scale;
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), x, std::chars_format::fixed, digits);
  double r = 0;
  if (ec != std::errc() || std::from_chars(buf, end, r).ec != std::errc()) return x;
  return r;
}

}  // namespace

const SentimentAnalyzer& SentimentAnalyzer::Default() {
  static const SentimentAnalyzer* analyzer = [] {
    (void)VaderLexicon::Embedded();  // build the tables now, not on the first Score()
    return new SentimentAnalyzer();
  }();
  return *analyzer;
}

SentimentScores SentimentAnalyzer::Score(std::string_view utf8_text) const {
  const VaderLexicon& lexicon = VaderLexicon::Embedded();
  thread_local Scratch scratch;
  Scratch& s = scratch;
  const std::string_view text = TranslateEmoji(utf8_text, lexicon, &s.translated);
  Tokenize(text, lexicon, &s);
  const std::vector<Token>& t = s.tokens;
  if (t.empty()) return {};

  std::size_t allcaps = 0;
  for (const Token& tok : t) allcaps += tok.upper;
  const bool is_cap_diff = allcaps > 0 && allcaps < t.size();

  s.sentiments.clear();
  for (std::size_t i = 0; i < t.size(); ++i) {
    const Token& item = t[i];
    if (item.info != nullptr && item.info->is_booster) {
      s.sentiments.push_back(0);
    } else if (i < t.size() - 1 && item.lower == "kind" && t[i + 1].lower == "of") {
      s.sentiments.push_back(0);
    } else if (InLexicon(item)) {
      s.sentiments.push_back(SentimentValence(t, i, is_cap_diff));
    } else {
      s.sentiments.push_back(0);
    }
  }
  ButCheck(t, &s.sentiments);

  // score_valence().
  double sum_s = 0;
  for (double v : s.sentiments) sum_s += v;
  std::size_t exclamations = 0;
  std::size_t questions = 0;
  for (char c : text) {
    exclamations += c == '!';
    questions += c == '?';
  }
  const double ep_amplifier = static_cast<double>(std::min<std::size_t>(exclamations, 4)) * 0.292;
  double qm_amplifier = 0;
  if (questions > 1) qm_amplifier = questions <= 3 ? static_cast<double>(questions) * 0.18 : 0.96;
  const double punct_amplifier = ep_amplifier + qm_amplifier;
  if (sum_s > 0) {
    sum_s += punct_amplifier;
  } else if (sum_s < 0) {
    sum_s -= punct_amplifier;
  }
  double compound = sum_s / std::sqrt((sum_s * sum_s) + kNormalizeAlpha);
  compound = std::clamp(compound, -1.0, 1.0);

  double pos_sum = 0.0;
  double neg_sum = 0.0;
  std::size_t neu_count = 0;
  for (double v : s.sentiments) {
    if (v > 0) pos_sum += v + 1;
    if (v < 0) neg_sum += v - 1;
    if (v == 0) ++neu_count;
  }
  if (pos_sum > std::fabs(neg_sum)) {
    pos_sum += punct_amplifier;
  } else if (pos_sum < std::fabs(neg_sum)) {
    neg_sum -= punct_amplifier;
  }
  const double total = pos_sum + std::fabs(neg_sum) + static_cast<double>(neu_count);
  SentimentScores out;
  out.compound = PyRound(compound, 4);
  out.pos = PyRound(std::fabs(pos_sum / total), 3);
  out.neu = PyRound(std::fabs(static_cast<double>(neu_count) / total), 3);
  out.neg = PyRound(std::fabs(neg_sum / total), 3);
  return out;
}

}  // namespace starling::text
