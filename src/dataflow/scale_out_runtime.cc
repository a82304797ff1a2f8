// File: dataflow/scale_out_runtime.cc
#include "dataflow/scale_out_runtime.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <utility>

#include "common/failpoint.h"
#include "common/log.h"
#include "common/spec.h"
#include "dataflow/internal/checkpoint_format.h"
#include "dataflow/runtime.h"
#include "sink/kafka/producer.h"
#include "source/kafka/client.h"
#include "source/kafka/cluster.h"
#include "source/registry.h"

namespace starling::dataflow {
namespace {

using scale_out::PartialsMessage;

// What the source spec says, and the topics derived from it.
struct Setup {
  source::kafka::ClusterOptions cluster;
  std::string topic;
  std::string group;
  bool bounded = false;
  std::string extra;  // "&rdkafka.NAME=VALUE...", %-encoded again (for the sources)
  std::string rate;   // "&max_rate=N": the partitions' sources only, not the merger's
  std::string partials_topic;
  std::string state_topic;
};

// A spec value %-encoded, so that a spec built from it reads it back whole.
std::string Escape(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (const char ch : value) {
    const auto c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 15];
    }
  }
  return out;
}

Result<Setup> ReadSetup(const std::string& text) {
  STARLING_ASSIGN_OR_RETURN(spec::Spec s, spec::Parse(text));
  const auto need = [&] {
    return InvalidArgument(
        "--scale-out needs a source kafka://HOST:PORT[,...]/TOPIC?group=G, got '" + s.redacted +
        "'");
  };
  if (s.scheme != "kafka" || s.hosts.empty() || s.path.empty()) return need();
  Setup out;
  out.cluster.brokers = source::kafka::Brokers(s);
  out.cluster.describe = s.redacted;
  out.topic = s.path;
  for (const spec::Param& p : s.params) {
    if (p.key == "group") {
      out.group = p.value;
    } else if (p.key == "stop") {
      if (p.value != "end")
        return InvalidArgument("source spec '" + s.redacted + "': stop must be end");
      out.bounded = true;
    } else if (p.key == "max_rate") {
      out.rate = "&max_rate=" + Escape(p.value);  // each partition's
    } else if (p.key.starts_with("rdkafka.")) {
      out.cluster.properties.emplace_back(p.key.substr(8), p.value);
      // Parse decoded the value: encoded again, or a password holding '&'
      // would split (and show) in the spec built from it.
      out.extra += "&" + Escape(p.key) + "=" + Escape(p.value);
    } else {
      return InvalidArgument("source spec '" + s.redacted +
                             "': --scale-out takes group, stop, max_rate and rdkafka.* (not '" +
                             p.key + "')");
    }
  }
  if (out.group.empty()) return need();
  out.partials_topic = "starling." + out.group + ".partials";
  out.state_topic = "starling." + out.group + ".state";
  return out;
}

// A partition's state in the state topic (the topic named: a group read
// another topic before, its states are not this one's).
std::string PartitionKey(const std::string& topic, std::int32_t p) {
  return topic + "/" + std::to_string(p);
}
std::string MergerKey(const std::string& topic) { return topic + "/merger"; }

// The merger's state in the state topic: where it is in the partials
// topic, the watermark below which it wrote everything, and the rest.
std::string EncodeMergerState(const std::string& position, const scale_out::Merger& m) {
  std::string out;
  ByteWriter w(&out);
  w.PutString(position);
  w.PutSigned(m.watermark());
  std::string state;
  ByteWriter sw(&state);
  m.Save(sw);
  w.PutString(state);
  return out;
}

struct MergerState {
  std::string position;
  model::TimestampUs watermark = kMinTime;
  std::string state;
};

Result<MergerState> DecodeMergerState(std::string_view bytes) {
  ByteReader r(bytes);
  MergerState out;
  if (!r.GetString(&out.position) || !r.GetSigned(&out.watermark) || !r.GetString(&out.state) ||
      !r.done()) {
    return MalformedInput("scale-out: corrupt merger state in the state topic");
  }
  return out;
}

