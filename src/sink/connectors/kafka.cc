// File: sink/connectors/kafka.cc
// A Kafka topic as a post sink (normalized or raw JSON, keyed by post id)
// and as a result sink (window results as JSON, keyed by analysis or
// window), through the idempotent producer of kafka/producer.h. By default
// output is at-least-once with idempotent keys: the run's checkpoint is
// written only after Flush saw every message acknowledged, and a resumed run
// writes again what came after it. With delivery=exactly-once it is
// transactional, committed with the run's checkpoints (two-phase: the
// checkpoint is written first, then the transaction committed; a resumed
// run asks the brokers whether that commit happened), so readers that read
// committed messages only see each message once (docs/kafka.md).
#include <cstring>

#include "model/post_json.h"
#include "sink/kafka/producer.h"
#include "sink/registry.h"

namespace starling::sink {
namespace {

constexpr std::string_view kUsage =
    "kafka://HOST:PORT[,HOST:PORT...]/TOPIC[?key=...&delivery=exactly-once&timeout=30s]";

// The parameters both kinds take, then each kind's key and format.
std::vector<spec::ParamDecl> Params(std::string_view key_help, bool format) {
  std::vector<spec::ParamDecl> out = {
      {"key", spec::ParamType::kString, key_help},
      {"timeout", spec::ParamType::kDuration,
       "how long Flush (and a full queue) waits for the brokers' acknowledgements (default 30s)"},
      {"queue_messages", spec::ParamType::kUint,
       "messages the producer may hold unacknowledged (default 100000)"},
      {"queue_size", spec::ParamType::kSize,
       "bytes the producer may hold unacknowledged (default 64M)"},
      {"delivery", spec::ParamType::kString,
       "at-least-once (default: idempotent keys) or exactly-once: transactions committed with "
       "the run's checkpoints (needs --checkpoint-dir; readers read committed messages)"},
      {"transactional_id", spec::ParamType::kString,
       "exactly-once: the producer's transactional.id, the same for every run that resumes "
       "the output and distinct between runs (default starling.TOPIC)"},
      {"transaction_timeout", spec::ParamType::kDuration,
       "exactly-once: how long the brokers keep a transaction open; above the checkpoint "
       "interval (default 60s)"},
      {"rdkafka.*", spec::ParamType::kString,
       "rdkafka.NAME=VALUE: any librdkafka producer property"}};
  if (format) {
    out.insert(out.begin() + 1, {"format", spec::ParamType::kString,
                                 "normalized (default) or raw: the provider JSON as received"});
  }
  return out;
}

Result<std::unique_ptr<kafka::Producer>> OpenProducer(const spec::Spec& s, const spec::Params& p,
                                                      const OpenOptions& how) {
  if (!s.url || s.hosts.empty() || s.path.empty() || s.path.find('/') != std::string::npos) {
    return InvalidArgument("kafka sink needs kafka://HOST:PORT[,HOST:PORT...]/TOPIC, got '" +
                           s.redacted + "'");
  }
  kafka::ProducerOptions o;
  o.describe = s.redacted;
  for (const std::string& h : s.hosts) o.brokers += (o.brokers.empty() ? "" : ",") + h;
  o.topic = s.path;
  o.timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
      p.Duration("timeout", std::chrono::seconds(30)));
  if (o.timeout.count() <= 0) {
    return InvalidArgument("sink spec '" + s.redacted + "': timeout must be positive");
  }
  o.queue_messages = p.Uint("queue_messages", o.queue_messages);
  o.queue_bytes = p.Size("queue_size", o.queue_bytes);
  o.properties = p.Family("rdkafka.");
  const std::string delivery = p.String("delivery", "at-least-once");
  if (delivery == "exactly-once") {
    if (!how.checkpoints) {
      return InvalidArgument("sink spec '" + s.redacted +
                             "': delivery=exactly-once commits with the run's checkpoints: "
                             "give the run --checkpoint-dir (docs/kafka.md)");
    }
    o.transactional_id = p.String("transactional_id", "starling." + o.topic);
    o.transaction_timeout = std::chrono::duration_cast<std::chrono::milliseconds>(
        p.Duration("transaction_timeout", std::chrono::seconds(60)));
    if (o.transactional_id.empty() || o.transaction_timeout.count() <= 0) {
      return InvalidArgument("sink spec '" + s.redacted +
                             "': transactional_id must not be empty and transaction_timeout "
                             "must be positive");
    }
  } else if (delivery != "at-least-once") {
    return InvalidArgument("sink spec '" + s.redacted +
                           "': delivery must be at-least-once or exactly-once, got '" + delivery +
                           "'");
  } else if (p.Has("transactional_id") || p.Has("transaction_timeout")) {
    return InvalidArgument("sink spec '" + s.redacted +
                           "': transactional_id and transaction_timeout go with "
                           "delivery=exactly-once");
  }
  return kafka::Producer::Open(std::move(o));
}

// What both kinds of Kafka sink (Sink: PostSink or ResultSink) share: the
// producer, and the checkpoint protocol of a transactional one. A token is
// "SEQUENCE@TRANSACTIONAL_ID": the transaction the checkpoint prepared.
template <class Sink>
class KafkaSink : public Sink {
 public:
  KafkaSink(std::unique_ptr<kafka::Producer> producer, std::string describe)
      : producer_(std::move(producer)), describe_(std::move(describe)) {}

