// File: dataflow/analysis/clusters.cc
// clusters: topics by streaming k-means over hashed TF-IDF vectors of the
// posts' words. One model, in one partition, so that every worker count
// sees the same sequence of model updates.
#include <bit>
#include <span>

#include "analytics/streaming_kmeans.h"
#include "analytics/tfidf.h"
#include "dataflow/analysis/windowed.h"

namespace starling::dataflow {
namespace {

// Topic clusters: one model (TF-IDF + streaming k-means) shared by the
// windows; each window counts the posts assigned to each cluster. The model
// is updated every kmeans_batch points, in arrival order, so that both
// processing models see the same sequence of updates.
class ClusterPolicy {
 public:
  struct Acc {
    std::vector<std::int64_t> counts;
  };
  explicit ClusterPolicy(const AnalysisSpec& spec)
      : spec_(spec), tfidf_(spec.tfidf), kmeans_(spec.kmeans) {}
  Acc NewAcc() const {
    return Acc{std::vector<std::int64_t>(static_cast<std::size_t>(spec_.kmeans.k), 0)};
  }
  void Prepare(std::string_view key, const Item&) {
    words_.clear();
    std::size_t i = 0;
    while (i < key.size()) {
      std::size_t j = key.find(' ', i);
      if (j == std::string_view::npos) j = key.size();
      if (j > i) words_.push_back(key.substr(i, j - i));
      i = j + 1;
    }
    if (pending_.size() <= pending_used_) pending_.emplace_back();
    analytics::SparseVector& v = pending_[pending_used_];
    tfidf_.Vectorize(words_, &v);
    assigned_ = v.index.empty() ? -1 : kmeans_.Assign(v);
    if (!v.index.empty()) ++pending_used_;
    if (pending_used_ >= spec_.kmeans_batch) {
      kmeans_.Update(std::span<const analytics::SparseVector>(pending_.data(), pending_used_));
      pending_used_ = 0;
      if (assigned_ < 0 && !v.index.empty()) assigned_ = kmeans_.Assign(v);
    }
  }
  void Add(Acc& acc, std::string_view, const Item&) {
    if (assigned_ >= 0 && static_cast<std::size_t>(assigned_) < acc.counts.size()) {
      ++acc.counts[static_cast<std::size_t>(assigned_)];
    }
  }
  void ToPartial(const Acc& acc, Partial* p) const {
    std::vector<analytics::ClusterSummary> summaries = kmeans_.Summaries(spec_.k);
    for (const analytics::ClusterSummary& s : summaries) {
      ResultRow row;
      row.rank = s.id;
      row.key = std::to_string(s.id);
      const auto id = static_cast<std::size_t>(s.id);
      row.count = id < acc.counts.size() ? acc.counts[id] : 0;
      row.value = s.weight;
      for (const auto& [dim, weight] : s.top_dims) {
        const std::string_view name = tfidf_.TermName(dim);
        if (name.empty()) continue;
        if (!row.text.empty()) row.text += ' ';
        row.text += name;
      }
      p->result.total += static_cast<std::uint64_t>(row.count);
      p->result.rows.push_back(std::move(row));
    }
  }
  void SaveAcc(ByteWriter& w, const Acc& acc) const {
    w.PutVarint(acc.counts.size());
    for (std::int64_t c : acc.counts) w.PutSigned(c);
  }
  Status LoadAcc(ByteReader& r, Acc* acc) const {
    std::uint64_t n;
    if (!r.GetCount(&n)) return r.status("clusters");
    acc->counts.assign(n, 0);
    for (auto& c : acc->counts) {
      if (!r.GetSigned(&c)) return r.status("clusters");
    }
    return Status::Ok();
  }
  void SaveShared(ByteWriter& w) const {
    tfidf_.Save(w);
    kmeans_.Save(w);
    w.PutVarint(pending_used_);
    for (std::size_t i = 0; i < pending_used_; ++i) {
      const analytics::SparseVector& v = pending_[i];
      w.PutVarint(v.index.size());
      for (std::size_t j = 0; j < v.index.size(); ++j) {
        w.PutVarint(v.index[j]);
        w.PutFixed32(std::bit_cast<std::uint32_t>(v.value[j]));
      }
    }
  }
  Status LoadShared(ByteReader& r) {
    STARLING_RETURN_IF_ERROR(tfidf_.Load(r));
    STARLING_RETURN_IF_ERROR(kmeans_.Load(r));
    std::uint64_t n;
    if (!r.GetCount(&n)) return r.status("clusters");
    pending_.assign(n, {});
    pending_used_ = n;
    for (auto& v : pending_) {
      std::uint64_t m;
      if (!r.GetCount(&m, 2)) return r.status("clusters");
      for (std::uint64_t j = 0; j < m; ++j) {
        std::uint64_t index;
        std::uint32_t bits;
        if (!r.GetVarint(&index) || !r.GetFixed32(&bits)) return r.status("clusters");
        v.index.push_back(static_cast<std::uint32_t>(index));
        v.value.push_back(std::bit_cast<float>(bits));
      }
    }
    return Status::Ok();
  }