// gapless: a message lost (timed out) fails every later one too, so a
// marker is never delivered after a partial before it was lost.
Result<std::unique_ptr<sink::kafka::Producer>> NewProducer(const Setup& setup,
                                                           const std::string& topic,
                                                           bool gapless = false) {
  sink::kafka::ProducerOptions o;
  o.describe = setup.cluster.describe;
  o.brokers = setup.cluster.brokers;
  o.topic = topic;
  o.properties = setup.cluster.properties;
  o.properties.emplace_back("message.max.bytes", "100000000");
  if (gapless) o.properties.emplace_back("enable.gapless.guarantee", "true");
  return sink::kafka::Producer::Open(std::move(o));
}

// A partition's source, which publishes the engine's state to the state
// topic each time a checkpoint of it is durable.
class PublishingSource final : public source::RecordSource {
 public:
  PublishingSource(std::unique_ptr<source::RecordSource> inner, std::function<void()> durable,
                   std::atomic<std::uint64_t>* records)
      : inner_(std::move(inner)), durable_(std::move(durable)), records_(records) {}
  Result<bool> Next(source::Record* out) override {
    Result<bool> r = inner_->Next(out);
    if (r.ok() && *r) records_->fetch_add(1, std::memory_order_relaxed);
    return r;
  }
  std::string Describe() const override { return inner_->Describe(); }
  bool WouldWait() override { return inner_->WouldWait(); }
  std::string Position() const override { return inner_->Position(); }
  Result<bool> Seek(std::string_view position) override { return inner_->Seek(position); }
  std::string SealPosition(std::string_view position) const override {
    return inner_->SealPosition(position);
  }
  void CheckpointDurable(std::string_view position) override {
    inner_->CheckpointDurable(position);
    durable_();
  }
  void ShareBuffers() override { inner_->ShareBuffers(); }
  std::optional<source::SourceHealth> Health() const override { return inner_->Health(); }
  std::uint64_t PartitionEpoch() const override { return inner_->PartitionEpoch(); }
  std::vector<std::int32_t> HeldPartitions() const override { return inner_->HeldPartitions(); }

 private:
  std::unique_ptr<source::RecordSource> inner_;
  std::function<void()> durable_;
  std::atomic<std::uint64_t>* records_;
};

Status ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return IoError("cannot read " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return Status::Ok();
}

Status WriteFile(const std::string& path, std::string_view bytes) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    if (!out) return IoError("cannot write " + tmp);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return IoError("cannot write " + path + ": " + ec.message());
  return Status::Ok();
}

// One partition's engine, on a thread of its own.
class PartitionWork {
 public:
  // `state`: the partition's last state in the state topic (its last
  // owner's), read when it was assigned; none for a first start.
  PartitionWork(const PipelineSpec& spec, const ScaleOutOptions& options, const Setup& setup,
                std::int32_t partition, std::optional<std::string> state)
      : spec_(spec),
        options_(options),
        setup_(setup),
        partition_(partition),
        state_(std::move(state)) {
    thread_ = std::thread([this] {
      status_ = Run();
      done_ = true;
    });
  }
  ~PartitionWork() { Stop(); }
  // Asks the engine to stop (it checkpoints and publishes its state), and
  // returns at once: several partitions given up together stop together.
  void RequestStop() { stop_ = true; }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool done() const { return done_; }
  const Status& status() const { return status_; }  // once done()
  std::int32_t partition() const { return partition_; }
  std::uint64_t records() const { return records_.load(std::memory_order_relaxed); }
  // The partition's source as it stands (offset, lag); none before it opens.
  std::optional<source::SourceHealth> Health() const {
    std::lock_guard lock(health_mu_);
    return source_ != nullptr ? source_->Health() : last_health_;
  }

  // Sends the watermark marker held back (the process loop, every 50 ms).
  // Never waits: the engine may hold the producer for a flush.
  Status FlushMarker() {
    std::unique_lock lock(producer_mu_, std::try_to_lock);
    if (!lock.owns_lock()) return Status::Ok();
    return SendMarker(/*force=*/false);
  }

