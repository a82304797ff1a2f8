// Tests for parse/post_parser.h on real recorded X traffic from ../shared/data.
#include "parse/post_parser.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <sstream>

#include "model/post_json.h"

namespace starling::parse {
namespace {

using model::Post;

std::string Data(const std::string& rel) { return std::string(STARLING_SHARED_DATA) + "/" + rel; }

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

struct Parsed {
  std::vector<Post> posts;
  std::vector<ControlMessage> controls;
  int errors = 0;
  std::vector<std::string> reasons;
};

Parsed ParseLines(const std::vector<std::string>& lines, ParseOptions o = {}) {
  PostParser parser(o);
  Parsed p;
  for (const auto& l : lines) {
    Status st = parser.Parse(l, &p.posts, &p.controls);
    if (!st.ok()) {
      ++p.errors;
      p.reasons.push_back(st.message());
    }
  }
  return p;
}

TEST(PostParser, V2StreamLinesJoinAuthorsAndCountTheDisconnect) {
  Parsed p = ParseLines(Lines(Data("twarc-csv/streaming_output.jsonl")));
  EXPECT_EQ(p.errors, 0);
  ASSERT_EQ(p.posts.size(), 8u);  // the last tweet arrives twice, as after a reconnect
  ASSERT_EQ(p.controls.size(), 1u);
  EXPECT_EQ(p.controls[0].kind, "operational-disconnect");
  const Post& first = p.posts[0];
  EXPECT_EQ(first.id, "1377650090978992134");
  EXPECT_EQ(first.provider, model::Provider::kX);
  EXPECT_EQ(first.source_format, "x-v2");
  EXPECT_EQ(model::FormatTimestamp(first.created_at), "2021-04-01T15:52:31.000Z");
  EXPECT_EQ(first.author.id, "4602771083");
  EXPECT_EQ(first.author.handle, "blackheart_265");
  EXPECT_EQ(first.author.name, "Endangered Species");
  EXPECT_EQ(first.kind, model::PostKind::kQuote);
  EXPECT_EQ(first.ReferencedId(), "1377640162566496258");
  ASSERT_EQ(first.urls.size(), 2u);
  EXPECT_EQ(first.urls[0].expanded_url,
            "https://twitter.com/blackheart_265/status/1377650090978992134/photo/1");
  EXPECT_EQ(first.urls[0].range.start, 5);
  EXPECT_EQ(first.geo.place_name, "Malawi");
  EXPECT_EQ(first.geo.country_code, "MW");
  // Rule ids are numbers beyond 2^53 on the wire: kept digit-exact.
  ASSERT_EQ(first.matching_rules.size(), 1u);
  EXPECT_EQ(first.matching_rules[0].id, "1377649934414049282");
  // A stream line's raw is the whole line, byte-exact.
  EXPECT_EQ(first.raw, Lines(Data("twarc-csv/streaming_output.jsonl"))[0]);
  EXPECT_EQ(p.posts[1].kind, model::PostKind::kReply);
  EXPECT_EQ(p.posts[2].kind, model::PostKind::kPost);
}

TEST(PostParser, V2SearchPageKeepsOrderAndPerTweetRaw) {
  Parsed p = ParseLines(Lines(Data("twarc-csv/kpop.jsonl")));
  EXPECT_EQ(p.errors, 0) << (p.reasons.empty() ? "" : p.reasons[0]);
  ASSERT_EQ(p.posts.size(), 100u);
  std::size_t hashtags = 0, mentions = 0, urls = 0;
  for (const auto& post : p.posts) {
    hashtags += post.hashtags.size();
    mentions += post.mentions.size();
    urls += post.urls.size();
    EXPECT_FALSE(post.author.handle.empty()) << post.id;
    // Each tweet's raw is its own object from the page and parses alone.
    simdjson::dom::parser dp;
    simdjson::dom::element e;
    ASSERT_EQ(dp.parse(post.raw).get(e), simdjson::SUCCESS) << post.raw.substr(0, 80);
    std::string_view id;
    ASSERT_EQ(e["id"].get(id), simdjson::SUCCESS);
    EXPECT_EQ(id, post.id);
  }
  EXPECT_EQ(hashtags, 496u);
  EXPECT_EQ(mentions, 108u);
  EXPECT_EQ(urls, 59u);
  // The page's errors[] entry is counted, not lost.
  EXPECT_EQ(p.controls.size(), 1u);
}

TEST(PostParser, V11SearchDocumentWithPrettyPrinting) {
  std::string doc = ReadFile(Data("simdjson/twitter.json"));
  Parsed p = ParseLines({doc});
  ASSERT_EQ(p.errors, 0) << (p.reasons.empty() ? "" : p.reasons[0]);
  ASSERT_EQ(p.posts.size(), 100u);
  std::size_t hashtags = 0, mentions = 0, urls = 0, reposts = 0;
  for (const auto& post : p.posts) {
    hashtags += post.hashtags.size();
    mentions += post.mentions.size();
    urls += post.urls.size();
    reposts += post.kind == model::PostKind::kRepost;
    EXPECT_EQ(post.source_format, "x-v11");
    EXPECT_EQ(post.raw.front(), '{');
    EXPECT_EQ(post.raw.back(), '}');
    EXPECT_NE(post.raw.find("\"id_str\": \"" + post.id + "\""), std::string::npos);
  }
  EXPECT_EQ(hashtags, 8u);
  EXPECT_EQ(mentions, 87u);
  EXPECT_EQ(urls, 13u + 6u);  // v1.1 media links are URLs, as in v2
  EXPECT_EQ(reposts, 73u);
  // ids beyond 2^53 come from id_str, exactly.
  EXPECT_EQ(p.posts[0].id, "505874924095815681");
  EXPECT_EQ(p.posts[0].author.handle, "ayuu0123");
}

TEST(PostParser, V11StreamControlMessagesAreNotPosts) {
  Parsed p = ParseLines(Lines(Data("twitter4j/streamingapi-testcase.json")));
  EXPECT_EQ(p.errors, 0);
  EXPECT_EQ(p.posts.size(), 3u);
  ASSERT_EQ(p.controls.size(), 3u);
  EXPECT_EQ(p.controls[0].kind, "delete");
  EXPECT_EQ(p.controls[1].kind, "limit");
  EXPECT_EQ(p.controls[2].kind, "scrub_geo");
  // 2009 tweets have no id_str: the numeric id is kept digit-exact.
  EXPECT_FALSE(p.posts[0].id.empty());
  Parsed stall = ParseLines(Lines(Data("twitter4j/stallwarning.json")));
  ASSERT_EQ(stall.controls.size(), 1u);
  EXPECT_EQ(stall.controls[0].kind, "warning");
  EXPECT_TRUE(stall.posts.empty());
}

TEST(PostParser, V11ExtendedTweetsUseFullTextAndItsEntities) {
  Parsed p = ParseLines(Lines(Data("tweet_parser/original_format_examples.json")));
  EXPECT_EQ(p.errors, 0) << (p.reasons.empty() ? "" : p.reasons[0]);
  ASSERT_EQ(p.posts.size(), 25u);
  int long_texts = 0, with_rules = 0, quotes = 0, reposts = 0;
  for (const auto& post : p.posts) {
    long_texts += post.raw.find("\"extended_tweet\"") != std::string::npos &&
                  post.raw.find("\"truncated\":true") != std::string::npos &&
                  post.text.find("\u2026") == std::string::npos;
    with_rules += !post.matching_rules.empty();
    quotes += post.kind == model::PostKind::kQuote;
    reposts += post.kind == model::PostKind::kRepost;
  }
  EXPECT_GE(long_texts, 1);
  EXPECT_EQ(with_rules, 25);
  EXPECT_EQ(reposts, 3);
  EXPECT_GE(quotes, 1);
}

TEST(PostParser, SameTweetInV11AndV2NormalizesToTheSameRecord) {
  Parsed v2 = ParseLines({Lines(Data("twarc-csv/streaming_output.jsonl"))[0]});
  Parsed v11 = ParseLines(
      {ReadFile(std::string(STARLING_TEST_SOURCE_DIR) + "/parse/fixtures/quote_tweet_v11.json")});
  ASSERT_EQ(v2.posts.size(), 1u);
  ASSERT_EQ(v11.posts.size(), 1u) << (v11.reasons.empty() ? "" : v11.reasons[0]);
  const Post& a = v2.posts[0];
  const Post& b = v11.posts[0];
  EXPECT_EQ(a.source_format, "x-v2");
  EXPECT_EQ(b.source_format, "x-v11");
  std::string ja, jb;
  model::AppendPostJson(a, &ja);
  model::AppendPostJson(b, &jb);
  // Same content; only the provenance differs.
  EXPECT_TRUE(a.SameContent(b)) << ja << "\n" << jb;
}

TEST(PostParser, IncludeReferencedEmitsIncludedTweetsAfterTheirReferrer) {
  ParseOptions o;
  o.include_referenced = true;
  Parsed p = ParseLines(Lines(Data("twarc-csv/two_tweets.jsonl")), o);
  ASSERT_EQ(p.posts.size(), 2u);
  EXPECT_EQ(p.posts[0].id, "1394735776701816833");
  EXPECT_EQ(p.posts[0].kind, model::PostKind::kRepost);
  EXPECT_EQ(p.posts[1].id, "1391677057810288641");
  EXPECT_EQ(p.posts[1].author.handle, "bibaigna96");
  Parsed plain = ParseLines(Lines(Data("twarc-csv/two_tweets.jsonl")));
  EXPECT_EQ(plain.posts.size(), 1u);
}

TEST(PostParser, V11RetweetsCarryTheirOriginalWhenAskedFor) {
  std::string doc = ReadFile(Data("simdjson/twitter.json"));
  ParseOptions o;
  o.include_referenced = true;
  Parsed p = ParseLines({doc}, o);
  EXPECT_EQ(p.posts.size(), 100u + 73u);
  // The retweeted status follows its retweet and is the one it references.
  for (std::size_t i = 0; i + 1 < p.posts.size(); ++i) {
    if (p.posts[i].kind == model::PostKind::kRepost && p.posts[i].source_format == "x-v11") {
      EXPECT_EQ(p.posts[i].ReferencedId(), p.posts[i + 1].id);
      break;
    }
  }
}

TEST(PostParser, ExtractsEntitiesWhenTheProviderGivesNone) {
  // Default-fields v2 tweets (id, text only) from a recorded search.
  Parsed p =
      ParseLines({ReadFile(Data("tweepy/bodies/test_client_get_home_timeline__0.body.json"))});
  ASSERT_EQ(p.errors, 0) << (p.reasons.empty() ? "" : p.reasons[0]);
  ASSERT_EQ(p.posts.size(), 98u);
  bool any_extracted = false;
  for (const auto& post : p.posts) {
    EXPECT_TRUE(post.entities_extracted);
    any_extracted |= !post.hashtags.empty() || !post.mentions.empty() || !post.urls.empty();
    // created_at absent: taken from the snowflake id.
    EXPECT_GT(post.created_at, 1600000000000000LL);
  }
  EXPECT_TRUE(any_extracted);
  // The second tweet starts "@TwitterDev Well, ...".
  ASSERT_FALSE(p.posts[1].mentions.empty());
  EXPECT_EQ(p.posts[1].mentions[0].handle, "TwitterDev");
  EXPECT_EQ(p.posts[1].mentions[0].range.start, 0);
}

TEST(PostParser, MalformedRecordsAreAllOrNothing) {
  PostParser parser;
  std::vector<Post> posts;
  std::vector<ControlMessage> controls;
  const std::vector<std::string> bad = {
      R"({"data": {"author_id": "1021159080151404544")",      // truncated
      R"({"data": {"id": {"x": 1}, "text": "hi"}})",          // wrong type
      "{\"data\": {\"id\": \"1\", \"text\": \"\xff\xfe\"}}",  // invalid UTF-8
      R"({"data": {"id": "1", "text": "a"}} trailing)",       // trailing garbage
      R"({"statuses": [{"id_str": "1", "text": "ok"}, {"id_str": 5, "text": []}]})",
      R"({"hello": "world"})",  // not a post
      R"("just a string")",
  };
  for (const auto& b : bad) {
    Status st = parser.Parse(b, &posts, &controls);
    EXPECT_FALSE(st.ok()) << b;
    EXPECT_EQ(st.code(), StatusCode::kMalformedInput) << b;
    EXPECT_TRUE(posts.empty()) << b;
  }
  ParseOptions small;
  small.max_record_bytes = 10;
  PostParser limited(small);
  Status st = limited.Parse(R"({"data": {"id": "1", "text": "hello"}})", &posts, &controls);
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
}

// A metric that is not a whole number (1e999, 2.5) makes the record a dead
// letter whose reason names the field.
TEST(PostParser, ABadMetricIsNamed) {
  PostParser parser;
  std::vector<model::Post> posts;
  std::vector<ControlMessage> controls;
  for (const char* bad : {
           R"({"data": {"id": "1", "text": "hi", "public_metrics": {"like_count": 1e999}}})",
           R"({"data": {"id": "1", "text": "hi", "public_metrics": {"like_count": 2.5}}})",
           R"({"id_str": "1", "text": "hi", "user": {"id_str": "2", "screen_name": "a"},
               "created_at": "Wed Oct 10 20:19:24 +0000 2018", "favorite_count": 1e999})",
       }) {
    posts.clear();
    Status st = parser.Parse(bad, &posts, &controls);
    ASSERT_FALSE(st.ok()) << bad;
    EXPECT_EQ(st.code(), StatusCode::kMalformedInput) << bad;
    EXPECT_TRUE(st.message().find("like_count") != std::string::npos ||
                st.message().find("favorite_count") != std::string::npos)
        << st.message();
  }
}

