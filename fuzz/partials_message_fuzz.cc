// Scale-out's partials messages and merger state (dataflow/scale_out.h),
// what processes send each other through a Kafka topic: any bytes are
// refused or decoded, never a crash; a decoded message encodes canonically
// (encoded, decoded and encoded again: the same bytes), and a merger takes
// it (or refuses it) without crashing.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "dataflow/scale_out.h"

using namespace starling;
using namespace starling::dataflow;

namespace {

PipelineSpec Spec() {
  PipelineSpec s;
  s.name = "fuzz";
  const std::pair<ResultKind, const char*> kinds[] = {
      {ResultKind::kTopK, "top"},      {ResultKind::kCount, "count"},
      {ResultKind::kDistinct, "dist"}, {ResultKind::kSentiment, "mood"},
      {ResultKind::kBurst, "bursts"},  {ResultKind::kCooccurrence, "pairs"}};
  for (const auto& [kind, name] : kinds) {
    AnalysisSpec a;
    a.name = name;
    a.kind = kind;
    a.window = ParseWindowSpec("10s").value();
    s.analyses.push_back(a);
  }
  return s;
}

class NullResults final : public sink::ResultSink {
 public:
  Status Write(const model::WindowResult&) override { return Status::Ok(); }
  Status Flush() override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  std::string Describe() const override { return "null"; }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const PipelineSpec spec = Spec();
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  NullResults sink;
  auto m = scale_out::DecodeMessage(in);
  if (m.ok()) {
    // Encoding is canonical (an overlong varint decodes too): what a decoded
    // message encodes to decodes back and encodes to the same bytes again.
    const std::string once = scale_out::EncodeMessage(*m);
    auto again = scale_out::DecodeMessage(once);
    if (!again.ok() || scale_out::EncodeMessage(*again) != once) std::abort();
    scale_out::Merger merger(spec, {0, 1, 2}, {&sink});
    (void)merger.Add(*m);
    (void)merger.Finish();
  }
  scale_out::Merger loaded(spec, {0, 1, 2}, {&sink});
  ByteReader r(in);
  if (loaded.Load(r).ok()) (void)loaded.Finish();
  return 0;
}