 private:
  Status Run() {
    const std::string dir = options_.work_dir + "/partition-" + std::to_string(partition_);
    std::error_code ec;
    std::filesystem::remove_all(dir, ec);
    std::filesystem::create_directories(dir, ec);
    if (ec) return IoError("cannot make " + dir + ": " + ec.message());
    const std::string file = dir + "/" + std::string(internal::kCheckpointFile);
    // The state the partition's last owner published, if any.
    const bool resume = state_.has_value();
    if (resume) STARLING_RETURN_IF_ERROR(WriteFile(file, *state_));
    state_.reset();
    {
      std::lock_guard lock(producer_mu_);
      STARLING_ASSIGN_OR_RETURN(partials_,
                                NewProducer(setup_, setup_.partials_topic, /*gapless=*/true));
    }
    STARLING_ASSIGN_OR_RETURN(states_, NewProducer(setup_, setup_.state_topic));
    std::string spec_text = "kafka://" + setup_.cluster.brokers + "/" + setup_.topic +
                            "?partitions=" + std::to_string(partition_) + setup_.extra +
                            setup_.rate;
    if (setup_.bounded) spec_text += "&stop=end";
    STARLING_ASSIGN_OR_RETURN(auto inner, source::OpenSource(spec_text));
    Status publish_error = Status::Ok();
    PublishingSource source(
        std::move(inner),
        [&] {
          // Tests: the last state (at a stop) published late, so that a next
          // owner that did not wait for it would start from an older one
          // (scale_out_test.py).
          if (stop_) DelayPoint("scale-out-stop");
          // Only once every partial before the checkpoint is acknowledged:
          // the next owner starts after them and never sends them again.
          std::unique_lock lock(producer_mu_);
          Status st = partials_->Flush();
          lock.unlock();
          std::string bytes;
          if (st.ok()) st = ReadFile(file, &bytes);
          if (st.ok()) st = states_->Produce(PartitionKey(setup_.topic, partition_), bytes);
          if (st.ok()) st = states_->Flush();
          if (!st.ok() && publish_error.ok()) {
            // Stop now: carrying on unpublished would leave the next owner
            // an ever older state.
            publish_error = st;
            stop_ = true;
          }
        },
        &records_);
    // Health() reads the source while this thread runs it.
    struct Shown {
      PartitionWork* w;
      Shown(PartitionWork* work, source::RecordSource* s) : w(work) {
        std::lock_guard lock(w->health_mu_);
        w->source_ = s;
      }
      ~Shown() {
        std::lock_guard lock(w->health_mu_);
        // A bounded read's partition stays on view, at its end, while held.
        if (w->source_ != nullptr) w->last_health_ = w->source_->Health();
        w->source_ = nullptr;
      }
      Shown(const Shown&) = delete;
      Shown& operator=(const Shown&) = delete;
    } shown(this, &source);
    const PipelineSpec own = scale_out::PartitionSpec(spec_);
    RunOptions o;
    o.workers = 1;
    // A backlog in chunks, not record by record: a partition's engine
    // keeps every key, so each chunk's emits cost more than one process's.
    o.inline_chunk_records = 64;
    o.parse = options_.parse;
    o.stop = &stop_;
    o.checkpoint_dir = dir;
    o.checkpoint_interval = options_.checkpoint_interval;
    o.resume = resume;
    o.on_final_partials = [&](std::uint32_t analysis, model::TimestampUs start,
                              model::TimestampUs end, const std::vector<const Partial*>& partials) {
      PartialsMessage m;
      m.partition = partition_;
      m.analysis = analysis;
      m.start = start;
      m.end = end;
      for (const Partial* p : partials) {
        if (p != nullptr) m.partials.push_back(*p);
      }
      std::lock_guard lock(producer_mu_);
      return partials_->Produce(PartitionKey(setup_.topic, partition_),
                                scale_out::EncodeMessage(m));
    };
    o.on_watermark = [&](model::TimestampUs wm) {
      // Markers close windows in the merger: often enough to keep results
      // timely (at most 100 ms late: the process loop sends one held back),
      // not one per record. Stored after the partials it follows.
      std::lock_guard lock(producer_mu_);
      watermark_ = wm;
      return SendMarker(/*force=*/wm == kMaxTime);
    };
    // No post for idle_timeout (the engine's router judges it, as one
    // process's): the partials of every window the partition still holds
    // open, then an idle marker, so that the merger stops waiting for it
    // and writes those windows with its posts in, as one process would.
    // A post again: a marker that is not idle makes it count again.
    o.on_idle = [&](bool idle, const std::vector<OpenWindow>& open) -> Status {
      std::lock_guard lock(producer_mu_);
      const std::string key = PartitionKey(setup_.topic, partition_);
      for (const OpenWindow& w : open) {
        PartialsMessage m;
        m.type = PartialsMessage::Type::kIdleWindow;
        m.partition = partition_;
        m.analysis = w.analysis;
        m.start = w.start;
        m.end = w.end;
        for (const Partial* p : w.partials) {
          if (p != nullptr) m.partials.push_back(*p);
        }
        STARLING_RETURN_IF_ERROR(partials_->Produce(key, scale_out::EncodeMessage(m)));
      }
      PartialsMessage m;
      m.type = PartialsMessage::Type::kWatermark;
      m.partition = partition_;
      m.watermark = watermark_;
      m.idle = idle;
      STARLING_RETURN_IF_ERROR(partials_->Produce(key, scale_out::EncodeMessage(m)));
      idle_ = idle;
      sent_watermark_ = watermark_;
      last_marker_ = std::chrono::steady_clock::now();
      return Status::Ok();
    };
    auto stats = RunPipeline(own, source, o);
    if (!stats.ok()) return stats.status();
    STARLING_RETURN_IF_ERROR(publish_error);
    std::lock_guard lock(producer_mu_);
    STARLING_RETURN_IF_ERROR(partials_->Flush());
    return Status::Ok();
  }

