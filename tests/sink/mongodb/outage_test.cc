// The MongoDB store when its server is killed mid-run (KILLS_SERVERS: runs
// alone): a flush tries again, then fails as Unavailable naming the server;
// the posts it could not write are kept, and a flush once the server is back
// writes them, nothing lost and nothing doubled.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "sink/registry.h"
#include "support/store_servers.h"

namespace starling::sink {
namespace {

model::Post MakePost(int i) {
  model::Post p;
  p.id = "o" + std::to_string(i);
  p.created_at = 1'600'000'000'000'000LL + i;
  p.text = "post " + std::to_string(i);
  p.source_format = "starling";
  return p;
}

TEST(MongoOutage, StoppedServerIsUnavailableAfterTheRetriesAndNothingIsLost) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  setenv("MONGODB_PASSWORD", mongo.password.c_str(), 1);
  const std::string spec = mongo.url + "?retries=2&retry_wait=50ms&connect_timeout=2s";
  auto sink = OpenSink(spec, {.replace = true});
  ASSERT_TRUE(sink.ok()) << sink.status().message();
  for (int i = 0; i < 10; ++i) ASSERT_TRUE((*sink)->Write(MakePost(i)).ok());
  ASSERT_TRUE((*sink)->Flush().ok());
  ASSERT_TRUE(testing::ControlStoreServer("kill", "mongodb"));
  for (int i = 5; i < 20; ++i) ASSERT_TRUE((*sink)->Write(MakePost(i)).ok());
  Status st = (*sink)->Flush();
  const bool restarted = testing::ControlStoreServer("restart", "mongodb");
  ASSERT_TRUE(restarted);
  EXPECT_EQ(st.code(), StatusCode::kUnavailable) << st.message();
  EXPECT_NE(st.message().find("did not take it after 3 tries"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find(mongo.url), std::string::npos) << st.message();
  EXPECT_EQ(st.message().find(mongo.password), std::string::npos);
  // The server is back: the kept posts go in.
  ASSERT_TRUE((*sink)->Close().ok());
  auto store = OpenPostStore(mongo.url, {});
  ASSERT_TRUE(store.ok()) << store.status().message();
  int n = 0;
  ASSERT_TRUE((*store)
                  ->ReadAll([&](model::Post&& p) {
                    EXPECT_EQ(p.id, "o" + std::to_string(n));
                    ++n;
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(n, 20);
}

}  // namespace
}  // namespace starling::sink
