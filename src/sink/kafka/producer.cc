// File: sink/kafka/producer.cc
#include "sink/kafka/producer.h"

#include <algorithm>

#include "common/log.h"
#include "common/spec.h"

namespace starling::sink::kafka {
namespace {

// Properties the sink's guarantees rest on.
constexpr std::string_view kReserved[] = {"bootstrap.servers", "metadata.broker.list",
                                          "enable.idempotence", "acks", "request.required.acks"};

Status Set(rd_kafka_conf_t* conf, const std::string& name, const std::string& value,
           std::string_view what) {
  char err[512];
  if (rd_kafka_conf_set(conf, name.c_str(), value.c_str(), err, sizeof err) == RD_KAFKA_CONF_OK) {
    return Status::Ok();
  }
  // librdkafka's message quotes the value: not shown for a secret.
  return InvalidArgument(
      std::string(what) + ": " + name + ": " +
      (spec::IsSecretName(name) ? std::string("invalid value (hidden)") : std::string(err)));
}

std::int64_t Millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
}

}  // namespace

Result<std::unique_ptr<Producer>> Producer::Open(ProducerOptions options) {
  std::unique_ptr<Producer> p(new Producer(std::move(options)));
  const ProducerOptions& o = p->o_;
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  const std::pair<std::string, std::string> mine[] = {
      {"bootstrap.servers", o.brokers},
      {"client.id", "starling"},
      {"enable.idempotence", "true"},
      {"acks", "all"},
      {"queue.buffering.max.messages",
       std::to_string(std::max<std::uint64_t>(1, o.queue_messages))},
      {"queue.buffering.max.kbytes",
       std::to_string(std::max<std::uint64_t>(1, o.queue_bytes / 1024))},
      {"linger.ms", "5"}};
  Status st;
  for (const auto& [name, value] : mine) {
    if (st.ok()) st = Set(conf, name, value, o.describe);
  }
  for (const auto& [name, value] : o.properties) {
    if (!st.ok()) break;
    if (std::find(std::begin(kReserved), std::end(kReserved), name) != std::end(kReserved)) {
      st = InvalidArgument(o.describe + ": rdkafka." + name +
                           " is set by Starling and cannot be changed (docs/kafka.md)");
    } else {
      st = Set(conf, name, value, o.describe + ": rdkafka");
    }
  }
  if (!st.ok()) {
    rd_kafka_conf_destroy(conf);
    return st;
  }
  rd_kafka_conf_set_dr_msg_cb(conf, &Producer::OnDelivery);
  rd_kafka_conf_set_error_cb(conf, &Producer::OnError);
  // librdkafka's log lines to Starling's log (debug), not straight to stderr.
  rd_kafka_conf_set_log_cb(
      conf, [](const rd_kafka_t*, int level, const char* facility, const char* text) {
        log::Debug("librdkafka {} [{}]: {}", level, facility, text);
      });
  rd_kafka_conf_set_opaque(conf, p.get());
  char err[512];
  p->rk_ = rd_kafka_new(RD_KAFKA_PRODUCER, conf, err, sizeof err);
  if (p->rk_ == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument(o.describe + ": " + err);
  }
  p->rkt_ = rd_kafka_topic_new(p->rk_, o.topic.c_str(), nullptr);
  if (p->rkt_ == nullptr) {
    return InvalidArgument(o.describe + ": topic '" + o.topic +
                           "': " + rd_kafka_err2str(rd_kafka_last_error()));
  }
  STARLING_RETURN_IF_ERROR(p->CheckTopic());
  return p;
}

Status Producer::CheckTopic() {
  // A producer asks for the topic as writing would (a cluster that creates
  // topics on use creates it now); librdkafka waits for a broker up to the
  // timeout.
  const rd_kafka_metadata_t* md = nullptr;
  const int timeout_ms = static_cast<int>(std::clamp<std::int64_t>(o_.timeout.count(), 1, 1 << 30));
  const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_, 0, rkt_, &md, timeout_ms);
  if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(o_.describe + ": no metadata from brokers " + o_.brokers + " within " +
                       std::to_string(o_.timeout.count()) + " ms: " + rd_kafka_err2str(err));
  }
  std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> hold(
      md, rd_kafka_metadata_destroy);
  const rd_kafka_resp_err_t topic_err =
      md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
  switch (topic_err) {
    case RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART:
      return NotFound(o_.describe + ": topic '" + o_.topic + "' not found on brokers " +
                      o_.brokers + ", which do not create topics on use: create it first");
    case RD_KAFKA_RESP_ERR_TOPIC_AUTHORIZATION_FAILED:
    case RD_KAFKA_RESP_ERR_TOPIC_EXCEPTION:
      return InvalidArgument(o_.describe + ": cannot write to topic '" + o_.topic +
                             "' on brokers " + o_.brokers + ": " + rd_kafka_err2str(topic_err));
    default:  // there, or being created (no leader yet): writing waits for it
      return Status::Ok();
  }
}

