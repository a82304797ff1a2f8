// File: tests/text/extract_test.cc
// Unit tests of text/extract.h, text/tweet_length.h and text/validate.h beyond
// the twitter-text conformance files: full-width sigils, code point vs UTF-16
// indices on astral text, invalid UTF-8, overlap removal, configs, and the
// rules of the reference implementation the differential test found.
#include "text/extract.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "text/tweet_length.h"
#include "text/validate.h"

namespace starling::text {
namespace {

TEST(ExtractMentions, FullWidthAtSign) {
  auto m = ExtractMentions("hi ＠alice and @bob");
  ASSERT_EQ(m.size(), 2u);
  EXPECT_EQ(m[0].value, "alice");
  EXPECT_EQ(m[0].start, 3);
  EXPECT_EQ(m[0].end, 9);
  EXPECT_EQ(m[1].value, "bob");
  EXPECT_EQ(ExtractReplyScreenName("＠alice hi"), "alice");
}

TEST(ExtractMentions, ListsAreSeparate) {
  auto all = ExtractMentionsOrLists("@a/list @b");
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[0].list_slug, "/list");
  auto only = ExtractMentions("@a/list @b");
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].value, "b");
}

TEST(ExtractHashtags, FullWidthHashSign) {
  auto h = ExtractHashtags("＃タグ and #tag");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].value, "タグ");
  EXPECT_EQ(h[0].start, 0);
  EXPECT_EQ(h[0].end, 3);
}

TEST(ExtractHashtags, AdjacentHashesAreNotTags) {
  EXPECT_TRUE(ExtractHashtags("#a#b").empty());
  EXPECT_TRUE(ExtractHashtags("#️⃣").empty());
}

TEST(Extract, IndicesInCodePointsAndUtf16OnAstralText) {
  // U+1F600 is one code point and two UTF-16 units.
  auto h = ExtractHashtags("\U0001F600 #tag \U0001F600 #two");
  ASSERT_EQ(h.size(), 2u);
  EXPECT_EQ(h[0].start, 2);
  EXPECT_EQ(h[0].end, 6);
  EXPECT_EQ(h[0].start_utf16, 3);
  EXPECT_EQ(h[0].end_utf16, 7);
  EXPECT_EQ(h[1].start, 9);
  EXPECT_EQ(h[1].start_utf16, 11);
  auto u = ExtractUrls("\U00020021 http://example.com");
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].start, 2);
  EXPECT_EQ(u[0].start_utf16, 3);
  EXPECT_EQ(u[0].end_utf16 - u[0].start_utf16, 18);
}

TEST(Extract, InvalidUtf8DoesNotCrash) {
  const std::string bad = std::string("\xff#tag \xc3 @user \xe2\x82 $ABC http://a\xf0.com ") +
                          std::string("\xed\xa0\x80 x.com\x80");
  auto h = ExtractHashtags(bad);
  ASSERT_EQ(h.size(), 1u);
  EXPECT_EQ(h[0].value, "tag");
  EXPECT_EQ(h[0].start, 1);
  EXPECT_EQ(ExtractMentions(bad).size(), 1u);
  EXPECT_EQ(ExtractCashtags(bad).size(), 1u);
  (void)ExtractUrls(bad);
  (void)ExtractEntities(bad);
  (void)ParseTweet(bad);
  (void)IsValidUrl(bad);
  // Truncated sequences at the very end.
  for (const char* s : {"\xc3", "#\xe2\x82", "@\xf0\x9f", "a.com\xf0\x9f\x98"}) {
    (void)ExtractEntities(s);
    (void)ParseTweet(s);
  }
}

TEST(ExtractEntities, UrlWinsOverHashtagAndMention) {
  auto e = ExtractEntities("see http://x.com/#frag @bob $TSLA #tag");
  ASSERT_EQ(e.size(), 4u);
  EXPECT_EQ(e[0].type, EntityType::kUrl);
  EXPECT_EQ(e[0].value, "http://x.com/#frag");
  EXPECT_EQ(e[1].type, EntityType::kMention);
  EXPECT_EQ(e[2].type, EntityType::kCashtag);
  EXPECT_EQ(e[3].type, EntityType::kHashtag);
}

TEST(ExtractUrls, HostLengthAndTco) {
  EXPECT_TRUE(ExtractUrls(std::string(64, 'a') + ".com").empty());
  EXPECT_EQ(ExtractUrls(std::string(63, 'a') + ".com").size(), 1u);
  auto u = ExtractUrls("http://t.co/abc?x=1&y=2 more");
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].value, "http://t.co/abc?x=1&y=2");
  EXPECT_EQ(ExtractUrls("http://xn--ls8h.la/ https://twitter.みんな").size(), 2u);
}

