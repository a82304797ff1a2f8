// File: sink/connectors/kafka.cc
// A Kafka topic as a post sink (normalized or raw JSON, keyed by post id)
// and as a result sink (window results as JSON, keyed by analysis or
// window), through the idempotent producer of kafka/producer.h. Output is
// at-least-once with idempotent keys: the run's checkpoint is written only
// after Flush saw every message acknowledged, and a resumed run writes again
// what came after it (docs/kafka.md).
#include "model/post_json.h"
#include "sink/kafka/producer.h"
#include "sink/registry.h"

namespace starling::sink {
namespace {

constexpr std::string_view kUsage = "kafka://HOST:PORT[,HOST:PORT...]/TOPIC[?key=...&timeout=30s]";

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
      {"rdkafka.*", spec::ParamType::kString,
       "rdkafka.NAME=VALUE: any librdkafka producer property"}};
  if (format) {
    out.insert(out.begin() + 1, {"format", spec::ParamType::kString,
                                 "normalized (default) or raw: the provider JSON as received"});
  }
  return out;
}

Result<std::unique_ptr<kafka::Producer>> OpenProducer(const spec::Spec& s, const spec::Params& p) {
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
  return kafka::Producer::Open(std::move(o));
}

Status RefuseKey(const spec::Spec& s, std::string_view key, std::string_view valid) {
  return InvalidArgument("sink spec '" + s.redacted + "': key must be " + std::string(valid) +
                         ", got '" + std::string(key) + "'");
}

class KafkaPostSink final : public PostSink {
 public:
  KafkaPostSink(std::unique_ptr<kafka::Producer> producer, std::string describe, bool raw)
      : producer_(std::move(producer)), describe_(std::move(describe)), raw_(raw) {}

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
  Status Flush() override { return producer_->Flush(); }
  Status Close() override { return producer_->Close(); }
  std::string Describe() const override {
    return describe_ + (raw_ ? " (Kafka, raw)" : " (Kafka)");
  }

 private:
  std::unique_ptr<kafka::Producer> producer_;
  std::string describe_;
  bool raw_;
  std::string value_;
};

class KafkaResultSink final : public ResultSink {
 public:
  KafkaResultSink(std::unique_ptr<kafka::Producer> producer, std::string describe, bool by_window)
      : producer_(std::move(producer)), describe_(std::move(describe)), by_window_(by_window) {}

  Status Write(const model::WindowResult& result) override {
    value_.clear();
    model::AppendResultJson(result, &value_);
    key_ = result.pipeline + "/" + result.analysis;
    if (by_window_) key_ += "/" + std::to_string(result.window_start);
    return producer_->Produce(key_, value_);
  }
  Status Flush() override { return producer_->Flush(); }
  Status Close() override { return producer_->Close(); }
  std::string Describe() const override { return describe_ + " (Kafka)"; }

 private:
  std::unique_ptr<kafka::Producer> producer_;
  std::string describe_;
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
                "at-least-once (docs/kafka.md)",
            .params = Params("id (default): the post id", /*format=*/true),
            .takes_hosts = true};
  k.needs_raw = [](const spec::Params& p) { return p.String("format") == "raw"; };
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const OpenOptions&) -> Result<std::unique_ptr<PostSink>> {
    const std::string key = p.String("key", "id");
    if (key != "id") return RefuseKey(s, key, "id");
    const std::string format = p.String("format", "normalized");
    if (format != "normalized" && format != "raw") {
      return InvalidArgument("sink spec '" + s.redacted +
                             "': format must be normalized or raw, got '" + format + "'");
    }
    STARLING_ASSIGN_OR_RETURN(auto producer, OpenProducer(s, p));
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
                "at-least-once (docs/kafka.md)",
            .params = Params(
                "analysis (default): PIPELINE/ANALYSIS; window: PIPELINE/ANALYSIS/WINDOW_START",
                /*format=*/false),
            .takes_hosts = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const OpenOptions&) -> Result<std::unique_ptr<ResultSink>> {
    const std::string key = p.String("key", "analysis");
    if (key != "analysis" && key != "window") return RefuseKey(s, key, "analysis or window");
    STARLING_ASSIGN_OR_RETURN(auto producer, OpenProducer(s, p));
    return std::unique_ptr<ResultSink>(
        std::make_unique<KafkaResultSink>(std::move(producer), s.redacted, key == "window"));
  };
  return k;
}

}  // namespace starling::sink
