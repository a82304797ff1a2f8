// File: sink/kafka/producer.h
// An idempotent Kafka producer (librdkafka, acks=all) that accounts for
// every message: Flush returns only once each message produced so far is
// acknowledged by the brokers, or fails (a delivery failed, or `timeout`
// passed). Its queue is bounded: while it is full, Produce waits (serving
// delivery reports), which holds up the writer and so backpressures the
// source, up to `timeout`. Owned by one thread (the sink's); delivery
// reports run on that thread, inside Produce and Flush.
//
// With a transactional_id it is a transactional producer (exactly-once
// output, docs/kafka.md): Open fences any earlier producer of that id
// (aborting the transaction it left open) and begins a transaction; Prepare
// sends what the transaction holds and adds a marker to it, the sequence
// number of the transaction, stored by the brokers as the committed offset
// of group `starling.txn.ID` on TOPIC/0 when, and only when, the
// transaction commits; Commit commits it and begins the next. So a resumed
// run can ask the brokers whether a checkpoint's transaction committed.
#pragma once

#include <librdkafka/rdkafka.h>

#include <algorithm>
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
  // Transactions: empty for an idempotent producer without them.
  std::string transactional_id;
  std::chrono::milliseconds transaction_timeout{60000};  // transaction.timeout.ms
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
  // is dropped (its checkpoint was never written). Transactional: commits
  // the open transaction with its marker (the end of a run). Idempotent.
  Status Close();

  // Transactions (transactional_id set): the sequence number of the last
  // transaction committed under the id, as the brokers hold it (0: none).
  // Reads it from the brokers (up to `timeout`).
  Result<std::uint64_t> CommittedSequence();
  // Flushes, then adds the marker of the next sequence number to the open
  // transaction; returns that number. Nothing of it is visible to readers
  // (read_committed) until Commit.
  Result<std::uint64_t> Prepare();
  // Commits the open transaction (prepared or not: Close commits what it
  // holds), then begins the next unless `begin_next` is false. A
  // transaction that failed is aborted and the error returned: its
  // messages are not written, and the run stops.
  Status Commit(bool begin_next = true);
  // Aborts the open transaction (bounded by `timeout`); errors are logged.
  void Abort();
  bool transactional() const { return !o_.transactional_id.empty(); }
  const std::string& topic() const { return o_.topic; }
  // Where the marker goes: group `starling.txn.ID`, TOPIC/0.
  std::string MarkerGroup() const { return "starling.txn." + o_.transactional_id; }

  std::uint64_t produced() const { return produced_; }
  std::uint64_t acknowledged() const { return acknowledged_.load(); }
  std::uint64_t failed() const { return failed_.load(); }

 private:
  explicit Producer(ProducerOptions options) : o_(std::move(options)) {}
  Status CheckTopic();
  Status BeginTransactions();
  // The error of a transactional call, freed; OK for none.
  Status TxnStatus(rd_kafka_error_t* error, std::string_view what);
  Status Sticky() const;
  std::string LastError() const;
  // `timeout` as librdkafka's int milliseconds.
  int TimeoutMs() const {
    return static_cast<int>(std::clamp<std::int64_t>(o_.timeout.count(), 1, 1 << 30));
  }
  static void OnDelivery(rd_kafka_t* rk, const rd_kafka_message_t* m, void* opaque);
  static void OnError(rd_kafka_t* rk, int err, const char* reason, void* opaque);

  ProducerOptions o_;
  rd_kafka_t* rk_ = nullptr;
  rd_kafka_topic_t* rkt_ = nullptr;
  std::uint64_t produced_ = 0;
  std::atomic<std::uint64_t> acknowledged_{0};
  std::atomic<std::uint64_t> failed_{0};
  mutable std::mutex mu_;
  std::string first_failure_;             // the first delivery that failed
  std::string last_error_;                // the client's last error (a broker down)
  Status gave_up_;                        // a wait ran out of time: Close does not wait again
  std::uint64_t sequence_ = 0;            // the next Prepare's marker is sequence_ + 1
  bool in_transaction_ = false;           // a transaction is begun and not yet ended
  bool prepared_ = false;                 // Prepare added the marker of sequence_ + 1
  std::uint64_t produced_at_commit_ = 0;  // produced_ when the last transaction ended
};

}  // namespace starling::sink::kafka
