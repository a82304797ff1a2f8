// The stores on database servers, piece by piece, against the real servers
// of the store_servers fixture (tests/support/store_servers.h): every field
// and every NULL back as written, a post written again with fewer entities,
// a window replaced, refusals and an unreachable server as clear errors, and
// typed cells from a query. Each test uses ids of its own, so the tests can
// share a server's database with others.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>

#include "model/result_columns.h"
#include "sink/post_fixtures.h"
#include "sink/registry.h"
#include "support/store_servers.h"

namespace starling::sink {
namespace {

struct StoreCase {
  const char* server;    // the fixture's name
  const char* scheme;    // the spec's
  const char* password;  // the store's variable
  bool raw_exact;        // raw comes back byte for byte
};

const StoreCase kCases[] = {
    {"postgres", "postgres", "POSTGRES_PASSWORD", false},
    {"mariadb", "mysql", "MYSQL_PASSWORD", true},
};

class ServerStoreTest : public ::testing::TestWithParam<StoreCase> {
 protected:
  void SetUp() override {
    auto found = starling::testing::FindStoreServer(GetParam().server);
    if (!found.server) GTEST_SKIP() << found.why_not;
    server_ = *found.server;
    setenv(GetParam().password, server_.password.c_str(), 1);
    spec_ = std::string(GetParam().scheme) + server_.url.substr(server_.url.find("://"));
    prefix_ = std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "-" +
              std::to_string(::getpid()) + "-";
    for (char& c : prefix_) {
      if (c == '/') c = '_';
    }
  }

  void Write(const std::vector<model::Post>& posts) {
    auto sink = OpenSink(spec_ + "?batch=2");
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    for (const model::Post& p : posts) ASSERT_TRUE((*sink)->Write(p).ok());
    const Status st = (*sink)->Close();
    ASSERT_TRUE(st.ok()) << st.ToString();
  }

