// File: dataflow/analysis/count.cc
// count: how many posts carry each key of `by` per window (`all`: one row, *).
#include "dataflow/analysis/windowed.h"

namespace starling::dataflow {

AnalysisKind CountAnalysisKind() {
  AnalysisKind k;
  k.result = ResultKind::kCount;
  k.reports_k = true;
  k.types = {"count"};
  k.rows = "one per key of `by` (`all` gives one row, `*`)";
  k.options = {KOption(0, "rows kept per window (default 0: all)"), ModeOption(), CapacityOption()};
  k.defaults = [](AnalysisSpec* s) {
    s->by = {Dimension::kAll, {}};
    s->k = 0;
  };
  k.validate = ValidateCounter;
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
