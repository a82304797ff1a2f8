// File: tests/support/store_servers.h
// The real database servers of the store tests (tests/support/store_servers.py,
// started by the ctest fixture `store_servers`): where each one listens, its
// user and password, or why it is not there, so that a test skips loudly.
//
//   TEST(PostgresStore, RoundTrip) {
//     STARLING_REQUIRE_STORE_SERVER(pg, "postgres");  // GTEST_SKIP() with the reason
//     setenv("POSTGRES_PASSWORD", pg.password.c_str(), 1);  // as the store reads it
//     ... open pg.url ...
//   }
//
// Register the test with starling_store_test(... SERVERS postgres) in CMake:
// it requires the fixture, sets STARLING_TEST_SERVERS to servers.json and
// reports a skip as skipped.
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>

#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace starling::testing {

struct StoreServer {
  std::string name;      // "postgres", "mariadb", "clickhouse", "mongodb"
  std::string url;       // postgres://starling@127.0.0.1:PORT/starling (no password)
  std::string password;  // of `user`; never in the URL
  std::string host = "127.0.0.1";
  std::string user = "starling";
  std::string database = "starling";
  std::string version;  // "15.18", "10.11.19", "18.16.1", "FerretDB v1.24.2 (...)"
  std::string log;      // the server's log file
  // The administrator (root, postgres, default) for tests that change the
  // server's settings; never for a store under test.
  std::string admin_user;
  std::string admin_password;
  std::string socket;  // mariadb: the Unix socket (root may log in only there)
  int port = 0;        // clickhouse: the HTTP port
};

// A server, or the reason there is none (to skip with).
struct StoreServerLookup {
  std::optional<StoreServer> server;
  std::string why_not;
};

// The server `name` from the servers.json at `path`.
inline StoreServerLookup FindStoreServerIn(const std::string& path, std::string_view name) {
  StoreServerLookup r;
  const std::string label = "no " + std::string(name) + " server for this test: ";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.load(path).get(root)) {
    r.why_not = label + "cannot read " + path + " (" + simdjson::error_message(error) +
                "); the store_servers fixture writes it";
    return r;
  }
  std::string_view why;
  if (root["skipped"][name].get_string().get(why) == simdjson::SUCCESS) {
    r.why_not = label + "it did not start: " + std::string(why);
    return r;
  }
  simdjson::dom::object o;
  if (root[name].get_object().get(o) != simdjson::SUCCESS) {
    r.why_not = label + "it was not started (not in " + path + ")";
    return r;
  }
  StoreServer s;
  s.name = std::string(name);
  auto text = [&](const char* key, std::string& out) {
    std::string_view v;
    if (o[key].get_string().get(v) == simdjson::SUCCESS) out = std::string(v);
  };
  text("url", s.url);
  text("password", s.password);
  text("version", s.version);
  text("log", s.log);
  text("admin_user", s.admin_user);
  text("admin_password", s.admin_password);
  text("socket", s.socket);
  int64_t port = 0;
  if (o["port"].get_int64().get(port) == simdjson::SUCCESS) s.port = static_cast<int>(port);
  if (s.url.empty() || s.password.empty() || s.port <= 0) {
    r.why_not = label + "its entry in " + path + " lacks url, password or port";
    return r;
  }
  r.server = std::move(s);
  return r;
}

// The server `name` from $STARLING_TEST_SERVERS (set by the ctest fixture).
inline StoreServerLookup FindStoreServer(std::string_view name) {
  const char* path = std::getenv("STARLING_TEST_SERVERS");
  if (path == nullptr || *path == '\0') {
    StoreServerLookup r;
    r.why_not = "no " + std::string(name) +
                " server for this test: STARLING_TEST_SERVERS is not set (run it through "
                "ctest, or `python3 tests/support/store_servers.py start --dir D` and "
                "STARLING_TEST_SERVERS=D/servers.json)";
    return r;
  }
  return FindStoreServerIn(path, name);
}

// Runs `python3 tests/support/store_servers.py COMMAND --dir DIR --only NAME`
// for the servers of $STARLING_TEST_SERVERS: "kill" (SIGKILL, a server lost
// mid-run) or "restart" (same port, same data). True when it succeeded.
// A test that kills a server must be the only user of that server while it
// runs: starling_store_test(... SERVERS name) takes a ctest resource lock.
inline bool ControlStoreServer(std::string_view command, std::string_view name) {
  const char* path = std::getenv("STARLING_TEST_SERVERS");
  if (path == nullptr) return false;
  std::string dir = path;
  dir = dir.substr(0, dir.find_last_of('/'));
  std::string cmd = "python3 '" STARLING_TEST_SOURCE_DIR "/support/store_servers.py' " +
                    std::string(command) + " --dir '" + dir + "' --only " + std::string(name);
  return std::system(cmd.c_str()) == 0;
}

}  // namespace starling::testing

// Declares `const StoreServer& var` for the server `name`, or skips the test
// (GTEST_SKIP) saying which server is missing and why.
#define STARLING_REQUIRE_STORE_SERVER(var, name)                                   \
  const auto var##_lookup_ = ::starling::testing::FindStoreServer(name);           \
  if (!var##_lookup_.server) GTEST_SKIP() << "SKIPPED: " << var##_lookup_.why_not; \
  const ::starling::testing::StoreServer& var = *var##_lookup_.server