  // This test's posts, as the store reads them back.
  std::vector<model::Post> Read() {
    std::vector<model::Post> out;
    auto store = OpenPostStore(spec_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return out;
    const Status st = (*store)->ReadAll([&](model::Post&& p) {
      if (p.id.starts_with(prefix_)) out.push_back(std::move(p));
      return Status::Ok();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  starling::testing::StoreServer server_;
  std::string spec_;
  std::string prefix_;
};

TEST_P(ServerStoreTest, EveryFieldAndEveryNullComesBack) {
  std::vector<model::Post> posts = testing::SamplePosts();
  model::Post bare;  // every optional field empty: NULL in the store
  bare.id = "bare";
  bare.created_at = -1;  // a microsecond before 1970
  bare.text = "";
  bare.source_format = "starling";
  posts.push_back(bare);
  for (model::Post& p : posts) p.id = prefix_ + p.id;
  Write(posts);
  std::vector<model::Post> back = Read();
  ASSERT_EQ(back.size(), posts.size());
  std::sort(posts.begin(), posts.end(), [](const model::Post& a, const model::Post& b) {
    return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
  });
  for (std::size_t i = 0; i < posts.size(); ++i) {
    EXPECT_TRUE(back[i].SameContent(posts[i])) << posts[i].id;
    EXPECT_EQ(back[i].source_format, posts[i].source_format);
    EXPECT_EQ(back[i].raw.empty(), posts[i].raw.empty()) << posts[i].id;
    if (GetParam().raw_exact) EXPECT_EQ(back[i].raw, posts[i].raw);
  }
}

TEST_P(ServerStoreTest, APostWrittenAgainKeepsOnlyItsNewEntities) {
  model::Post p = testing::SamplePosts().front();
  p.id = prefix_ + "edited";
  p.hashtags = {{"one", {0, 4}}, {"two", {5, 9}}, {"three", {10, 16}}};
  Write({p});
  p.hashtags = {{"only", {0, 5}}};
  p.text = "edited text";
  Write({p});
  const std::vector<model::Post> back = Read();
  ASSERT_EQ(back.size(), 1u);
  EXPECT_TRUE(back[0].SameContent(p));
  ASSERT_EQ(back[0].hashtags.size(), 1u);
  EXPECT_EQ(back[0].hashtags[0].tag, "only");
}

TEST_P(ServerStoreTest, AWindowWrittenAgainReplacesItsRows) {
  model::WindowResult r;
  r.pipeline = prefix_ + "pipe";
  r.analysis = "tags";
  r.kind = model::ResultKind::kTopK;
  r.window_start = 1'600'000'000'000'000;
  r.window_end = r.window_start + 60'000'000;
  r.total = 9;
  for (int i = 1; i <= 3; ++i) {
    model::ResultRow row;
    row.rank = i;
    row.key = "#k" + std::to_string(i);
    row.count = 10 - i;
    r.rows.push_back(row);
  }
  for (int round = 0; round < 2; ++round) {
    auto sink = OpenResultSink(spec_);
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    ASSERT_TRUE(
        (*sink)->DeclareAnalyses({{r.pipeline, r.analysis, r.kind, "hashtag", "1m", 10, ""}}).ok());
    ASSERT_TRUE((*sink)->Write(r).ok());
    ASSERT_TRUE((*sink)->Close().ok());
    r.rows.resize(1);  // the second time: one row
    r.total = 4;
  }
  auto store = OpenResultStore(spec_);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  auto analyses = (*store)->Analyses(r.pipeline);
  ASSERT_TRUE(analyses.ok()) << analyses.status().ToString();
  ASSERT_EQ(analyses->size(), 1u);
  EXPECT_EQ((*analyses)[0].by, "hashtag");
  EXPECT_EQ((*analyses)[0].k, 10u);
  auto windows = (*store)->RecentWindows((*analyses)[0], 10);
  ASSERT_TRUE(windows.ok()) << windows.status().ToString();
  ASSERT_EQ(windows->size(), 1u);
  EXPECT_EQ((*windows)[0].window_start, r.window_start);
  EXPECT_EQ((*windows)[0].total, 4u);
  ASSERT_EQ((*windows)[0].rows.size(), 1u);
  EXPECT_EQ((*windows)[0].rows[0].key, "#k1");
  EXPECT_EQ((*windows)[0].rows[0].count, 9);
}

TEST_P(ServerStoreTest, ATimeTheEngineCannotKeepIsAClearError) {
  model::Post p = testing::SamplePosts().front();
  p.id = prefix_ + "ancient";
  p.created_at = -200'000'000'000'000'000;  // about 4370 BC
  auto sink = OpenSink(spec_);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  ASSERT_TRUE((*sink)->Write(p).ok());
  const Status st = (*sink)->Close();
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("outside the years"), std::string::npos) << st.ToString();
}

TEST_P(ServerStoreTest, AWrongPasswordIsRefusedWithoutShowingIt) {
  setenv(GetParam().password, "not-the-password", 1);
  auto sink = OpenSink(spec_ + "?retries=0");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument) << sink.status().ToString();
  EXPECT_EQ(sink.status().message().find("not-the-password"), std::string::npos);
  EXPECT_EQ(sink.status().message().find(server_.password), std::string::npos);
}

TEST_P(ServerStoreTest, AServerThatDoesNotAnswerIsTriedAgainThenUnavailable) {
  // Port 1 on loopback: nothing listens there.
  const std::string spec =
      std::string(GetParam().scheme) + "://starling@127.0.0.1:1/starling?retries=2&retry_wait=10ms";
  auto sink = OpenSink(spec);
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kUnavailable) << sink.status().ToString();
  EXPECT_NE(sink.status().message().find("did not take it after 3 tries"), std::string::npos)
      << sink.status().ToString();
}

TEST_P(ServerStoreTest, AQueryGivesTypedCellsAndLogicalTimes) {
  model::Post p = testing::SamplePosts().front();
  p.id = prefix_ + "q";
  p.created_at = 1'617'292'351'123'456;  // microseconds kept
  Write({p});
  auto q = OpenQueryableStore(spec_);
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  const std::string created = (*q)->ColumnSql("posts", "created_at", "p");
  const std::string sql = "SELECT " + (created.empty() ? std::string("p.created_at") : created) +
                          ", 7, 2.5, NULL, p.text FROM posts p WHERE p.id = '" + p.id + "'";
  std::vector<std::vector<Value>> rows;
  std::size_t columns = 0;
  const Status st = (*q)->Query(
      sql,
      [&](std::vector<std::string> names) {
        columns = names.size();
        return Status::Ok();
      },
      [&](std::span<const Value> row) {
        rows.emplace_back(row.begin(), row.end());
        return Status::Ok();
      });
  ASSERT_TRUE(st.ok()) << st.ToString();
  EXPECT_EQ(columns, 5u);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0][0], Value{p.created_at});
  EXPECT_EQ(rows[0][1], Value{std::int64_t{7}});
  // A decimal literal: exact, so as text (the query layer reads it as it expects).
  EXPECT_EQ(rows[0][2], Value{std::string("2.5")});
  EXPECT_EQ(rows[0][3], Value{});
  EXPECT_EQ(rows[0][4], Value{p.text});
  // A statement the store refuses.
  const Status bad = (*q)->Query(
      "SELECT nope FROM nowhere", [](auto) { return Status::Ok(); },
      [](auto) { return Status::Ok(); });
  EXPECT_EQ(bad.code(), StatusCode::kInvalidArgument) << bad.ToString();
}

// MariaDB without LOAD DATA LOCAL (local_infile=OFF, as some servers are
// set): the sink falls back to multi-row INSERTs, with the same result.
class MariadbStoreTest : public ServerStoreTest {};

TEST_P(MariadbStoreTest, WithoutLocalInfileFallsBackToInserts) {
  ASSERT_FALSE(server_.socket.empty());
  auto admin = [&](const std::string& sql) {
    const std::string cmd = "MYSQL_PWD='" + server_.admin_password + "' mariadb -S '" +
                            server_.socket + "' -u " + server_.admin_user + " -e \"" + sql + "\"";
    return std::system(cmd.c_str());
  };
  ASSERT_EQ(admin("SET GLOBAL local_infile = 0"), 0);
  std::vector<model::Post> posts = testing::SamplePosts();
  for (model::Post& p : posts) p.id = prefix_ + p.id;
  Write(posts);
  Write(posts);  // again: the upsert path too
  EXPECT_EQ(admin("SET GLOBAL local_infile = 1"), 0);
  const std::vector<model::Post> back = Read();
  ASSERT_EQ(back.size(), posts.size());
  for (const model::Post& b : back) {
    const auto it = std::find_if(posts.begin(), posts.end(),
                                 [&](const model::Post& p) { return p.id == b.id; });
    ASSERT_NE(it, posts.end());
    EXPECT_TRUE(b.SameContent(*it)) << b.id;
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, ServerStoreTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return std::string(info.param.server); });
INSTANTIATE_TEST_SUITE_P(Mariadb, MariadbStoreTest, ::testing::Values(kCases[1]),
                         [](const auto& info) { return std::string(info.param.server); });

}  // namespace
}  // namespace starling::sink