 private:
  const AnalysisSpec& spec_;
  analytics::HashedTfIdf tfidf_;
  analytics::StreamingKMeans kmeans_;
  std::vector<std::string_view> words_;
  std::vector<analytics::SparseVector> pending_;
  std::size_t pending_used_ = 0;
  int assigned_ = -1;
};

Status SetInt(const OptionValue& v, int* out) {
  *out = static_cast<int>(v.integer);
  return Status::Ok();
}

}  // namespace

AnalysisKind ClustersAnalysisKind() {
  AnalysisKind k;
  k.adds_up_over_partitions = false;
  k.why_not_over_partitions =
      "k-means learns in arrival order, which differs with the partitioning (run it in a group of "
      "one process)";
  k.result = ResultKind::kCluster;
  k.takes_by = false;
  k.reports_k = true;
  k.types = {"clusters"};
  k.rows = "one per cluster: posts in the window, decayed weight, top terms";
  k.options = {
      {"k", AnalysisOption::Type::kInt, 1, 1000000, "clusters (default 8)",
       [](const OptionValue& v, AnalysisSpec* s) { return SetInt(v, &s->kmeans.k); }},
      {"decay", AnalysisOption::Type::kNumber, 0, 1,
       "weight kept by the model per update (default 0.9)",
       [](const OptionValue& v, AnalysisSpec* s) {
         s->kmeans.decay = v.number;
         return Status::Ok();
       }},
      {"batch", AnalysisOption::Type::kInt, 1, 1 << 24, "posts per model update (default 500)",
       [](const OptionValue& v, AnalysisSpec* s) {
         s->kmeans_batch = static_cast<std::size_t>(v.integer);
         return Status::Ok();
       }},
      {"terms", AnalysisOption::Type::kInt, 1, 100, "top terms shown per cluster (default 10)",
       [](const OptionValue& v, AnalysisSpec* s) {
         s->k = static_cast<std::size_t>(v.integer);
         return Status::Ok();
       }},
      {"dims", AnalysisOption::Type::kInt, 16, 1 << 22,
       "hashed TF-IDF dimensions, a power of two (default 65536)",
       [](const OptionValue& v, AnalysisSpec* s) {
         if ((v.integer & (v.integer - 1)) != 0) return InvalidArgument("must be a power of two");
         s->kmeans.dims = static_cast<std::uint32_t>(v.integer);
         s->tfidf.dims = static_cast<std::uint32_t>(v.integer);
         return Status::Ok();
       }},
      {"seed", AnalysisOption::Type::kInt, 0, static_cast<double>(1LL << 62),
       "seed of the model's first centres",
       [](const OptionValue& v, AnalysisSpec* s) {
         s->kmeans.seed = static_cast<std::uint64_t>(v.integer);
         return Status::Ok();
       }},
  };
  k.defaults = [](AnalysisSpec* s) { s->k = 10; };  // top terms per cluster
  k.validate = [](const AnalysisSpec& spec) {
    if (spec.kmeans.k < 1 || spec.kmeans.k > 1000) return InvalidArgument("k must be in [1, 1000]");
    if (spec.kmeans.decay < 0 || spec.kmeans.decay > 1) {
      return InvalidArgument("decay must be in [0, 1]");
    }
    if (spec.kmeans_batch == 0) return InvalidArgument("batch must be at least 1");
    STARLING_RETURN_IF_ERROR(analytics::StreamingKMeans::Validate(spec.kmeans));
    return analytics::HashedTfIdf::Validate(spec.tfidf);
  };
  k.needs = [](const AnalysisSpec&, FeatureNeeds* n) { n->words = true; };
  k.extract = [](const AnalysisSpec&, const model::Post&, const PostFeatures& f, ItemSink& sink) {
    if (f.words.empty()) return;
    std::string joined;
    for (const std::string& w : f.words) {
      if (!joined.empty()) joined += ' ';
      joined += w;
    }
    sink.Add(joined, 0, 0, 0);  // one model: one partition
  };
  k.new_state = [](const AnalysisSpec& spec, std::uint32_t index,
                   std::chrono::microseconds lateness) -> std::unique_ptr<AnalysisState> {
    return std::make_unique<WindowedState<ClusterPolicy>>(spec, index, lateness);
  };
  k.new_merger = [](const AnalysisSpec&) { return NewUnionMerger(0); };
  return k;
}

}  // namespace starling::dataflow
