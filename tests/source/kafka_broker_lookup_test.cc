// tests/support/kafka_broker.h: reading kafka.json, and the reasons a Kafka
// test skips with.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "support/kafka_broker.h"

namespace starling::testing {
namespace {

std::string Write(const std::string& name, const std::string& text) {
  std::filesystem::create_directories(STARLING_TEST_TMP "/kafka_broker_lookup_test");
  std::string path = STARLING_TEST_TMP "/kafka_broker_lookup_test/" + name;
  std::ofstream(path) << text;
  return path;
}

TEST(KafkaBrokerLookup, ReadsTheBroker) {
  auto path = Write("ok.json", R"({"bootstrap": "127.0.0.1:39092", "port": 39092,
      "controller_port": 39093, "pid": 4242, "version": "4.4.0", "log": "/d/kafka.log",
      "dir": "/d", "data": "/d/data"})");
  auto r = FindKafkaBrokerIn(path);
  ASSERT_TRUE(r.broker) << r.why_not;
  EXPECT_EQ(r.broker->bootstrap, "127.0.0.1:39092");
  EXPECT_EQ(r.broker->port, 39092);
  EXPECT_EQ(r.broker->pid, 4242);
  EXPECT_EQ(r.broker->version, "4.4.0");
  EXPECT_EQ(r.broker->log, "/d/kafka.log");
  EXPECT_EQ(r.broker->dir, "/d");
}

TEST(KafkaBrokerLookup, SaysWhyThereIsNone) {
  auto skipped = FindKafkaBrokerIn(
      Write("skip.json", R"j({"version": "4.4.0", "skipped": "no Java (java on PATH)"})j"));
  EXPECT_FALSE(skipped.broker);
  EXPECT_NE(skipped.why_not.find("no Kafka broker"), std::string::npos) << skipped.why_not;
  EXPECT_NE(skipped.why_not.find("no Java (java on PATH)"), std::string::npos) << skipped.why_not;
  auto partial = FindKafkaBrokerIn(Write("partial.json", R"({"version": "4.4.0"})"));
  EXPECT_FALSE(partial.broker);
  EXPECT_NE(partial.why_not.find("lacks bootstrap"), std::string::npos) << partial.why_not;
  auto none = FindKafkaBrokerIn(STARLING_TEST_TMP "/kafka_broker_lookup_test/absent.json");
  EXPECT_FALSE(none.broker);
  EXPECT_NE(none.why_not.find("cannot read"), std::string::npos) << none.why_not;
}

TEST(KafkaBrokerLookup, NoEnvironmentNoBroker) {
  unsetenv("STARLING_TEST_KAFKA");
  auto r = FindKafkaBroker();
  EXPECT_FALSE(r.broker);
  EXPECT_NE(r.why_not.find("STARLING_TEST_KAFKA is not set"), std::string::npos) << r.why_not;
  EXPECT_FALSE(CreateKafkaTopic("t", 1));  // nowhere to create it
  EXPECT_FALSE(ControlKafkaBroker("kill"));
}

TEST(KafkaBrokerLookup, TopicNames) {
  EXPECT_TRUE(kafka_detail::ValidTopicName("posts-1.a_b"));
  EXPECT_FALSE(kafka_detail::ValidTopicName(""));
  EXPECT_FALSE(kafka_detail::ValidTopicName(".."));
  EXPECT_FALSE(kafka_detail::ValidTopicName("a b"));
  EXPECT_FALSE(kafka_detail::ValidTopicName("a';rm -rf '/"));
  EXPECT_FALSE(kafka_detail::ValidTopicName(std::string(250, 'a')));
  EXPECT_NE(UniqueKafkaTopic("t"), UniqueKafkaTopic("t"));
}

}  // namespace
}  // namespace starling::testing