TEST(PostParser, ForcedFormatRejectsTheOther) {
  ParseOptions o;
  o.format = Format::kXV11;
  PostParser parser(o);
  std::vector<Post> posts;
  std::vector<ControlMessage> controls;
  EXPECT_FALSE(
      parser.Parse(Lines(Data("twarc-csv/streaming_output.jsonl"))[0], &posts, &controls).ok());
  EXPECT_TRUE(posts.empty());
  ParseOptions st;
  st.format = Format::kStarling;
  PostParser starling_only(st);
  EXPECT_FALSE(
      starling_only.Parse(Lines(Data("twarc-csv/streaming_output.jsonl"))[0], &posts, &controls)
          .ok());
  ParseOptions v2;
  v2.format = Format::kXV2;
  PostParser v2_only(v2);
  EXPECT_TRUE(
      v2_only.Parse(Lines(Data("twarc-csv/streaming_output.jsonl"))[0], &posts, &controls).ok());
  EXPECT_EQ(posts.size(), 1u);
  EXPECT_TRUE(FormatFromName("x-v2").ok());
  EXPECT_FALSE(FormatFromName("x-v3").ok());
}

TEST(PostParser, NormalizedJsonReadsBackToTheSamePost) {
  Parsed p = ParseLines(Lines(Data("twarc-csv/streaming_output.jsonl")));
  ASSERT_FALSE(p.posts.empty());
  PostParser parser;
  for (const auto& post : p.posts) {
    std::string json;
    model::AppendPostJson(post, &json, {.include_raw = true});
    std::vector<Post> back;
    std::vector<ControlMessage> controls;
    ASSERT_TRUE(parser.Parse(json, &back, &controls).ok()) << json.substr(0, 200);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_TRUE(back[0].SameContent(post)) << json.substr(0, 300);
    EXPECT_EQ(back[0].raw, post.raw);
    EXPECT_EQ(back[0].source_format, "x-v2");
  }
}