  const PipelineSpec& spec_;
  const ScaleOutOptions& options_;
  const Setup& setup_;
  const std::int32_t partition_;
  std::optional<std::string> state_;  // until Run() writes it out
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  std::atomic<std::uint64_t> records_{0};

  // With producer_mu_ held: the partition's watermark to the merger, unless
  // sent already, idle (on_idle says when it is back) or (not forced) the
  // last marker went less than 100 ms ago.
  Status SendMarker(bool force) {
    if (!partials_ || idle_ || watermark_ == sent_watermark_) return Status::Ok();
    const auto now = std::chrono::steady_clock::now();
    if (!force && now - last_marker_ < std::chrono::milliseconds(100)) return Status::Ok();
    PartialsMessage m;
    m.type = PartialsMessage::Type::kWatermark;
    m.partition = partition_;
    m.watermark = watermark_;
    STARLING_RETURN_IF_ERROR(
        partials_->Produce(PartitionKey(setup_.topic, partition_), scale_out::EncodeMessage(m)));
    sent_watermark_ = watermark_;
    last_marker_ = now;
    return Status::Ok();
  }
  // The partials producer is the engine's (its collector thread), and the
  // process loop's for markers held back.
  std::mutex producer_mu_;
  // producer_mu_'s: the engine's latest watermark, the last one sent, and
  // whether the last marker said idle.
  bool idle_ = false;
  model::TimestampUs watermark_ = kMinTime;
  model::TimestampUs sent_watermark_ = kMinTime;
  std::chrono::steady_clock::time_point last_marker_{};
  Status status_ = Status::Ok();
  std::unique_ptr<sink::kafka::Producer> partials_;
  std::unique_ptr<sink::kafka::Producer> states_;
  mutable std::mutex health_mu_;
  source::RecordSource* source_ = nullptr;           // while Run() reads it
  std::optional<source::SourceHealth> last_health_;  // once it is done
  std::thread thread_;
};

