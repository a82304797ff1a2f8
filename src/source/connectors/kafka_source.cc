// File: source/connectors/kafka_source.cc
// A Kafka topic (librdkafka's C API): each message's value is one record.
// Offsets live in Starling's checkpoints (the position token of
// kafka/offsets.h); they are committed to Kafka only once a checkpoint is
// durable, for monitoring. With group=G the partitions are shared by a
// consumer group (cooperative rebalancing); without, this source reads every
// partition itself. stop=end reads up to the end offsets seen at start.
#include <algorithm>
#include <array>
#include <atomic>
#include <charconv>
#include <chrono>
#include <cstring>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "source/kafka/client.h"
#include "source/kafka/fetch_waker.h"
#include "source/kafka/offsets.h"
#include "source/registry.h"

namespace starling::source {
namespace {

using kafka::Offsets;

// How long one Next() waits for a message before it answers TryAgain.
constexpr int kPollMs = 20;
// Messages one batch read takes from the consumer's queue at most.
constexpr std::size_t kBatch = 1024;
// How long the fetch waker's request waits for its answer. The answer is
// not used: sending the request is what wakes the broker threads. Short,
// because the brokers answer it only after a fetch they hold (up to
// fetch.wait.max.ms at a partition's end), and closing the source waits.
constexpr int kWakeTimeoutMs = 10;

// Properties the source's guarantees rest on: offsets are Starling's.
constexpr std::string_view kReserved[] = {
    "bootstrap.servers",  "metadata.broker.list",          "group.id",
    "enable.auto.commit", "enable.auto.offset.store",      "enable.partition.eof",
    "auto.offset.reset",  "partition.assignment.strategy", "isolation.level"};

struct Config {
  std::string describe;  // the redacted spec
  std::string brokers;
  std::string topic;
  std::string group;            // empty: no group, every partition assigned here
  std::set<std::int32_t> only;  // partitions=: these alone (no group)
  double max_rate = 0;          // records per second at most (0: as fast as they come)
  bool latest = false;
  bool bounded = false;
  int timeout_ms = 30000;
  std::vector<std::pair<std::string, std::string>> properties;
};

class KafkaSource final : public RecordSource {
 public:
  explicit KafkaSource(Config c) : c_(std::move(c)) {}

  ~KafkaSource() override {
    waker_.reset();  // its request uses the consumer
    pending_.reset();
    handed_out_.reset();
    ready_.clear();
    if (queue_ != nullptr) rd_kafka_queue_destroy(queue_);
    if (rk_ == nullptr) return;
    // Leaves the group (its revoke callback runs here; nothing to commit),
    // while the members the callbacks use are still alive.
    (void)rd_kafka_consumer_close(rk_.get());
    rk_.reset();
  }

  Status Open() {
    kafka::Conf conf(rd_kafka_conf_new());
    const std::pair<std::string, std::string> mine[] = {
        {"bootstrap.servers", c_.brokers},
        {"client.id", "starling"},
        {"enable.auto.commit", "false"},
        {"enable.auto.offset.store", "false"},
        {"enable.partition.eof", "true"},
        {"auto.offset.reset", c_.latest ? "latest" : "earliest"},
        {"isolation.level", "read_committed"},
        // The prefetch queue: librdkafka 2.0.2 stops fetching once it
        // passes either limit, until the fetch waker (kafka/fetch_waker.h)
        // wakes it at half. The bytes bind (64 MB); rdkafka.NAME
        // overrides either (docs/kafka.md).
        {"queued.min.messages", "1000000"},
        {"queued.max.messages.kbytes", "65536"}};
    STARLING_RETURN_IF_ERROR(kafka::SetProperties(conf.get(), mine, {}, c_.describe));
    if (c_.group.empty()) {
      // librdkafka 2.0 assigns partitions only with a group.id; this one is
      // never joined (no subscribe) and never committed to.
      const std::pair<std::string, std::string> group[] = {{"group.id", "starling.assign"}};
      STARLING_RETURN_IF_ERROR(kafka::SetProperties(conf.get(), group, {}, c_.describe));
    } else {
      const std::pair<std::string, std::string> group[] = {
          {"group.id", c_.group}, {"partition.assignment.strategy", "cooperative-sticky"}};
      STARLING_RETURN_IF_ERROR(kafka::SetProperties(conf.get(), group, {}, c_.describe));
      rd_kafka_conf_set_rebalance_cb(conf.get(), &KafkaSource::OnRebalance);
      rd_kafka_conf_set_offset_commit_cb(conf.get(), &KafkaSource::OnCommit);
    }
    STARLING_RETURN_IF_ERROR(
        kafka::SetProperties(conf.get(), c_.properties, kReserved, c_.describe));
    // librdkafka's kilobytes are 1,000 bytes.
    const kafka::QueueLevel limits{ConfNumber(conf.get(), "queued.min.messages"),
                                   ConfNumber(conf.get(), "queued.max.messages.kbytes") * 1000};
    rd_kafka_conf_set_error_cb(conf.get(), &KafkaSource::OnError);
    kafka::RouteLogs(conf.get());
    rd_kafka_conf_set_opaque(conf.get(), this);
    char err[512];
    rd_kafka_t* rk = rd_kafka_new(RD_KAFKA_CONSUMER, conf.get(), err, sizeof err);
    if (rk == nullptr) return InvalidArgument(c_.describe + ": " + err);
    conf.release();  // rd_kafka_new owns it now
    rk_.reset(rk);
    rd_kafka_poll_set_consumer(rk);
    queue_ = rd_kafka_queue_get_consumer(rk);
    wake_rule_.emplace(limits);
    waker_ = std::make_unique<kafka::FetchWaker>([this] { WakeBrokers(); });
    STARLING_RETURN_IF_ERROR(ReadPartitions());
    {
      std::lock_guard lock(mu_);
      health_.source = c_.describe;
    }
    return Status::Ok();
  }