TEST(PostParser, EmptyPagesComplianceAndRestErrorsAreNotDeadLetters) {
  Parsed p = ParseLines(
      {R"({"meta": {"result_count": 0}})",
       R"({"id": "1234", "action": "delete", "created_at": "2021-06-01T00:00:00.000Z", "reason": "deleted"})",
       R"({"errors": [{"code": 88, "message": "Rate limit exceeded"}]})"});
  EXPECT_EQ(p.errors, 0) << (p.reasons.empty() ? "" : p.reasons[0]);
  EXPECT_TRUE(p.posts.empty());
  ASSERT_EQ(p.controls.size(), 2u);
  EXPECT_EQ(p.controls[0].kind, "compliance delete");
  EXPECT_EQ(p.controls[0].detail, "1234");
  EXPECT_EQ(p.controls[1].kind, "error 88");
  EXPECT_EQ(p.controls[1].detail, "Rate limit exceeded");
  // The recorded compliance file: two lines, no posts, no dead letters.
  Parsed c = ParseLines(Lines(Data("twarc-csv/tweets_compliance.jsonl")));
  EXPECT_EQ(c.errors, 0);
  EXPECT_EQ(c.controls.size(), 2u);
}

TEST(PostParser, EntityOffsetsOutsideTheTextBecomeUnknown) {
  // "héllo #one #two @ann $XY" is 24 code points (25 bytes). Each entity
  // keeps its value; offsets that do not lie in the text are dropped.
  const std::string v2 =
      R"({"data": {"id": "1600000000000000000", "text": "héllo #one #two @ann $XY",
      "entities": {"hashtags": [{"start": 6, "end": 10, "tag": "one"},
                                {"start": 15, "end": 11, "tag": "two"}],
                   "mentions": [{"start": 16, "end": 25, "username": "ann"},
                                {"start": -3, "end": 2, "username": "neg"},
                                {"start": 4294967302, "end": 4294967305, "username": "wrap"}],
                   "cashtags": [{"start": 21, "end": 24, "tag": "XY"}, {"start": 21, "tag": "XY"}],
                   "urls": [{"start": 3, "end": 3, "url": "https://t.co/x"}]}}})";
  Parsed p = ParseLines({v2});
  ASSERT_EQ(p.posts.size(), 1u) << (p.reasons.empty() ? "" : p.reasons[0]);
  const Post& post = p.posts[0];
  const model::TextRange unknown{-1, -1};
  ASSERT_EQ(post.hashtags.size(), 2u);
  EXPECT_EQ(post.hashtags[0].range, (model::TextRange{6, 10}));  // valid: kept
  EXPECT_EQ(post.hashtags[1].tag, "two");                        // start after end
  EXPECT_EQ(post.hashtags[1].range, unknown);
  ASSERT_EQ(post.mentions.size(), 3u);
  EXPECT_EQ(post.mentions[0].range, unknown);  // ends past the text (25 > 24 code points)
  EXPECT_EQ(post.mentions[1].range, unknown);  // negative
  EXPECT_EQ(post.mentions[2].range, unknown);  // past 32 bits (would wrap to 6..9)
  ASSERT_EQ(post.cashtags.size(), 2u);
  EXPECT_EQ(post.cashtags[0].range, (model::TextRange{21, 24}));  // ends at the text's end
  EXPECT_EQ(post.cashtags[1].range, unknown);                     // no end
  ASSERT_EQ(post.urls.size(), 1u);
  EXPECT_EQ(post.urls[0].range, unknown);  // empty
  EXPECT_EQ(post.urls[0].url, "https://t.co/x");
  // Written out, the unknown offsets are left out, and read back the same.
  std::string json;
  model::AppendPostJson(post, &json);
  EXPECT_EQ(json.find("\"start\":15"), std::string::npos) << json;
  Parsed back = ParseLines({json});
  ASSERT_EQ(back.posts.size(), 1u);
  EXPECT_TRUE(back.posts[0].SameContent(post));
  // The starling format gets the same rule.
  Parsed starling =
      ParseLines({R"({"id": "7", "provider": "x", "author": {"id": "1"}, "text": "#ab",
           "hashtags": [{"tag": "ab", "start": 0, "end": 3}, {"tag": "ab", "start": 2, "end": 9}]})"});
  ASSERT_EQ(starling.posts.size(), 1u) << (starling.reasons.empty() ? "" : starling.reasons[0]);
  ASSERT_EQ(starling.posts[0].hashtags.size(), 2u);
  EXPECT_EQ(starling.posts[0].hashtags[0].range, (model::TextRange{0, 3}));
  EXPECT_EQ(starling.posts[0].hashtags[1].range, unknown);
  // v1.1 `indices` too.
  Parsed v11 = ParseLines({R"({"id_str": "8", "text": "#ab", "user": {"id_str": "1"},
      "entities": {"hashtags": [{"text": "ab", "indices": [1, 0]}]}})"});
  ASSERT_EQ(v11.posts.size(), 1u) << (v11.reasons.empty() ? "" : v11.reasons[0]);
  EXPECT_EQ(v11.posts[0].hashtags[0].range, unknown);
}

