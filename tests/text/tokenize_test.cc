// File: tests/text/tokenize_test.cc
// Tests of text/tokenize.h: splitting, lower-casing, apostrophes, entities,
// numbers, stopwords, CJK segmentation, emoji and invalid UTF-8.
#include "text/tokenize.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

namespace starling::text {
namespace {

std::vector<std::string> Words(std::string_view text, const WordOptions& options = {}) {
  std::vector<std::string> out;
  ForEachWord(text, options, [&](std::string_view w) { out.emplace_back(w); });
  return out;
}

using V = std::vector<std::string>;

WordOptions KeepAll() {
  WordOptions o;
  o.drop_stopwords = false;
  o.drop_entities = false;
  o.min_length = 1;
  o.drop_numbers = false;
  return o;
}

TEST(ForEachWord, SplitsOnNonLettersAndLowerCases) {
  EXPECT_EQ(Words("Hello, WORLD! Starling-stream_analytics..."),
            (V{"hello", "world", "starling", "stream", "analytics"}));
  EXPECT_EQ(Words(""), V{});
  EXPECT_EQ(Words("  ...!!!  "), V{});
}

TEST(ForEachWord, ApostrophesInsideWordsAreKept) {
  EXPECT_EQ(Words("Don't 'quote' rock'n'roll l’été", KeepAll()),
            (V{"don't", "quote", "rock'n'roll", "l'été"}));
  EXPECT_EQ(Words("Don't stop"), V{"stop"});  // "don't" is a stopword
  EXPECT_EQ(Words("it's ok''", KeepAll()), (V{"it's", "ok"}));
}

TEST(ForEachWord, AccentsAndOtherScripts) {
  EXPECT_EQ(Words("CAFÉ Crème brûlée ÉTÉ"), (V{"café", "crème", "brûlée", "été"}));
  // Decomposed accents (e + U+0301) stay inside the word.
  EXPECT_EQ(Words("Cafe\xCC\x81 ok"), (V{"cafe\xCC\x81", "ok"}));
  EXPECT_EQ(Words("ПРИВЕТ мир"), (V{"привет", "мир"}));
  EXPECT_EQ(Words("ΟΔΟΣ"), V{"οδος"});  // final sigma
  EXPECT_EQ(Words("مرحبا بالعالم"), (V{"مرحبا", "بالعالم"}));
  EXPECT_EQ(Words("नमस्ते दुनिया"), (V{"नमस्ते", "दुनिया"}));  // combining vowel signs kept
}

TEST(ForEachWord, CjkIsSegmentedIntoWords) {
  const V ja = Words("東京都に住んでいます", KeepAll());
  ASSERT_FALSE(ja.empty());
  std::string joined;
  for (const std::string& w : ja) joined += w;
  EXPECT_EQ(joined, "東京都に住んでいます");  // nothing lost, nothing added
  EXPECT_GT(ja.size(), 2u);                   // split by the dictionary, not one run
  EXPECT_NE(std::find(ja.begin(), ja.end(), "東京"), ja.end());
  const V zh = Words("我喜欢北京天安门");
  EXPECT_NE(std::find(zh.begin(), zh.end(), "北京"), zh.end());
  for (const std::string& w : zh) EXPECT_GE(w.size(), 6u) << w;  // min_length 2 code points
  EXPECT_EQ(Words("iPhone用ケース"), (V{"iphone", "ケース"}));
}

TEST(ForEachWord, EmojiAndSymbolsAreDropped) {
  EXPECT_EQ(Words("love \xF0\x9F\x98\x81\xF0\x9F\x98\x81 it \xE2\x9D\xA4\xEF\xB8\x8F so much"),
            (V{"love"}));
  EXPECT_EQ(Words("fire\xF0\x9F\x94\xA5"
                  "emoji \xE2\x84\xA2 \xC2\xA9 ok",
                  KeepAll()),
            (V{"fire", "emoji", "ok"}));
}

TEST(ForEachWord, EntitiesAreDropped) {
  EXPECT_EQ(Words("RT @alice: #Breaking news $AAPL up https://t.co/abc123 see www.example.com/x"),
            (V{"news", "see"}));
  EXPECT_EQ(Words("＃タグ ＠ユーザー text"), V{"text"});
  EXPECT_EQ(Words("(#tag) [@user] costs $5"), (V{"costs"}));
  EXPECT_EQ(Words("mail me@example.com"), (V{"mail", "example", "com"}));
  EXPECT_EQ(Words("HTTPS://Example.com/Path?q=1 done"), V{"done"});
}

TEST(ForEachWord, EntitiesKeptWhenAsked) {
  WordOptions o;
  o.drop_entities = false;
  EXPECT_EQ(Words("#Breaking @alice https://t.co/abc", o),
            (V{"breaking", "alice", "abc"}));  // "https", "co" are stopwords; "t" too short
}

TEST(ForEachWord, Numbers) {
  EXPECT_EQ(Words("covid19 2024 3.14 ٢٠٢٤ 10k"), (V{"covid19", "10k"}));
  WordOptions o;
  o.drop_numbers = false;
  EXPECT_EQ(Words("covid19 2024 3.14", o), (V{"covid19", "2024", "14"}));
}

TEST(ForEachWord, MinLengthCountsCodePoints) {
  WordOptions o;
  o.drop_stopwords = false;
  o.min_length = 3;
  EXPECT_EQ(Words("ab abc été ét x", o), (V{"abc", "été"}));
}

TEST(ForEachWord, InvalidUtf8SeparatesWords) {
  EXPECT_EQ(Words("good\xFFnews \xC3 \xE2\x82 fine\xF0\x9F"), (V{"good", "news", "fine"}));
}

TEST(IsStopword, EnglishFunctionWordsAndTweetNoise) {
  for (const char* w : {"the", "and", "don't", "i'm", "rt", "amp", "https", "co", "a", "i"}) {
    EXPECT_TRUE(IsStopword(w)) << w;
  }
  for (const char* w : {"starling", "stream", "love", "The", ""}) EXPECT_FALSE(IsStopword(w)) << w;
}

}  // namespace
}  // namespace starling::text
