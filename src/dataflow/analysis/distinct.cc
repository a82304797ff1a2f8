// File: dataflow/analysis/distinct.cc
// distinct: per group of `by`, the estimated number of distinct values of
// `of` (HyperLogLog). Items are routed by the counted value, so each
// partition's sketch holds a disjoint share and merging registers gives the
// union.
#include <cmath>

#include "analytics/hash.h"
#include "analytics/hyperloglog.h"
#include "dataflow/analysis/windowed.h"

namespace starling::dataflow {
namespace {

// Distinct counts: one HyperLogLog per group.
class DistinctPolicy : public NoSharedState {
 public:
  struct Acc {
    std::map<std::string, analytics::HyperLogLog, std::less<>> groups;
  };
  explicit DistinctPolicy(const AnalysisSpec& spec) : spec_(spec) {}
  Acc NewAcc() const { return {}; }
  void Add(Acc& acc, std::string_view key, const Item& item) {
    auto it = acc.groups.find(key);
    if (it == acc.groups.end()) {
      it = acc.groups.emplace(std::string(key), analytics::HyperLogLog(spec_.hll_precision)).first;
    }
    it->second.AddHash(item.hash);
  }
  void ToPartial(const Acc& acc, Partial* p) const {
    for (const auto& [key, hll] : acc.groups) {
      ResultRow row;
      row.key = key;
      p->result.rows.push_back(std::move(row));
      std::string bytes;
      ByteWriter w(&bytes);
      hll.Save(w);
      p->sketches.push_back(std::move(bytes));
    }
  }
  void SaveAcc(ByteWriter& w, const Acc& acc) const {
    w.PutVarint(acc.groups.size());
    for (const auto& [key, hll] : acc.groups) {
      w.PutString(key);
      hll.Save(w);
    }
  }
  Status LoadAcc(ByteReader& r, Acc* acc) const {
    std::uint64_t n;
    if (!r.GetCount(&n)) return r.status("distinct");
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string key;
      if (!r.GetString(&key)) return r.status("distinct");
      analytics::HyperLogLog hll(spec_.hll_precision);
      STARLING_RETURN_IF_ERROR(hll.Load(r));
      acc->groups.emplace(std::move(key), std::move(hll));
    }
    return Status::Ok();
  }

 private:
  const AnalysisSpec& spec_;
};

class DistinctMerger final : public AnalysisMerger {
 public:
  explicit DistinctMerger(const AnalysisSpec& spec) : spec_(spec) {}
  bool Merge(const std::vector<const Partial*>& partials, bool, WindowResult* out) override {
    CopyHeader(partials, out);
    std::map<std::string, analytics::HyperLogLog> groups;
    for (const Partial* p : partials) {
      if (p == nullptr) continue;
      for (std::size_t i = 0; i < p->result.rows.size() && i < p->sketches.size(); ++i) {
        analytics::HyperLogLog hll(spec_.hll_precision);
        ByteReader r(p->sketches[i]);
        if (!hll.Load(r).ok()) continue;  // our own bytes; cannot fail
        auto [it, inserted] = groups.emplace(p->result.rows[i].key, hll);
        if (!inserted) (void)it->second.Merge(hll);  // same precision by construction
      }
    }
    for (const auto& [key, hll] : groups) {
      ResultRow row;
      row.key = key;
      row.value = hll.Estimate();
      row.count = std::llround(row.value);
      row.value2 = hll.relative_standard_error();
      out->rows.push_back(std::move(row));
    }
    RankAndCut(&out->rows, spec_.k);
    return true;
  }
  void Save(ByteWriter&) const override {}
  Status Load(ByteReader&) override { return Status::Ok(); }

 private:
  const AnalysisSpec& spec_;
};

void Extract(const AnalysisSpec& spec, const model::Post& post, const PostFeatures& f,
             ItemSink& sink) {
  thread_local std::string scratch;
  std::vector<std::uint64_t> hashes;
  ForEachKey(post, f, spec.of, &scratch,
             [&](std::string_view v) { hashes.push_back(analytics::Hash64(v)); });
  if (hashes.empty()) return;
  std::vector<std::string> groups;
  if (spec.custom_keys) {
    struct Collect final : KeyEmitter {
      std::vector<std::string>* out;
      void Emit(std::string_view k) override { out->emplace_back(k); }
    } collect;
    collect.out = &groups;
    spec.custom_keys(post, collect);
  } else {
    ForEachKey(post, f, spec.by, &scratch, [&](std::string_view g) { groups.emplace_back(g); });
  }
  for (const std::string& g : groups) {
    for (std::uint64_t h : hashes) sink.Add(g, 0, h, h);
  }
}

}  // namespace

AnalysisKind DistinctAnalysisKind() {
  AnalysisKind k;
  k.result = ResultKind::kDistinct;
  k.takes_of = true;
  k.types = {"distinct"};
  k.rows =
      "per group of `by` (default `all`): estimated number of distinct `of` (default `author`), "
      "HyperLogLog";
  k.options = {
      {"precision", AnalysisOption::Type::kInt, 4, 18,
       "HyperLogLog precision (default 14: 0.8% standard error)",
       [](const OptionValue& v, AnalysisSpec* s) {
         s->hll_precision = static_cast<int>(v.integer);
         return Status::Ok();
       }},
      KOption(0, "groups kept per window, most distinct first (default 0: all)"),
  };
  k.defaults = [](AnalysisSpec* s) {
    s->by = {Dimension::kAll, {}};
    s->k = 0;
  };
  k.validate = [](const AnalysisSpec& spec) {
    if (spec.hll_precision < 4 || spec.hll_precision > 18) {
      return InvalidArgument("precision must be in [4, 18]");
    }
    return analytics::HyperLogLog::Validate(spec.hll_precision);
  };
  k.needs = [](const AnalysisSpec& spec, FeatureNeeds* n) { n->Add(NeedsOf(spec.of)); };
  k.extract = Extract;
  k.new_state = [](const AnalysisSpec& spec, std::uint32_t index,
                   std::chrono::microseconds lateness) -> std::unique_ptr<AnalysisState> {
    return std::make_unique<WindowedState<DistinctPolicy>>(spec, index, lateness);
  };
  k.new_merger = [](const AnalysisSpec& spec) -> std::unique_ptr<AnalysisMerger> {
    return std::make_unique<DistinctMerger>(spec);
  };
  return k;
}

}  // namespace starling::dataflow
