// File: dataflow/analysis/sentiment.cc
// sentiment: per window, all posts (key "*") and the k most frequent keys of
// `by`: posts, mean VADER compound and the positive / neutral / negative split.
#include <cmath>
#include <unordered_map>

#include "analytics/hash.h"
#include "dataflow/analysis/windowed.h"

namespace starling::dataflow {
namespace {

// A compound score in fixed point (units of 2^-32): sums of integers do not
// depend on the order of their terms, so neither does a mean, however the
// posts arrive (the partitions of a Kafka topic interleave differently in
// every run). Up to 2^31 - 1 posts of one key in one window fit; a
// partition's sum travels to a merger as a double, exact while its
// magnitude is below 2^21 (dataflow/scale_out.h).
constexpr double kUnitsPerOne = 4294967296.0;

// Sentiment: count, sum of compound and the pos/neu/neg split per key.
class SentimentPolicy : public NoSharedState {
 public:
  struct Stats {
    std::int64_t count = 0;
    std::int64_t sum = 0;  // in units of 1 / kUnitsPerOne
    std::int64_t pos = 0, neu = 0, neg = 0;
  };
  struct Acc {
    std::unordered_map<std::string, Stats, analytics::StringViewHash, std::equal_to<>> keys;
  };
  explicit SentimentPolicy(const AnalysisSpec& spec) : spec_(spec) {}
  Acc NewAcc() const { return {}; }
  void Add(Acc& acc, std::string_view key, const Item& item) {
    auto it = acc.keys.find(key);
    if (it == acc.keys.end()) it = acc.keys.emplace(std::string(key), Stats{}).first;
    Stats& s = it->second;
    ++s.count;
    s.sum += std::llround(item.value * kUnitsPerOne);
    // VADER's own thresholds for a positive / negative text.
    if (item.value >= 0.05) {
      ++s.pos;
    } else if (item.value <= -0.05) {
      ++s.neg;
    } else {
      ++s.neu;
    }
  }
  void ToPartial(const Acc& acc, Partial* p) const {
    std::vector<ResultRow> rows;
    rows.reserve(acc.keys.size());
    for (const auto& [key, s] : acc.keys) {
      ResultRow row;
      row.key = key;
      row.count = s.count;
      row.value = static_cast<double>(s.sum) / kUnitsPerOne;  // a sum until the merger divides
      row.pos = s.pos;
      row.neu = s.neu;
      row.neg = s.neg;
      rows.push_back(std::move(row));
    }
    // Keys live in one partition each, so the global top k is within the local top k.
    auto star =
        std::find_if(rows.begin(), rows.end(), [](const ResultRow& r) { return r.key == "*"; });
    if (star != rows.end()) {
      p->result.rows.push_back(*star);
      rows.erase(star);
    }
    RankAndCut(&rows, spec_.k);
    for (ResultRow& r : rows) p->result.rows.push_back(std::move(r));
  }
  void SaveAcc(ByteWriter& w, const Acc& acc) const {
    std::vector<const std::pair<const std::string, Stats>*> sorted;
    for (const auto& kv : acc.keys) sorted.push_back(&kv);
    std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->first < b->first; });
    w.PutVarint(sorted.size());
    for (const auto* kv : sorted) {
      w.PutString(kv->first);
      w.PutSigned(kv->second.count);
      w.PutSigned(kv->second.sum);
      w.PutSigned(kv->second.pos);
      w.PutSigned(kv->second.neu);
      w.PutSigned(kv->second.neg);
    }
  }
  Status LoadAcc(ByteReader& r, Acc* acc) const {
    std::uint64_t n;
    if (!r.GetCount(&n)) return r.status("sentiment");
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string key;
      Stats s;
      if (!r.GetString(&key) || !r.GetSigned(&s.count) || !r.GetSigned(&s.sum) ||
          !r.GetSigned(&s.pos) || !r.GetSigned(&s.neu) || !r.GetSigned(&s.neg)) {
        return r.status("sentiment");
      }
      acc->keys.emplace(std::move(key), s);
    }
    return Status::Ok();
  }

 private:
  const AnalysisSpec& spec_;
};

class SentimentMerger final : public AnalysisMerger {
 public:
  explicit SentimentMerger(std::size_t k) : k_(k) {}
  bool Merge(const std::vector<const Partial*>& partials, bool, WindowResult* out) override {
    CopyHeader(partials, out);
    std::vector<ResultRow> rows;
    ResultRow star;
    bool have_star = false;
    for (const Partial* p : partials) {
      if (p == nullptr) continue;
      for (const ResultRow& r : p->result.rows) {
        if (r.key == "*") {
          star = r;
          have_star = true;
        } else {
          rows.push_back(r);
        }
      }
    }
    RankAndCut(&rows, k_);
    if (have_star) rows.insert(rows.begin(), star);
    for (ResultRow& r : rows) {
      r.value = r.count > 0 ? r.value / static_cast<double>(r.count) : 0;
    }
    if (have_star) {
      rows[0].rank = 0;
      out->total = static_cast<std::uint64_t>(rows[0].count);
    }
    out->rows = std::move(rows);
    return true;
  }
  void Save(ByteWriter&) const override {}
  Status Load(ByteReader&) override { return Status::Ok(); }

 private:
  std::size_t k_;
};

void Extract(const AnalysisSpec& spec, const model::Post& post, const PostFeatures& f,
             ItemSink& sink) {
  if (!f.has_sentiment) return;
  sink.Add("*", f.compound, 0, analytics::Hash64("*"));
  if (spec.by.dim == Dimension::kAll && !spec.custom_keys) return;
  struct Keyed final : KeyEmitter {
    ItemSink* sink;
    double value;
    void Emit(std::string_view k) override {
      if (k != "*") sink->Add(k, value, 0, analytics::Hash64(k));
    }
  } keyed;
  keyed.sink = &sink;
  keyed.value = f.compound;
  if (spec.custom_keys) {
    spec.custom_keys(post, keyed);
  } else {
    thread_local std::string scratch;
    ForEachKey(post, f, spec.by, &scratch, [&](std::string_view k) { keyed.Emit(k); });
  }
}

}  // namespace

AnalysisKind SentimentAnalysisKind() {
  AnalysisKind k;
  k.result = ResultKind::kSentiment;
  k.reports_k = true;
  k.types = {"sentiment"};
  k.rows =
      "`*` (all posts) plus the `k` most frequent keys of `by`: posts, mean VADER compound, "
      "positive / neutral / negative counts";
  k.options = {KOption(0, "groups kept per window, most posts first (default 10; 0: all)")};
  k.defaults = [](AnalysisSpec* s) { s->by = {Dimension::kAll, {}}; };
  k.validate = [](const AnalysisSpec&) { return Status::Ok(); };
  k.needs = [](const AnalysisSpec&, FeatureNeeds* n) { n->sentiment = true; };
  k.extract = Extract;
  k.new_state = [](const AnalysisSpec& spec, std::uint32_t index,
                   std::chrono::microseconds lateness) -> std::unique_ptr<AnalysisState> {
    return std::make_unique<WindowedState<SentimentPolicy>>(spec, index, lateness);
  };
  k.new_merger = [](const AnalysisSpec& spec) -> std::unique_ptr<AnalysisMerger> {
    return std::make_unique<SentimentMerger>(spec.k);
  };
  return k;
}

}  // namespace starling::dataflow