  std::string Describe() const override { return c_.describe; }

  Result<bool> Next(Record* out) override {
    if (Throttled()) return TryAgain("max_rate");
    TakeReady();
    if (!pending_) {
      const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(kPollMs);
      for (;;) {
        STARLING_RETURN_IF_ERROR(Start());
        if (AtEnd()) return Ended();
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        STARLING_RETURN_IF_ERROR(Fetch(static_cast<int>(std::max<std::int64_t>(0, left.count()))));
        if (pending_) break;
        ObserveQueue();  // drained
        Publish();
        if (AtEnd()) return Ended();
        if (std::chrono::steady_clock::now() >= deadline) return TryAgain("no message now");
      }
    }
    kafka::Message m = std::move(pending_);
    const std::int32_t p = m->partition;
    next_[p] = m->offset + 1;
    bytes_handed_ += m->len;
    if ((handed_ & 255) == 0) Publish();
    *out = Record{};
    // The message's own bytes, valid until the next Next: no copy here (the
    // reader copies them once, into its chunk, with a parser's padding).
    if (m->payload != nullptr) {
      out->bytes = std::string_view(static_cast<const char*>(m->payload), m->len);
    }
    out->origin = Origin(p);
    out->line = ++line_;
    out->offset = static_cast<std::uint64_t>(m->offset);
    out->partition = p;
    ++handed_;
    if (c_.bounded) {
      const auto end = high_.find(p);
      if (end != high_.end() && m->offset + 1 >= end->second) held_dirty_ = true;  // at its end
    }
    handed_out_ = std::move(m);
    return true;
  }

  // Held: assigned, and in a bounded read not at the end seen at start.
  // Changes only inside Next()/WouldWait() (polls and their rebalances).
  std::uint64_t PartitionEpoch() const override {
    // Called after every Next: the set is computed again only when it may
    // have changed (a rebalance, a partition at its end, a seek).
    if (!held_dirty_) return epoch_;
    held_dirty_ = false;
    std::vector<std::int32_t> now = Held();
    if (now != held_) {
      held_ = std::move(now);
      ++epoch_;
    }
    return epoch_;
  }
  std::vector<std::int32_t> HeldPartitions() const override { return held_; }

  bool WouldWait() override {
    if (Throttled()) return true;
    TakeReady();
    if (pending_) return false;
    if (!Start().ok()) return false;  // Next reports it
    if (AtEnd()) return false;
    (void)Fetch(0);
    return !pending_ && !AtEnd();
  }

  std::string Position() const override { return kafka::FormatPosition({c_.topic, next_}); }

