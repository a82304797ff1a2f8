// File: dataflow/analysis/bursts.cc
// bursts: terms of `by` whose count in a window jumps above their own moving
// baseline. Partitions count terms; the merger feeds each final window's
// counts, in window order, to one detector.
#include "analytics/burst_detector.h"
#include "dataflow/analysis/windowed.h"

namespace starling::dataflow {
namespace {

// Feeds each final window's term counts, in window order, to the detector.
class BurstMerger final : public AnalysisMerger {
 public:
  explicit BurstMerger(const AnalysisSpec& spec) : detector_(spec.bursts) {}
  bool Merge(const std::vector<const Partial*>& partials, bool final, WindowResult* out) override {
    if (!final) return false;
    CopyHeader(partials, out);
    std::vector<std::pair<std::string, std::uint64_t>> counts;
    for (const Partial* p : partials) {
      if (p == nullptr) continue;
      out->total += p->result.total;
      for (const ResultRow& r : p->result.rows) {
        counts.emplace_back(r.key, static_cast<std::uint64_t>(r.count));
      }
    }
    std::sort(counts.begin(), counts.end());
    std::int32_t rank = 0;
    for (analytics::Burst& b : detector_.Observe(counts)) {
      ResultRow row;
      row.rank = ++rank;
      row.key = std::move(b.term);
      row.count = static_cast<std::int64_t>(b.count);
      row.value = b.baseline;
      row.value2 = b.z;
      out->rows.push_back(std::move(row));
    }
    return true;
  }
  void Save(ByteWriter& w) const override { detector_.Save(w); }
  Status Load(ByteReader& r) override { return detector_.Load(r); }

 private:
  analytics::BurstDetector detector_;
};

}  // namespace

AnalysisKind BurstsAnalysisKind() {
  AnalysisKind k;
  k.result = ResultKind::kBurst;
  k.types = {"bursts"};
  k.rows = "terms of `by` whose count jumps above their own moving baseline";
  k.options = {
      {"z", AnalysisOption::Type::kNumber, 0.1, 1000, "z-score that flags a burst (default 3)",
       [](const OptionValue& v, AnalysisSpec* s) {
         s->bursts.z_threshold = v.number;
         return Status::Ok();
       }},
      {"alpha", AnalysisOption::Type::kNumber, 0.001, 1,
       "weight of the newest window in the baseline (default 0.3)",
       [](const OptionValue& v, AnalysisSpec* s) {
         s->bursts.alpha = v.number;
         return Status::Ok();
       }},
      {"min_count", AnalysisOption::Type::kInt, 1, static_cast<double>(1LL << 40),
       "fewest posts in a window for a burst (default 5)",
       [](const OptionValue& v, AnalysisSpec* s) {
         s->bursts.min_count = static_cast<std::uint64_t>(v.integer);
         return Status::Ok();
       }},
      {"warmup", AnalysisOption::Type::kInt, 0, 1000,
       "windows seen before a term can burst (default 3)",
       [](const OptionValue& v, AnalysisSpec* s) {
         s->bursts.warmup_windows = static_cast<int>(v.integer);
         return Status::Ok();
       }},
      ModeOption(),
      {"capacity", AnalysisOption::Type::kInt, 1, 1 << 30,
       "terms kept per window and partition, the most frequent (default 10000; with mode: "
       "space-saving, its counters)",
       CapacityOption().apply},
  };
  k.defaults = [](AnalysisSpec* s) { s->by = {Dimension::kHashtag, {}}; };
  k.validate = [](const AnalysisSpec& spec) {
    STARLING_RETURN_IF_ERROR(ValidateCapacity(spec));
    if (spec.window.type == WindowType::kGlobal) {
      return InvalidArgument("bursts need a tumbling or sliding window");
    }
    return analytics::BurstDetector::Validate(spec.bursts);
  };
  k.needs = [](const AnalysisSpec&, FeatureNeeds*) {};
  k.extract = ExtractKeys;
  // A partition keeps `capacity` terms per window: the detector needs every
  // term's count, not only the top k.
  k.new_state = [](const AnalysisSpec& spec, std::uint32_t index,
                   std::chrono::microseconds lateness) -> std::unique_ptr<AnalysisState> {
    return std::make_unique<WindowedState<CounterPolicy>>(spec, index, lateness, spec.capacity,
                                                          false);
  };
  k.new_merger = [](const AnalysisSpec& spec) -> std::unique_ptr<AnalysisMerger> {
    return std::make_unique<BurstMerger>(spec);
  };
  return k;
}

}  // namespace starling::dataflow