TEST(ParseTweet, EmptyAndBlank) {
  EXPECT_FALSE(ParseTweet("").valid);
  EXPECT_EQ(ParseTweet("  \n").display_range_end, -1);
}

TEST(ParseTweet, WeightsAndEmoji) {
  // v2 counts the family emoji's code points; v3 counts it once.
  const std::string family = "\U0001F468\u200D\U0001F469\u200D\U0001F467\u200D\U0001F466";
  EXPECT_EQ(ParseTweet(family, TweetLengthConfig::V2()).weighted_length, 11);
  EXPECT_EQ(ParseTweet(family, TweetLengthConfig::V3()).weighted_length, 2);
  EXPECT_EQ(ParseTweet("abc", TweetLengthConfig::V1()).weighted_length, 3);
  EXPECT_EQ(ParseTweet("x http://example.com/long/path", TweetLengthConfig::V3()).weighted_length,
            25);
  // (c) without VS16 is text: Latin range weight.
  EXPECT_EQ(ParseTweet("\u00A9", TweetLengthConfig::V3()).weighted_length, 1);
  EXPECT_EQ(ParseTweet("\u00A9\uFE0F", TweetLengthConfig::V3()).weighted_length, 2);
}

TEST(TweetLengthConfig, ParseErrors) {
  EXPECT_FALSE(ParseTweetLengthConfig("{").ok());
  EXPECT_FALSE(ParseTweetLengthConfig(R"({"version": 2})").ok());
  EXPECT_FALSE(ParseTweetLengthConfig(
                   R"({"version":2,"maxWeightedTweetLength":280,"scale":0,"defaultWeight":1})")
                   .ok());
  EXPECT_EQ(LoadTweetLengthConfig("/nonexistent/config.json").status().code(),
            StatusCode::kIoError);
  auto ok = ParseTweetLengthConfig(
      R"({"version":9,"maxWeightedTweetLength":10,"scale":2,"defaultWeight":3,"ranges":[{"start":0,"end":9,"weight":1}]})");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->ranges.size(), 1u);
  EXPECT_FALSE(ok->emoji_parsing_enabled);
  EXPECT_EQ(ok->transformed_url_length, 23);
}

TEST(Validate, Helpers) {
  EXPECT_TRUE(IsValidUsername("＠user_1"));
  EXPECT_FALSE(IsValidUsername("@"));
  EXPECT_TRUE(IsValidList("@user/list-1"));
  EXPECT_FALSE(IsValidList("@user/list!"));
  EXPECT_TRUE(IsValidHashtag("＃tag"));
  EXPECT_TRUE(IsValidUrl("https://example.com:8080/a?b=c#d"));
  EXPECT_FALSE(IsValidUrl("example.com"));
  EXPECT_TRUE(IsValidUrl("example.com", true, false));
}

// ------------------------------------------------------------------------
// Rules where twitter-text (the JavaScript reference, 3.1.0) differs from its
// Java port; each found by the differential test (twitter_text_differential.js).

// Value and code-point offsets of each entity, as "value@start-end".
std::vector<std::string> Spans(const std::vector<Entity>& entities) {
  std::vector<std::string> out;
  for (const Entity& e : entities) {
    out.push_back(e.value + e.list_slug + "@" + std::to_string(e.start) + "-" +
                  std::to_string(e.end));
  }
  return out;
}
using Strings = std::vector<std::string>;

TEST(ReferenceRules, MentionTakesOneAtSign) {
  EXPECT_TRUE(ExtractMentionsOrLists("@@name").empty());
  EXPECT_EQ(Spans(ExtractMentionsOrLists("＠@name and RT:@name")), Strings{"name@14-19"});
  // Replies skip spaces only, not directional marks.
  EXPECT_EQ(ExtractReplyScreenName(" \u200E@user"), "");
  EXPECT_EQ(ExtractReplyScreenName(" @user"), "user");
}

TEST(ReferenceRules, Cashtags) {
  EXPECT_EQ(Spans(ExtractCashtags("$BRK.A $a_b $aapl")),
            (Strings{"BRK.A@0-6", "a_b@7-11", "aapl@12-17"}));
  // What may follow: JavaScript's \s (no-break space too) or twitter-text's
  // punctuation, which lacks '"' and '`'.
  EXPECT_EQ(Spans(ExtractCashtags("$BRK.A\" $a_b` $aapl\u00A0x")),
            (Strings{"BRK@0-4", "a@8-10", "aapl@14-19"}));
  // Only spaces precede one (no directional marks).
  EXPECT_TRUE(ExtractCashtags("$AAPL\u200F$GOOG").empty());
}

