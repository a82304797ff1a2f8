#include "dataflow/analysis.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <unordered_map>
#include <variant>

#include "analytics/hash.h"
#include "analytics/hyperloglog.h"
#include "analytics/top_k.h"

namespace starling::dataflow {

using model::ResultRow;
using model::WindowResult;

namespace {

// Rows ordered by count descending, then key, then key2: the one ranking
// order of every kind, so ties never depend on partitioning or hash order.
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

void SaveWindow(ByteWriter& w, const Window& win) {
  w.PutSigned(win.start);
  w.PutSigned(win.end);
}
bool LoadWindow(ByteReader& r, Window* win) {
  return r.GetSigned(&win->start) && r.GetSigned(&win->end);
}

// ---------- accumulators (one per window) ----------

// Policies whose windows share no state (all but clusters).
struct NoSharedState {
  void SaveShared(ByteWriter&) const {}
  Status LoadShared(ByteReader&) { return Status::Ok(); }
  void Prepare(std::string_view, const Item&) {}
};

// Counts keys: top, count, cooccurrence, bursts.
class CounterPolicy : public NoSharedState {
 public:
  struct Acc {
    std::variant<analytics::ExactCounter, analytics::SpaceSavingTopK> counter;
  };
  explicit CounterPolicy(const AnalysisSpec& spec) : spec_(spec) {}
  Acc NewAcc() const {
    Acc acc;
    if (spec_.space_saving) acc.counter.emplace<analytics::SpaceSavingTopK>(spec_.capacity);
    return acc;
  }
  void Add(Acc& acc, std::string_view key, const Item&) {
    std::visit([&](auto& c) { c.Add(key, 1); }, acc.counter);
  }
  void ToPartial(const Acc& acc, Partial* p) const {
    std::size_t k = spec_.k;
    if (spec_.kind == ResultKind::kBurst) k = spec_.capacity;
    std::visit(
        [&](const auto& c) {
          for (analytics::TopKEntry& e : c.Top(k)) {
            ResultRow row;
            row.count = static_cast<std::int64_t>(e.count);
            row.error = e.error;
            if (spec_.kind == ResultKind::kCooccurrence) {
              const std::size_t tab = e.key.find('\t');
              row.key = e.key.substr(0, tab);
              if (tab != std::string::npos) row.key2 = e.key.substr(tab + 1);
            } else {
              row.key = std::move(e.key);
            }
            p->result.rows.push_back(std::move(row));
          }
          p->result.total = c.total();
          if constexpr (std::is_same_v<std::decay_t<decltype(c)>, analytics::SpaceSavingTopK>) {
            p->result.error_bound = c.error_bound();
          }
        },
        acc.counter);
  }
  void SaveAcc(ByteWriter& w, const Acc& acc) const {
    w.PutU8(static_cast<std::uint8_t>(acc.counter.index()));
    std::visit([&](const auto& c) { c.Save(w); }, acc.counter);
  }
  Status LoadAcc(ByteReader& r, Acc* acc) const {
    std::uint8_t which;
    if (!r.GetU8(&which) || which > 1)
      return r.status("counter").ok() ? MalformedInput("counter: bad variant")
                                      : r.status("counter");
    if (which == 0)
      acc->counter.emplace<analytics::ExactCounter>();
    else
      acc->counter.emplace<analytics::SpaceSavingTopK>(spec_.capacity);
    return std::visit([&](auto& c) { return c.Load(r); }, acc->counter);
  }

