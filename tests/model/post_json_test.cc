// Tests for the normalized-post JSON writer (model/post_json.h).
#include "model/post_json.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <string>

namespace starling::model {
namespace {

std::string Json(std::string_view s) {
  std::string out;
  AppendJsonString(s, &out);
  return out;
}

// Parses `json` as a document holding one string and returns it.
std::string ParseString(const std::string& json) {
  simdjson::dom::parser parser;
  simdjson::dom::element e;
  EXPECT_EQ(parser.parse(json).get(e), simdjson::SUCCESS) << json;
  std::string_view s;
  EXPECT_EQ(e.get_string().get(s), simdjson::SUCCESS) << json;
  return std::string(s);
}

TEST(AppendJsonString, EscapesQuotesBackslashesAndControls) {
  EXPECT_EQ(Json("a\"b\\c"), R"("a\"b\\c")");
  EXPECT_EQ(Json("\n\r\t\b\f"), R"("\n\r\t\b\f")");
  EXPECT_EQ(Json(std::string_view("\x00\x01\x1f", 3)), R"("\u0000\u0001\u001f")");
  EXPECT_EQ(Json("/ \x7f"), "\"/ \x7f\"");
  const std::string controls(std::string_view("x\x00y\x1b\"\\\n", 7));
  EXPECT_EQ(ParseString(Json(controls)), controls);
}

TEST(AppendJsonString, KeepsValidUtf8Verbatim) {
  const std::string s = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x8A \xEF\xBF\xBD";
  EXPECT_EQ(Json(s), "\"" + s + "\"");
  EXPECT_EQ(ParseString(Json(s)), s);
}

TEST(AppendJsonString, ReplacesInvalidUtf8) {
  const std::string fffd = "\xEF\xBF\xBD";
  EXPECT_EQ(Json("a\xFF"
                 "b"),
            "\"a" + fffd + "b\"");
  EXPECT_EQ(Json("\xC0\xAF"), "\"" + fffd + fffd + "\"");                        // overlong
  EXPECT_EQ(Json("\xED\xA0\x80"), "\"" + fffd + fffd + fffd + "\"");             // surrogate
  EXPECT_EQ(Json("\xE2\x82"), "\"" + fffd + "\"");                               // truncated at end
  EXPECT_EQ(Json("\xE2\x82x"), "\"" + fffd + "x\"");                             // maximal subpart
  EXPECT_EQ(Json("\xF4\x90\x80\x80"), "\"" + fffd + fffd + fffd + fffd + "\"");  // > U+10FFFF
  for (std::string bad : {"\x80", "\xC3", "ok\xF0\x9F\x98", "\xF8\x88\x80\x80\x80", "\"\xE0\x80"}) {
    const std::string json = Json(bad);
    simdjson::dom::parser parser;
    simdjson::dom::element e;
    EXPECT_EQ(parser.parse(json).get(e), simdjson::SUCCESS) << json;
  }
}

Post SamplePost() {
  Post p;
  p.id = "1377650090978992134";
  p.provider = Provider::kX;
  p.created_at = 1617292351000000LL;
  p.author = {"4602771083", "blackheart_265", "Endangered \"Species\""};
  p.text = "Fury\n#Dogs @m $TSLA https://t.co/x \xFF";
  p.lang = "en";
  p.kind = PostKind::kQuote;
  p.references = {{ReferenceType::kRepliedTo, "9"},
                  {ReferenceType::kQuoted, "1377640162566496258"}};
  p.hashtags = {{"Dogs", {5, 10}}};
  p.mentions = {{"m", "", {11, 13}}};
  p.cashtags = {{"TSLA", {-1, -1}}};
  p.urls = {{"https://t.co/x", "https://example.com/a", "", "", {20, 34}}};
  p.metrics.likes = 5;
  p.metrics.impressions = 12345678901LL;
  p.geo.lon = -86.58216981;
  p.geo.lat = 0.1;
  p.geo.place_id = "76c1bb41d3de7ff1";
  p.matching_rules = {{"1377649934414049282", ""}};
  p.entities_extracted = true;
  p.source_format = "x-v2";
  p.raw = "{\"data\":{\"id\":\"1\"}}\n";
  return p;
}

TEST(AppendPostJson, WritesTheDocumentedLayout) {
  Post p = SamplePost();
  std::string out = "prefix:";
  AppendPostJson(p, &out);
  ASSERT_EQ(out.rfind("prefix:", 0), 0u);
  const std::string json = out.substr(7);
  EXPECT_EQ(
      json,
      R"({"id":"1377650090978992134","provider":"x","created_at":"2021-04-01T15:52:31.000Z",)"
      R"("author":{"id":"4602771083","handle":"blackheart_265","name":"Endangered \"Species\""},)"
      "\"text\":\"Fury\\n#Dogs @m $TSLA https://t.co/x \xEF\xBF\xBD\",\"lang\":\"en\","
      R"("kind":"quote","ref_id":"1377640162566496258",)"
      R"("references":[{"type":"replied_to","id":"9"},{"type":"quoted","id":"1377640162566496258"}],)"
      R"("hashtags":[{"tag":"Dogs","start":5,"end":10}],)"
      R"("mentions":[{"handle":"m","id":"","start":11,"end":13}],)"
      R"("urls":[{"url":"https://t.co/x","expanded_url":"https://example.com/a","start":20,"end":34}],)"
      R"("cashtags":[{"tag":"TSLA"}],)"
      R"("metrics":{"likes":5,"impressions":12345678901},)"
      R"("geo":{"lon":-86.58216981,"lat":0.1,"place_id":"76c1bb41d3de7ff1"},)"
      R"("matching_rules":[{"id":"1377649934414049282","tag":""}],)"
      R"("entities_extracted":true,"source_format":"x-v2"})");
}