TEST(PostParser, NoteTweetWithoutEntitiesIsExtractedFromTheNoteText) {
  Parsed p =
      ParseLines({R"({"data": {"id": "1600000000000000000", "text": "short #a https://t.co/x",
      "entities": {"hashtags": [{"start": 6, "end": 8, "tag": "a"}]},
      "note_tweet": {"text": "a much longer note with #b at the end"}}})"});
  ASSERT_EQ(p.posts.size(), 1u) << (p.reasons.empty() ? "" : p.reasons[0]);
  ASSERT_EQ(p.posts[0].hashtags.size(), 1u);
  EXPECT_EQ(p.posts[0].hashtags[0].tag, "b");
  EXPECT_EQ(p.posts[0].hashtags[0].range.start, 24);
  EXPECT_TRUE(p.posts[0].entities_extracted);
}

TEST(PostParser, V11RetweetOfAQuoteReferencesOnlyTheRetweetedTweet) {
  const std::string line =
      R"({"created_at": "Sun Aug 31 00:29:15 +0000 2014", "id_str": "3", "text": "RT @b: look",
    "user": {"id_str": "30", "screen_name": "c"}, "quoted_status_id_str": "1",
    "retweeted_status": {"created_at": "Sun Aug 31 00:20:00 +0000 2014", "id_str": "2", "text": "look",
      "user": {"id_str": "20", "screen_name": "b"}, "quoted_status_id_str": "1",
      "quoted_status": {"created_at": "Sun Aug 31 00:10:00 +0000 2014", "id_str": "1", "text": "original",
        "user": {"id_str": "10", "screen_name": "a"}}}})";
  Parsed plain = ParseLines({line});
  ASSERT_EQ(plain.posts.size(), 1u) << (plain.reasons.empty() ? "" : plain.reasons[0]);
  ASSERT_EQ(plain.posts[0].references.size(), 1u);
  EXPECT_EQ(plain.posts[0].kind, model::PostKind::kRepost);
  ParseOptions o;
  o.include_referenced = true;
  Parsed all = ParseLines({line}, o);
  ASSERT_EQ(all.posts.size(), 3u);
  EXPECT_EQ(all.posts[1].id, "2");
  EXPECT_EQ(all.posts[1].kind, model::PostKind::kQuote);
  EXPECT_EQ(all.posts[2].id, "1");
}

