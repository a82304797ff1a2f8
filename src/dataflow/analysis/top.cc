// File: dataflow/analysis/top.cc
// top (trending): the k most frequent keys of `by` per window, counted
// exactly or with Space-Saving in bounded memory.
#include "dataflow/analysis/windowed.h"

namespace starling::dataflow {

AnalysisKind TopAnalysisKind() {
  AnalysisKind k;
  k.result = ResultKind::kTopK;
  k.reports_k = true;
  k.types = {"top", "trending"};
  k.rows = "the `k` most frequent keys of `by`, ranked";
  k.options = {KOption(1, "rows kept per window (default 10)"), ModeOption(), CapacityOption()};
  k.defaults = [](AnalysisSpec* s) { s->by = {Dimension::kHashtag, {}}; };
  k.validate = [](const AnalysisSpec& spec) {
    if (spec.k == 0) return InvalidArgument("k must be at least 1");
    return ValidateCounter(spec);
  };
  k.needs = [](const AnalysisSpec&, FeatureNeeds*) {};
  k.extract = ExtractKeys;
  k.new_state = [](const AnalysisSpec& spec, std::uint32_t index,
                   std::chrono::microseconds lateness) -> std::unique_ptr<AnalysisState> {
    return std::make_unique<WindowedState<CounterPolicy>>(spec, index, lateness, spec.k, false);
  };
  k.new_merger = [](const AnalysisSpec& spec) { return NewUnionMerger(spec.k); };
  return k;
}

}  // namespace starling::dataflow