// The merger, while this process holds the partials topic's partition.
class MergeWork {
 public:
  MergeWork(const PipelineSpec& spec, const ScaleOutOptions& options, const Setup& setup,
            std::vector<std::int32_t> partitions)
      : spec_(spec), options_(options), setup_(setup), partitions_(std::move(partitions)) {
    thread_ = std::thread([this] {
      status_ = Run();
      done_ = true;
    });
  }
  ~MergeWork() { Stop(); }
  void Stop() {
    stop_ = true;
    if (thread_.joinable()) thread_.join();
  }
  bool done() const { return done_; }
  // A bounded run's merger that has written every window (every partition
  // ended): the whole group's work is done. (Its Run returns Ok on its own
  // only then; a stop comes from Stop(), after which it is not asked.)
  bool finished() const { return done_ && status_.ok(); }
  const Status& status() const { return status_; }
  scale_out::MergerStats stats() const {
    std::lock_guard lock(mu_);
    return stats_;
  }

 private:
  Status Run() {
    scale_out::Merger merger(spec_, partitions_, options_.result_sinks);
    STARLING_ASSIGN_OR_RETURN(auto states,
                              source::kafka::ReadLatestByKey(setup_.cluster, setup_.state_topic));
    STARLING_ASSIGN_OR_RETURN(
        auto source, source::OpenSource("kafka://" + setup_.cluster.brokers + "/" +
                                        setup_.partials_topic + "?partitions=0" + setup_.extra));
    const auto saved = states.find(MergerKey(setup_.topic));
    if (saved != states.end()) {
      STARLING_ASSIGN_OR_RETURN(MergerState st, DecodeMergerState(saved->second));
      STARLING_RETURN_IF_ERROR(source->Seek(st.position).status());
      ByteReader r(st.state);
      STARLING_RETURN_IF_ERROR(merger.Load(r));
    }
    STARLING_ASSIGN_OR_RETURN(auto producer, NewProducer(setup_, setup_.state_topic));
    auto publish = [&]() -> Status {
      for (sink::ResultSink* s : options_.result_sinks) STARLING_RETURN_IF_ERROR(s->Flush());
      STARLING_RETURN_IF_ERROR(producer->Produce(MergerKey(setup_.topic),
                                                 EncodeMergerState(source->Position(), merger)));
      return producer->Flush();
    };
    auto last = std::chrono::steady_clock::now();
    bool dirty = false;
    while (!stop_) {
      source::Record rec;
      Result<bool> more = source->Next(&rec);
      if (more.ok() && *more) {
        // A message that does not decode, or names an analysis this
        // pipeline does not have, is counted and skipped: one bad message
        // must not stop the merger of every process in turn.
        Result<PartialsMessage> m = scale_out::DecodeMessage(rec.bytes);
        Status added = m.ok() ? merger.Add(*m) : m.status();
        if (added.code() == StatusCode::kMalformedInput ||
            added.code() == StatusCode::kInvalidArgument) {
          merger.CountMalformed();
          log::Warn("scale-out: {} offset {}: skipped: {}", setup_.partials_topic, rec.offset,
                    added.ToString());
        } else {
          STARLING_RETURN_IF_ERROR(added);
        }
        dirty = true;
      } else if (!more.ok() && more.status().code() != StatusCode::kTryAgain) {
        return more.status();
      }
      {
        std::lock_guard lock(mu_);
        stats_ = merger.stats();
      }
      const auto now = std::chrono::steady_clock::now();
      const bool finished = merger.watermark() == kMaxTime;
      if (dirty && (finished || now - last >= options_.checkpoint_interval)) {
        STARLING_RETURN_IF_ERROR(publish());
        last = now;
        dirty = false;
      }
      if (finished && setup_.bounded) return Status::Ok();
    }
    // Stopped (revoked, or Ctrl-C): no last publish. The next merger may
    // already be past this one; it replays from the last periodic state,
    // and its results are the same rows (an upsert per window).
    return Status::Ok();
  }

  const PipelineSpec& spec_;
  const ScaleOutOptions& options_;
  const Setup& setup_;
  const std::vector<std::int32_t> partitions_;
  std::atomic<bool> stop_{false};
  std::atomic<bool> done_{false};
  Status status_ = Status::Ok();
  mutable std::mutex mu_;
  scale_out::MergerStats stats_;
  std::thread thread_;
};