 private:
  const AnalysisSpec& spec_;
};

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

// Sentiment: count, sum of compound and the pos/neu/neg split per key.
class SentimentPolicy : public NoSharedState {
 public:
  struct Stats {
    std::int64_t count = 0;
    double sum = 0;
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
    s.sum += item.value;
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
      row.value = s.sum;  // a sum until the merger divides
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
      w.PutDouble(kv->second.sum);
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
      if (!r.GetString(&key) || !r.GetSigned(&s.count) || !r.GetDouble(&s.sum) ||
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

// ---------- windows of one analysis in one partition ----------

template <typename Policy>
class WindowedState final : public AnalysisState {
 public:
  WindowedState(const AnalysisSpec& spec, std::uint32_t index, std::chrono::microseconds lateness)
      : spec_(spec), index_(index), lateness_(lateness.count()), policy_(spec_) {}

  void Add(TimestampUs t, std::string_view key, const Item& item, TimestampUs watermark) override {
    scratch_.clear();
    AssignWindows(spec_.window, t, &scratch_);
    bool prepared = false;
    bool any = false;
    for (const Window& w : scratch_) {
      if (SaturatingAdd(w.end, lateness_) <= watermark) continue;  // closed: late for it
      if (!prepared) {
        policy_.Prepare(key, item);
        prepared = true;
      }
      any = true;
      auto it = windows_.find(w);
      if (it == windows_.end()) it = windows_.emplace(w, Entry{policy_.NewAcc(), false}).first;
      policy_.Add(it->second.acc, key, item);
      it->second.dirty = true;
      next_due_ = std::min(next_due_, w.end);
    }
    if (!any) ++late_;
  }

  void Emit(TimestampUs watermark, std::vector<Partial>* out) override {
    if (watermark < next_due_) return;
    TimestampUs next = kMaxTime;
    for (auto it = windows_.begin(); it != windows_.end();) {
      const Window& w = it->first;
      const TimestampUs closes = SaturatingAdd(w.end, lateness_);
      if (w.end <= watermark && (it->second.dirty || closes <= watermark)) {
        EmitWindow(w, it->second, closes <= watermark, out);
        if (closes <= watermark) {
          it = windows_.erase(it);
          continue;
        }
      }
      next = std::min(next, it->second.dirty ? w.end : closes);
      ++it;
    }
    next_due_ = next;
  }

  void EmitEarly(TimestampUs watermark, std::vector<Partial>* out) override {
    for (auto& [w, entry] : windows_) {
      if (w.end > watermark && entry.dirty) EmitWindow(w, entry, /*final=*/false, out);
    }
  }

  std::uint64_t late_items() const override { return late_; }
  std::size_t open_windows() const override { return windows_.size(); }

  void Save(ByteWriter& w) const override {
    policy_.SaveShared(w);
    w.PutVarint(late_);
    w.PutVarint(windows_.size());
    for (const auto& [win, entry] : windows_) {
      SaveWindow(w, win);
      w.PutU8(entry.dirty ? 1 : 0);
      policy_.SaveAcc(w, entry.acc);
    }
  }

  Status Load(ByteReader& r) override {
    STARLING_RETURN_IF_ERROR(policy_.LoadShared(r));
    std::uint64_t n;
    if (!r.GetVarint(&late_) || !r.GetCount(&n)) return r.status(spec_.name);
    windows_.clear();
    next_due_ = kMaxTime;
    for (std::uint64_t i = 0; i < n; ++i) {
      Window win;
      std::uint8_t dirty;
      if (!LoadWindow(r, &win) || !r.GetU8(&dirty)) return r.status(spec_.name);
      Entry entry{policy_.NewAcc(), dirty != 0};
      STARLING_RETURN_IF_ERROR(policy_.LoadAcc(r, &entry.acc));
      next_due_ = std::min(next_due_, entry.dirty ? win.end : SaturatingAdd(win.end, lateness_));
      windows_.emplace(win, std::move(entry));
    }
    return Status::Ok();
  }

 private:
  struct Entry {
    typename Policy::Acc acc;
    bool dirty = false;
  };
  const AnalysisSpec& spec_;
  std::uint32_t index_;
  std::int64_t lateness_;
  Policy policy_;
  std::map<Window, Entry> windows_;
  std::vector<Window> scratch_;
  // Emits one window's partial (its accumulator as it stands) and marks it clean.
  void EmitWindow(const Window& w, Entry& entry, bool final, std::vector<Partial>* out) {
    Partial p;
    p.analysis = index_;
    p.result.analysis = spec_.name;
    p.result.kind = spec_.kind;
    p.result.window_start = w.start;
    p.result.window_end = w.end;
    p.final = final;
    policy_.ToPartial(entry.acc, &p);
    out->push_back(std::move(p));
    entry.dirty = false;
  }

  TimestampUs next_due_ = kMaxTime;
  std::uint64_t late_ = 0;
};

// Sessions per key: [first post, last post + gap), merged as posts arrive;
// emitted once, when closed (end + lateness at or below the watermark).
class SessionState final : public AnalysisState {
 public:
  SessionState(const AnalysisSpec& spec, std::uint32_t index, std::chrono::microseconds lateness)
      : spec_(spec), index_(index), lateness_(lateness.count()) {}

  void Add(TimestampUs t, std::string_view key, const Item&, TimestampUs watermark) override {
    const std::int64_t gap = spec_.window.gap.count();
    if (SaturatingAdd(SaturatingAdd(t, gap), lateness_) <= watermark) {
      ++late_;
      return;
    }
    auto it = keys_.find(key);
    if (it == keys_.end()) it = keys_.emplace(std::string(key), std::vector<Session>{}).first;
    std::vector<Session>& sessions = it->second;
    Session merged{t, SaturatingAdd(t, gap), 1};
    // Absorb every session that overlaps [t, t + gap).
    for (auto s = sessions.begin(); s != sessions.end();) {
      if (s->start < merged.end && merged.start < s->end) {
        merged.start = std::min(merged.start, s->start);
        merged.end = std::max(merged.end, s->end);
        merged.count += s->count;
        s = sessions.erase(s);
      } else {
        ++s;
      }
    }
    sessions.push_back(merged);
    next_due_ = std::min(next_due_, SaturatingAdd(merged.end, lateness_));
  }

  void Emit(TimestampUs watermark, std::vector<Partial>* out) override {
    if (watermark < next_due_) return;
    TimestampUs next = kMaxTime;
    std::vector<std::pair<Window, ResultRow>> closed;
    for (auto it = keys_.begin(); it != keys_.end();) {
      std::vector<Session>& sessions = it->second;
      for (auto s = sessions.begin(); s != sessions.end();) {
        const TimestampUs closes = SaturatingAdd(s->end, lateness_);
        if (closes <= watermark) {
          ResultRow row;
          row.key = it->first;
          row.count = s->count;
          closed.emplace_back(Window{s->start, s->end}, std::move(row));
          s = sessions.erase(s);
        } else {
          next = std::min(next, closes);
          ++s;
        }
      }
      it = sessions.empty() ? keys_.erase(it) : std::next(it);
    }
    next_due_ = next;
    std::sort(closed.begin(), closed.end(), [](const auto& a, const auto& b) {
      return a.first != b.first ? a.first < b.first : a.second.key < b.second.key;
    });
    for (std::size_t i = 0; i < closed.size();) {
      Partial p;
      p.analysis = index_;
      p.final = true;
      p.result.analysis = spec_.name;
      p.result.kind = spec_.kind;
      p.result.window_start = closed[i].first.start;
      p.result.window_end = closed[i].first.end;
      std::size_t j = i;
      for (; j < closed.size() && closed[j].first == closed[i].first; ++j) {
        p.result.total += static_cast<std::uint64_t>(closed[j].second.count);
        p.result.rows.push_back(std::move(closed[j].second));
      }
      out->push_back(std::move(p));
      i = j;
    }
  }

  std::uint64_t late_items() const override { return late_; }
  std::size_t open_windows() const override {
    std::size_t n = 0;
    for (const auto& kv : keys_) n += kv.second.size();
    return n;
  }

  void Save(ByteWriter& w) const override {
    w.PutVarint(late_);
    w.PutVarint(keys_.size());
    for (const auto& [key, sessions] : keys_) {
      w.PutString(key);
      w.PutVarint(sessions.size());
      for (const Session& s : sessions) {
        w.PutSigned(s.start);
        w.PutSigned(s.end);
        w.PutSigned(s.count);
      }
    }
  }
  Status Load(ByteReader& r) override {
    std::uint64_t n;
    keys_.clear();
    next_due_ = kMaxTime;
    if (!r.GetVarint(&late_) || !r.GetCount(&n)) return r.status(spec_.name);
    for (std::uint64_t i = 0; i < n; ++i) {
      std::string key;
      std::uint64_t m;
      if (!r.GetString(&key) || !r.GetCount(&m, 3)) return r.status(spec_.name);
      std::vector<Session> sessions(m);
      for (Session& s : sessions) {
        if (!r.GetSigned(&s.start) || !r.GetSigned(&s.end) || !r.GetSigned(&s.count)) {
          return r.status(spec_.name);
        }
        next_due_ = std::min(next_due_, SaturatingAdd(s.end, lateness_));
      }
      keys_.emplace(std::move(key), std::move(sessions));
    }
    return Status::Ok();
  }

 private:
  struct Session {
    TimestampUs start;
    TimestampUs end;
    std::int64_t count;
  };
  const AnalysisSpec& spec_;
  std::uint32_t index_;
  std::int64_t lateness_;
  std::map<std::string, std::vector<Session>, std::less<>> keys_;
  TimestampUs next_due_ = kMaxTime;
  std::uint64_t late_ = 0;
};

// ---------- mergers ----------

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

Status ValidateAnalysis(const AnalysisSpec& spec) {
  const std::string where = "analysis '" + spec.name + "': ";
  if (spec.name.empty()) return InvalidArgument("an analysis needs a name");
  if (Status w = ValidateWindowSpec(spec.window); !w.ok()) {
    return InvalidArgument(where + w.message());
  }
  const bool session = spec.window.type == WindowType::kSession;
  if (session != (spec.kind == ResultKind::kSession)) {
    return InvalidArgument(where + (session ? "session windows are for type sessions"
                                            : "type sessions needs a session window (session 5m)"));
  }
  if ((spec.kind == ResultKind::kTopK || spec.kind == ResultKind::kCooccurrence) && spec.k == 0) {
    return InvalidArgument(where + "k must be at least 1");
  }
  if (spec.space_saving && spec.capacity < spec.k) {
    return InvalidArgument(where + "capacity must be at least k");
  }
  if (spec.capacity == 0) return InvalidArgument(where + "capacity must be at least 1");
  if (spec.hll_precision < 4 || spec.hll_precision > 18) {
    return InvalidArgument(where + "precision must be in [4, 18]");
  }
  if (spec.kind == ResultKind::kCluster) {
    if (spec.kmeans.k < 1 || spec.kmeans.k > 1000)
      return InvalidArgument(where + "k must be in [1, 1000]");
    if (spec.kmeans.decay < 0 || spec.kmeans.decay > 1) {
      return InvalidArgument(where + "decay must be in [0, 1]");
    }
    if (spec.kmeans_batch == 0) return InvalidArgument(where + "batch must be at least 1");
  }
  if (spec.kind == ResultKind::kBurst && spec.window.type == WindowType::kGlobal) {
    return InvalidArgument(where + "bursts need a tumbling or sliding window");
  }
  return Status::Ok();
}

FeatureNeeds NeedsOf(const AnalysisSpec& spec) {
  FeatureNeeds n = NeedsOf(spec.by);
  if (spec.kind == ResultKind::kSentiment) n.sentiment = true;
  if (spec.kind == ResultKind::kCluster) n.words = true;
  if (spec.kind == ResultKind::kCooccurrence) n.hashtags = true;
  if (spec.kind == ResultKind::kDistinct) n.Add(NeedsOf(spec.of));
  return n;
}

namespace {

class ItemSink final : public KeyEmitter {
 public:
  ItemSink(std::uint32_t index, std::string* arena, std::vector<Item>* items)
      : index_(index), arena_(arena), items_(items) {}
  void Emit(std::string_view key) override { Add(key, 0, 0, analytics::Hash64(key)); }
  void Add(std::string_view key, double value, std::uint64_t hash, std::uint64_t route) {
    Item item;
    item.analysis = index_;
    item.key_offset = static_cast<std::uint32_t>(arena_->size());
    item.key_size = static_cast<std::uint32_t>(key.size());
    item.route = route;
    item.value = value;
    item.hash = hash;
    arena_->append(key);
    items_->push_back(item);
  }

 private:
  std::uint32_t index_;
  std::string* arena_;
  std::vector<Item>* items_;
};

}  // namespace

void ExtractItems(const AnalysisSpec& spec, std::uint32_t index, const model::Post& post,
                  const PostFeatures& f, std::string* arena, std::vector<Item>* items) {
  ItemSink sink(index, arena, items);
  thread_local std::string scratch;
  switch (spec.kind) {
    case ResultKind::kCluster: {
      if (f.words.empty()) return;
      std::string joined;
      for (const std::string& w : f.words) {
        if (!joined.empty()) joined += ' ';
        joined += w;
      }
      sink.Add(joined, 0, 0, 0);  // one model: one partition
      return;
    }
    case ResultKind::kCooccurrence: {
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
      return;
    }
    case ResultKind::kDistinct: {
      // Route by the counted value: each partition's sketch holds a disjoint
      // share, and merging registers gives the union.
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
      return;
    }
    case ResultKind::kSentiment: {
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
        ForEachKey(post, f, spec.by, &scratch, [&](std::string_view k) { keyed.Emit(k); });
      }
      return;
    }
    default:
      if (spec.custom_keys) {
        spec.custom_keys(post, sink);
      } else {
        ForEachKey(post, f, spec.by, &scratch, [&](std::string_view k) { sink.Emit(k); });
      }
      return;
  }
}

std::unique_ptr<AnalysisState> NewAnalysisState(const AnalysisSpec& spec, std::uint32_t index,
                                                std::chrono::microseconds lateness) {
  switch (spec.kind) {
    case ResultKind::kDistinct:
      return std::make_unique<WindowedState<DistinctPolicy>>(spec, index, lateness);
    case ResultKind::kSentiment:
      return std::make_unique<WindowedState<SentimentPolicy>>(spec, index, lateness);
    case ResultKind::kCluster:
      return std::make_unique<WindowedState<ClusterPolicy>>(spec, index, lateness);
    case ResultKind::kSession:
      return std::make_unique<SessionState>(spec, index, lateness);
    default:
      return std::make_unique<WindowedState<CounterPolicy>>(spec, index, lateness);
  }
}

std::unique_ptr<AnalysisMerger> NewAnalysisMerger(const AnalysisSpec& spec) {
  switch (spec.kind) {
    case ResultKind::kDistinct:
      return std::make_unique<DistinctMerger>(spec);
    case ResultKind::kSentiment:
      return std::make_unique<SentimentMerger>(spec.k);
    case ResultKind::kBurst:
      return std::make_unique<BurstMerger>(spec);
    case ResultKind::kCluster:
    case ResultKind::kSession:
      return std::make_unique<UnionMerger>(0);
    default:  // count, top, cooccurrence: ranked and cut at k
      return std::make_unique<UnionMerger>(spec.k);
  }
}

}  // namespace starling::dataflow