  Result<bool> Seek(std::string_view position) override {
    STARLING_ASSIGN_OR_RETURN(kafka::Position p, kafka::ParsePosition(position));
    if (p.topic != c_.topic) {
      return InvalidArgument(c_.describe + ": the checkpoint was taken of topic '" + p.topic +
                             "', not '" + c_.topic + "'");
    }
    for (const auto& [partition, offset] : p.offsets) {
      if (!origins_.contains(partition)) {
        return InvalidArgument(c_.describe + ": the checkpoint names partition " +
                               std::to_string(partition) + ", which topic '" + c_.topic +
                               "' does not have");
      }
    }
    if (started_) return Internal(c_.describe + ": Seek after the first Next");
    for (const auto& [partition, offset] : p.offsets) next_[partition] = offset;
    held_dirty_ = true;
    return true;
  }

  void CheckpointDurable(std::string_view position) override {
    if (c_.group.empty()) return;  // no group: nowhere to commit
    auto p = kafka::ParsePosition(position);
    if (!p.ok() || p->topic != c_.topic) return;
    // Only the partitions this consumer holds: another member commits its own.
    rd_kafka_topic_partition_list_t* held = nullptr;
    if (rd_kafka_assignment(rk_.get(), &held) != RD_KAFKA_RESP_ERR_NO_ERROR) return;
    kafka::PartitionList assigned(held);
    kafka::PartitionList commit(rd_kafka_topic_partition_list_new(assigned->cnt));
    for (int i = 0; i < assigned->cnt; ++i) {
      const auto at = p->offsets.find(assigned->elems[i].partition);
      if (at == p->offsets.end()) continue;
      rd_kafka_topic_partition_list_add(commit.get(), c_.topic.c_str(), at->first)->offset =
          at->second;
    }
    if (commit->cnt == 0) return;
    // Asynchronous: the result comes to OnCommit through the consumer's poll.
    const rd_kafka_resp_err_t err = rd_kafka_commit(rk_.get(), commit.get(), 1);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) NoteError("commit: " + kafka::ErrorText(err));
  }

  std::optional<SourceHealth> Health() const override {
    SourceHealth h;
    std::set<std::int32_t> held;
    Offsets next;
    {
      std::lock_guard lock(mu_);
      h = health_;
      held = assigned_;
      next = shown_next_;
    }
    for (std::int32_t p : held) {
      SourceHealth::Partition ph;
      ph.partition = p;
      const auto at = next.find(p);
      if (at != next.end()) ph.next_offset = at->second;
      std::int64_t low = 0, high = 0;
      // Cached from the last fetch: never a request.
      if (ph.next_offset >= 0 &&
          rd_kafka_get_watermark_offsets(rk_.get(), c_.topic.c_str(), p, &low, &high) ==
              RD_KAFKA_RESP_ERR_NO_ERROR &&
          high >= 0) {
        ph.lag = std::max<std::int64_t>(0, high - ph.next_offset);
      }
      h.partitions.push_back(ph);
    }
    return h;
  }

 private:
  // The topic's partitions (and with stop=end, where each ends now).
  Status ReadPartitions() {
    const rd_kafka_metadata_t* md = nullptr;
    rd_kafka_topic_t* rkt = rd_kafka_topic_new(rk_.get(), c_.topic.c_str(), nullptr);
    const rd_kafka_resp_err_t err = rd_kafka_metadata(rk_.get(), 0, rkt, &md, c_.timeout_ms);
    rd_kafka_topic_destroy(rkt);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unavailable(c_.describe + ": no metadata from brokers " + c_.brokers + " within " +
                         std::to_string(c_.timeout_ms / 1000) + " s: " + kafka::ErrorText(err));
    }
    std::unique_ptr<const rd_kafka_metadata_t, void (*)(const rd_kafka_metadata_t*)> hold(
        md, rd_kafka_metadata_destroy);
    if (md->topic_cnt != 1 || md->topics[0].err != RD_KAFKA_RESP_ERR_NO_ERROR ||
        md->topics[0].partition_cnt == 0) {
      const rd_kafka_resp_err_t terr =
          md->topic_cnt == 1 ? md->topics[0].err : RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART;
      return NotFound(c_.describe + ": topic '" + c_.topic + "' not found on brokers " +
                      c_.brokers + " (" + kafka::ErrorText(terr) + ")");
    }
    {
      std::lock_guard lock(mu_);
      health_.brokers = static_cast<std::uint32_t>(md->broker_cnt);
      health_.connected = true;
    }
    for (int i = 0; i < md->topics[0].partition_cnt; ++i) {
      const std::int32_t p = md->topics[0].partitions[i].id;
      if (!c_.only.empty() && !c_.only.contains(p)) continue;
      origins_[p] = "kafka:" + c_.topic + "/" + std::to_string(p);
    }
    for (std::int32_t p : c_.only) {
      if (!origins_.contains(p)) {
        return NotFound(c_.describe + ": topic '" + c_.topic + "' has no partition " +
                        std::to_string(p));
      }
    }
    if (!c_.bounded && !c_.group.empty()) return Status::Ok();
    // Where each partition starts and ends now: the end of a bounded read,
    // and the start a checkpoint pins (so that `latest` means this moment).
    // One request per broker for all partitions (a ListOffsets of the
    // earliest, then of the latest), not two per partition.
    STARLING_RETURN_IF_ERROR(QueryOffsets(RD_KAFKA_OFFSET_BEGINNING, &low_));
    return QueryOffsets(RD_KAFKA_OFFSET_END, &high_);
  }