// The process's source for the dashboard: its partitions' sources put
// together (each reads one partition), and the group's rebalances.
source::SourceHealth SourceHealthOf(
    const std::string& spec, const std::map<std::int32_t, std::unique_ptr<PartitionWork>>& work,
    std::uint64_t rebalances) {
  source::SourceHealth h;
  h.source = spec::Redact(spec);
  h.rebalances = rebalances;
  for (const auto& [p, w] : work) {
    std::optional<source::SourceHealth> one = w->Health();
    if (!one) continue;
    h.connected |= one->connected;
    h.reconnects += one->reconnects;
    h.bytes += one->bytes;
    h.brokers = std::max(h.brokers, one->brokers);
    if (!one->last_error.empty()) h.last_error = one->last_error;
    h.partitions.insert(h.partitions.end(), one->partitions.begin(), one->partitions.end());
  }
  return h;
}

}  // namespace

Result<ScaleOutStatus> RunScaleOut(const PipelineSpec& spec, const ScaleOutOptions& options) {
  STARLING_RETURN_IF_ERROR(spec.Validate());
  STARLING_RETURN_IF_ERROR(scale_out::CheckScalable(spec));
  if (options.work_dir.empty()) return InvalidArgument("--scale-out needs --checkpoint-dir");
  STARLING_ASSIGN_OR_RETURN(const Setup setup, ReadSetup(options.source));
  STARLING_RETURN_IF_ERROR(source::kafka::EnsureTopic(setup.cluster, setup.partials_topic, 1, {}));
  STARLING_RETURN_IF_ERROR(source::kafka::EnsureTopic(
      setup.cluster, setup.state_topic, 1,
      {{"cleanup.policy", "compact"}, {"max.message.bytes", "100000000"}}));
  STARLING_ASSIGN_OR_RETURN(
      auto member, source::kafka::GroupMember::Open(setup.cluster, setup.topic, setup.group));
  STARLING_ASSIGN_OR_RETURN(auto merge_member,
                            source::kafka::GroupMember::Open(setup.cluster, setup.partials_topic,
                                                             setup.group + ".merge"));
  std::map<std::int32_t, std::unique_ptr<PartitionWork>> work;
  std::unique_ptr<MergeWork> merge;
  ScaleOutStatus status;
  auto last_progress = std::chrono::steady_clock::now();
  auto last_check = last_progress;
  Status failed = Status::Ok();
  std::uint64_t records_before = 0;  // read by partitions this process no longer holds
  // Stopping a partition's work publishes its state for the next owner.
  auto drop = [&](std::map<std::int32_t, std::unique_ptr<PartitionWork>>::iterator it) {
    PartitionWork& w = *it->second;
    w.Stop();
    if (!w.status().ok()) {
      log::Warn(
          "scale-out: partition {}: {}; its next owner starts from the state published "
          "before",
          w.partition(), w.status().ToString());
    }
    records_before += w.records();
    return work.erase(it);
  };
  // A partition given up in a rebalance: its work stops and publishes its
  // state before the group hands it on, so that its next owner goes on
  // from there instead of reading again from an older state (inside Poll,
  // on this thread). All of them asked first, so they stop together.
  // Cleared before `work` goes (closing the member revokes too).
  struct RevokeHook {
    RevokeHook(source::kafka::GroupMember* m,
               std::function<void(const std::vector<std::int32_t>&)> f)
        : member(m) {
      member->SetOnRevoke(std::move(f));
    }
    ~RevokeHook() { member->SetOnRevoke(nullptr); }
    RevokeHook(const RevokeHook&) = delete;
    RevokeHook& operator=(const RevokeHook&) = delete;
    source::kafka::GroupMember* member;
  } hook(member.get(), [&](const std::vector<std::int32_t>& revoked) {
    for (std::int32_t p : revoked) {
      if (const auto it = work.find(p); it != work.end()) it->second->RequestStop();
    }
    for (std::int32_t p : revoked) {
      if (const auto it = work.find(p); it != work.end()) drop(it);
    }
  });
  while (options.stop == nullptr || !options.stop->load()) {
    STARLING_ASSIGN_OR_RETURN(auto change, member->Poll(std::chrono::milliseconds(50)));
    // The state topic, read once for the partitions assigned together (read
    // again after a drop, which publishes a state).
    std::optional<std::map<std::string, std::string>> states;
    for (const auto& e : change.events) {
      const auto it = work.find(e.partition);
      if (it != work.end()) {
        drop(it);  // revoked; or assigned again: restarted from its state
        states.reset();
      }
      if (!e.assigned) continue;
      if (!std::binary_search(member->partitions().begin(), member->partitions().end(),
                              e.partition)) {
        // Added to the topic since this process started: the merger would
        // not wait for it. Read once every process has restarted.
        log::Warn(
            "scale-out: partition {} of {} was added after the start; restart the "
            "processes of group {} to read it",
            e.partition, setup.topic, setup.group);
        continue;
      }
      if (!states) {
        STARLING_ASSIGN_OR_RETURN(states,
                                  source::kafka::ReadLatestByKey(setup.cluster, setup.state_topic));
      }
      const auto state = states->find(PartitionKey(setup.topic, e.partition));
      work[e.partition] = std::make_unique<PartitionWork>(
          spec, options, setup, e.partition,
          state != states->end() ? std::optional<std::string>(state->second) : std::nullopt);
    }
    STARLING_ASSIGN_OR_RETURN(auto merge_change, merge_member->Poll(std::chrono::milliseconds(0)));
    for (const auto& e : merge_change.events) {
      merge.reset();
      if (e.assigned)
        merge = std::make_unique<MergeWork>(spec, options, setup, member->partitions());
    }
    // A part that failed stops the process (its partitions go to others).
    for (const auto& [p, w] : work) {
      if (w->done() && !w->status().ok()) failed = w->status();
    }
    if (merge && merge->done() && !merge->status().ok()) failed = merge->status();
    if (!failed.ok()) break;
    for (const auto& [p, w] : work) {
      Status st = w->FlushMarker();
      if (!st.ok()) failed = st;
    }
    const auto now = std::chrono::steady_clock::now();
    status.partitions.clear();
    status.records = records_before;
    for (const auto& [p, w] : work) {
      status.partitions.push_back(p);
      status.records += w->records();
    }
    status.merging = merge != nullptr;
    status.rebalances = member->rebalances();
    status.source_health = SourceHealthOf(options.source, work, status.rebalances);
    if (merge) status.merger = merge->stats();
    // A bounded run ends when the merger has written everything: at once
    // in the process that holds it (partitions it was given since, say by
    // a process that ended before it, would only read again what was
    // merged), else known from the state topic.
    if (setup.bounded && merge && merge->finished()) {
      status.merged_watermark = kMaxTime;
      break;
    }
    if (setup.bounded && now - last_check >= std::chrono::milliseconds(500)) {
      last_check = now;
      bool mine_done = true;
      for (const auto& [p, w] : work) mine_done &= w->done();
      if (mine_done && (!merge || merge->done())) {
        // A read that fails now (a broker away) is tried again next time.
        auto states = source::kafka::ReadLatestByKey(setup.cluster, setup.state_topic);
        const auto m = states.ok() ? states->find(MergerKey(setup.topic))
                                   : std::map<std::string, std::string>::iterator{};
        if (states.ok() && m != states->end()) {
          auto st = DecodeMergerState(m->second);
          if (st.ok()) status.merged_watermark = std::max(status.merged_watermark, st->watermark);
        }
        if (status.merged_watermark == kMaxTime) break;
      }
    }
    if (options.on_progress && now - last_progress >= std::chrono::milliseconds(500)) {
      last_progress = now;
      options.on_progress(status);
    }
  }
  for (const auto& [p, w] : work) w->Stop();
  status.records = records_before;
  for (const auto& [p, w] : work) status.records += w->records();
  work.clear();
  if (merge) {
    merge->Stop();
    if (!merge->status().ok() && failed.ok()) failed = merge->status();
    status.merger = merge->stats();
    merge.reset();
  }
  STARLING_RETURN_IF_ERROR(failed);
  return status;
}

}  // namespace starling::dataflow
