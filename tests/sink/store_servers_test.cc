// The servers of the store tests are up: each one started by the fixture
// `store_servers` accepts a TCP connection on 127.0.0.1 at its port, and its
// URL carries no password; one is killed and restarted. A server that could
// not start skips (loudly).
// The UTF-8 round trips through each server's own client are in
// tests/scenarios/store_servers_test.py.
#include "support/store_servers.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace starling::testing {
namespace {

bool Connects(const std::string& host, int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

void CheckServer(const StoreServer& s, const std::string& scheme) {
  EXPECT_EQ(
      s.url.rfind(scheme + "://starling@127.0.0.1:" + std::to_string(s.port) + "/starling", 0), 0u)
      << s.url;
  EXPECT_EQ(s.url.find(s.password), std::string::npos) << "a password in the URL";
  EXPECT_GE(s.password.size(), 16u);
  EXPECT_FALSE(s.version.empty());
  EXPECT_TRUE(Connects(s.host, s.port))
      << s.name << " at " << s.host << ":" << s.port << " (log: " << s.log << ")";
}

TEST(StoreServers, Postgres) {
  STARLING_REQUIRE_STORE_SERVER(pg, "postgres");
  CheckServer(pg, "postgres");
}

TEST(StoreServers, MariaDB) {
  STARLING_REQUIRE_STORE_SERVER(maria, "mariadb");
  CheckServer(maria, "mariadb");
}

TEST(StoreServers, ClickHouse) {
  STARLING_REQUIRE_STORE_SERVER(ch, "clickhouse");
  CheckServer(ch, "clickhouse");
}

TEST(StoreServers, MongoDB) {
  STARLING_REQUIRE_STORE_SERVER(mongo, "mongodb");
  CheckServer(mongo, "mongodb");
}

// ControlStoreServer: a server lost mid-run and back (ClickHouse: the
// quickest to restart). The test is registered with KILLS_SERVERS.
TEST(StoreServers, KillAndRestart) {
  STARLING_REQUIRE_STORE_SERVER(ch, "clickhouse");
  ASSERT_TRUE(ControlStoreServer("kill", "clickhouse"));
  EXPECT_FALSE(Connects(ch.host, ch.port));
  ASSERT_TRUE(ControlStoreServer("restart", "clickhouse"));
  EXPECT_TRUE(Connects(ch.host, ch.port));
  auto again = FindStoreServer("clickhouse");
  ASSERT_TRUE(again.server) << again.why_not;
  EXPECT_EQ(again.server->port, ch.port);
}

}  // namespace
}  // namespace starling::testing