TEST(PostParser, StarlingPostsInAnArrayKeepTheirRaw) {
  Parsed p = ParseLines(Lines(Data("twarc-csv/streaming_output.jsonl")));
  ASSERT_GE(p.posts.size(), 2u);
  std::string array = "[";
  for (int i = 0; i < 2; ++i) {
    if (i) array += ",";
    model::AppendPostJson(p.posts[i], &array, {.include_raw = true});
  }
  array += "]";
  Parsed back = ParseLines({array});
  ASSERT_EQ(back.posts.size(), 2u);
  EXPECT_EQ(back.posts[0].raw, p.posts[0].raw);
  EXPECT_EQ(back.posts[1].raw, p.posts[1].raw);
}

TEST(SnowflakeTime, DecodesXIds) {
  // 1377650090978992134 was created at 2021-04-01T15:52:31Z.
  EXPECT_EQ(SnowflakeTime("1377650090978992134") / 1000000, 1617292351);
  // 2010-2018 ids are below 1e18 but are snowflakes all the same.
  EXPECT_EQ(model::FormatTimestamp(SnowflakeTime("850006245121695744")).substr(0, 10),
            "2017-04-06");
  EXPECT_EQ(SnowflakeTime("6832057002"), 0);
  EXPECT_EQ(SnowflakeTime("abc"), 0);
}

