// File: sink/kafka/producer.h
// An idempotent Kafka producer (librdkafka, acks=all) that accounts for
// every message: Flush returns only once each message produced so far is
// acknowledged by the brokers, or fails (a delivery failed, or `timeout`
// passed). Its queue is bounded: while it is full, Produce waits (serving
// delivery reports), which holds up the writer and so backpressures the
// source, up to `timeout`. Owned by one thread (the sink's); delivery
// reports run on that thread, inside Produce and Flush.
#pragma once

#include <librdkafka/rdkafka.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace starling::sink::kafka {

struct ProducerOptions {
  std::string describe;  // the redacted spec: every message quotes it
  std::string brokers;   // bootstrap.servers: "h1:9092,h2:9092"
  std::string topic;
  std::chrono::milliseconds timeout{30000};
  std::uint64_t queue_messages = 100000;  // queue.buffering.max.messages
  std::uint64_t queue_bytes = 64u << 20;  // queue.buffering.max.kbytes (in bytes here)
  // rdkafka.NAME=VALUE of the spec; the properties the guarantees rest on
  // (idempotence, acks, bootstrap.servers) are refused.
  std::vector<std::pair<std::string, std::string>> properties;
};

class Producer {
 public:
  // InvalidArgument for a property librdkafka refuses (a secret's value is
  // never quoted). Asks the brokers for the topic, waiting up to `timeout`:
  // NotFound when it does not exist and the cluster does not create topics
  // on use, Unavailable (naming the brokers) when none answers. A broker
  // lost later is found out by Produce or Flush.
  static Result<std::unique_ptr<Producer>> Open(ProducerOptions options);
  ~Producer();
  Producer(const Producer&) = delete;
  Producer& operator=(const Producer&) = delete;

  // Queues one message (key and value are copied). While the queue is full,
  // waits up to `timeout`, then fails (Unavailable, naming the brokers).
  // Fails at once after an earlier delivery failure (the failure sticks:
  // what was not acknowledged must be written again by a resumed run).
  Status Produce(std::string_view key, std::string_view value);
  // Waits until every message produced so far is acknowledged. Unavailable
  // when `timeout` passed first, or when a delivery failed.
  Status Flush();
  // Flushes (unless a wait already ran out of time: then it fails at once
  // with that error), then releases the producer; what is not acknowledged
  // is dropped (its checkpoint was never written). Idempotent.
  Status Close();

  std::uint64_t produced() const { return produced_; }
  std::uint64_t acknowledged() const { return acknowledged_.load(); }
  std::uint64_t failed() const { return failed_.load(); }

 private:
  explicit Producer(ProducerOptions options) : o_(std::move(options)) {}
  Status CheckTopic();
  Status Sticky() const;
  std::string LastError() const;
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  ProducerOptions o_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;
  std::uint64_t produced_ = 0;
  std::atomic<std::uint64_t> acknowledged_{0};
  std::atomic<std::uint64_t> failed_{0};
  mutable std::mutex mu_;
  std::string first_failure_;  // the first delivery that failed
  std::string last_error_;     // the client's last error (a broker down)
  Status gave_up_;             // a wait ran out of time: Close does not wait again
};

}  // namespace starling::sink::kafka
