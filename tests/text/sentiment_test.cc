// File: tests/text/sentiment_test.cc
// Tests of text/sentiment.h: every example of the VADER README (parsed from
// shared data at test time) and targeted cases of each rule, with expected
// values printed by vaderSentiment 3.3.2 (Python) for the same texts.
#include "text/sentiment.h"

#include <gtest/gtest.h>

#include <charconv>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "text/internal/vader_lexicon.h"

namespace starling::text {
namespace {

struct Expected {
  double compound, pos, neu, neg;
};

void ExpectScores(std::string_view text, Expected e) {
  const SentimentScores s = SentimentAnalyzer::Default().Score(text);
  EXPECT_EQ(s.compound, e.compound) << text;
  EXPECT_EQ(s.pos, e.pos) << text;
  EXPECT_EQ(s.neu, e.neu) << text;
  EXPECT_EQ(s.neg, e.neg) << text;
}

struct ReadmeExample {
  std::string sentence;
  std::map<std::string, double> scores;  // "pos", "compound", "neu", "neg"
};

// Output lines of the README's demo: "<sentence>-----... {'pos': 0.746, ...}"
// (sentence padded with '-' to 65 characters, as Python's "{:-<65} {}").
std::vector<ReadmeExample> ReadReadmeExamples() {
  std::ifstream in(std::string(STARLING_SHARED_DATA) + "/vader/README.rst");
  std::vector<ReadmeExample> out;
  std::string line;
  while (std::getline(in, line)) {
    const std::size_t dict = line.rfind(" {'pos': ");
    if (dict == std::string::npos) continue;
    ReadmeExample ex;
    std::string_view sentence = std::string_view(line).substr(0, dict);
    sentence.remove_prefix(std::min(sentence.find_first_not_of(" \t"), sentence.size()));
    while (!sentence.empty() && sentence.back() == '-') sentence.remove_suffix(1);
    ex.sentence = sentence;
    std::string_view rest = std::string_view(line).substr(dict + 2);
    for (std::size_t q; (q = rest.find('\'')) != std::string_view::npos;) {
      const std::size_t q2 = rest.find('\'', q + 1);
      const std::string key(rest.substr(q + 1, q2 - q - 1));
      std::string_view num = rest.substr(rest.find(": ", q2) + 2);
      double v = 0;
      const auto [end, ec] = std::from_chars(num.data(), num.data() + num.size(), v);
      EXPECT_EQ(ec, std::errc()) << line;
      ex.scores[key] = v;
      rest = num.substr(static_cast<std::size_t>(end - num.data()));
    }
    out.push_back(std::move(ex));
  }
  return out;
}

TEST(SentimentAnalyzer, ReadmeExamples) {
  const std::vector<ReadmeExample> examples = ReadReadmeExamples();
  ASSERT_EQ(examples.size(), 16u) << "README.rst examples not found under " STARLING_SHARED_DATA;
  // The README's printed output predates vaderSentiment 3.3: these two lines
  // differ from what 3.3.2 itself prints for them (the values below, which this
  // port reproduces). "At least...": before 3.3 one-character tokens ("a")
  // were dropped, so there was one neutral token less. The emoji line: the
  // README's compound 0.7003 is kiss (1.8) + smiling (2.0) only; with the
  // shipped lexicon "heart with arrow" adds heart (3.2), so 3.3.2 gives 0.875.
  const std::map<std::string_view, Expected> known_differences = {
      {"At least it isn't a horrible book.", {0.431, 0.322, 0.678, 0.0}},
      {"Catch utf-8 emoji such as \xF0\x9F\x92\x98 and \xF0\x9F\x92\x8B and \xF0\x9F\x98\x81",
       {0.875, 0.417, 0.583, 0.0}},
  };
  int matched = 0;
  for (const ReadmeExample& ex : examples) {
    ASSERT_EQ(ex.scores.size(), 4u) << ex.sentence;
    const SentimentScores s = SentimentAnalyzer::Default().Score(ex.sentence);
    const bool same = s.compound == ex.scores.at("compound") && s.pos == ex.scores.at("pos") &&
                      s.neu == ex.scores.at("neu") && s.neg == ex.scores.at("neg");
    matched += same;
    const auto known = known_differences.find(ex.sentence);
    if (known != known_differences.end()) {
      EXPECT_FALSE(same) << "now matches the README, drop it from known_differences: "
                         << ex.sentence;
      ExpectScores(ex.sentence, known->second);
    } else {
      EXPECT_TRUE(same) << ex.sentence << " -> compound " << s.compound << " pos " << s.pos
                        << " neu " << s.neu << " neg " << s.neg;
    }
  }
  std::printf("[          ] README examples matching exactly: %d of %zu\n", matched,
              examples.size());
  EXPECT_EQ(matched, 14);
}

TEST(SentimentAnalyzer, EmbeddedLexicons) {
  const auto& lexicon = internal::VaderLexicon::Embedded();
  EXPECT_GT(lexicon.LexiconSize(), 7000u);
  EXPECT_GT(lexicon.EmojiCount(), 1000u);
  ASSERT_NE(lexicon.Find("good"), nullptr);
  EXPECT_EQ(lexicon.Find("good")->valence, 1.9);
  EXPECT_TRUE(lexicon.Find("very")->is_booster);
  EXPECT_TRUE(lexicon.Find("isn't")->is_negation);
  EXPECT_EQ(lexicon.Find("(-:O"), nullptr);  // upper-case keys are unreachable in VADER
  EXPECT_EQ(lexicon.EmojiDescription(U'\U0001F601'), "beaming face with smiling eyes");
}

TEST(SentimentAnalyzer, Negation) {
  ExpectScores("The food is good.", {0.4404, 0.492, 0.508, 0.0});
  ExpectScores("The food is not good.", {-0.3412, 0.0, 0.624, 0.376});
  ExpectScores("The food isn't very good.", {-0.3865, 0.0, 0.604, 0.396});
  ExpectScores("no problems at all", {0.3089, 0.429, 0.571, 0.0});
  ExpectScores("Without a doubt, an excellent idea.", {0.7013, 0.592, 0.408, 0.0});
  ExpectScores("This is the least good idea", {-0.3412, 0.0, 0.675, 0.325});
}

TEST(SentimentAnalyzer, But) {
  ExpectScores("The food is great, but the service is horrible.", {-0.4939, 0.178, 0.49, 0.332});
  ExpectScores("It is not bad, but not great either, but fine", {-0.3217, 0.265, 0.45, 0.285});
  // vaderSentiment scales sentiments.index(value), the first equal value:
  ExpectScores("good good good but bad bad", {-0.7684, 0.358, 0.061, 0.581});
}

TEST(SentimentAnalyzer, CapsEmphasisOnlyWhenCaseIsMixed) {
  ExpectScores("The food is GREAT.", {0.7034, 0.617, 0.383, 0.0});
  ExpectScores("THE FOOD IS GREAT.", {0.6249, 0.577, 0.423, 0.0});
  ExpectScores("The food is great", {0.6249, 0.577, 0.423, 0.0});
  ExpectScores("I'm SO HAPPY :) :D <3", {0.9601, 0.896, 0.104, 0.0});
}

TEST(SentimentAnalyzer, PunctuationEmphasisIsCapped) {
  ExpectScores("Good!", {0.4926, 1.0, 0.0, 0.0});
  ExpectScores("Good!!!", {0.5826, 1.0, 0.0, 0.0});
  ExpectScores("Good!!!!", {0.6209, 1.0, 0.0, 0.0});
  ExpectScores("Good!!!!!!!!", {0.6209, 1.0, 0.0, 0.0});  // 4 '!' at most
  ExpectScores("Good?", {0.4404, 1.0, 0.0, 0.0});         // one '?' adds nothing
  ExpectScores("Good??", {0.504, 1.0, 0.0, 0.0});
  ExpectScores("Good???", {0.533, 1.0, 0.0, 0.0});
  ExpectScores("Good????", {0.594, 1.0, 0.0, 0.0});  // more than 3: a flat 0.96
  ExpectScores("Good?????", {0.594, 1.0, 0.0, 0.0});
  ExpectScores("!!! ???", {0.0, 0.0, 1.0, 0.0});
}

TEST(SentimentAnalyzer, EmojiAreReplacedByTheirDescription) {
  ExpectScores("I love it \xF0\x9F\x98\x81", {0.802, 0.545, 0.455, 0.0});
  ExpectScores("\xF0\x9F\x98\x81\xF0\x9F\x98\x81", {0.7184, 0.429, 0.571, 0.0});
  // U+1F51B's description "ON! arrow" brings a '!'.
  ExpectScores("so \xF0\x9F\x94\x9B good", {0.5355, 0.535, 0.465, 0.0});
}

TEST(SentimentAnalyzer, IdiomsAndDampeners) {
  ExpectScores("It was never so good", {0.6626, 0.525, 0.475, 0.0});
  ExpectScores("It was kind of good", {0.3832, 0.395, 0.605, 0.0});
  ExpectScores("The concert was the bomb", {0.6124, 0.5, 0.5, 0.0});
  ExpectScores("yeah right, great job", {0.743, 0.759, 0.241, 0.0});
  ExpectScores("VADER is such a badass!", {0.4003, 0.402, 0.598, 0.0});
}

TEST(SentimentAnalyzer, UnicodeCaseAsPython) {
  // KELVIN SIGN lower-cases to 'k' in Python: "Kind of" is the dampener.
  ExpectScores("\xE2\x84\xAAind of good", {0.4404, 0.592, 0.408, 0.0});
  ExpectScores("\xCE\x9F\xCE\x94\xCE\x9F\xCE\xA3 good", {0.4404, 0.744, 0.256, 0.0});
}

TEST(SentimentAnalyzer, EmptyAndInvalidInput) {
  ExpectScores("", {0, 0, 0, 0});
  ExpectScores("   \n\t", {0, 0, 0, 0});
  const SentimentScores s = SentimentAnalyzer::Default().Score("\xFF\xFE good \xC3 \xF0\x9F");
  EXPECT_GT(s.compound, 0);
  EXPECT_NEAR(s.pos + s.neu + s.neg, 1.0, 0.002);
}

}  // namespace
}  // namespace starling::text