// ---- projections (ParseOptions::fields) ----

// Real recordings of every dialect: X v2 stream lines, search pages (with
// note tweets and edits), tweets without entities (extracted from the text),
// v1.1 search documents (escaped text, extended tweets, retweets, quotes),
// enterprise statuses and stream control lines.
struct Recording {
  const char* path;
  bool lines;  // JSONL; else the whole file is one record
};
constexpr Recording kRecordings[] = {
    {"twarc-csv/streaming_output.jsonl", true},
    {"twarc-csv/streaming_output_with_error.jsonl", true},
    {"twarc-csv/kpop.jsonl", true},
    {"twarc-csv/brexit.jsonl", true},
    {"twarc-csv/cashtags.jsonl", true},
    {"twarc-csv/geo_tweets.jsonl", true},
    {"twarc-csv/many_urls.jsonl", true},
    {"twarc-csv/mentions_tweet.jsonl", true},
    {"twarc-csv/edited_after.jsonl", true},
    {"twarc-csv/edited_before.jsonl", true},
    {"twarc-csv/two_tweets.jsonl", true},
    {"twarc-csv/tweets_compliance.jsonl", true},
    {"twarc-hashtags/tweets1.jsonl", true},
    {"tweepy/bodies/test_client_get_home_timeline__0.body.json", false},
    {"tweepy/bodies/test_client_search_recent_tweets__0.body.json", false},
    {"tweepy/bodies/testsearchtweets__0.body.json", false},
    {"tweepy/bodies/testhometimeline__0.body.json", false},
    {"simdjson/twitter.json", false},
    {"simdjson/twitterescaped.json", false},
    {"simdjson/twitter_timeline.json", false},
    {"tweet_parser/original_format_examples.json", true},
    {"tweet_parser/public_api_sample.json", true},
    {"twitter4j/streamingapi-testcase.json", true},
};