  // Every partition's earliest (RD_KAFKA_OFFSET_BEGINNING) or latest
  // (RD_KAFKA_OFFSET_END) offset: ListOffsets takes those as timestamps.
  Status QueryOffsets(std::int64_t which, std::map<std::int32_t, std::int64_t>* out) {
    kafka::PartitionList list(rd_kafka_topic_partition_list_new(static_cast<int>(origins_.size())));
    for (const auto& [p, origin] : origins_) {
      rd_kafka_topic_partition_list_add(list.get(), c_.topic.c_str(), p)->offset = which;
    }
    const rd_kafka_resp_err_t err =
        rd_kafka_offsets_for_times(rk_.get(), list.get(), c_.timeout_ms);
    for (int i = 0; err == RD_KAFKA_RESP_ERR_NO_ERROR && i < list->cnt; ++i) {
      const rd_kafka_topic_partition_t& tp = list->elems[i];
      if (tp.err != RD_KAFKA_RESP_ERR_NO_ERROR || tp.offset < 0) {
        return Unavailable(c_.describe + ": no offsets of partition " +
                           std::to_string(tp.partition) + " from brokers " + c_.brokers + ": " +
                           kafka::ErrorText(tp.err));
      }
      (*out)[tp.partition] = tp.offset;
    }
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unavailable(c_.describe + ": no offsets from brokers " + c_.brokers + ": " +
                         kafka::ErrorText(err));
    }
    return Status::Ok();
  }

  // The first Next: assigns the partitions (no group) or joins the group.
  Status Start() {
    if (started_) return Status::Ok();
    started_ = true;
    if (!c_.group.empty()) {
      kafka::PartitionList topics(rd_kafka_topic_partition_list_new(1));
      rd_kafka_topic_partition_list_add(topics.get(), c_.topic.c_str(), RD_KAFKA_PARTITION_UA);
      const rd_kafka_resp_err_t err = rd_kafka_subscribe(rk_.get(), topics.get());
      if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
        return Unavailable(c_.describe + ": cannot join group '" + c_.group +
                           "': " + kafka::ErrorText(err));
      }
      return Status::Ok();
    }
    kafka::PartitionList all(rd_kafka_topic_partition_list_new(static_cast<int>(origins_.size())));
    {
      std::lock_guard lock(mu_);
      for (const auto& [p, origin] : origins_) {
        if (!next_.contains(p)) next_[p] = c_.latest ? high_[p] : low_[p];
        rd_kafka_topic_partition_list_add(all.get(), c_.topic.c_str(), p)->offset = next_[p];
        assigned_.insert(p);
      }
      shown_next_ = next_;
    }
    const rd_kafka_resp_err_t err = rd_kafka_assign(rk_.get(), all.get());
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unavailable(c_.describe + ": cannot assign partitions: " + kafka::ErrorText(err));
    }
    return Status::Ok();
  }

  // max_rate: whether the next record is not due yet (paced from the first).
  bool Throttled() {
    if (c_.max_rate <= 0) return false;
    const auto now = std::chrono::steady_clock::now();
    if (handed_ == 0) rate_start_ = now;
    const auto due = rate_start_ + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                                       std::chrono::duration<double>(handed_ / c_.max_rate));
    return now < due;
  }

  std::vector<std::int32_t> Held() const {
    std::lock_guard lock(mu_);
    std::vector<std::int32_t> out;
    for (std::int32_t p : assigned_) {
      if (c_.bounded) {
        const auto at = next_.find(p);
        const auto end = high_.find(p);
        if (end != high_.end() && at != next_.end() && at->second >= end->second) continue;
      }
      out.push_back(p);
    }
    return out;
  }

  // A bounded read is over when this consumer holds partitions and each
  // has reached the end seen at start.
  bool AtEnd() const {
    if (!c_.bounded || !started_ || pending_ || !ready_.empty()) return false;
    std::lock_guard lock(mu_);
    if (!c_.group.empty() && !ever_assigned_) return false;
    for (std::int32_t p : assigned_) {
      const auto at = next_.find(p);
      const auto end = high_.find(p);
      if (end == high_.end()) continue;
      if (at == next_.end() || at->second < end->second) return false;
    }
    return true;
  }

  // Applies the partition ends at the front of ready_ and moves its first
  // message to pending_ (the batch read's hand-out, in the order read).
  void TakeReady() {
    while (!pending_ && !ready_.empty()) {
      kafka::Message m = std::move(ready_.front());
      ready_.pop_front();
      if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
        pending_ = std::move(m);
      } else {
        ApplyEnd(*m);
      }
    }
  }

  // A partition's end (RD_KAFKA_RESP_ERR__PARTITION_EOF), once every
  // message before it is handed out.
  void ApplyEnd(const rd_kafka_message_t& m) {
    std::lock_guard lock(mu_);
    health_.connected = true;
    if (assigned_.contains(m.partition) && m.offset >= 0) {
      std::int64_t& next = next_[m.partition];
      next = std::max(next, m.offset);
      held_dirty_ = true;
    }
  }

  // Waits up to timeout_ms for messages. Without a group they are read in
  // batches (rd_kafka_consume_batch_queue) into ready_: no rebalance can
  // fall between them. In a group one message a poll, so a rebalance
  // callback (which sets the offsets from next_) never runs while messages
  // read before it wait to be handed out.
  Status Fetch(int timeout_ms) {
    return c_.group.empty() ? FetchBatch(timeout_ms) : FetchOne(timeout_ms);
  }

  Status FetchBatch(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      // A batch read waits for a full batch or its timeout: what is there
      // now, else a wait for one message, then what came with it.
      std::array<rd_kafka_message_t*, kBatch> raw{};
      ssize_t n = rd_kafka_consume_batch_queue(queue_, 0, raw.data(), raw.size());
      if (n == 0 && timeout_ms > 0) {
        n = rd_kafka_consume_batch_queue(queue_, timeout_ms, raw.data(), 1);
        if (n == 1) {
          const ssize_t more =
              rd_kafka_consume_batch_queue(queue_, 0, raw.data() + 1, raw.size() - 1);
          if (more > 0) n += more;  // an error now is met by the next read
        }
      }
      if (n < 0) {
        return Unavailable(c_.describe + ": " + kafka::ErrorText(rd_kafka_last_error()));
      }
      taken_ += static_cast<std::uint64_t>(n);
      for (ssize_t i = 0; i < n; ++i) taken_bytes_ += raw[static_cast<std::size_t>(i)]->len;
      ObserveQueue();
      {
        std::lock_guard lock(mu_);
        for (ssize_t i = 0; i < n; ++i) {
          kafka::Message m(raw[static_cast<std::size_t>(i)]);
          if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
            health_.connected = true;
            if (!origins_.contains(m->partition)) continue;   // a partition added since start
            if (!assigned_.contains(m->partition)) continue;  // not read here
            ready_.push_back(std::move(m));
          } else if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
            ready_.push_back(std::move(m));  // applied in order, by TakeReady
          } else {
            health_.last_error = kafka::ErrorText(m->err);
          }
        }
      }
      TakeReady();
      STARLING_RETURN_IF_ERROR(Fatal());
      if (pending_ || n == 0 || std::chrono::steady_clock::now() >= deadline || AtEnd()) {
        return Status::Ok();
      }
      timeout_ms = static_cast<int>(std::max<std::int64_t>(
          0, std::chrono::duration_cast<std::chrono::milliseconds>(deadline -
                                                                   std::chrono::steady_clock::now())
                 .count()));
    }
  }

  Status Fatal() {
    char err[512];
    const rd_kafka_resp_err_t fatal = rd_kafka_fatal_error(rk_.get(), err, sizeof err);
    if (fatal != RD_KAFKA_RESP_ERR_NO_ERROR) {
      return Unavailable(c_.describe + ": fatal consumer error: " + err);
    }
    return Status::Ok();
  }

  // One message (or none) from the consumer; events (partition ends,
  // errors, rebalances) are handled on the way.
  Status FetchOne(int timeout_ms) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    for (;;) {
      kafka::Message m(rd_kafka_consumer_poll(rk_.get(), timeout_ms));
      if (m) {
        taken_bytes_ += m->len;
        if ((++taken_ & 63) == 0) ObserveQueue();
      }
      if (m) {
        if (m->err == RD_KAFKA_RESP_ERR_NO_ERROR) {
          if (!origins_.contains(m->partition)) continue;  // a partition added since start
          std::lock_guard lock(mu_);
          health_.connected = true;
          if (!assigned_.contains(m->partition)) continue;  // revoked meanwhile
          pending_ = std::move(m);
          return Status::Ok();
        }
        if (m->err == RD_KAFKA_RESP_ERR__PARTITION_EOF) {
          ApplyEnd(*m);
        } else {
          NoteError(kafka::ErrorText(m->err));
        }
      }
      STARLING_RETURN_IF_ERROR(Fatal());
      if (!m || std::chrono::steady_clock::now() >= deadline || AtEnd()) return Status::Ok();
      timeout_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        deadline - std::chrono::steady_clock::now())
                                        .count());
      timeout_ms = std::max(timeout_ms, 0);
    }
  }

  std::string_view Origin(std::int32_t p) const { return origins_.at(p); }

  // Shows other threads (Health) what was handed out: now and then, not
  // for every message.
  void Publish() {
    std::lock_guard lock(mu_);
    shown_next_ = next_;
    health_.bytes = bytes_handed_;
  }

  bool Ended() {
    Publish();
    return false;
  }

  // An integer property as the consumer will run with it (0 if unreadable).
  static std::uint64_t ConfNumber(const rd_kafka_conf_t* conf, const char* name) {
    char value[32];
    std::size_t size = sizeof value;
    if (rd_kafka_conf_get(conf, name, value, &size) != RD_KAFKA_CONF_OK) return 0;
    std::uint64_t n = 0;
    const auto r = std::from_chars(value, value + std::strlen(value), n);
    return r.ec == std::errc() ? n : 0;
  }

  // The reading thread, after taking from librdkafka's queue: tells the
  // fetch waker how full it is now, and was at most since the last look
  // (what was taken since, plus what is left). Its bytes are estimated from
  // the size of what was taken last.
  void ObserveQueue() {
    if (!waker_) return;
    const std::uint64_t took = taken_ - taken_seen_;
    const std::uint64_t took_bytes = taken_bytes_ - taken_bytes_seen_;
    taken_seen_ = taken_;
    taken_bytes_seen_ = taken_bytes_;
    if (took > 0) bytes_per_message_ = took_bytes / took;
    const std::uint64_t queued = rd_kafka_queue_length(queue_);
    const kafka::QueueLevel now{queued, queued * bytes_per_message_};
    if (wake_rule_->Observe({took + now.messages, took_bytes + now.bytes}, now)) waker_->Wake();
  }

  // The waker's thread: a request to the leaders of the partitions held
  // here wakes their broker threads (kafka/fetch_waker.h).
  void WakeBrokers() {
    kafka::PartitionList list;
    {
      std::lock_guard lock(mu_);
      list.reset(rd_kafka_topic_partition_list_new(static_cast<int>(assigned_.size())));
      for (std::int32_t p : assigned_) {
        rd_kafka_topic_partition_list_add(list.get(), c_.topic.c_str(), p)->offset =
            RD_KAFKA_OFFSET_END;
      }
    }
    if (list->cnt > 0) (void)rd_kafka_offsets_for_times(rk_.get(), list.get(), kWakeTimeoutMs);
  }

  void NoteError(std::string text) {
    std::lock_guard lock(mu_);
    health_.last_error = std::move(text);
  }

  // Called by rd_kafka_consumer_poll (so on the reading thread).
  static void OnRebalance(rd_kafka_t* rk, rd_kafka_resp_err_t err,
                          rd_kafka_topic_partition_list_t* partitions, void* opaque) {
    auto* self = static_cast<KafkaSource*>(opaque);
    self->held_dirty_ = true;
    const bool cooperative = std::string_view(rd_kafka_rebalance_protocol(rk)) == "COOPERATIVE";
    rd_kafka_error_t* error = nullptr;
    if (err == RD_KAFKA_RESP_ERR__ASSIGN_PARTITIONS) {
      {
        std::lock_guard lock(self->mu_);
        ++self->health_.rebalances;
        self->ever_assigned_ = true;
        for (int i = 0; i < partitions->cnt; ++i) {
          rd_kafka_topic_partition_t& tp = partitions->elems[i];
          self->assigned_.insert(tp.partition);
          // From the checkpoint, else from the start the spec asks for.
          auto at = self->next_.find(tp.partition);
          if (at == self->next_.end() && self->c_.bounded) {
            at = self->next_
                     .emplace(tp.partition, self->c_.latest ? self->high_[tp.partition]
                                                            : self->low_[tp.partition])
                     .first;
          }
          tp.offset = at != self->next_.end()
                          ? at->second
                          : (self->c_.latest ? RD_KAFKA_OFFSET_END : RD_KAFKA_OFFSET_BEGINNING);
        }
        self->shown_next_ = self->next_;
      }
      error = cooperative ? rd_kafka_incremental_assign(rk, partitions) : nullptr;
      if (!cooperative) (void)rd_kafka_assign(rk, partitions);
    } else if (err == RD_KAFKA_RESP_ERR__REVOKE_PARTITIONS) {
      {
        std::lock_guard lock(self->mu_);
        ++self->health_.rebalances;
        for (int i = 0; i < partitions->cnt; ++i) {
          self->assigned_.erase(partitions->elems[i].partition);
        }
        if (self->pending_ && !self->assigned_.contains(self->pending_->partition)) {
          self->pending_.reset();
        }
      }
      error = cooperative ? rd_kafka_incremental_unassign(rk, partitions) : nullptr;
      if (!cooperative) (void)rd_kafka_assign(rk, nullptr);
    } else {
      self->NoteError("rebalance: " + kafka::ErrorText(err));
      {
        std::lock_guard lock(self->mu_);
        self->assigned_.clear();
        self->pending_.reset();
      }
      (void)rd_kafka_assign(rk, nullptr);
    }
    if (error != nullptr) {
      self->NoteError(std::string("rebalance: ") + rd_kafka_error_string(error));
      rd_kafka_error_destroy(error);
    }
  }

  static void OnCommit(rd_kafka_t*, rd_kafka_resp_err_t err, rd_kafka_topic_partition_list_t*,
                       void* opaque) {
    auto* self = static_cast<KafkaSource*>(opaque);
    if (err != RD_KAFKA_RESP_ERR_NO_ERROR && err != RD_KAFKA_RESP_ERR__NO_OFFSET) {
      self->NoteError("commit: " + kafka::ErrorText(err));
    }
  }

  static void OnError(rd_kafka_t*, int err, const char* reason, void* opaque) {
    auto* self = static_cast<KafkaSource*>(opaque);
    std::lock_guard lock(self->mu_);
    self->health_.last_error = reason;
    if (err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) self->health_.connected = false;
    if (err == RD_KAFKA_RESP_ERR__TRANSPORT || err == RD_KAFKA_RESP_ERR__ALL_BROKERS_DOWN) {
      ++self->health_.reconnects;
    }
  }

  const Config c_;
  kafka::Handle rk_;
  std::map<std::int32_t, std::string> origins_;  // every partition at start
  std::map<std::int32_t, std::int64_t> low_;     // at start (no group, or stop=end)
  std::map<std::int32_t, std::int64_t> high_;
  bool started_ = false;
  kafka::Message pending_;  // polled by WouldWait, handed out by the next Next
  // Read in the batch after pending_ (no group): messages and partition ends.
  std::deque<kafka::Message> ready_;
  rd_kafka_queue_t* queue_ = nullptr;  // the consumer's queue
  kafka::Message handed_out_;          // the record Next handed out last
  std::uint64_t line_ = 0;
  std::uint64_t handed_ = 0;        // records handed out (max_rate)
  std::uint64_t bytes_handed_ = 0;  // their payloads' bytes
  // Messages (and events) taken from librdkafka's queue, their bytes, and
  // both at ObserveQueue's last look.
  std::uint64_t taken_ = 0;
  std::uint64_t taken_bytes_ = 0;
  std::uint64_t taken_seen_ = 0;
  std::uint64_t taken_bytes_seen_ = 0;
  std::uint64_t bytes_per_message_ = 0;  // of what was taken before the last look
  std::optional<kafka::WakeRule> wake_rule_;
  std::unique_ptr<kafka::FetchWaker> waker_;  // from Open on
  std::chrono::steady_clock::time_point rate_start_{};
  // PartitionEpoch's view (the reading thread's only).
  mutable std::vector<std::int32_t> held_;
  mutable std::uint64_t epoch_ = 1;
  // Set where the held set may change; the rebalance callback runs inside
  // this thread's polls, so a plain flag would do, but Seek may come from
  // the runtime's thread before the first Next.
  mutable std::atomic<bool> held_dirty_{true};

  // Partition -> the next offset to read (a seek's, or past the last message
  // handed out). The reading thread's (Seek comes before it starts).
  Offsets next_;

  // Read by Health and the fetch waker from other threads.
  mutable std::mutex mu_;
  Offsets shown_next_;  // next_, as Publish last copied it
  std::set<std::int32_t> assigned_;
  bool ever_assigned_ = false;
  SourceHealth health_;
};

}  // namespace

