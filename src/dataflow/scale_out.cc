// File: dataflow/scale_out.cc
#include "dataflow/scale_out.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "dataflow/analysis/kind.h"
#include "dataflow/internal/checkpoint_format.h"
#include "dataflow/window.h"

namespace starling::dataflow::scale_out {
namespace {

// Starling partials message, version 2 (kIdleWindow); version 1 (no
// kIdleWindow, the same bytes otherwise) still decodes.
constexpr std::string_view kMagic = "SPM2";
constexpr std::string_view kMagicV1 = "SPM1";

void SavePartial(ByteWriter& w, const Partial& p) {
  w.PutVarint(p.analysis);
  internal::SaveResult(w, p.result);
  w.PutVarint(p.sketches.size());
  for (const std::string& s : p.sketches) w.PutString(s);
  w.PutU8(p.final ? 1 : 0);
}

bool LoadPartial(ByteReader& r, Partial* p) {
  std::uint64_t analysis = 0, sketches = 0;
  std::uint8_t final = 0;
  if (!r.GetVarint(&analysis) || !internal::LoadResult(r, &p->result) || !r.GetCount(&sketches)) {
    return false;
  }
  p->analysis = static_cast<std::uint32_t>(analysis);
  p->sketches.resize(sketches);
  for (std::string& s : p->sketches) {
    if (!r.GetString(&s)) return false;
  }
  if (!r.GetU8(&final)) return false;
  p->final = final != 0;
  return true;
}

// The partials of several partitions as partials with a key each: rows of
// the same key (and key2) added field by field. Partials with sketches
// (distinct) are left as they are: their merger unions the sketches of a
// key itself.
std::vector<Partial> AddUp(const std::map<std::int32_t, std::vector<Partial>>& parts) {
  std::vector<Partial> out;
  bool sketched = false;
  for (const auto& [p, partials] : parts) {
    for (const Partial& partial : partials) sketched |= !partial.sketches.empty();
  }
  if (sketched) {
    for (const auto& [p, partials] : parts) out.insert(out.end(), partials.begin(), partials.end());
    return out;
  }
  Partial sum;
  std::map<std::pair<std::string, std::string>, std::size_t> at;
  bool first = true;
  for (const auto& [p, partials] : parts) {
    for (const Partial& partial : partials) {
      if (first) {
        sum.analysis = partial.analysis;
        sum.final = true;
        sum.result.analysis = partial.result.analysis;
        sum.result.kind = partial.result.kind;
        sum.result.window_start = partial.result.window_start;
        sum.result.window_end = partial.result.window_end;
        first = false;
      }
      sum.result.total += partial.result.total;
      sum.result.error_bound = std::max(sum.result.error_bound, partial.result.error_bound);
      for (const model::ResultRow& row : partial.result.rows) {
        auto [it, fresh] = at.emplace(std::make_pair(row.key, row.key2), sum.result.rows.size());
        if (fresh) {
          sum.result.rows.push_back(row);
          continue;
        }
        model::ResultRow& into = sum.result.rows[it->second];
        into.count += row.count;
        into.value += row.value;
        into.value2 += row.value2;
        into.pos += row.pos;
        into.neu += row.neu;
        into.neg += row.neg;
        into.error += row.error;
      }
    }
  }
  if (!first) out.push_back(std::move(sum));
  return out;
}

}  // namespace

Status CheckScalable(const PipelineSpec& spec) {
  if (spec.time == TimeMode::kProcessing) {
    return InvalidArgument(
        "a processing-time pipeline cannot be split over several processes: a partition read "
        "again by its next owner would get other times (use time: event)");
  }
  for (const AnalysisSpec& a : spec.analyses) {
    const AnalysisKind& kind = AnalysisKindOf(a.kind);
    if (!kind.adds_up_over_partitions) {
      return InvalidArgument(
          "analysis '" + a.name + "' (" + std::string(kind.types.front()) +
          ") cannot be split over several processes: " + std::string(kind.why_not_over_partitions));
    }
    if (a.space_saving) {
      return InvalidArgument("analysis '" + a.name +
                             "' counts with Space-Saving, whose approximate counts do not add up "
                             "over several processes: use mode: exact");
    }
    if (a.custom_keys) {
      return InvalidArgument("analysis '" + a.name + "' has a custom key function");
    }
  }
  return Status::Ok();
}

PipelineSpec PartitionSpec(const PipelineSpec& spec) {
  PipelineSpec out = spec;
  for (AnalysisSpec& a : out.analyses) {
    // Every key: a key outside one partition's top k may be in the sum's
    // (bursts keep `capacity` terms, exact counters an upper bound only).
    if (a.k != 0) a.k = std::numeric_limits<std::size_t>::max();
    if (!a.space_saving) a.capacity = std::numeric_limits<std::size_t>::max();
  }
  return out;
}

std::string EncodeMessage(const PartialsMessage& m) {
  // Windows and markers as version 1 wrote them (an older merger in the
  // group still reads them); only an idle window needs version 2.
  std::string out(m.type == PartialsMessage::Type::kIdleWindow ? kMagic : kMagicV1);
  ByteWriter w(&out);
  w.PutU8(static_cast<std::uint8_t>(m.type));
  w.PutSigned(m.partition);
  if (m.type == PartialsMessage::Type::kWatermark) {
    w.PutSigned(m.watermark);
    w.PutU8(m.idle ? 1 : 0);
    return out;
  }
  w.PutVarint(m.analysis);
  w.PutSigned(m.start);
  w.PutSigned(m.end);
  w.PutVarint(m.partials.size());
  for (const Partial& p : m.partials) SavePartial(w, p);
  return out;
}

Result<PartialsMessage> DecodeMessage(std::string_view bytes) {
  const Status bad = MalformedInput("scale-out: not a partials message");
  const bool v1 = bytes.starts_with(kMagicV1);
  if (!v1 && !bytes.starts_with(kMagic)) return bad;
  ByteReader r(bytes.substr(kMagic.size()));
  PartialsMessage m;
  std::uint8_t type = 0;
  std::int64_t partition = 0;
  if (!r.GetU8(&type) || !r.GetSigned(&partition) ||
      partition < std::numeric_limits<std::int32_t>::min() ||
      partition > std::numeric_limits<std::int32_t>::max()) {
    return bad;
  }
  m.partition = static_cast<std::int32_t>(partition);
  if (type == static_cast<std::uint8_t>(PartialsMessage::Type::kWatermark)) {
    m.type = PartialsMessage::Type::kWatermark;
    std::uint8_t idle = 0;
    if (!r.GetSigned(&m.watermark) || !r.GetU8(&idle) || !r.done()) return bad;
    m.idle = idle != 0;
    return m;
  }
  if (type == static_cast<std::uint8_t>(PartialsMessage::Type::kIdleWindow) && !v1) {
    m.type = PartialsMessage::Type::kIdleWindow;
  } else if (type != static_cast<std::uint8_t>(PartialsMessage::Type::kWindow)) {
    return bad;
  }
  std::uint64_t analysis = 0, n = 0;
  if (!r.GetVarint(&analysis) || analysis > std::numeric_limits<std::uint32_t>::max() ||
      !r.GetSigned(&m.start) || !r.GetSigned(&m.end) || !r.GetCount(&n)) {
    return bad;
  }
  m.analysis = static_cast<std::uint32_t>(analysis);
  m.partials.resize(n);
  for (Partial& p : m.partials) {
    if (!LoadPartial(r, &p)) return bad;
  }
  if (!r.done()) return bad;
  return m;
}

Merger::Merger(const PipelineSpec& spec, std::vector<std::int32_t> partitions,
               std::vector<sink::ResultSink*> sinks)
    : spec_(spec), sinks_(std::move(sinks)) {
  for (const AnalysisSpec& a : spec.analyses) mergers_.push_back(NewAnalysisMerger(a));
  for (std::int32_t p : partitions) clocks_[p];
}

Status Merger::Add(const PartialsMessage& m) {
  auto clock = clocks_.find(m.partition);
  if (clock == clocks_.end()) {
    ++stats_.unknown;  // a partition added since the start: read once all restart
    return Status::Ok();
  }
  if (m.type == PartialsMessage::Type::kWatermark) {
    // A replayed partition sends an older watermark again: never back.
    clock->second.watermark = std::max(clock->second.watermark, m.watermark);
    clock->second.idle = m.idle;
    // Back (or a replay of the partition from before it went idle): it
    // holds windows back again and sends their final partials.
    if (!m.idle) DropIdlePartials(m.partition);
    return Advance();
  }
  if (m.analysis >= spec_.analyses.size()) {
    return InvalidArgument("scale-out: a message of analysis " + std::to_string(m.analysis) +
                           "; the pipeline has " + std::to_string(spec_.analyses.size()));
  }
  const std::int64_t lateness = spec_.allowed_lateness.count();
  if (SaturatingAdd(m.end, lateness) <= watermark_) {
    // Written already: a replay's copy; or, from a partition back from
    // idle, posts one process would have found late (the partition's
    // watermark starts again at the pipeline's).
    ++stats_.late;
    return Status::Ok();
  }
  const Key key{m.end, m.start, m.analysis};
  if (m.type == PartialsMessage::Type::kIdleWindow) {
    const auto final = open_.find(key);
    if (final != open_.end() && final->second.contains(m.partition)) {
      ++stats_.duplicates;  // its final partials came first (a replay's idle partials)
      return Status::Ok();
    }
    idle_[key][m.partition] = m.partials;  // the latest: as the partition stands now
    return Status::Ok();
  }
  auto& parts = open_[key];
  if (parts.contains(m.partition)) {
    ++stats_.duplicates;  // the same partials again (deterministic per partition)
    return Status::Ok();
  }
  parts.emplace(m.partition, m.partials);
  // Final partials replace the idle ones of the same window.
  const auto idle = idle_.find(key);
  if (idle != idle_.end() && idle->second.erase(m.partition) > 0 && idle->second.empty()) {
    idle_.erase(idle);
  }
  return Status::Ok();
}

void Merger::DropIdlePartials(std::int32_t partition) {
  for (auto it = idle_.begin(); it != idle_.end();) {
    it->second.erase(partition);
    it = it->second.empty() ? idle_.erase(it) : std::next(it);
  }
}

Status Merger::Advance() {
  model::TimestampUs lowest = kMaxTime;
  bool any = false;
  for (const auto& [p, clock] : clocks_) {
    if (clock.idle) continue;
    lowest = std::min(lowest, clock.watermark);
    any = true;
  }
  if (!any || lowest <= watermark_) return Status::Ok();
  watermark_ = lowest;
  const std::int64_t lateness = spec_.allowed_lateness.count();
  while (!open_.empty() || !idle_.empty()) {
    // The next window in window-end order, of either map.
    const bool from_open =
        !open_.empty() && (idle_.empty() || open_.begin()->first <= idle_.begin()->first);
    const Key key = from_open ? open_.begin()->first : idle_.begin()->first;
    if (SaturatingAdd(std::get<0>(key), lateness) > watermark_) break;
    Parts parts;
    if (const auto it = open_.find(key); it != open_.end()) {
      parts = std::move(it->second);
      open_.erase(it);
    }
    if (const auto it = idle_.find(key); it != idle_.end()) {
      // An idle partition's idle partials, where it sent no final ones.
      for (auto& [p, partials] : it->second) parts.emplace(p, std::move(partials));
      idle_.erase(it);
    }
    STARLING_RETURN_IF_ERROR(Emit(key, parts));
  }
  return Status::Ok();
}

Status Merger::Finish() {
  for (auto& [p, clock] : clocks_) {
    clock.watermark = kMaxTime;
    clock.idle = false;
  }
  return Advance();
}

Status Merger::Emit(const Key& key, const Parts& parts) {
  const std::vector<Partial> added = AddUp(parts);
  std::vector<const Partial*> partials;
  for (const Partial& p : added) partials.push_back(&p);
  const std::uint32_t analysis = std::get<2>(key);
  model::WindowResult result;
  if (!mergers_[analysis]->Merge(partials, /*final=*/true, &result)) return Status::Ok();
  result.pipeline = spec_.name;
  result.analysis = spec_.analyses[analysis].name;
  result.kind = spec_.analyses[analysis].kind;
  result.window_start = std::get<1>(key);
  result.window_end = std::get<0>(key);
  result.final = true;
  ++stats_.windows;
  for (sink::ResultSink* s : sinks_) STARLING_RETURN_IF_ERROR(s->Write(result));
  return Status::Ok();
}

void Merger::Save(ByteWriter& w) const {
  w.PutSigned(watermark_);
  w.PutVarint(clocks_.size());
  for (const auto& [p, clock] : clocks_) {
    w.PutSigned(p);
    w.PutSigned(clock.watermark);
    w.PutU8(clock.idle ? 1 : 0);
  }
  SaveWindows(w, open_);
  for (const auto& m : mergers_) m->Save(w);
  for (std::uint64_t v :
       {stats_.windows, stats_.duplicates, stats_.late, stats_.unknown, stats_.malformed}) {
    w.PutVarint(v);
  }
  // Appended: a state saved before idle partials existed ends above.
  SaveWindows(w, idle_);
}

Status Merger::Load(ByteReader& r) {
  const Status bad = MalformedInput("scale-out: corrupt merger state");
  std::uint64_t n = 0;
  if (!r.GetSigned(&watermark_) || !r.GetCount(&n)) return bad;
  clocks_.clear();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::int64_t p = 0;
    Clock clock;
    std::uint8_t idle = 0;
    if (!r.GetSigned(&p) || !r.GetSigned(&clock.watermark) || !r.GetU8(&idle)) return bad;
    clock.idle = idle != 0;
    clocks_[static_cast<std::int32_t>(p)] = clock;
  }
  if (!LoadWindows(r, &open_)) return bad;
  for (auto& m : mergers_) STARLING_RETURN_IF_ERROR(m->Load(r));
  for (std::uint64_t* v :
       {&stats_.windows, &stats_.duplicates, &stats_.late, &stats_.unknown, &stats_.malformed}) {
    if (!r.GetVarint(v)) return bad;
  }
  idle_.clear();
  if (!r.done() && !LoadWindows(r, &idle_)) return bad;
  return Status::Ok();
}

