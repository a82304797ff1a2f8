// File: dataflow/analysis/windowed.h
// What the analysis kinds share: the one ranking order, the windows of one
// analysis in one partition (WindowedState over a kind's accumulator
// policy), the union merger, the options of key counters and the key counter
// itself (count, top, cooccurrence, bursts). Internal to dataflow/analysis/.
//
// A policy has: struct Acc (one window's accumulator), NewAcc(), Prepare(key,
// item) (once per item, before its windows), Add(acc, key, item),
// ToPartial(acc, partial), SaveAcc/LoadAcc, and SaveShared/LoadShared for
// state that its windows share (clusters' model).
#pragma once

#include <algorithm>
#include <map>
#include <utility>
#include <variant>
#include <vector>

#include "analytics/top_k.h"
#include "dataflow/analysis/kind.h"

namespace starling::dataflow {

using model::ResultRow;
using model::WindowResult;

// Rows ordered by count descending, then key, then key2: the one ranking
// order of every kind, so ties never depend on partitioning or hash order.
bool RankBefore(const ResultRow& a, const ResultRow& b);
// Sorts rows in that order, keeps the first k (0: all) and numbers their rank.
void RankAndCut(std::vector<ResultRow>* rows, std::size_t k);

// The analysis and window of the first partial that is there.
void CopyHeader(const std::vector<const Partial*>& partials, WindowResult* out);

// Concatenates the partitions' rows, then ranks and cuts at k (0: all).
std::unique_ptr<AnalysisMerger> NewUnionMerger(std::size_t k);

// Options shared by key counters: `k` (rows kept; from `least`, 0 = all),
// `mode` (exact or space-saving) and `capacity` (Space-Saving counters).
AnalysisOption KOption(long long least, std::string_view help);
AnalysisOption ModeOption();
AnalysisOption CapacityOption();
// The checks of mode and capacity.
Status ValidateCapacity(const AnalysisSpec& spec);
// Those, and that Space-Saving keeps at least k counters.
Status ValidateCounter(const AnalysisSpec& spec);

inline void SaveWindow(ByteWriter& w, const Window& win) {
  w.PutSigned(win.start);
  w.PutSigned(win.end);
}
inline bool LoadWindow(ByteReader& r, Window* win) {
  return r.GetSigned(&win->start) && r.GetSigned(&win->end);
}

// Policies whose windows share no state (all but clusters).
struct NoSharedState {
  void SaveShared(ByteWriter&) const {}
  Status LoadShared(ByteReader&) { return Status::Ok(); }
  void Prepare(std::string_view, const Item&) {}
};

// Counts keys: count, top, cooccurrence, bursts. A partial keeps the
// `keep` most frequent keys; with `pairs`, a key is "a\tb" and becomes the
// row's key and key2.
class CounterPolicy : public NoSharedState {
 public:
  struct Acc {
    std::variant<analytics::ExactCounter, analytics::SpaceSavingTopK> counter;
  };
  CounterPolicy(const AnalysisSpec& spec, std::size_t keep, bool pairs)
      : spec_(spec), keep_(keep), pairs_(pairs) {}
  Acc NewAcc() const {
    Acc acc;
    if (spec_.space_saving) acc.counter.emplace<analytics::SpaceSavingTopK>(spec_.capacity);
    return acc;
  }
  void Add(Acc& acc, std::string_view key, const Item&) {
    std::visit([&](auto& c) { c.Add(key, 1); }, acc.counter);
  }
  void ToPartial(const Acc& acc, Partial* p) const {
    std::visit(
        [&](const auto& c) {
          for (analytics::TopKEntry& e : c.Top(keep_)) {
            ResultRow row;
            row.count = static_cast<std::int64_t>(e.count);
            row.error = e.error;
            if (pairs_) {
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
  std::size_t keep_;
  bool pairs_;
};

// ---------- windows of one analysis in one partition ----------

template <typename Policy>
class WindowedState final : public AnalysisState {
 public:
  // The policy is made of the spec and `args`.
  template <typename... Args>
  WindowedState(const AnalysisSpec& spec, std::uint32_t index, std::chrono::microseconds lateness,
                Args&&... args)
      : spec_(spec),
        index_(index),
        lateness_(lateness.count()),
        policy_(spec_, std::forward<Args>(args)...) {}

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
      next_due_ = std::min(next_due_, Due(w, it->second));
    }
    if (!any) ++late_;
  }

  void Emit(TimestampUs watermark, std::vector<Partial>* out) override {
    if (watermark < next_due_) return;
    TimestampUs next = kMaxTime;
    for (auto it = windows_.begin(); it != windows_.end();) {
      const Window& w = it->first;
      const TimestampUs closes = SaturatingAdd(w.end, lateness_);
      if (w.end <= watermark && ((it->second.dirty && !finals_only_) || closes <= watermark)) {
        EmitWindow(w, it->second, closes <= watermark, out);
        if (closes <= watermark) {
          it = windows_.erase(it);
          continue;
        }
      }
      next = std::min(next, Due(w, it->second));
      ++it;
    }
    next_due_ = next;
  }

  void EmitEarly(TimestampUs watermark, std::vector<Partial>* out) override {
    for (auto& [w, entry] : windows_) {
      if ((w.end > watermark || finals_only_) && entry.dirty) {
        EmitWindow(w, entry, /*final=*/false, out);
      }
    }
  }

  void FinalsOnly() override { finals_only_ = true; }

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
      next_due_ = std::min(next_due_, Due(win, entry));
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

  // When Emit next has something of this window to do: its update once the
  // watermark passes its end (not in finals-only mode), else its close.
  TimestampUs Due(const Window& w, const Entry& entry) const {
    return entry.dirty && !finals_only_ ? w.end : SaturatingAdd(w.end, lateness_);
  }

  TimestampUs next_due_ = kMaxTime;
  std::uint64_t late_ = 0;
  bool finals_only_ = false;
};

}  // namespace starling::dataflow