Parsed ParseRecording(const Recording& r, const ParseOptions& o) {
  return r.lines ? ParseLines(Lines(Data(r.path)), o) : ParseLines({ReadFile(Data(r.path))}, o);
}

// A projected post must equal the full one on every field requested, and
// hold defaults elsewhere (text: only when entities had to be extracted).
void ExpectProjectionOf(const Post& full, const Post& got, const ParseOptions& o,
                        const std::string& where) {
  const Fields f = o.fields;
  EXPECT_EQ(got.id, full.id) << where;
  EXPECT_EQ(got.provider, full.provider) << where;
  EXPECT_EQ(got.source_format, full.source_format) << where;
  EXPECT_EQ(got.created_at, f.Has(Fields::kTime) ? full.created_at : 0) << where;
  EXPECT_EQ(got.author, f.Has(Fields::kAuthor) ? full.author : model::Author{}) << where;
  EXPECT_EQ(got.lang, f.Has(Fields::kLang) ? full.lang : "") << where;
  if (f.Has(Fields::kText)) {
    EXPECT_EQ(got.text, full.text) << where;
  } else if (!got.text.empty()) {
    EXPECT_TRUE(got.entities_extracted) << where;  // decoded only to extract from it
    EXPECT_EQ(got.text, full.text) << where;
  }
  const bool refs = f.Has(Fields::kReferences) || o.include_referenced;
  EXPECT_EQ(got.references, refs ? full.references : std::vector<model::Reference>{}) << where;
  EXPECT_EQ(got.kind, refs ? full.kind : model::PostKind::kPost) << where;
  if (f.Has(Fields::kEntities)) {
    EXPECT_EQ(got.entities_extracted, full.entities_extracted) << where;
  }
  // Extraction fills every kind, so an unrequested kind may come with it.
  if (f.Has(Fields::kHashtags) || got.entities_extracted) {
    EXPECT_EQ(got.hashtags, full.hashtags) << where;
  } else {
    EXPECT_TRUE(got.hashtags.empty()) << where;
  }
  if (f.Has(Fields::kMentions) || got.entities_extracted) {
    EXPECT_EQ(got.mentions, full.mentions) << where;
  } else {
    EXPECT_TRUE(got.mentions.empty()) << where;
  }
  if (f.Has(Fields::kUrls) || got.entities_extracted) {
    EXPECT_EQ(got.urls, full.urls) << where;
  } else {
    EXPECT_TRUE(got.urls.empty()) << where;
  }
  if (f.Has(Fields::kCashtags) || got.entities_extracted) {
    EXPECT_EQ(got.cashtags, full.cashtags) << where;
  } else {
    EXPECT_TRUE(got.cashtags.empty()) << where;
  }
  EXPECT_EQ(got.metrics, f.Has(Fields::kMetrics) ? full.metrics : model::PublicMetrics{}) << where;
  EXPECT_EQ(got.geo, f.Has(Fields::kGeo) ? full.geo : model::Geo{}) << where;
  EXPECT_EQ(got.matching_rules,
            f.Has(Fields::kRules) ? full.matching_rules : std::vector<model::MatchingRule>{})
      << where;
  EXPECT_EQ(got.raw, full.raw) << where;
}

void ExpectProjectionMatchesFullParse(ParseOptions projected) {
  ParseOptions all = projected;
  all.fields = Fields{};
  all.read_whole_record = true;
  std::size_t posts = 0;
  for (const Recording& r : kRecordings) {
    const Parsed full = ParseRecording(r, all);
    const Parsed got = ParseRecording(r, projected);
    const std::string where =
        std::string(r.path) + " fields=" + std::to_string(projected.fields.bits);
    EXPECT_EQ(got.errors, full.errors) << where;
    ASSERT_EQ(got.posts.size(), full.posts.size()) << where;
    if (projected.read_whole_record) EXPECT_EQ(got.controls.size(), full.controls.size()) << where;
    for (std::size_t i = 0; i < full.posts.size(); ++i) {
      ExpectProjectionOf(full.posts[i], got.posts[i], projected,
                         where + " post " + std::to_string(i));
    }
    posts += full.posts.size();
  }
  EXPECT_GT(posts, 900u);
}

TEST(PostParserProjection, DefaultReadsEveryField) {
  EXPECT_TRUE(ParseOptions{}.fields.all());
  EXPECT_TRUE(ParseOptions{}.read_whole_record);
}

