// Checkpointed window state is read back on --resume: a damaged snapshot
// must be refused (MalformedInput), never crash or allocate without bound.
// The first byte picks the analysis kind; the rest is the snapshot.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "common/codec.h"
#include "dataflow/analysis.h"
#include "dataflow/analysis/kind.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace starling;
  using namespace starling::dataflow;
  if (size < 1) return 0;
  const auto kinds = AnalysisKinds();  // every registered kind
  const AnalysisKind& kind = *kinds[(data[0] & 0x7f) % kinds.size()];
  AnalysisSpec spec;
  spec.name = "fuzz";
  spec.kind = kind.result;
  spec.space_saving = (data[0] & 0x80) != 0;
  spec.capacity = 64;
  spec.kmeans.k = 2;
  spec.kmeans.dims = 64;
  spec.tfidf.dims = 64;
  spec.window = ParseWindowSpec(kind.session_windows ? "session 1m" : "1m").value();
  auto state = NewAnalysisState(spec, 0, std::chrono::seconds(0));
  ByteReader r(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  if (state->Load(r).ok()) {
    std::vector<Partial> out;
    state->Emit(kMaxTime, &out);
  }
  auto merger = NewAnalysisMerger(spec);
  ByteReader r2(std::string_view(reinterpret_cast<const char*>(data + 1), size - 1));
  (void)merger->Load(r2);
  return 0;
}
