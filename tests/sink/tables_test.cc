// The logical tables: a post becomes its rows and those rows become the same
// post again, as every store's writer and reader rely on.
#include "sink/tables.h"

#include <gtest/gtest.h>

#include "sink/post_fixtures.h"

namespace starling::sink {
namespace {

Value Own(const Cell& c) {
  if (const auto* s = std::get_if<std::string_view>(&c)) return std::string(*s);
  if (const auto* i = std::get_if<std::int64_t>(&c)) return *i;
  if (const auto* d = std::get_if<double>(&c)) return *d;
  return std::monostate{};
}

model::Post RoundTrip(const model::Post& in) {
  std::vector<Value> row;
  EXPECT_TRUE(PostRows(LogicalTable::kPosts, in, [&](std::span<const Cell> cells) {
                for (const Cell& c : cells) row.push_back(Own(c));
                return Status::Ok();
              }).ok());
  auto post = PostFromRow(row);
  EXPECT_TRUE(post.ok()) << post.status().ToString();
  for (const TableInfo& t : Tables()) {
    if (t.table == LogicalTable::kPosts) continue;
    EXPECT_TRUE(PostRows(t.table, in, [&](std::span<const Cell> cells) {
                  EXPECT_EQ(cells.size(), t.columns.size()) << t.name;
                  std::vector<Value> r;
                  for (const Cell& c : cells) r.push_back(Own(c));
                  return AddEntityRow(t.table, r, &*post);
                }).ok());
  }
  return *post;
}

TEST(Tables, EveryPostComesBackFromItsRows) {
  auto posts = testing::SamplePosts();
  for (const auto& p : testing::ChannelPosts()) posts.push_back(p);
  for (const model::Post& p : posts) {
    const model::Post back = RoundTrip(p);
    EXPECT_TRUE(back.SameContent(p)) << p.id;
    EXPECT_EQ(back.raw, p.raw);
    EXPECT_EQ(back.source_format, p.source_format);
  }
}

TEST(Tables, RowsFollowTheColumns) {
  const model::Post p = testing::SamplePosts().front();
  ASSERT_FALSE(p.hashtags.empty());
  std::vector<std::string> lower;
  ASSERT_TRUE(PostRows(LogicalTable::kHashtags, p, [&](std::span<const Cell> cells) {
                const int i = ColumnIndex(TableInfoOf(LogicalTable::kHashtags), "tag_lower");
                lower.emplace_back(std::get<std::string_view>(cells[static_cast<std::size_t>(i)]));
                return Status::Ok();
              }).ok());
  EXPECT_EQ(lower.size(), p.hashtags.size());
  EXPECT_EQ(FindTable("posts")->columns.size(), 25u);
  EXPECT_EQ(FindTable("nope"), nullptr);
  EXPECT_EQ(ColumnIndex(*FindTable("posts"), "created_at"), 2);
}

TEST(Tables, ABadRowIsMalformedInput) {
  std::vector<Value> row(3);
  EXPECT_EQ(PostFromRow(row).status().code(), StatusCode::kMalformedInput);
  std::vector<Value> tag{std::string("1"), std::string("a"), std::string("a"), std::string("x"),
                         std::monostate{}};
  model::Post p;
  EXPECT_EQ(AddEntityRow(LogicalTable::kHashtags, tag, &p).code(), StatusCode::kMalformedInput);
}

}  // namespace
}  // namespace starling::sink
