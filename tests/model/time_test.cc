// Tests for timestamp parsing/formatting (model/post_json.h).
#include "model/time.h"

#include <gtest/gtest.h>

namespace starling::model {
namespace {

TEST(ParseTimestamp, Iso8601WithMillis) {
  auto r = ParseTimestamp("2021-04-01T15:52:31.000Z");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(*r, 1617292351000000LL);
  EXPECT_EQ(FormatTimestamp(*r), "2021-04-01T15:52:31.000Z");
}

TEST(ParseTimestamp, TwitterV11DateEqualsIso) {
  auto a = ParseTimestamp("Sun Aug 31 00:29:15 +0000 2014");
  auto b = ParseTimestamp("2014-08-31T00:29:15Z");
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(ParseTimestamp, OffsetsAndMicros) {
  auto r = ParseTimestamp("2021-04-01T17:52:31.123456+02:00");
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(FormatTimestamp(*r), "2021-04-01T15:52:31.123456Z");
}

TEST(ParseTimestamp, RejectsGarbage) {
  EXPECT_FALSE(ParseTimestamp("yesterday").ok());
  EXPECT_FALSE(ParseTimestamp("2021-13-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseTimestamp("Sun Foo 31 00:29:15 +0000 2014").ok());
}

TEST(FormatTimestamp, BeforeEpoch) {
  EXPECT_EQ(FormatTimestamp(-1000), "1969-12-31T23:59:59.999Z");
}

}  // namespace
}  // namespace starling::model
