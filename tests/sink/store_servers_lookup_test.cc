// tests/support/store_servers.h: reading servers.json, and the reasons a
// store test skips with.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/store_servers.h"

namespace starling::testing {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  std::filesystem::create_directories(STARLING_TEST_TMP "/store_servers_lookup_test");
  std::string path = STARLING_TEST_TMP "/store_servers_lookup_test/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(StoreServersLookup, ReadsAServer) {
  auto path =
      Write("ok.json", R"({"postgres": {"url": "postgres://starling@127.0.0.1:5999/starling",
      "password": "pw", "port": 5999, "pid": 1, "version": "15.18", "log": "/l"},
      "skipped": {"mongodb": "no Go toolchain"}})");
  auto r = FindStoreServerIn(path, "postgres");
  ASSERT_TRUE(r.server) << r.why_not;
  EXPECT_EQ(r.server->url, "postgres://starling@127.0.0.1:5999/starling");
  EXPECT_EQ(r.server->password, "pw");
  EXPECT_EQ(r.server->port, 5999);
  EXPECT_EQ(r.server->host, "127.0.0.1");
  EXPECT_EQ(r.server->user, "starling");
  EXPECT_EQ(r.server->database, "starling");
  EXPECT_EQ(r.server->version, "15.18");
}

TEST(StoreServersLookup, SaysWhyAServerIsMissing) {
  auto path = Write("skip.json", R"({"postgres": {"url": "postgres://starling@127.0.0.1:1/starling",
      "port": 1}, "skipped": {"mongodb": "no Go toolchain"}})");
  auto mongo = FindStoreServerIn(path, "mongodb");
  EXPECT_FALSE(mongo.server);
  EXPECT_NE(mongo.why_not.find("no mongodb server"), std::string::npos) << mongo.why_not;
  EXPECT_NE(mongo.why_not.find("no Go toolchain"), std::string::npos) << mongo.why_not;
  auto maria = FindStoreServerIn(path, "mariadb");
  EXPECT_FALSE(maria.server);
  EXPECT_NE(maria.why_not.find("not started"), std::string::npos) << maria.why_not;
  auto pg = FindStoreServerIn(path, "postgres");  // no password: not usable
  EXPECT_FALSE(pg.server);
  EXPECT_NE(pg.why_not.find("lacks"), std::string::npos) << pg.why_not;
  auto none = FindStoreServerIn(path + ".absent", "postgres");
  EXPECT_FALSE(none.server);
  EXPECT_NE(none.why_not.find("cannot read"), std::string::npos) << none.why_not;
}

}  // namespace
}  // namespace starling::testing
