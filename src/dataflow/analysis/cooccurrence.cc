// File: dataflow/analysis/cooccurrence.cc
// cooccurrence: the k most frequent pairs of hashtags per window; a post
// counts each of its pairs once.
#include "dataflow/analysis/windowed.h"

namespace starling::dataflow {

AnalysisKind CooccurrenceAnalysisKind() {
  AnalysisKind k;
  k.result = ResultKind::kCooccurrence;
  k.takes_by = false;
  k.reports_k = true;
  k.types = {"cooccurrence"};
  k.rows = "the `k` most frequent hashtag pairs (each post counts each pair once)";
  k.options = {KOption(1, "rows kept per window (default 10)"), ModeOption(), CapacityOption()};
  k.defaults = [](AnalysisSpec*) {};
  k.validate = [](const AnalysisSpec& spec) {
    if (spec.k == 0) return InvalidArgument("k must be at least 1");
    return ValidateCounter(spec);
  };
  k.needs = [](const AnalysisSpec&, FeatureNeeds* n) { n->hashtags = true; };
  k.extract = [](const AnalysisSpec&, const model::Post&, const PostFeatures& f, ItemSink& sink) {
    const std::vector<std::string>& tags = f.hashtags;
    std::string pair;
    for (std::size_t i = 0; i < tags.size(); ++i) {
      for (std::size_t j = i + 1; j < tags.size(); ++j) {
        const std::string& a = tags[i] < tags[j] ? tags[i] : tags[j];
        const std::string& b = tags[i] < tags[j] ? tags[j] : tags[i];
        pair.assign(a).append(1, '\t').append(b);
        sink.Emit(pair);
      }
    }
  };
  k.new_state = [](const AnalysisSpec& spec, std::uint32_t index,
                   std::chrono::microseconds lateness) -> std::unique_ptr<AnalysisState> {
    return std::make_unique<WindowedState<CounterPolicy>>(spec, index, lateness, spec.k, true);
  };
  k.new_merger = [](const AnalysisSpec& spec) { return NewUnionMerger(spec.k); };
  return k;
}

}  // namespace starling::dataflow
