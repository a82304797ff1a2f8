// File: sink/kafka/producer.cc
#include "sink/kafka/producer.h"

#include <algorithm>

#include "common/log.h"
#include "common/spec.h"

namespace starling::sink::kafka {
namespace {

// Properties the sink's guarantees rest on.
constexpr std::string_view kReserved[] = {
    "bootstrap.servers",     "metadata.broker.list", "enable.idempotence",    "acks",
    "request.required.acks", "transactional.id",     "transaction.timeout.ms"};

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

// librdkafka's log lines to Starling's log (debug), not straight to stderr.
void ToDebugLog(const rd_kafka_t*, int level, const char* facility, const char* text) {
  log::Debug("librdkafka {} [{}]: {}", level, facility, text);
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
  if (st.ok() && p->transactional()) {
    st = Set(conf, "transactional.id", o.transactional_id, o.describe);
    if (st.ok()) {
      st = Set(conf, "transaction.timeout.ms", std::to_string(o.transaction_timeout.count()),
               o.describe);
    }
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
  rd_kafka_conf_set_log_cb(conf, &ToDebugLog);
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
  if (p->transactional()) STARLING_RETURN_IF_ERROR(p->BeginTransactions());
  return p;
}

Status Producer::TxnStatus(rd_kafka_error_t* error, std::string_view what) {
  if (error == nullptr) return Status::Ok();
  std::string text = std::string(rd_kafka_error_string(error));
  const bool fatal = rd_kafka_error_is_fatal(error) != 0;
  const bool fenced = rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR__FENCED ||
                      rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_PRODUCER_FENCED ||
                      rd_kafka_error_code(error) == RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH;
  rd_kafka_error_destroy(error);
  if (fenced) {
    return Unavailable(o_.describe + ": " + std::string(what) +
                       ": another producer took over transactional_id '" + o_.transactional_id +
                       "' (fenced): give each run its own transactional_id (docs/kafka.md)");
  }
  return Unavailable(o_.describe + ": " + std::string(what) +
                     (fatal ? " failed for good: " : ": ") + text + LastError());
}

Status Producer::BeginTransactions() {
  const int timeout_ms = TimeoutMs();
  // Fences every earlier producer of the id; the transaction one left open
  // (a run killed mid-way) is aborted before this returns.
  STARLING_RETURN_IF_ERROR(
      TxnStatus(rd_kafka_init_transactions(rk_, timeout_ms), "initializing transactions"));
  STARLING_ASSIGN_OR_RETURN(sequence_, CommittedSequence());
  STARLING_RETURN_IF_ERROR(TxnStatus(rd_kafka_begin_transaction(rk_), "beginning a transaction"));
  in_transaction_ = true;
  return Status::Ok();
}

Result<std::uint64_t> Producer::CommittedSequence() {
  if (!transactional()) return Internal(o_.describe + ": not transactional");
  // A consumer handle only asks the group coordinator (it joins nothing).
  rd_kafka_conf_t* conf = rd_kafka_conf_new();
  Status st = Set(conf, "bootstrap.servers", o_.brokers, o_.describe);
  if (st.ok()) st = Set(conf, "group.id", MarkerGroup(), o_.describe);
  if (st.ok()) st = Set(conf, "enable.auto.commit", "false", o_.describe);
  // Waits for a transaction still committing (its offsets are not stable).
  if (st.ok()) st = Set(conf, "isolation.level", "read_committed", o_.describe);
  for (const auto& [name, value] : o_.properties) {
    if (st.ok()) st = Set(conf, name, value, o_.describe + ": rdkafka");
  }
  if (!st.ok()) {
    rd_kafka_conf_destroy(conf);
    return st;
  }
  rd_kafka_conf_set_log_cb(conf, &ToDebugLog);
  char err[512];
  rd_kafka_t* c = rd_kafka_new(RD_KAFKA_CONSUMER, conf, err, sizeof err);
  if (c == nullptr) {
    rd_kafka_conf_destroy(conf);
    return InvalidArgument(o_.describe + ": " + err);
  }
  rd_kafka_topic_partition_list_t* parts = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(parts, o_.topic.c_str(), 0);
  const int timeout_ms = TimeoutMs();
  rd_kafka_resp_err_t e = rd_kafka_committed(c, parts, timeout_ms);
  if (e == RD_KAFKA_RESP_ERR_NO_ERROR) e = parts->elems[0].err;
  const std::int64_t offset = parts->elems[0].offset;
  rd_kafka_topic_partition_list_destroy(parts);
  rd_kafka_destroy(c);
  if (e != RD_KAFKA_RESP_ERR_NO_ERROR) {
    return Unavailable(o_.describe + ": cannot read the committed transactions of '" +
                       o_.transactional_id + "' (group " + MarkerGroup() + ") from brokers " +
                       o_.brokers + ": " + rd_kafka_err2str(e));
  }
  return offset < 0 ? std::uint64_t{0} : static_cast<std::uint64_t>(offset);
}

Result<std::uint64_t> Producer::Prepare() {
  if (!in_transaction_) return Internal(o_.describe + ": Prepare outside a transaction");
  STARLING_RETURN_IF_ERROR(Flush());
  const std::uint64_t next = sequence_ + 1;
  rd_kafka_topic_partition_list_t* marker = rd_kafka_topic_partition_list_new(1);
  rd_kafka_topic_partition_list_add(marker, o_.topic.c_str(), 0)->offset =
      static_cast<std::int64_t>(next);
  rd_kafka_consumer_group_metadata_t* group =
      rd_kafka_consumer_group_metadata_new(MarkerGroup().c_str());
  const int timeout_ms = TimeoutMs();
  rd_kafka_error_t* error = rd_kafka_send_offsets_to_transaction(rk_, marker, group, timeout_ms);
  rd_kafka_consumer_group_metadata_destroy(group);
  rd_kafka_topic_partition_list_destroy(marker);
  if (error != nullptr) {
    const bool abort = rd_kafka_error_txn_requires_abort(error) != 0;
    Status st = TxnStatus(error, "adding the transaction's marker");
    if (abort) Abort();
    return st;
  }
  prepared_ = true;
  return next;
}

Status Producer::Commit(bool begin_next) {
  if (!in_transaction_) return Internal(o_.describe + ": Commit outside a transaction");
  STARLING_RETURN_IF_ERROR(Sticky());
  const auto deadline = std::chrono::steady_clock::now() + o_.timeout;
  for (;;) {
    const auto left =
        std::max<std::int64_t>(1, Millis(deadline - std::chrono::steady_clock::now()));
    rd_kafka_error_t* error =
        rd_kafka_commit_transaction(rk_, static_cast<int>(std::min<std::int64_t>(left, 1 << 30)));
    if (error == nullptr) break;
    if (rd_kafka_error_is_retriable(error) && std::chrono::steady_clock::now() < deadline) {
      rd_kafka_error_destroy(error);
      continue;
    }
    const bool abort = rd_kafka_error_txn_requires_abort(error) != 0;
    Status st = TxnStatus(error, "committing the transaction");
    if (abort) Abort();
    in_transaction_ = false;
    return st;
  }
  if (prepared_) ++sequence_;
  prepared_ = false;
  produced_at_commit_ = produced_;
  in_transaction_ = false;
  // A transaction begun is local until something is written in it: one
  // left unused at Close costs nothing.
  if (!begin_next) return Status::Ok();
  STARLING_RETURN_IF_ERROR(TxnStatus(rd_kafka_begin_transaction(rk_), "beginning a transaction"));
  in_transaction_ = true;
  return Status::Ok();
}

void Producer::Abort() {
  if (rk_ == nullptr || !in_transaction_) return;
  in_transaction_ = false;
  const int timeout_ms = TimeoutMs();
  rd_kafka_error_t* error = rd_kafka_abort_transaction(rk_, timeout_ms);
  produced_at_commit_ = produced_;
  if (error != nullptr) {
    log::Warn(
        "{}: aborting the transaction: {} (the brokers abort it after "
        "transaction_timeout)",
        o_.describe, rd_kafka_error_string(error));
    rd_kafka_error_destroy(error);
  }
}

Status Producer::CheckTopic() {
  // A producer asks for the topic as writing would (a cluster that creates
  // topics on use creates it now); librdkafka waits for a broker up to the
  // timeout.
  const rd_kafka_metadata_t* md = nullptr;
  const int timeout_ms = TimeoutMs();
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
  // Not closed: an error path. Nothing waits long for brokers that may be
  // down; an open transaction is aborted (else the brokers abort it after
  // transaction_timeout, and readers wait for it until then).
  if (in_transaction_) {
    rd_kafka_error_t* error = rd_kafka_abort_transaction(
        rk_, static_cast<int>(std::clamp<std::int64_t>(o_.timeout.count(), 1, 5000)));
    if (error != nullptr) rd_kafka_error_destroy(error);
  }
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
  if (st.ok() && in_transaction_ && produced_ > produced_at_commit_) {
    // The end of the run: what the last transaction holds is final, and its
    // marker tells a later --resume that the run went past its checkpoint.
    // A run stopped at a checkpoint (Ctrl-C, --limit) wrote nothing since:
    // no marker, so --resume goes on from that checkpoint.
    auto prepared = Prepare();
    st = prepared.ok() ? Commit(/*begin_next=*/false) : prepared.status();
  }
  if (in_transaction_) Abort();
  rd_kafka_purge(rk_, RD_KAFKA_PURGE_F_QUEUE | RD_KAFKA_PURGE_F_INFLIGHT);
  rd_kafka_poll(rk_, 0);
  rd_kafka_topic_destroy(rkt_);
  rkt_ = nullptr;
  rd_kafka_destroy(rk_);
  rk_ = nullptr;
  return st;
}

}  // namespace starling::sink::kafka
