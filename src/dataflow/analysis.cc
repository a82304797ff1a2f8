// File: dataflow/analysis.cc
// The engine's entry points into an analysis: each goes to the kind's
// descriptor (dataflow/analysis/), after what every kind shares.
#include "dataflow/analysis.h"

#include "dataflow/analysis/kind.h"

namespace starling::dataflow {

Status ValidateAnalysis(const AnalysisSpec& spec) {
  const std::string where = "analysis '" + spec.name + "': ";
  if (spec.name.empty()) return InvalidArgument("an analysis needs a name");
  if (Status w = ValidateWindowSpec(spec.window); !w.ok()) {
    return InvalidArgument(where + w.message());
  }
  const AnalysisKind& kind = AnalysisKindOf(spec.kind);
  const bool session = spec.window.type == WindowType::kSession;
  if (session != kind.session_windows) {
    return InvalidArgument(where + (session ? "session windows are for type sessions"
                                            : "type sessions needs a session window (session 5m)"));
  }
  if (Status st = kind.validate(spec); !st.ok()) return InvalidArgument(where + st.message());
  return Status::Ok();
}

FeatureNeeds NeedsOf(const AnalysisSpec& spec) {
  FeatureNeeds n = NeedsOf(spec.by);
  AnalysisKindOf(spec.kind).needs(spec, &n);
  return n;
}

void ExtractItems(const AnalysisSpec& spec, std::uint32_t index, const model::Post& post,
                  const PostFeatures& f, std::string* arena, std::vector<Item>* items) {
  ItemSink sink(index, arena, items);
  AnalysisKindOf(spec.kind).extract(spec, post, f, sink);
}

std::unique_ptr<AnalysisState> NewAnalysisState(const AnalysisSpec& spec, std::uint32_t index,
                                                std::chrono::microseconds lateness) {
  return AnalysisKindOf(spec.kind).new_state(spec, index, lateness);
}

std::unique_ptr<AnalysisMerger> NewAnalysisMerger(const AnalysisSpec& spec) {
  return AnalysisKindOf(spec.kind).new_merger(spec);
}

}  // namespace starling::dataflow