  Status Flush() override { return producer_->Flush(); }
  Status Close() override { return producer_->Close(); }
  bool TwoPhase() const override { return producer_->transactional(); }
  // The topic's, whatever the transactional_id: a resume with another id
  // finds the token and is refused (Parse), rather than finding none.
  std::string CommitName() const override {
    return TwoPhase() ? "kafka:" + producer_->topic() : std::string();
  }
  Result<std::string> CheckpointCommit() override {
    if (!TwoPhase()) {
      STARLING_RETURN_IF_ERROR(Flush());
      return std::string();
    }
    STARLING_ASSIGN_OR_RETURN(const std::uint64_t seq, producer_->Prepare());
    return std::to_string(seq) + "@" + Id();
  }
  Status CheckpointComplete() override { return TwoPhase() ? producer_->Commit() : Status::Ok(); }
  Result<bool> CheckpointCompleted(std::string_view token) override {
    if (!TwoPhase()) return true;
    STARLING_ASSIGN_OR_RETURN(const std::uint64_t seq, Parse(token));
    STARLING_ASSIGN_OR_RETURN(const std::uint64_t committed, producer_->CommittedSequence());
    if (committed + 1 < seq || committed > seq) return Mismatch(seq, committed);
    return committed == seq;
  }
  Status RestoreCommit(std::string_view token) override {
    if (!TwoPhase()) return Status::Ok();
    STARLING_ASSIGN_OR_RETURN(const std::uint64_t seq, Parse(token));
    STARLING_ASSIGN_OR_RETURN(const std::uint64_t committed, producer_->CommittedSequence());
    if (committed != seq) return Mismatch(seq, committed);
    return Status::Ok();
  }

 protected:
  std::string Mode() const { return TwoPhase() ? ", exactly-once)" : ")"; }

  std::unique_ptr<kafka::Producer> producer_;
  std::string describe_;

 private:
  std::string Id() const { return producer_->MarkerGroup().substr(std::strlen("starling.txn.")); }
  Result<std::uint64_t> Parse(std::string_view token) const {
    const std::size_t at = token.find('@');
    std::uint64_t seq = 0;
    const bool number = at != std::string_view::npos && at > 0 && at <= 19 &&
                        token.substr(0, at).find_first_not_of("0123456789") == std::string::npos;
    if (number) {
      for (char c : token.substr(0, at)) seq = seq * 10 + static_cast<std::uint64_t>(c - '0');
    }
    if (!number || seq == 0) {
      return InvalidArgument(describe_ + ": the checkpoint's token is not a transaction");
    }
    if (token.substr(at + 1) != Id()) {
      return InvalidArgument(describe_ + ": the checkpoint was written with transactional_id '" +
                             std::string(token.substr(at + 1)) + "', not '" + Id() +
                             "': resume with the same transactional_id");
    }
    return seq;
  }
  Status Mismatch(std::uint64_t seq, std::uint64_t committed) const {
    if (committed > seq) {
      return InvalidArgument(
          describe_ + ": transactional_id '" + Id() + "' committed transaction " +
          std::to_string(committed) + " after this checkpoint's " + std::to_string(seq) +
          " (the run went on past it, or finished, or another run uses the id): resuming "
          "would write its output twice; start afresh, or give another transactional_id");
    }
    return InvalidArgument(describe_ + ": the checkpoint's transaction " + std::to_string(seq) +
                           " of '" + Id() + "' is not in the brokers (they hold " +
                           std::to_string(committed) +
                           "): the topic or its group offsets were deleted");
  }
};

Status RefuseKey(const spec::Spec& s, std::string_view key, std::string_view valid) {
  return InvalidArgument("sink spec '" + s.redacted + "': key must be " + std::string(valid) +
                         ", got '" + std::string(key) + "'");
}

class KafkaPostSink final : public KafkaSink<PostSink> {
 public:
  KafkaPostSink(std::unique_ptr<kafka::Producer> producer, std::string describe, bool raw)
      : KafkaSink(std::move(producer), std::move(describe)), raw_(raw) {}