void Merger::SaveWindows(ByteWriter& w, const std::map<Key, Parts>& windows) {
  w.PutVarint(windows.size());
  for (const auto& [key, parts] : windows) {
    w.PutSigned(std::get<0>(key));
    w.PutSigned(std::get<1>(key));
    w.PutVarint(std::get<2>(key));
    w.PutVarint(parts.size());
    for (const auto& [p, partials] : parts) {
      w.PutSigned(p);
      w.PutVarint(partials.size());
      for (const Partial& partial : partials) SavePartial(w, partial);
    }
  }
}

bool Merger::LoadWindows(ByteReader& r, std::map<Key, Parts>* windows) const {
  std::uint64_t n = 0;
  if (!r.GetCount(&n)) return false;
  windows->clear();
  for (std::uint64_t i = 0; i < n; ++i) {
    std::int64_t end = 0, start = 0;
    std::uint64_t analysis = 0, count = 0;
    if (!r.GetSigned(&end) || !r.GetSigned(&start) || !r.GetVarint(&analysis) ||
        analysis >= spec_.analyses.size() || !r.GetCount(&count)) {
      return false;
    }
    auto& parts = (*windows)[Key{end, start, static_cast<std::uint32_t>(analysis)}];
    for (std::uint64_t j = 0; j < count; ++j) {
      std::int64_t p = 0;
      std::uint64_t m = 0;
      if (!r.GetSigned(&p) || !r.GetCount(&m)) return false;
      std::vector<Partial>& partials = parts[static_cast<std::int32_t>(p)];
      partials.resize(m);
      for (Partial& partial : partials) {
        if (!LoadPartial(r, &partial)) return false;
      }
    }
  }
  return true;
}

}  // namespace starling::dataflow::scale_out
