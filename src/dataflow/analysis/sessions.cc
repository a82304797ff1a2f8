// File: dataflow/analysis/sessions.cc
// sessions: per key of `by` (default `author`), runs of posts no more than
// the session gap apart; each session is a window of its own.
#include <map>

#include "dataflow/analysis/windowed.h"

namespace starling::dataflow {
namespace {

// Sessions per key: [first post, last post + gap), merged as posts arrive;
// emitted once, when closed: when end + gap + lateness is at or below the
// watermark. A post is on time while t + gap + lateness is above it, so one
// that could still join a session (t < end) never comes after the session
// closed: sessions never overlap, and with a watermark per partition
// (dataflow/internal/router.h) they do not depend on how the partitions
// interleave.
class SessionState final : public AnalysisState {
 public:
  SessionState(const AnalysisSpec& spec, std::uint32_t index, std::chrono::microseconds lateness)
      : spec_(spec),
        index_(index),
        lateness_(lateness.count()),
        hold_(SaturatingAdd(spec.window.gap.count(), lateness.count())) {}

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
    next_due_ = std::min(next_due_, SaturatingAdd(merged.end, hold_));
  }

  void Emit(TimestampUs watermark, std::vector<Partial>* out) override {
    if (watermark < next_due_) return;
    TimestampUs next = kMaxTime;
    std::vector<std::pair<Window, ResultRow>> closed;
    for (auto it = keys_.begin(); it != keys_.end();) {
      std::vector<Session>& sessions = it->second;
      for (auto s = sessions.begin(); s != sessions.end();) {
        const TimestampUs closes = SaturatingAdd(s->end, hold_);
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
        next_due_ = std::min(next_due_, SaturatingAdd(s.end, hold_));
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
  std::int64_t hold_;  // gap + lateness: a session closes this long after its end
  std::map<std::string, std::vector<Session>, std::less<>> keys_;
  TimestampUs next_due_ = kMaxTime;
  std::uint64_t late_ = 0;
};

}  // namespace

AnalysisKind SessionsAnalysisKind() {
  AnalysisKind k;
  k.result = ResultKind::kSession;
  k.types = {"sessions"};
  k.rows = "per key of `by` (default `author`): one row per session, the window being the session";
  k.session_windows = true;
  k.adds_up_over_partitions = false;
  k.why_not_over_partitions = "a session may span partitions (run it in a group of one process)";
  k.defaults = [](AnalysisSpec* s) {
    s->by = {Dimension::kAuthor, {}};
    s->k = 0;
  };
  k.validate = [](const AnalysisSpec&) { return Status::Ok(); };
  k.needs = [](const AnalysisSpec&, FeatureNeeds*) {};
  k.extract = ExtractKeys;
  k.new_state = [](const AnalysisSpec& spec, std::uint32_t index,
                   std::chrono::microseconds lateness) -> std::unique_ptr<AnalysisState> {
    return std::make_unique<SessionState>(spec, index, lateness);
  };
  k.new_merger = [](const AnalysisSpec&) { return NewUnionMerger(0); };
  return k;
}

}  // namespace starling::dataflow