TEST(AppendPostJson, MinimalPostOmitsOptionalParts) {
  Post p;
  p.id = "1";
  std::string out;
  AppendPostJson(p, &out);
  EXPECT_EQ(out, R"({"id":"1","provider":"unknown","created_at":"1970-01-01T00:00:00.000Z",)"
                 R"("author":{"id":"","handle":"","name":""},"text":"","lang":"","kind":"post",)"
                 R"("ref_id":null,"references":[],"hashtags":[],"mentions":[],"urls":[],)"
                 R"("cashtags":[],"source_format":""})");
}

TEST(AppendPostJson, IncludesRawAsStringAndParses) {
  Post p = SamplePost();
  std::string out;
  AppendPostJson(p, &out, {.include_raw = true});
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  ASSERT_EQ(parser.parse(out).get(doc), simdjson::SUCCESS) << out;
  std::string_view raw, text;
  ASSERT_EQ(doc["raw"].get_string().get(raw), simdjson::SUCCESS);
  EXPECT_EQ(raw, p.raw);
  ASSERT_EQ(doc["text"].get_string().get(text), simdjson::SUCCESS);
  EXPECT_EQ(text, "Fury\n#Dogs @m $TSLA https://t.co/x \xEF\xBF\xBD");
  double lon = 0;
  ASSERT_EQ(doc["geo"]["lon"].get_double().get(lon), simdjson::SUCCESS);
  EXPECT_EQ(lon, -86.58216981);  // shortest round trip reads back exactly
  int64_t impressions = 0;
  ASSERT_EQ(doc["metrics"]["impressions"].get_int64().get(impressions), simdjson::SUCCESS);
  EXPECT_EQ(impressions, 12345678901LL);
}

TEST(AppendPostJson, CreatedAtMatchesFormatTimestamp) {
  for (TimestampUs us : {0LL, 1LL, 999LL, 1000LL, 1617292351000000LL, 1617292351123456LL, -1LL,
                         -1000LL, -86400000001LL, 951782400000000LL /* 2000-02-29 */,
                         253402300799999999LL /* 9999-12-31 */, 253402300800000000LL}) {
    Post p;
    p.created_at = us;
    std::string out;
    AppendPostJson(p, &out);
    const std::string want = "\"created_at\":\"" + FormatTimestamp(us) + "\"";
    EXPECT_NE(out.find(want), std::string::npos) << us << ": " << out;
  }
}

TEST(AppendJsonString, LongPlainRunsAndEscapesAtEveryOffset) {
  // Exercises the word-at-a-time scan: a special byte at each position of a long string.
  for (const char special : {'"', '\\', '\n', '\x1f', '\x7f'}) {
    for (std::size_t pos = 0; pos < 40; ++pos) {
      std::string s(40, 'a');
      s[pos] = special;
      EXPECT_EQ(ParseString(Json(s)), s) << pos;
    }
  }
  std::string s(37, 'b');
  s[20] = '\xFF';
  std::string want = s.substr(0, 20) + "\xEF\xBF\xBD" + s.substr(21);
  EXPECT_EQ(ParseString(Json(s)), want);
}

TEST(AppendPostJson, ChannelIsWrittenAfterTheAuthorOnlyWhenSet) {
  Post p;
  p.id = "1652857722";
  p.provider = Provider::kGitHub;
  p.author = {"138052", "jathanism", "jathanism"};
  p.kind = PostKind::kPush;
  std::string without;
  AppendPostJson(p, &without);
  EXPECT_EQ(without.find("channel"), std::string::npos);
  EXPECT_NE(without.find(R"("kind":"push","ref_id":null)"), std::string::npos) << without;
  p.channel = "jathanism/trigger";
  std::string with;
  AppendPostJson(p, &with);
  EXPECT_NE(with.find(R"("name":"jathanism"},"channel":"jathanism/trigger","text":)"),
            std::string::npos)
      << with;
}

TEST(PostKind, NamesRoundTripAndOnlyTheFirstFourComeFromReferences) {
  for (auto k :
       {PostKind::kPost, PostKind::kRepost, PostKind::kReply, PostKind::kQuote, PostKind::kPush,
        PostKind::kIssue, PostKind::kPullRequest, PostKind::kComment, PostKind::kStar,
        PostKind::kFork, PostKind::kRelease, PostKind::kActivity, PostKind::kEvent}) {
    EXPECT_EQ(PostKindFromName(PostKindName(k)), k);
    EXPECT_EQ(IsReferenceKind(k), static_cast<int>(k) <= static_cast<int>(PostKind::kQuote));
  }
  EXPECT_EQ(PostKindName(PostKind::kPullRequest), "pull_request");
  EXPECT_FALSE(PostKindFromName("commit").has_value());
  Post a, b;
  a.channel = "o/r";
  EXPECT_FALSE(a.SameContent(b));
  a.Clear();
  EXPECT_TRUE(a.SameContent(b));
}

TEST(AppendPostJson, GeoWithOnlyPlaceNameIsWritten) {
  Post p;
  p.id = "1";
  p.geo.place_name = "Paris";
  std::string out;
  AppendPostJson(p, &out);
  EXPECT_NE(out.find(R"("geo":{"place_name":"Paris"})"), std::string::npos) << out;
}

}  // namespace
}  // namespace starling::model