SourceKind KafkaSourceKind() {
  SourceKind k;
  k.info = {
      .scheme = "kafka",
      .usage = "kafka://HOST:PORT[,HOST:PORT...]/TOPIC[?group=G&start=earliest&stop=end]",
      .help = "a Kafka topic, one message one record; offsets kept in checkpoints (docs/kafka.md)",
      .params = {{"group", spec::ParamType::kString,
                  "consumer group: share the partitions (cooperative rebalancing); "
                  "without, read every partition"},
                 {"start", spec::ParamType::kString,
                  "earliest (default) or latest: where to start without a checkpoint"},
                 {"partitions", spec::ParamType::kList,
                  "read only these partitions (0,3), without a group (scale-out's work on "
                  "a partition)"},
                 {"max_rate", spec::ParamType::kNumber,
                  "read at most this many records per second (a replay's pace; default: as "
                  "fast as they come)"},
                 {"stop", spec::ParamType::kString,
                  "end: stop at the end offsets seen at start (a bounded read)"},
                 {"timeout", spec::ParamType::kDuration,
                  "wait for the brokers' metadata at start (default 30s)"},
                 {"rdkafka.*", spec::ParamType::kString,
                  "rdkafka.NAME=VALUE: any librdkafka consumer property"}},
      .takes_hosts = true};
  k.caps = {.live = true, .seekable = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const SourceOptions&) -> Result<std::unique_ptr<RecordSource>> {
    if (!s.url || s.hosts.empty() || s.path.empty() || s.path.find('/') != std::string::npos) {
      return InvalidArgument("kafka source needs kafka://HOST:PORT[,HOST:PORT...]/TOPIC, got '" +
                             s.redacted + "'");
    }
    Config c;
    c.describe = s.redacted;
    c.brokers = kafka::Brokers(s);
    c.topic = s.path;
    c.group = p.String("group");
    for (const std::string& item : p.List("partitions")) {
      int partition = -1;
      const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), partition);
      if (ec != std::errc() || end != item.data() + item.size() || partition < 0) {
        return InvalidArgument("source spec '" + s.redacted +
                               "': partitions takes partition numbers (0,3), got '" + item + "'");
      }
      c.only.insert(partition);
    }
    if (!c.only.empty() && !c.group.empty()) {
      return InvalidArgument("source spec '" + s.redacted +
                             "': partitions and group exclude each other (a group assigns them)");
    }
    const std::string start = p.String("start", "earliest");
    if (start != "earliest" && start != "latest") {
      return InvalidArgument("source spec '" + s.redacted +
                             "': start must be earliest or latest, got '" + start + "'");
    }
    c.latest = start == "latest";
    const std::string stop = p.String("stop");
    if (!stop.empty() && stop != "end") {
      return InvalidArgument("source spec '" + s.redacted + "': stop must be end, got '" + stop +
                             "'");
    }
    c.bounded = stop == "end";
    c.max_rate = p.Number("max_rate", 0);
    if (c.max_rate < 0) {
      return InvalidArgument("source spec '" + s.redacted + "': max_rate must be positive");
    }
    c.timeout_ms = static_cast<int>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                        p.Duration("timeout", std::chrono::seconds(30)))
                                        .count());
    if (c.timeout_ms <= 0) {
      return InvalidArgument("source spec '" + s.redacted + "': timeout must be positive");
    }
    c.properties = p.Family("rdkafka.");
    auto source = std::make_unique<KafkaSource>(std::move(c));
    STARLING_RETURN_IF_ERROR(source->Open());
    return std::unique_ptr<RecordSource>(std::move(source));
  };
  return k;
}

}  // namespace starling::source
