// File: tests/support/kafka_broker.h
// The real Apache Kafka broker of the Kafka tests (tests/support/kafka_broker.py,
// started by the ctest fixture `kafka_broker`: one node in KRaft mode on
// 127.0.0.1): where it listens, or why there is none, so that a test skips
// loudly; topics for a test; the broker killed and restarted.
//
//   TEST(KafkaSource, ReadsEveryPartition) {
//     STARLING_REQUIRE_KAFKA_BROKER(kafka);  // GTEST_SKIP() with the reason
//     const std::string topic = UniqueKafkaTopic("posts");
//     ASSERT_TRUE(CreateKafkaTopic(topic, 3));
//     ... bootstrap.servers = kafka.bootstrap ...
//   }
//
// Register the test with starling_kafka_test(... [KILLS_BROKER]) in CMake: it
// requires the fixture, sets STARLING_TEST_KAFKA to kafka.json and reports a
// skip as skipped. The broker is shared by the tests of a ctest run: each test
// makes topics of its own (UniqueKafkaTopic).
#pragma once

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>

namespace starling::testing {

struct KafkaBroker {
  std::string bootstrap;  // "127.0.0.1:PORT": bootstrap.servers
  std::string version;    // Kafka's, "4.4.0"
  std::string log;        // the broker's log file
  std::string dir;        // the fixture's folder (configuration, data, log)
  int port = 0;
  int pid = 0;
};

// The broker, or the reason there is none (to skip with).
struct KafkaBrokerLookup {
  std::optional<KafkaBroker> broker;
  std::string why_not;
};

// The broker of the kafka.json at `path`.
inline KafkaBrokerLookup FindKafkaBrokerIn(const std::string& path) {
  KafkaBrokerLookup r;
  const std::string label = "no Kafka broker for this test: ";
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (auto error = parser.load(path).get(root)) {
    r.why_not = label + "cannot read " + path + " (" + simdjson::error_message(error) +
                "); the kafka_broker fixture writes it";
    return r;
  }
  std::string_view why;
  if (root["skipped"].get_string().get(why) == simdjson::SUCCESS) {
    r.why_not = label + "it did not start: " + std::string(why);
    return r;
  }
  KafkaBroker b;
  auto text = [&](const char* key, std::string& out) {
    std::string_view v;
    if (root[key].get_string().get(v) == simdjson::SUCCESS) out = std::string(v);
  };
  text("bootstrap", b.bootstrap);
  text("version", b.version);
  text("log", b.log);
  text("dir", b.dir);
  int64_t n = 0;
  if (root["port"].get_int64().get(n) == simdjson::SUCCESS) b.port = static_cast<int>(n);
  if (root["pid"].get_int64().get(n) == simdjson::SUCCESS) b.pid = static_cast<int>(n);
  if (b.bootstrap.empty() || b.port <= 0) {
    r.why_not = label + path + " lacks bootstrap or port";
    return r;
  }
  r.broker = std::move(b);
  return r;
}

// The broker of $STARLING_TEST_KAFKA (set by the ctest fixture).
inline KafkaBrokerLookup FindKafkaBroker() {
  const char* path = std::getenv("STARLING_TEST_KAFKA");
  if (path == nullptr || *path == '\0') {
    KafkaBrokerLookup r;
    r.why_not =
        "no Kafka broker for this test: STARLING_TEST_KAFKA is not set (run it through ctest, "
        "or `python3 tests/support/kafka_broker.py start --dir D` and "
        "STARLING_TEST_KAFKA=D/kafka.json)";
    return r;
  }
  return FindKafkaBrokerIn(path);
}

namespace kafka_detail {

// `python3 tests/support/kafka_broker.py COMMAND --dir DIR ARGS` for the
// broker of $STARLING_TEST_KAFKA; true when it succeeded. ARGS must need no
// quoting (the callers check).
inline bool RunBrokerScript(std::string_view command, const std::string& args) {
  const char* path = std::getenv("STARLING_TEST_KAFKA");
  if (path == nullptr || *path == '\0') return false;
  std::string dir = path;
  if (dir.find('\'') != std::string::npos) return false;
  const auto slash = dir.find_last_of('/');
  dir = slash == std::string::npos ? "." : dir.substr(0, slash);
  std::string cmd = "python3 '" STARLING_TEST_SOURCE_DIR "/support/kafka_broker.py' " +
                    std::string(command) + " --dir '" + dir + "'" + args;
  return std::system(cmd.c_str()) == 0;
}

inline bool ValidTopicName(std::string_view name) {
  if (name.empty() || name.size() > 249 || name == "." || name == "..") return false;
  for (char c : name) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace kafka_detail

// A topic name no other test of this ctest run uses: PREFIX-PID-N.
inline std::string UniqueKafkaTopic(std::string_view prefix) {
  static std::atomic<int> next{0};
  return std::string(prefix) + "-" + std::to_string(getpid()) + "-" + std::to_string(next++);
}

// Creates topic `name` with `partitions` partitions (one replica) on the
// fixture's broker and waits until each partition has a leader (the broker
// creates no topic by itself). False when it failed (the reason is printed)
// or the name is not a valid topic name.
inline bool CreateKafkaTopic(std::string_view name, int partitions) {
  if (!kafka_detail::ValidTopicName(name) || partitions < 1) return false;
  return kafka_detail::RunBrokerScript(
      "create-topic", " '" + std::string(name) + "' " + std::to_string(partitions));
}

// "kill" (SIGKILL: the broker lost mid-run) or "restart" (same port, same
// data; it waits until the broker answers). True when it succeeded. A test
// that kills the broker must restart it before it ends and be registered with
// KILLS_BROKER, so that no other test uses the broker meanwhile.
inline bool ControlKafkaBroker(std::string_view command) {
  if (command != "kill" && command != "restart") return false;
  return kafka_detail::RunBrokerScript(command, "");
}

}  // namespace starling::testing

// Declares `const KafkaBroker& var`, or skips the test (GTEST_SKIP) saying
// why there is no broker.
#define STARLING_REQUIRE_KAFKA_BROKER(var)                                         \
  const auto var##_lookup_ = ::starling::testing::FindKafkaBroker();               \
  if (!var##_lookup_.broker) GTEST_SKIP() << "SKIPPED: " << var##_lookup_.why_not; \
  const ::starling::testing::KafkaBroker& var = *var##_lookup_.broker