TEST(ReferenceRules, HashtagLettersAreUnicode7AndCaseInsensitive) {
  // U+08B3 is a letter since Unicode 8.0, beyond the reference's tables;
  // Georgian U+1C90 (Unicode 11) matches as the upper case of U+10D0.
  EXPECT_EQ(Spans(ExtractHashtags("#\u08B3 #\u1C90 #tag")), (Strings{"\u1C90@3-5", "tag@6-10"}));
}

TEST(ReferenceRules, HashtagAfterAQueryOfAUrlWithoutProtocol) {
  // A URL written without a protocol keeps only its domain (and path): the
  // query is matched but not part of it, so it does not hide the hashtag.
  EXPECT_EQ(Spans(ExtractUrls("foo.bar?#tag")), Strings{"foo.bar@0-7"});
  EXPECT_EQ(Spans(ExtractHashtags("foo.bar?#tag")), Strings{"tag@8-12"});
  EXPECT_EQ(Spans(ExtractUrls("example.com:8080 example.com:8080/a example.com?q=1")),
            (Strings{"example.com@0-11", "example.com:8080/a@17-35", "example.com@36-47"}));
}

TEST(ReferenceRules, UrlsWithoutProtocolAreTheirAsciiDomains) {
  EXPECT_EQ(Spans(ExtractUrls("日本a.com 日本.com")), Strings{"a.com@2-7"});
  EXPECT_EQ(Spans(ExtractUrls("これはexample.com/path")), Strings{"example.com/path@3-19"});
  EXPECT_EQ(Spans(ExtractUrls("a_b.example.com")), Strings{"b.example.com@2-15"});
  EXPECT_EQ(Spans(ExtractUrls("a.com日本b.com/p")), (Strings{"a.com@0-5", "b.com/p@7-14"}));
  EXPECT_EQ(Spans(ExtractUrls("a\"b.com http://a`b.com")),
            (Strings{"b.com@2-7", "http://a`b.com@8-22"}));
  // ASCII labels take Latin letters by case: Greek ι is the upper case of U+0345.
  EXPECT_EQ(Spans(ExtractUrls("ι.com ɵ.com")), (Strings{"ι.com@0-5", "ɵ.com@6-11"}));
  // The high surrogate of an astral character may precede a URL that starts
  // at its low surrogate (the reference works on UTF-16).
  auto u = ExtractUrls("index\U0001F600.html中国語example.com/path");
  ASSERT_EQ(u.size(), 1u);
  EXPECT_EQ(u[0].value, "example.com/path");
  EXPECT_EQ(u[0].start_utf16, 15);
  EXPECT_EQ(Spans(ExtractUrls("a\U0001F600.example.com/p")), Strings{"example.com/p@3-16"});
}

TEST(ReferenceRules, TldsAreTwitterTextsCaseInsensitively) {
  EXPECT_EQ(Spans(ExtractUrls("foo.amazon foo.duck foo.music")), Strings{"foo.duck@11-19"});
  EXPECT_EQ(Spans(ExtractUrls("http://example.РФ example.рф")),
            (Strings{"http://example.РФ@0-17", "example.рф@18-28"}));
}

TEST(ReferenceRules, PathEndsAtAnEndingCharacterOrBalancedParens) {
  EXPECT_EQ(Spans(ExtractUrls("http://example.com/a.b.(c)(d) http://example.com/a(c)(d)")),
            (Strings{"http://example.com/a.b@0-22", "http://example.com/a(c)(d)@30-56"}));
}

TEST(ReferenceRules, DomainLabelsAfterPunycode) {
  // n times ü become "xn--" and n + 2 characters: 57 fit in 63, 58 do not.
  auto url = [](int n) {
    std::string s = "http://";
    for (int i = 0; i < n; ++i) s += "ü";
    return s + ".de";
  };
  EXPECT_EQ(ExtractUrls(url(57)).size(), 1u);
  EXPECT_TRUE(ExtractUrls(url(58)).empty());
  EXPECT_EQ(Spans(ExtractUrls("xn--abc.com xn--日本.com")), Strings{"xn--abc.com@0-11"});
}

}  // namespace
}  // namespace starling::text
