// File: tests/query/executor_test.cc
// The native executor on four hand-made posts; every expectation below is
// worked out by hand from the data and docs/query.md's semantics.
#include <gtest/gtest.h>

#include <limits>

#include "query_fixtures.h"

namespace starling::query {
namespace {

using testing::Native;
using testing::Rows;
using testing::RowsOf;

std::vector<model::Post> FourPosts() {
  using namespace model;
  std::vector<Post> v(4);
  v[0].id = "1";
  v[0].lang = "en";
  v[0].text = "Hello World";
  v[0].created_at = 1000;
  v[0].metrics.likes = 5;
  v[0].hashtags = {{"A", {}}, {"b", {}}};
  v[1].id = "2";
  v[1].lang = "en";
  v[1].text =
      "stra\xC3\x9F"
      "e";  // straße
  v[1].created_at = -1;
  v[1].hashtags = {{"a", {}}};
  v[2].id = "3";
  v[2].lang = "de";
  v[2].text = "\xC4\xB0stanbul";  // İstanbul
  v[2].created_at = 3600000000;
  v[2].metrics.likes = 7;
  v[3].id = "4";
  v[3].lang = "";
  v[3].text = "x";
  v[3].created_at = 7200000001;
  v[3].metrics.likes = -2;
  for (Post& p : v) p.author.handle = "h" + p.id;
  return v;
}

Rows Q(const std::string& q) {
  auto a = Native(q, FourPosts());
  EXPECT_TRUE(a.ok()) << q << "\n" << a.status().ToString();
  return a.ok() ? RowsOf(*a) : Rows{};
}

TEST(Executor, FilterKeepsOnlyTrueRows) {
  // like_count of post 2 is NULL: NULL > 0 is NULL, which filter drops.
  EXPECT_EQ(Q("from posts | filter like_count > 0 | select {id}"), (Rows{{"1"}, {"3"}}));
  EXPECT_EQ(Q("from posts | filter !(like_count > 0) | select {id}"), (Rows{{"4"}}));
  EXPECT_EQ(Q("from posts | filter like_count == null | select {id}"), (Rows{{"2"}}));
  EXPECT_EQ(Q("from posts | filter like_count != null && lang == 'en' | select {id}"),
            (Rows{{"1"}}));
  // NULL || true is true; NULL && false is false.
  EXPECT_EQ(Q("from posts | filter like_count > 100 || lang == 'de' | select {id}"), (Rows{{"3"}}));
}

TEST(Executor, SortPutsNullLastAscendingAndFirstDescending) {
  EXPECT_EQ(Q("from posts | sort {like_count} | select {id}"), (Rows{{"4"}, {"1"}, {"3"}, {"2"}}));
  EXPECT_EQ(Q("from posts | sort {-like_count} | select {id}"), (Rows{{"2"}, {"3"}, {"1"}, {"4"}}));
  // Ties (lang "en" twice) are broken by every column: id "1" < "2".
  EXPECT_EQ(Q("from posts | sort {-lang} | select {id, lang}"),
            (Rows{{"1", "en"}, {"2", "en"}, {"3", "de"}, {"4", ""}}));
  EXPECT_EQ(Q("from posts | sort {-lang} | take 2..3 | select {id}"), (Rows{{"2"}, {"3"}}));
  EXPECT_EQ(Q("from posts | sort {id} | take 1"), Q("from posts | sort {id} | take 1..1"));
}

TEST(Executor, TextSortsByBytes) {
  // 'İ' (C4 B0) > 'x' > 'H' ... by bytes: "Hello World" < "stra..." < "x" < "İ...".
  EXPECT_EQ(Q("from posts | sort {text} | select {id}"), (Rows{{"1"}, {"2"}, {"4"}, {"3"}}));
}

TEST(Executor, GroupAndAggregate) {
  EXPECT_EQ(Q("from posts | group {lang} (aggregate {n = count this, c = count like_count, "
              "s = sum like_count, a = average like_count, lo = min text, hi = max like_count}) "
              "| sort {lang}"),
            (Rows{{"", "1", "1", "-2", "-2", "x", "-2"},
                  {"de", "1", "1", "7", "7", "\xC4\xB0stanbul", "7"},
                  {"en", "2", "1", "5", "5", "Hello World", "5"}}));
  EXPECT_EQ(Q("from hashtags | group {tag_lower} (aggregate {n = count this, "
              "d = count_distinct tag}) | sort {tag_lower}"),
            (Rows{{"a", "2", "2"}, {"b", "1", "1"}}));
}

TEST(Executor, AggregateOfNothingIsOneRow) {
  EXPECT_EQ(Q("from posts | filter id == 'none' | aggregate {n = count this, "
              "s = sum like_count, a = average like_count, m = min text, d = count_distinct id}"),
            (Rows{{"0", "NULL", "NULL", "NULL", "0"}}));
  EXPECT_EQ(Q("from posts | filter id == 'none' | group {lang} (aggregate {n = count this})"),
            (Rows{}));
  EXPECT_EQ(Q("from posts | aggregate {a = average like_count}"), (Rows{{"3.3333333333333335"}}));
}

TEST(Executor, IntegerArithmeticIsCheckedAndDivisionDefined) {
  EXPECT_EQ(Q("from posts | filter id == '1' | select {a = 7 // 2, b = -7 // 2, c = -7 % 2, "
              "d = 7 // 0, e = 7 / 2, f = 9223372036854775807 + 1, g = 5 % -1, "
              "h = -9223372036854775808 // -1, i = -(-9223372036854775808), j = 1 / 0, "
              "k = 3037000500 * 3037000500, l = 7 % 0, m = 2 * 3 - 1}"),
            (Rows{{"3", "-3", "-1", "NULL", "3.5", "NULL", "0", "NULL", "NULL", "NULL", "NULL",
                   "NULL", "5"}}));
}

TEST(Executor, TextFunctions) {
  EXPECT_EQ(Q("from posts | sort {id} | select {n = text.length text, l = text.lower text, "
              "u = text.upper text}"),
            (Rows{{"11", "hello world", "HELLO WORLD"},
                  // simple case mapping: ß has no one-code-point upper case
                  {"6",
                   "stra\xC3\x9F"
                   "e",
                   "STRA\xC3\x9F"
                   "E"},
                  // u_tolower(İ) = i, without a combining dot
                  {"8", "istanbul", "\xC4\xB0STANBUL"},
                  {"1", "x", "X"}}));
  EXPECT_EQ(Q("from posts | filter text.contains 'o W' text | select {id}"), (Rows{{"1"}}));
  EXPECT_EQ(Q("from posts | filter text.starts_with 'He' text || text.ends_with 'bul' text "
              "| select {id}"),
            (Rows{{"1"}, {"3"}}));
  // Case-sensitive; '' is in every text.
  EXPECT_EQ(Q("from posts | filter text.contains 'hello' text | select {id}"), (Rows{}));
  EXPECT_EQ(Q("from posts | filter text.ends_with '' text | aggregate {n = count this}"),
            (Rows{{"4"}}));
}

TEST(Executor, TimeFloorRoundsDownFromTheEpoch) {
  EXPECT_EQ(Q("from posts | sort {id} | select {h = time.floor '1h' created_at}"),
            (Rows{{"0"}, {"-3600000000"}, {"3600000000"}, {"7200000000"}}));
  EXPECT_EQ(Q("from posts | filter id == '1' | select {x = time.floor 10 "
              "(-9223372036854775807 - 1), y = time.floor 7 (-9223372036854775807 - 1)}"),
            (Rows{{"NULL", "NULL"}}));
  EXPECT_EQ(Q("from posts | filter created_at >= @1970-01-01T01:00:00Z | select {id}"),
            (Rows{{"3"}, {"4"}}));
}

TEST(Executor, CoalesceAndMixedNumbers) {
  EXPECT_EQ(Q("from posts | sort {id} | select {c = like_count ?? 0, r = like_count ?? 0.5, "
              "m = like_count * 1.5, cmp = like_count == 5.0}"),
            (Rows{{"5", "5", "7.5", "true"},
                  {"0", "0.5", "NULL", "NULL"},
                  {"7", "7", "10.5", "false"},
                  {"-2", "-2", "-3", "false"}}));
}

TEST(Executor, Joins) {
  EXPECT_EQ(Q("from posts | join hashtags (this.id == that.post_id) | sort {id, tag} "
              "| select {id, tag}"),
            (Rows{{"1", "A"}, {"1", "b"}, {"2", "a"}}));
  EXPECT_EQ(Q("from posts | join side:left hashtags (this.id == that.post_id) "
              "| sort {id, tag} | select {id, tag}"),
            (Rows{{"1", "A"}, {"1", "b"}, {"2", "a"}, {"3", "NULL"}, {"4", "NULL"}}));
  EXPECT_EQ(Q("from h = hashtags | join p = posts (h.post_id == p.id) | group {p.lang} "
              "(aggregate {n = count this}) | sort {lang}"),
            (Rows{{"en", "3"}}));
}

TEST(Executor, TakeWithoutSortKeepsThatManyRows) {
  EXPECT_EQ(Q("from posts | take 2 | aggregate {n = count this}"), (Rows{{"2"}}));
  EXPECT_EQ(Q("from posts | take 0 | aggregate {n = count this}"), (Rows{{"0"}}));
  EXPECT_EQ(Q("from posts | sort {id} | take 3..2"), (Rows{}));
}

TEST(Executor, DeriveSeesEarlierItemsAndReplacesByName) {
  EXPECT_EQ(Q("from posts | filter id == '3' | derive {a = like_count + 1, b = a * 2, "
              "like_count = 0} | select {a, b, like_count}"),
            (Rows{{"8", "16", "0"}}));
}

TEST(Executor, SumPastSixtyFourBitsIsAnError) {
  std::vector<model::Post> posts = FourPosts();
  posts[0].metrics.likes = std::numeric_limits<std::int64_t>::max();
  auto a = Native("from posts | aggregate {s = sum like_count}", posts);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kResourceExhausted);
  EXPECT_NE(a.status().message().find("integer overflow"), std::string::npos);
}

TEST(Executor, AnAggregateNothingReadsIsNeverComputed) {
  std::vector<model::Post> posts = FourPosts();
  posts[0].metrics.likes = std::numeric_limits<std::int64_t>::max();
  auto a =
      Native("from posts | aggregate {s = sum like_count, n = count this} | select {n}", posts);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(Q("from posts | aggregate {s = sum like_count} | derive {one = 1} | select {one}"),
            (Rows{{"1"}}));
  EXPECT_EQ(Q("from posts | filter id == 'none' | aggregate {s = sum like_count} | "
              "derive {one = 1} | select {one}"),
            (Rows{{"1"}}));
}

TEST(Executor, ResultTablesAreNotInAFileOfPosts) {
  auto a = Native("from trending", FourPosts());
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(a.status().message().find("posts in memory holds posts only"), std::string::npos)
      << a.status().message();
}

}  // namespace
}  // namespace starling::query
