// File: tests/support/kafka_mock.h
// librdkafka's mock cluster (rdkafka_mock.h) for the Kafka tests: three
// brokers on loopback in this process, topics created by the test, faults
// injected through the mock's API (a broker down and up, request errors,
// leader changes). Limits of librdkafka 2.0.2's mock: the first join of a
// consumer group waits about 3 s (group.initial.rebalance.delay), and
// transactions accept offsets but do not store them.
#pragma once

#include <gtest/gtest.h>
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>

#include <chrono>
#include <cstdint>
#include <string>
#include <thread>
#include <utility>
#include <vector>

namespace starling::testing {

class KafkaMockCluster {
 public:
  explicit KafkaMockCluster(int brokers = 3) : brokers_(brokers) {
    char err[256];
    rd_kafka_conf_t* conf = rd_kafka_conf_new();
    rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
    rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
    if (rk_ == nullptr) {
      ADD_FAILURE() << "rd_kafka_new: " << err;
      return;
    }
    mock_ = rd_kafka_mock_cluster_new(rk_, brokers);
    if (mock_ == nullptr) ADD_FAILURE() << "rd_kafka_mock_cluster_new failed";
  }
  ~KafkaMockCluster() {
    if (mock_ != nullptr) rd_kafka_mock_cluster_destroy(mock_);
    if (rk_ != nullptr) rd_kafka_destroy(rk_);
  }
  KafkaMockCluster(const KafkaMockCluster&) = delete;
  KafkaMockCluster& operator=(const KafkaMockCluster&) = delete;

  rd_kafka_mock_cluster_t* get() const { return mock_; }
  int brokers() const { return brokers_; }
  // "127.0.0.1:PORT,127.0.0.1:PORT,...".
  std::string bootstraps() const { return rd_kafka_mock_cluster_bootstraps(mock_); }

  void CreateTopic(const std::string& topic, int partitions, int replication = 3) {
    ASSERT_EQ(rd_kafka_mock_topic_create(mock_, topic.c_str(), partitions, replication),
              RD_KAFKA_RESP_ERR_NO_ERROR);
  }

  // kafka://BOOTSTRAPS/TOPIC?PARAMS (the mock's own logs silenced).
  std::string Spec(const std::string& topic, const std::string& params = "") const {
    return "kafka://" + bootstraps() + "/" + topic + "?rdkafka.log_level=0" +
           (params.empty() ? "" : "&" + params);
  }

  void SetDown(int broker) { rd_kafka_mock_broker_set_down(mock_, broker); }
  void SetUp(int broker) { rd_kafka_mock_broker_set_up(mock_, broker); }
  void AllDown() {
    for (int b = 1; b <= brokers_; ++b) SetDown(b);
  }
  void AllUp() {
    for (int b = 1; b <= brokers_; ++b) SetUp(b);
  }

 private:
  int brokers_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_mock_cluster_t* mock_ = nullptr;
};

// Produces (key, value) messages with a plain librdkafka producer (not the
// sink under test) and waits, bounded, for every acknowledgement.
// partition -1: by key (librdkafka's default partitioner).
// flush_every > 0: a flush after every that many messages, so that the
// topic holds record batches of about that many messages (a fetch returns
// whole batches).
inline void ProduceAll(const std::string& bootstraps, const std::string& topic,
                       const std::vector<std::pair<std::string, std::string>>& messages,
                       std::int32_t partition = -1, std::size_t flush_every = 0) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  ASSERT_NE(rk, nullptr) << err;
  rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk, topic.c_str(), nullptr);
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const auto& [key, value] = messages[i];
    const int rc =
        rd_kafka_produce(rkt, partition, RD_KAFKA_MSG_F_COPY, const_cast<char*>(value.data()),
                         value.size(), key.data(), key.size(), nullptr);
    EXPECT_EQ(rc, 0) << rd_kafka_err2str(rd_kafka_last_error());
    if (flush_every > 0 && (i + 1) % flush_every == 0) {
      EXPECT_EQ(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
    }
  }
  EXPECT_EQ(rd_kafka_flush(rk, 10000), RD_KAFKA_RESP_ERR_NO_ERROR);
  rd_kafka_topic_destroy(rkt);
  rd_kafka_destroy(rk);
}

// The offsets group `group` committed for partitions 0..partitions-1 of
// `topic` (-1001: none), asked by a consumer that does not join the group.
inline std::vector<std::int64_t> CommittedOffsets(const std::string& bootstraps,
                                                  const std::string& group,
                                                  const std::string& topic, int partitions) {
  char err[256];
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  rd_kafka_conf_set(conf, "bootstrap.servers", bootstraps.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "group.id", group.c_str(), err, sizeof err);
  rd_kafka_conf_set(conf, "log_level", "0", err, sizeof err);
  rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  std::vector<std::int64_t> out(static_cast<std::size_t>(partitions), RD_KAFKA_OFFSET_INVALID);
  if (rk == nullptr) return out;
  rd_kafka_topic_partition_list_t* list = rd_kafka_topic_partition_list_new(partitions);
  for (int p = 0; p < partitions; ++p) rd_kafka_topic_partition_list_add(list, topic.c_str(), p);
  if (rd_kafka_committed(rk, list, 5000) == RD_KAFKA_RESP_ERR_NO_ERROR) {
    for (int i = 0; i < list->cnt; ++i) {
      out[static_cast<std::size_t>(list->elems[i].partition)] = list->elems[i].offset;
    }
  }
  rd_kafka_topic_partition_list_destroy(list);
  rd_kafka_destroy(rk);
  return out;
}

}  // namespace starling::testing
