// The Kafka broker of the fixture `kafka_broker` is up: it accepts a TCP
// connection at its bootstrap address, and topics are made through the
// helper (once: a second try fails). Its produce/consume round trip, and a
// kill and restart, are in tests/scenarios/kafka_broker_test.py. No broker
// here (no Java, Maven or kcat): skipped, loudly.
#include "support/kafka_broker.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <string>

namespace starling::testing {
namespace {

bool Connects(int port) {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return false;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  inet_pton(AF_INET, "127.0.0.1", &addr.sin_addr);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) == 0;
  close(fd);
  return ok;
}

TEST(KafkaBroker, Answers) {
  STARLING_REQUIRE_KAFKA_BROKER(kafka);
  EXPECT_EQ(kafka.bootstrap, "127.0.0.1:" + std::to_string(kafka.port));
  EXPECT_FALSE(kafka.version.empty());
  EXPECT_GT(kafka.pid, 0);
  EXPECT_TRUE(Connects(kafka.port)) << kafka.bootstrap << " (log: " << kafka.log << ")";
}

TEST(KafkaBroker, CreatesTopics) {
  STARLING_REQUIRE_KAFKA_BROKER(kafka);
  const std::string topic = UniqueKafkaTopic("kafka_broker_test");
  EXPECT_TRUE(CreateKafkaTopic(topic, 3)) << "on " << kafka.bootstrap;
  EXPECT_FALSE(CreateKafkaTopic(topic, 3)) << "a topic made twice";
  EXPECT_FALSE(CreateKafkaTopic("not a topic name", 1));
  EXPECT_FALSE(ControlKafkaBroker("pause"));
}

}  // namespace
}  // namespace starling::testing