Producer::~Producer() {
  if (rk_ == nullptr) return;
  // Not closed: an error path. Nothing waits for brokers that may be down.
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_, 0);
  if (rkt_ != nullptr) rd_kafka_topic_destroy(rkt_);
  rd_kafka_destroy(rk_);
}

void Producer::OnDelivery(rd_kafka_t*, const rd_kafka_message_t* m, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
    self->acknowledged_.fetch_add(1);
    return;
  }
  self->failed_.fetch_add(1);
  std::lock_guard lock(self->mu_);
  if (self->first_failure_.empty()) {
    self->first_failure_ =
        std::string(rd_kafka_err2str(m->err)) + " (partition " + std::to_string(m->partition) + ")";
  }
}

void Producer::OnError(rd_kafka_t*, int, const char* reason, void* opaque) {
  auto* self = static_cast<Producer*>(opaque);
  std::lock_guard lock(self->mu_);
  self->last_error_ = reason;
}

std::string Producer::LastError() const {
  std::lock_guard lock(mu_);
  return last_error_.empty() ? std::string() : "; last error: " + last_error_;
}

Status Producer::Sticky() const {
  if (rk_ == nullptr) return Internal(o_.describe + ": used after Close");
  char err[512];
  if (rd_kafka_fatal_error(rk_, err, sizeof err) != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(o_.describe + ": the producer failed for good: " + err);
  }
  const std::uint64_t failed = failed_.load();
  if (failed == 0) return Status::Ok();
  std::lock_guard lock(mu_);
  return Unavailable(o_.describe + ": " + std::to_string(failed) +
                     " message(s) not delivered to brokers " + o_.brokers +
                     " (first: " + first_failure_ + "); the run stops before its checkpoint");
}

Status Producer::Produce(std::string_view key, std::string_view value) {
  STARLING_RETURN_IF_ERROR(Sticky());
  const auto deadline = std::chrono::steady_clock::now() + o_.timeout;
  for (;;) {
    const int rc = rd_kafka_produce(rkt_, RD_KAFKA_PARTITION_UA, RD_KAFKA_MSG_F_COPY,
                                    const_cast<char*>(value.data()), value.size(), key.data(),
                                    key.size(), nullptr);
    if (rc == 0) break;
    const rd_kafka_resp_err_t err = rd_kafka_last_error();
    if (err != RD_KAFKA_RESP_ERR__QUEUE_FULL) {
      return Unavailable(o_.describe + ": cannot produce: " + rd_kafka_err2str(err));
    }
    // Full: wait for acknowledgements to make room (this is the backpressure).
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
      gave_up_ = Unavailable(o_.describe + ": the producer's queue stayed full for " +
                             std::to_string(o_.timeout.count()) + " ms: brokers " + o_.brokers +
                             " do not acknowledge" + LastError());
      return gave_up_;
    }
    rd_kafka_poll(rk_, static_cast<int>(std::clamp<std::int64_t>(Millis(left), 1, 100)));
    STARLING_RETURN_IF_ERROR(Sticky());
  }
  ++produced_;
  rd_kafka_poll(rk_, 0);  // delivery reports
  return Status::Ok();
}

Status Producer::Flush() {
  STARLING_RETURN_IF_ERROR(Sticky());
  const auto deadline = std::chrono::steady_clock::now() + o_.timeout;
  while (acknowledged_.load() + failed_.load() < produced_) {
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::steady_clock::duration::zero()) {
      const std::uint64_t waiting = produced_ - acknowledged_.load() - failed_.load();
      gave_up_ = Unavailable(o_.describe + ": " + std::to_string(waiting) + " of " +
                             std::to_string(produced_) + " message(s) not acknowledged after " +
                             std::to_string(o_.timeout.count()) + " ms by brokers " + o_.brokers +
                             LastError());
      return gave_up_;
    }
    // rd_kafka_flush serves the delivery reports, on this thread.
    (void)rd_kafka_flush(rk_, static_cast<int>(std::clamp<std::int64_t>(Millis(left), 1, 100)));
  }
  return Sticky();
}

Status Producer::Close() {
  if (rk_ == nullptr) return Status::Ok();
  Status st = gave_up_.ok() ? Flush() : gave_up_;
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_, 0);
  rd_kafka_topic_destroy(rkt_);
  rkt_ = nullptr;
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
  return st;
}

}  // namespace starling::sink::kafka
