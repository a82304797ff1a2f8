// File: dataflow/analysis/windowed.cc
#include "dataflow/analysis/windowed.h"

namespace starling::dataflow {

bool RankBefore(const ResultRow& a, const ResultRow& b) {
  if (a.count != b.count) return a.count > b.count;
  if (a.key != b.key) return a.key < b.key;
  return a.key2 < b.key2;
}

void RankAndCut(std::vector<ResultRow>* rows, std::size_t k) {
  if (k > 0 && rows->size() > k) {
    std::partial_sort(rows->begin(), rows->begin() + static_cast<std::ptrdiff_t>(k), rows->end(),
                      RankBefore);
    rows->resize(k);
  } else {
    std::sort(rows->begin(), rows->end(), RankBefore);
  }
  for (std::size_t i = 0; i < rows->size(); ++i) (*rows)[i].rank = static_cast<std::int32_t>(i + 1);
}

void CopyHeader(const std::vector<const Partial*>& partials, WindowResult* out) {
  for (const Partial* p : partials) {
    if (p == nullptr) continue;
    out->analysis = p->result.analysis;
    out->kind = p->result.kind;
    out->window_start = p->result.window_start;
    out->window_end = p->result.window_end;
    return;
  }
}

namespace {

class UnionMerger : public AnalysisMerger {
 public:
  explicit UnionMerger(std::size_t k) : k_(k) {}
  bool Merge(const std::vector<const Partial*>& partials, bool, WindowResult* out) override {
    CopyHeader(partials, out);
    for (const Partial* p : partials) {
      if (p == nullptr) continue;
      out->rows.insert(out->rows.end(), p->result.rows.begin(), p->result.rows.end());
      out->total += p->result.total;
      out->error_bound = std::max(out->error_bound, p->result.error_bound);
    }
    RankAndCut(&out->rows, k_);
    return true;
  }
  void Save(ByteWriter&) const override {}
  Status Load(ByteReader&) override { return Status::Ok(); }

 private:
  std::size_t k_;
};

}  // namespace

std::unique_ptr<AnalysisMerger> NewUnionMerger(std::size_t k) {
  return std::make_unique<UnionMerger>(k);
}

AnalysisOption KOption(long long least, std::string_view help) {
  return {"k",
          AnalysisOption::Type::kInt,
          static_cast<double>(least),
          1000000,
          help,
          [](const OptionValue& v, AnalysisSpec* s) {
            s->k = static_cast<std::size_t>(v.integer);
            return Status::Ok();
          }};
}

AnalysisOption ModeOption() {
  return {"mode",
          AnalysisOption::Type::kText,
          0,
          0,
          "exact (default) or space-saving (bounded memory, counts with an error bound)",
          [](const OptionValue& v, AnalysisSpec* s) {
            if (v.text == "exact") {
              s->space_saving = false;
            } else if (v.text == "space-saving" || v.text == "space_saving" ||
                       v.text == "approximate") {
              s->space_saving = true;
            } else {
              return InvalidArgument("use exact or space-saving");
            }
            return Status::Ok();
          }};
}

AnalysisOption CapacityOption() {
  return {"capacity",
          AnalysisOption::Type::kInt,
          1,
          1 << 30,
          "Space-Saving counters per window and partition (default 10000)",
          [](const OptionValue& v, AnalysisSpec* s) {
            s->capacity = static_cast<std::size_t>(v.integer);
            return Status::Ok();
          }};
}

Status ValidateCapacity(const AnalysisSpec& spec) {
  if (spec.capacity == 0) return InvalidArgument("capacity must be at least 1");
  if (spec.space_saving) return analytics::SpaceSavingTopK::Validate(spec.capacity);
  return Status::Ok();
}

Status ValidateCounter(const AnalysisSpec& spec) {
  if (spec.space_saving && spec.capacity < spec.k) {
    return InvalidArgument("capacity must be at least k");
  }
  return ValidateCapacity(spec);
}

}  // namespace starling::dataflow
