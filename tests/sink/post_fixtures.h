// File: tests/sink/post_fixtures.h
// Small hand-made posts for the sink tests, and unique temp paths.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/post.h"

namespace starling::sink::testing {

// A path under STARLING_TEST_TMP unique to this test and process.
inline std::string TempPath(const std::string& suffix) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string p = std::string(STARLING_TEST_TMP) + "/sink_" + info->test_suite_name() + "_" +
                  info->name() + "_" + std::to_string(::getpid()) + suffix;
  std::remove(p.c_str());
  std::remove((p + "-wal").c_str());
  std::remove((p + "-shm").c_str());
  return p;
}

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Three posts covering the awkward cases: commas, quotes, newlines, emoji,
// every entity kind, metrics present and absent, geo, rules, references.
inline std::vector<model::Post> SamplePosts() {
  using namespace model;
  std::vector<Post> v;

  Post a;
  a.id = "1377650090978992134";
  a.provider = Provider::kX;
  a.created_at = 1617292351000000LL;
  a.author = {"4602771083", "blackheart_265", "Endangered, \"Species\" \xF0\x9F\x90\x95"};
  a.text = "Fury, \"quoted\"\nline two \xF0\x9F\x98\x8A #Dogs @Manie_DS $TSLA https://t.co/Yb";
  a.lang = "en";
  a.kind = PostKind::kQuote;
  a.references = {{ReferenceType::kRepliedTo, "111"},
                  {ReferenceType::kQuoted, "1377640162566496258"}};
  a.hashtags = {{"Dogs", {33, 38}}};
  a.mentions = {{"Manie_DS", "41783881", {39, 48}}};
  a.cashtags = {{"TSLA", {49, 54}}};
  a.urls = {{"https://t.co/Yb",
             "https://twitter.com/x/status/1/photo/1",
             "pic.twitter.com/Yb",
             "https://example.com/final?a=1,2",
             {55, 70}}};
  a.metrics.reposts = 0;
  a.metrics.replies = 2;
  a.metrics.likes = 12345678901LL;
  a.metrics.quotes = 3;
  a.geo.lon = -86.58216981;
  a.geo.lat = 34.75192228;
  a.geo.place_id = "a0583a9994e6bf1b";
  a.geo.place_name = "Huntsville, AL";
  a.geo.country_code = "US";
  a.matching_rules = {{"1377649934414049282", "dogs: and cats"}, {"42", ""}};
  a.source_format = "x-v2";
  a.raw =
      "{\"data\": {\"id\": \"1377650090978992134\", \"text\": \"Fury\\n\"}, \"x\": \"\xC3\xA9\"}";
  v.push_back(a);

  Post b;
  b.id = "b2";
  b.provider = Provider::kMastodon;
  b.created_at = 1617292352123456LL;
  b.author = {"9", "alice", "Alice"};
  b.text = "plain text, with a \r\n CRLF and \"\" doubled quotes";
  b.lang = "und";
  b.kind = PostKind::kRepost;
  b.references = {{ReferenceType::kReposted, "b1"}};
  b.hashtags = {{"Caf\xC3\xA9", {0, 5}}, {"SECOND", {6, 13}}};
  b.source_format = "mastodon";
  b.raw = "{\"id\":\"b2\"}";
  b.entities_extracted = true;
  v.push_back(b);

  Post c;
  c.id = "c3";
  c.provider = Provider::kBluesky;
  c.created_at = 1617292350000000LL;  // earliest: first when ordered by time
  c.author = {"did:plc:abc", "bob.bsky.social", ""};
  c.text = "";
  c.lang = "";
  c.kind = PostKind::kReply;
  c.references = {{ReferenceType::kRepliedTo, "at://x"}};
  c.metrics.impressions = 7;
  c.source_format = "bluesky";
  v.push_back(c);
  return v;
}

// Posts of the providers with a channel and activity kinds: a GitHub push
// and a Meetup event (values as the parser gives them for
// ../shared/data/simdjson/github_events.json and
// tests/parse/fixtures/meetup/group_events.json).
inline std::vector<model::Post> ChannelPosts() {
  using namespace model;
  Post g;
  g.id = "1652857722";
  g.provider = Provider::kGitHub;
  g.created_at = 1357804710000000LL;
  g.author = {"138052", "jathanism", "jathanism"};
  g.channel = "jathanism/trigger";
  g.text = "- SSH Channel data now initialized in base class (TriggerSSHChannelBase)";
  g.kind = PostKind::kPush;
  g.entities_extracted = true;
  g.source_format = "github";
  g.raw = "{\"id\":\"1652857722\"}";

  Post e;
  e.id = "310512873";
  e.provider = Provider::kMeetup;
  e.created_at = 1789491600000000LL;
  e.author = {"18328381", "berlin-cpp-users", "Berlin C++ Users"};
  e.channel = "berlin-cpp-users";
  e.text = "C++20 ranges in practice\n\nTalk by @jdoe on #cpp20 ranges.";
  e.kind = PostKind::kEvent;
  e.hashtags = {{"cpp20", {44, 50}}};
  e.mentions = {{"jdoe", "", {34, 39}}};
  e.geo.lat = 52.51296;
  e.geo.lon = 13.42007;
  e.geo.place_name = "c-base, Berlin";
  e.geo.country_code = "DE";
  e.entities_extracted = true;
  e.source_format = "meetup";
  return {g, e};
}

}  // namespace starling::sink::testing