  Status Write(const model::Post& post) override {
    value_.clear();
    if (raw_) {
      if (post.raw.empty()) {
        return MalformedInput("post " + post.id + " has no raw provider JSON to write");
      }
      value_ = post.raw;
    } else {
      model::AppendPostJson(post, &value_);
    }
    return producer_->Produce(post.id, value_);
  }
  std::string Describe() const override {
    return describe_ + (raw_ ? " (Kafka, raw" : " (Kafka") + Mode();
  }

 private:
  bool raw_;
  std::string value_;
};

class KafkaResultSink final : public KafkaSink<ResultSink> {
 public:
  KafkaResultSink(std::unique_ptr<kafka::Producer> producer, std::string describe, bool by_window)
      : KafkaSink(std::move(producer), std::move(describe)), by_window_(by_window) {}

  Status Write(const model::WindowResult& result) override {
    value_.clear();
    model::AppendResultJson(result, &value_);
    key_ = result.pipeline + "/" + result.analysis;
    if (by_window_) key_ += "/" + std::to_string(result.window_start);
    return producer_->Produce(key_, value_);
  }
  std::string Describe() const override { return describe_ + " (Kafka" + Mode(); }

 private:
  bool by_window_;
  std::string key_;
  std::string value_;
};

}  // namespace

PostSinkKind KafkaPostSinkKind() {
  PostSinkKind k;
  k.info = {.scheme = "kafka",
            .usage = kUsage,
            .help =
                "posts as JSON messages keyed by post id; idempotent producer, "
                "at-least-once, or exactly-once with transactions (docs/kafka.md)",
            .params = Params("id (default): the post id", /*format=*/true),
            .takes_hosts = true};
  k.needs_raw = [](const spec::Params& p) { return p.String("format") == "raw"; };
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const OpenOptions& how) -> Result<std::unique_ptr<PostSink>> {
    const std::string key = p.String("key", "id");
    if (key != "id") return RefuseKey(s, key, "id");
    const std::string format = p.String("format", "normalized");
    if (format != "normalized" && format != "raw") {
      return InvalidArgument("sink spec '" + s.redacted +
                             "': format must be normalized or raw, got '" + format + "'");
    }
    STARLING_ASSIGN_OR_RETURN(auto producer, OpenProducer(s, p, how));
    return std::unique_ptr<PostSink>(
        std::make_unique<KafkaPostSink>(std::move(producer), s.redacted, format == "raw"));
  };
  return k;
}

ResultSinkKind KafkaResultSinkKind() {
  ResultSinkKind k;
  k.info = {.scheme = "kafka",
            .usage = kUsage,
            .help =
                "window results as JSON messages (jsonl's lines) keyed by analysis; "
                "at-least-once, or exactly-once with transactions (docs/kafka.md)",
            .params = Params(
                "analysis (default): PIPELINE/ANALYSIS; window: PIPELINE/ANALYSIS/WINDOW_START",
                /*format=*/false),
            .takes_hosts = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const OpenOptions& how) -> Result<std::unique_ptr<ResultSink>> {
    const std::string key = p.String("key", "analysis");
    if (key != "analysis" && key != "window") return RefuseKey(s, key, "analysis or window");
    STARLING_ASSIGN_OR_RETURN(auto producer, OpenProducer(s, p, how));
    return std::unique_ptr<ResultSink>(
        std::make_unique<KafkaResultSink>(std::move(producer), s.redacted, key == "window"));
  };
  return k;
}

}  // namespace starling::sink
