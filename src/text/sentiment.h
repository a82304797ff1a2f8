// File: text/sentiment.h
// Rule-based sentiment of short social-media texts: a faithful port of VADER
// (vaderSentiment 3.3.2, Hutto & Gilbert, ICWSM-14; MIT licence) with its
// lexicons embedded at build time from shared data (gen_vader_tables.cmake).
#pragma once

#include <string_view>

namespace starling::text {

// vaderSentiment's polarity_scores(), rounded as it rounds them (pos/neu/neg to
// 3 decimals, compound to 4, Python's correctly rounded round()), so the same
// text prints the same numbers. All zero for a text without words.
struct SentimentScores {
  double compound = 0;  // normalized sum of valences, in [-1, 1]
  double pos = 0;       // proportions of the text that are positive, neutral,
  double neu = 0;       // negative; they add up to 1 (up to rounding) unless
  double neg = 0;       // the text is empty
};

// Scores texts with the VADER rules: lexicon valences, booster and dampener
// words, negations (incl. "n't" and "no"), "but", "least", "kind of", special
// idioms, ALL-CAPS emphasis when the text mixes case, '!' and '?' emphasis, and
// single-code-point emoji replaced by their descriptions.
class SentimentAnalyzer {
 public:
  // The analyzer over the embedded lexicons; built on first use, never destroyed.
  static const SentimentAnalyzer& Default();

  // Any bytes: invalid UTF-8 never crashes (such bytes are opaque, uncased,
  // non-space characters). Thread-safe (per-thread scratch buffers, no
  // allocation per call in steady state).
  SentimentScores Score(std::string_view utf8_text) const;

 private:
  SentimentAnalyzer() = default;
};

}  // namespace starling::text