TEST(PostParserProjection, HashtagsAloneMatchTheFullParseOnRealFiles) {
  ParseOptions o;
  o.fields = Fields{Fields::kHashtags};
  ExpectProjectionMatchesFullParse(o);
  o.fields = Fields{Fields::kHashtags | Fields::kTime};  // windowed top
  ExpectProjectionMatchesFullParse(o);
  o.keep_raw = false;
  ExpectProjectionMatchesFullParse(o);
}

TEST(PostParserProjection, EachFieldGroupMatchesTheFullParse) {
  for (std::uint32_t bit = 1; bit < Fields::kAll; bit <<= 1) {
    ParseOptions o;
    o.fields = Fields{bit};
    ExpectProjectionMatchesFullParse(o);
  }
  ParseOptions none;
  none.fields = Fields{0};
  ExpectProjectionMatchesFullParse(none);
  ParseOptions no_extract;
  no_extract.fields = Fields{Fields::kMentions | Fields::kUrls};
  no_extract.extract_missing_entities = false;
  ExpectProjectionMatchesFullParse(no_extract);
}

TEST(PostParserProjection, IncludeReferencedKeepsReferencesAndEmitsTheSamePosts) {
  ParseOptions o;
  o.fields = Fields{Fields::kHashtags | Fields::kAuthor};
  o.include_referenced = true;
  ExpectProjectionMatchesFullParse(o);
}

TEST(PostParserProjection, StoppingAfterDataGivesTheSamePosts) {
  ParseOptions o;
  o.fields = Fields{Fields::kHashtags};
  o.read_whole_record = false;
  ExpectProjectionMatchesFullParse(o);
  // Needing the author (includes.users) or the rules, the record is read whole.
  o.fields = Fields{Fields::kHashtags | Fields::kAuthor | Fields::kRules};
  ExpectProjectionMatchesFullParse(o);
}

TEST(PostParserProjection, ProjectedOutFieldsAreSkippedUnchecked) {
  // A wrong type in a field not requested is not looked at ...
  const std::string bad_metrics =
      R"({"data": {"id": "1", "text": "#Hi there", "public_metrics": "oops",)"
      R"( "entities": {"hashtags": [{"start": 0, "end": 3, "tag": "Hi"}]}}})";
  ParseOptions o;
  o.fields = Fields{Fields::kHashtags};
  PostParser projected(o);
  std::vector<Post> posts;
  std::vector<ControlMessage> controls;
  ASSERT_TRUE(projected.Parse(bad_metrics, &posts, &controls).ok());
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].hashtags[0].tag, "Hi");
  EXPECT_TRUE(posts[0].text.empty());
  // ... but the full parse rejects it, and a post still needs an id and a
  // text of the right type whatever the projection.
  PostParser full;
  posts.clear();
  EXPECT_FALSE(full.Parse(bad_metrics, &posts, &controls).ok());
  for (const char* bad :
       {R"({"data": {"id": "1", "entities": {}}})", R"({"data": {"text": "no id"}})",
        R"({"data": {"id": "1", "text": 5}})"}) {
    posts.clear();
    EXPECT_EQ(projected.Parse(bad, &posts, &controls).code(), StatusCode::kMalformedInput) << bad;
    EXPECT_TRUE(posts.empty()) << bad;
  }
}

TEST(PostParserProjection, StoppingAfterDataLeavesTheTailUnchecked) {
  // (A record cut short is still caught either way: simdjson checks that a
  // document opened with '{' ends with '}'.)
  const std::string cut =
      R"({"data": {"id": "1", "text": "#a", "entities": {"hashtags": [{"tag": "a"}]}},)"
      R"( "includes": {"users": [{"id": "1" 2]}, "x": {"y": [}})";  // malformed, ends in '}'
  ParseOptions o;
  o.fields = Fields{Fields::kHashtags};
  std::vector<Post> posts;
  std::vector<ControlMessage> controls;
  PostParser whole(o);
  EXPECT_FALSE(whole.Parse(cut, &posts, &controls).ok());  // read whole: a dead letter
  o.read_whole_record = false;
  PostParser quick(o);
  ASSERT_TRUE(quick.Parse(cut, &posts, &controls).ok());
  ASSERT_EQ(posts.size(), 1u);
  EXPECT_EQ(posts[0].hashtags[0].tag, "a");
}

}  // namespace
}  // namespace starling::parse
