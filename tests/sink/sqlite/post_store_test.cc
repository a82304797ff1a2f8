// Tests for the post stores (sink/store.h) through OpenPostStore: SQLite
// (sink/sqlite/post_store.h) and CSV, written by their sinks and read back.
#include "sink/sqlite/post_store.h"

#include <gtest/gtest.h>

#include "sink/post_fixtures.h"
#include "sink/registry.h"
#include "sink/sqlite/schema.h"
#include "sink/sqlite/test_db.h"

namespace starling::sink {
namespace {

using testing::SamplePosts;
using testing::TempPath;

void WriteAll(const std::string& spec, const std::vector<model::Post>& posts) {
  auto sink = OpenSink(spec);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  for (const auto& p : posts) ASSERT_TRUE((*sink)->Write(p).ok());
  ASSERT_TRUE((*sink)->Close().ok());
}

std::vector<model::Post> ReadAll(PostStore& store) {
  std::vector<model::Post> out;
  Status st = store.ReadAll([&](model::Post&& p) {
    out.push_back(std::move(p));
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

TEST(SqlitePostStore, RoundTripInTimeOrder) {
  const std::string path = TempPath(".db");
  const auto posts = SamplePosts();
  WriteAll("sqlite:" + path, posts);
  auto store = OpenPostStore(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  EXPECT_EQ((*store)->Name(), path);
  const auto back = ReadAll(**store);
  ASSERT_EQ(back.size(), 3u);
  const std::vector<model::Post> want = {posts[2], posts[0], posts[1]};  // by created_at
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_TRUE(back[i].SameContent(want[i])) << want[i].id;
    EXPECT_EQ(back[i].raw, want[i].raw) << want[i].id;
  }
  // Stopping early returns what the callback said.
  int seen = 0;
  Status st = (*store)->ReadAll([&](model::Post&&) {
    ++seen;
    return Unavailable("enough");
  });
  EXPECT_EQ(st.code(), StatusCode::kUnavailable);
  EXPECT_EQ(seen, 1);
}

TEST(SqlitePostStore, ChannelAndActivityKindsRoundTrip) {
  const std::string path = TempPath(".db");
  const auto posts = testing::ChannelPosts();
  WriteAll("sqlite:" + path, posts);
  auto store = OpenPostStore(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const auto back = ReadAll(**store);
  ASSERT_EQ(back.size(), 2u);
  for (std::size_t i = 0; i < posts.size(); ++i) {
    EXPECT_TRUE(back[i].SameContent(posts[i])) << posts[i].id;
    EXPECT_EQ(back[i].channel, posts[i].channel);
    EXPECT_EQ(back[i].raw, posts[i].raw);
  }
  auto recent = (*store)->RecentPosts(1);
  ASSERT_TRUE(recent.ok());
  ASSERT_EQ(recent->size(), 1u);
  EXPECT_EQ((*recent)[0].channel, "berlin-cpp-users");
  EXPECT_EQ((*recent)[0].kind, model::PostKind::kEvent);
}

TEST(SqlitePostStore, ADatabaseWrittenBeforeTheChannelColumnGetsIt) {
  const std::string path = TempPath(".db");
  {  // the version 1 schema as first written: no channel column
    auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadWrite);
    ASSERT_TRUE(db.ok());
    std::string ddl(SqliteSchemaSql());
    ddl.replace(ddl.find(",\n  channel            TEXT"), 27, "");
    ASSERT_EQ(ddl.find("channel"), std::string::npos);
    ASSERT_TRUE(db->Exec(ddl, "test").ok());
    ASSERT_TRUE(db->Exec("INSERT INTO meta VALUES ('schema_version', '1')", "test").ok());
    ASSERT_TRUE(db->Exec("INSERT INTO posts (id, provider, created_at, created_at_iso, author_id, "
                         "author_handle, author_name, text, lang, kind, source_format) VALUES "
                         "('1', 'x', 0, '', '', '', '', 'old', '', 'post', 'x-v2')",
                         "test")
                    .ok());
  }
  {  // read as it is: no channel
    auto store = OpenPostStore(path);
    ASSERT_TRUE(store.ok());
    const auto back = ReadAll(**store);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_EQ(back[0].text, "old");
    auto recent = (*store)->RecentPosts(5);
    ASSERT_TRUE(recent.ok()) << recent.status().ToString();
  }
  WriteAll("sqlite:" + path, testing::ChannelPosts());  // the sink adds the column
  auto store = OpenPostStore(path);
  ASSERT_TRUE(store.ok());
  const auto back = ReadAll(**store);
  ASSERT_EQ(back.size(), 3u);
  EXPECT_EQ(back[0].channel, "");
  EXPECT_EQ(back[1].channel, "jathanism/trigger");
}

TEST(SqlitePostStore, RecentPostsAreTheNewestOldestFirst) {
  const std::string path = TempPath(".db");
  const auto posts = SamplePosts();
  WriteAll("sqlite:" + path, posts);
  auto store = OpenPostStore("sqlite:" + path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto recent = (*store)->RecentPosts(2);
  ASSERT_TRUE(recent.ok()) << recent.status().ToString();
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].id, posts[0].id);
  EXPECT_EQ((*recent)[1].id, posts[1].id);  // the newest last
  // What a feed shows: text, author, kind, hashtags and mentions with offsets.
  const model::Post& p = (*recent)[0];
  EXPECT_EQ(p.text, posts[0].text);
  EXPECT_EQ(p.author.handle, posts[0].author.handle);
  EXPECT_EQ(p.provider, posts[0].provider);
  EXPECT_EQ(p.kind, posts[0].kind);
  EXPECT_EQ(p.hashtags, posts[0].hashtags);
  EXPECT_EQ(p.mentions, posts[0].mentions);
  auto all = (*store)->RecentPosts(100);
  ASSERT_TRUE(all.ok());
  EXPECT_EQ(all->size(), 3u);
  EXPECT_EQ(all->front().id, "c3");
}

TEST(SqlitePostStore, ErrorsNameTheFile) {
  const std::string missing = TempPath(".db");
  auto none = OpenPostStore(missing);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(none.status().message(), "no such database: " + missing);

  // A results database holds no posts.
  const std::string results = TempPath("-results.db");
  {
    auto sink = OpenResultSink("sqlite:" + results);
    ASSERT_TRUE(sink.ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  auto store = OpenSqlitePostStore(results);
  ASSERT_TRUE(store.ok());
  auto recent = (*store)->RecentPosts(5);
  ASSERT_FALSE(recent.ok());
  EXPECT_EQ(recent.status().code(), StatusCode::kNotFound);
  EXPECT_NE(recent.status().message().find("is not a Starling posts database (no such table"),
            std::string::npos)
      << recent.status().message();
  Status st = (*store)->ReadAll([](model::Post&&) { return Status::Ok(); });
  EXPECT_EQ(st.code(), StatusCode::kMalformedInput);
  EXPECT_EQ(st.message(), results + " is not a Starling SQLite store (no meta table)");

  auto jsonl = OpenPostStore("jsonl:x.jsonl");
  ASSERT_FALSE(jsonl.ok());
  EXPECT_NE(
      jsonl.status().message().find(
          "cannot be read back as a store; valid schemes: csv, "
          "sqlite, postgres, mysql, clickhouse, mongodb, hdf5, or a bare path ending in .csv, .db"),
      std::string::npos)
      << jsonl.status().message();
}

TEST(CsvPostStore, RoundTripAndRecentPosts) {
  const std::string path = TempPath(".csv");
  const auto posts = SamplePosts();
  WriteAll(path, posts);
  auto store = OpenPostStore(path);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  const auto back = ReadAll(**store);
  ASSERT_EQ(back.size(), 3u);
  for (std::size_t i = 0; i < posts.size(); ++i) EXPECT_EQ(back[i].id, posts[i].id);  // as written
  auto recent = (*store)->RecentPosts(2);
  ASSERT_TRUE(recent.ok()) << recent.status().ToString();
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].id, posts[0].id);
  EXPECT_EQ((*recent)[1].id, posts[1].id);
}

}  // namespace
}  // namespace starling::sink
