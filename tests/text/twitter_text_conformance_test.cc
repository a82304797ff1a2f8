// File: tests/text/twitter_text_conformance_test.cc
// Runs every case of twitter-text's conformance files (extract.yml,
// validate.yml, tlds.yml from ${STARLING_SHARED_DATA}/twitter-text) against
// text/extract.h, text/tweet_length.h and text/validate.h. One EXPECT per case
// (the description is the message); prints "[conformance] file section: p/n".
// Indices in extract.yml are compared as code points (the file has no astral
// character before an entity, so they equal the Java library's UTF-16 ones).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "text/extract.h"
#include "text/tweet_length.h"
#include "text/validate.h"

namespace starling::text {
namespace {

std::string SuitePath(const std::string& file) {
  return std::string(STARLING_SHARED_DATA) + "/twitter-text/" + file;
}

// Loads `file`'s "tests" map; fails the current test (never skips) when absent.
bool LoadSuite(const std::string& file, YAML::Node* tests) {
  const std::string path = SuitePath(file);
  if (!std::filesystem::exists(path)) {
    ADD_FAILURE() << "twitter-text conformance data missing: " << path
                  << " (STARLING_SHARED_DATA=" << STARLING_SHARED_DATA << ")";
    return false;
  }
  try {
    *tests = YAML::LoadFile(path)["tests"];
  } catch (const YAML::Exception& e) {
    ADD_FAILURE() << "cannot parse " << path << ": " << e.what();
    return false;
  }
  if (!tests->IsMap() || tests->size() == 0) {
    ADD_FAILURE() << path << " has no tests";
    return false;
  }
  return true;
}

std::string Join(const std::vector<std::string>& v) {
  std::ostringstream out;
  out << "[";
  for (std::size_t i = 0; i < v.size(); ++i) out << (i ? ", " : "") << '"' << v[i] << '"';
  out << "]";
  return out.str();
}

std::vector<std::string> Strings(const YAML::Node& n) {
  std::vector<std::string> out;
  if (n.IsSequence()) {
    for (const auto& x : n) out.push_back(x.as<std::string>());
  }
  return out;
}

std::vector<std::string> Values(const std::vector<Entity>& entities) {
  std::vector<std::string> out;
  for (const Entity& e : entities) out.push_back(e.value);
  return out;
}

// "value[start,end]/slug" renderings for comparing entity lists with indices.
std::vector<std::string> Expected(const YAML::Node& n, const char* key, bool with_slug) {
  std::vector<std::string> out;
  if (!n.IsSequence()) return out;
  for (const auto& x : n) {
    std::ostringstream s;
    s << x[key].as<std::string>() << "[" << x["indices"][0].as<int>() << ","
      << x["indices"][1].as<int>() << "]";
    if (with_slug) s << "/" << (x["list_slug"] ? x["list_slug"].as<std::string>() : "");
    out.push_back(s.str());
  }
  return out;
}
std::vector<std::string> Actual(const std::vector<Entity>& entities, bool with_slug) {
  std::vector<std::string> out;
  for (const Entity& e : entities) {
    std::ostringstream s;
    s << e.value << "[" << e.start << "," << e.end << "]";
    if (with_slug) s << "/" << e.list_slug;
    out.push_back(s.str());
  }
  return out;
}

// Runs one section: `check` returns "" on success, else the mismatch text.
using Check = std::function<std::string(const YAML::Node& test_case)>;

void RunSection(const std::string& file, const std::string& section, const YAML::Node& cases,
                const Check& check) {
  int pass = 0;
  int total = 0;
  for (const auto& c : cases) {
    ++total;
    const std::string description = c["description"].as<std::string>();
    const std::string mismatch = check(c);
    if (mismatch.empty()) {
      ++pass;
    } else {
      ADD_FAILURE() << file << " " << section << ": " << description
                    << "\n  text: " << c["text"].as<std::string>() << "\n  " << mismatch;
    }
  }
  std::cout << "[conformance] " << file << " " << section << ": " << pass << "/" << total
            << std::endl;
}

std::string CompareLists(const std::vector<std::string>& expected,
                         const std::vector<std::string>& actual) {
  if (expected == actual) return "";
  return "expected " + Join(expected) + "\n  actual   " + Join(actual);
}

Check ValuesCheck(std::vector<Entity> (*extract)(std::string_view)) {
  return [extract](const YAML::Node& c) {
    return CompareLists(Strings(c["expected"]), Values(extract(c["text"].as<std::string>())));
  };
}
Check IndicesCheck(std::vector<Entity> (*extract)(std::string_view), const char* key,
                   bool slug = false) {
  return [extract, key, slug](const YAML::Node& c) {
    return CompareLists(Expected(c["expected"], key, slug),
                        Actual(extract(c["text"].as<std::string>()), slug));
  };
}

TEST(TwitterTextConformance, Extract) {
  YAML::Node tests;
  if (!LoadSuite("extract.yml", &tests)) return;
  const std::map<std::string, Check> runners = {
      {"mentions", ValuesCheck(&ExtractMentions)},
      {"mentions_with_indices", IndicesCheck(&ExtractMentions, "screen_name")},
      {"mentions_or_lists_with_indices",
       IndicesCheck(&ExtractMentionsOrLists, "screen_name", true)},
      {"replies",
       [](const YAML::Node& c) -> std::string {
         const std::string expected = c["expected"].IsNull() ? "" : c["expected"].as<std::string>();
         const std::string actual = ExtractReplyScreenName(c["text"].as<std::string>());
         return expected == actual ? "" : "expected '" + expected + "' actual '" + actual + "'";
       }},
      {"urls", ValuesCheck(&ExtractUrls)},
      {"urls_with_indices", IndicesCheck(&ExtractUrls, "url")},
      {"urls_with_directional_markers", IndicesCheck(&ExtractUrls, "url")},
      {"tco_urls_with_params", ValuesCheck(&ExtractUrls)},
      {"hashtags", ValuesCheck(&ExtractHashtags)},
      {"hashtags_from_astral", ValuesCheck(&ExtractHashtags)},
      {"hashtags_with_indices", IndicesCheck(&ExtractHashtags, "hashtag")},
      {"cashtags", ValuesCheck(&ExtractCashtags)},
      {"cashtags_with_indices", IndicesCheck(&ExtractCashtags, "cashtag")},
  };
  for (const auto& section : tests) {
    const std::string name = section.first.as<std::string>();
    auto it = runners.find(name);
    if (it == runners.end()) {
      ADD_FAILURE() << "extract.yml section without a runner: " << name;
      continue;
    }
    RunSection("extract.yml", name, section.second, it->second);
  }
}

Check WeightedCheck(const TweetLengthConfig& config) {
  return [config](const YAML::Node& c) -> std::string {
    const YAML::Node e = c["expected"];
    const TweetLengthResult r = ParseTweet(c["text"].as<std::string>(), config);
    std::ostringstream expected, actual;
    expected << e["weightedLength"].as<int>() << " " << e["permillage"].as<int>() << " "
             << e["valid"].as<bool>() << " " << e["displayRangeStart"].as<int>() << ".."
             << e["displayRangeEnd"].as<int>() << " " << e["validRangeStart"].as<int>() << ".."
             << e["validRangeEnd"].as<int>();
    actual << r.weighted_length << " " << r.permillage << " " << r.valid << " "
           << r.display_range_start << ".." << r.display_range_end << " " << r.valid_range_start
           << ".." << r.valid_range_end;
    if (expected.str() == actual.str()) return "";
    return "expected (weighted permillage valid display valid-range) " + expected.str() +
           "\n  actual                                              " + actual.str();
  };
}

Check BoolCheck(std::function<bool(std::string_view)> f) {
  return [f](const YAML::Node& c) -> std::string {
    const bool expected = c["expected"].as<bool>();
    return f(c["text"].as<std::string>()) == expected
               ? ""
               : std::string("expected ") + (expected ? "true" : "false");
  };
}

TEST(TwitterTextConformance, Validate) {
  YAML::Node tests;
  if (!LoadSuite("validate.yml", &tests)) return;
  // The "tweets" cases predate weighted counting: they use config v1 (140).
  const std::map<std::string, Check> runners = {
      {"tweets",
       BoolCheck([](std::string_view t) { return IsValidTweet(t, TweetLengthConfig::V1()); })},
      {"usernames", BoolCheck(&IsValidUsername)},
      {"lists", BoolCheck(&IsValidList)},
      {"hashtags", BoolCheck(&IsValidHashtag)},
      {"urls", BoolCheck([](std::string_view t) { return IsValidUrl(t); })},
      {"urls_without_protocol",
       BoolCheck([](std::string_view t) { return IsValidUrl(t, true, false); })},
      {"WeightedTweetsCounterTest", WeightedCheck(TweetLengthConfig::V2())},
      {"WeightedTweetsWithDiscountedEmojiCounterTest", WeightedCheck(TweetLengthConfig::V3())},
      {"UnicodeDirectionalMarkerCounterTest", WeightedCheck(TweetLengthConfig::V3())},
  };
  for (const auto& section : tests) {
    const std::string name = section.first.as<std::string>();
    auto it = runners.find(name);
    if (it == runners.end()) {
      ADD_FAILURE() << "validate.yml section without a runner: " << name;
      continue;
    }
    RunSection("validate.yml", name, section.second, it->second);
  }
}

// One URL per TLD of twitter-text's list, which the TLD table is built from.
TEST(TwitterTextConformance, Tlds) {
  YAML::Node tests;
  if (!LoadSuite("tlds.yml", &tests)) return;
  int sections = 0;
  for (const auto& section : tests) {
    ++sections;
    const std::string name = section.first.as<std::string>();
    RunSection("tlds.yml", name, section.second, [](const YAML::Node& c) {
      return CompareLists(Strings(c["expected"]), Values(ExtractUrls(c["text"].as<std::string>())));
    });
  }
  EXPECT_GT(sections, 0);
}

// Built-in configurations equal the shipped JSON files.
TEST(TwitterTextConformance, ConfigFilesMatchBuiltIns) {
  const std::vector<std::pair<std::string, TweetLengthConfig>> configs = {
      {"v1.json", TweetLengthConfig::V1()},
      {"v2.json", TweetLengthConfig::V2()},
      {"v3.json", TweetLengthConfig::V3()}};
  for (const auto& [file, built_in] : configs) {
    const std::string path = SuitePath("config/" + file);
    ASSERT_TRUE(std::filesystem::exists(path)) << "missing " << path;
    Result<TweetLengthConfig> loaded = LoadTweetLengthConfig(path);
    ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
    EXPECT_EQ(loaded->version, built_in.version) << file;
    EXPECT_EQ(loaded->max_weighted_tweet_length, built_in.max_weighted_tweet_length) << file;
    EXPECT_EQ(loaded->scale, built_in.scale) << file;
    EXPECT_EQ(loaded->default_weight, built_in.default_weight) << file;
    EXPECT_EQ(loaded->emoji_parsing_enabled, built_in.emoji_parsing_enabled) << file;
    EXPECT_EQ(loaded->transformed_url_length, built_in.transformed_url_length) << file;
    ASSERT_EQ(loaded->ranges.size(), built_in.ranges.size()) << file;
    for (std::size_t i = 0; i < built_in.ranges.size(); ++i) {
      EXPECT_EQ(loaded->ranges[i].start, built_in.ranges[i].start) << file;
      EXPECT_EQ(loaded->ranges[i].end, built_in.ranges[i].end) << file;
      EXPECT_EQ(loaded->ranges[i].weight, built_in.ranges[i].weight) << file;
    }
  }
}

}  // namespace
}  // namespace starling::text
