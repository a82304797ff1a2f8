// Tests for sink/sqlite/post_sink.h against a real SQLite file: upsert,
// entity tables, batching, and the round trip through the post store
// (sink/sqlite/post_store.h).
#include "sink/sqlite/post_sink.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "sink/post_fixtures.h"
#include "sink/sqlite/post_store.h"
#include "sink/sqlite/test_db.h"

namespace starling::sink {
namespace {

using testing::Exec;
using testing::QueryInt;
using testing::QueryText;
using testing::SamplePosts;
using testing::TempPath;

void WriteAll(const std::string& path, const std::vector<model::Post>& posts, int batch = 1000) {
  auto sink = SqliteSink::Open({path, batch});
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  for (const auto& p : posts) ASSERT_TRUE((*sink)->Write(p).ok());
  ASSERT_TRUE((*sink)->Close().ok());
}

std::vector<model::Post> ReadAll(const std::string& path) {
  std::vector<model::Post> out;
  auto store = OpenSqlitePostStore(path);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return out;
  Status st = (*store)->ReadAll([&](model::Post&& p) {
    out.push_back(std::move(p));
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

TEST(SqliteSink, CreatesSchemaWalAndEntityRows) {
  const std::string path = TempPath(".db");
  WriteAll(path, SamplePosts());
  EXPECT_EQ(QueryText(path, "PRAGMA journal_mode"), "wal");
  EXPECT_EQ(QueryText(path, "SELECT value FROM meta WHERE key='schema_version'"), "1");
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM posts"), 3);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM hashtags"), 3);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM mentions"), 1);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM urls"), 1);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM cashtags"), 1);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM post_references"), 4);
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM matching_rules"), 2);
  EXPECT_EQ(QueryText(path, "SELECT tag_lower FROM hashtags WHERE tag='Caf\xC3\xA9'"),
            "caf\xC3\xA9");
  EXPECT_EQ(QueryText(path, "SELECT tag_lower FROM hashtags WHERE tag='SECOND'"), "second");
  EXPECT_EQ(QueryInt(path, "SELECT \"end\" FROM hashtags WHERE tag='Dogs'"), 38);
  EXPECT_EQ(QueryText(path, "SELECT ref_id FROM posts WHERE id='1377650090978992134'"),
            "1377640162566496258");
  EXPECT_EQ(QueryText(path, "SELECT ref_id FROM posts WHERE id='c3'"), "at://x");
  EXPECT_EQ(QueryInt(path, "SELECT created_at FROM posts WHERE id='b2'"), 1617292352123456LL);
  EXPECT_EQ(QueryText(path, "SELECT created_at_iso FROM posts WHERE id='b2'"),
            "2021-04-01T15:52:32.123456Z");
  EXPECT_EQ(QueryInt(path, "SELECT like_count FROM posts WHERE id='1377650090978992134'"),
            12345678901LL);
  EXPECT_EQ(QueryText(path, "SELECT like_count FROM posts WHERE id='b2'"), "<null>");
  EXPECT_EQ(QueryInt(path,
                     "SELECT count(*) FROM sqlite_master WHERE type='index' AND "
                     "name IN ('posts_created_at','hashtags_tag_lower','posts_author_id')"),
            3);
}

TEST(SqliteSink, RerunningTheSameInputUpserts) {
  const std::string path = TempPath(".db");
  WriteAll(path, SamplePosts(), /*batch=*/2);
  const char* tables[] = {"posts",    "hashtags",        "mentions",      "urls",
                          "cashtags", "post_references", "matching_rules"};
  std::vector<std::int64_t> before;
  for (const char* t : tables)
    before.push_back(QueryInt(path, std::string("SELECT count(*) FROM ") + t));
  WriteAll(path, SamplePosts(), 2);
  WriteAll(path, SamplePosts(), 1);
  for (std::size_t i = 0; i < std::size(tables); ++i) {
    EXPECT_EQ(QueryInt(path, std::string("SELECT count(*) FROM ") + tables[i]), before[i])
        << tables[i];
  }

  // An update replaces the row and its entities.
  auto posts = SamplePosts();
  posts[0].metrics.likes = 1;
  posts[0].hashtags = {{"Other", {0, 6}}};
  posts[0].text = "edited";
  WriteAll(path, {posts[0]});
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM posts"), 3);
  EXPECT_EQ(QueryInt(path, "SELECT like_count FROM posts WHERE id='1377650090978992134'"), 1);
  EXPECT_EQ(QueryText(path,
                      "SELECT group_concat(tag) FROM hashtags WHERE "
                      "post_id='1377650090978992134'"),
            "Other");
}

TEST(SqliteSink, RoundTripRestoresFullPosts) {
  const std::string path = TempPath(".db");
  auto posts = SamplePosts();
  // Binary-ish raw: invalid UTF-8 and an embedded NUL must survive byte-exact.
  posts[1].raw = std::string("{\"x\":\"\xFF\xFE\"}\0tail", 16);
  WriteAll(path, posts, 2);
  const auto back = ReadAll(path);
  ASSERT_EQ(back.size(), 3u);
  // Ordered by created_at, id: c3 (earliest), then the X post, then b2.
  std::vector<model::Post> want = {posts[2], posts[0], posts[1]};
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_TRUE(back[i].SameContent(want[i])) << "post " << want[i].id;
    EXPECT_EQ(back[i].raw, want[i].raw) << "post " << want[i].id;
    EXPECT_EQ(back[i].source_format, want[i].source_format);
    EXPECT_EQ(back[i].entities_extracted, want[i].entities_extracted);
    EXPECT_EQ(back[i].urls, want[i].urls);
    EXPECT_EQ(back[i].references, want[i].references);
  }
}

TEST(SqliteSink, FlushCommitsTheOpenBatch) {
  const std::string path = TempPath(".db");
  auto sink = SqliteSink::Open({path, 1000});
  ASSERT_TRUE(sink.ok());
  ASSERT_TRUE((*sink)->Write(SamplePosts()[0]).ok());
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM posts"), 0);
  ASSERT_TRUE((*sink)->Flush().ok());
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM posts"), 1);
  ASSERT_TRUE((*sink)->Write(SamplePosts()[1]).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ(QueryInt(path, "SELECT count(*) FROM posts"), 2);
  EXPECT_FALSE((*sink)->Write(SamplePosts()[2]).ok());
  EXPECT_EQ((*sink)->Describe(), path + " (SQLite)");
}

TEST(SqliteSink, RejectsAnotherSchemaVersion) {
  const std::string path = TempPath(".db");
  WriteAll(path, {});
  Exec(path, "UPDATE meta SET value='99'");
  auto sink = SqliteSink::Open({path, 10});
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kUnsupported);
  auto store = OpenSqlitePostStore(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  Status st = (*store)->ReadAll([](model::Post&&) { return Status::Ok(); });
  EXPECT_EQ(st.code(), StatusCode::kUnsupported);
  EXPECT_NE(st.message().find("has Starling schema version 99"), std::string::npos) << st.message();
}

}  // namespace
}  // namespace starling::sink
