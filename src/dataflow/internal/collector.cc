// File: dataflow/internal/collector.cc
#include "dataflow/internal/collector.h"

#include <algorithm>
#include <string>
#include <utility>

#include "dataflow/internal/checkpoint_format.h"
#include "model/window_result.h"
#include "sink/result_sink.h"
#include "sink/sink.h"

namespace starling::dataflow::internal {

using model::WindowResult;

Collector::Collector(const PipelineSpec& spec, const RunOptions& options, std::uint32_t partitions,
                     RunStats* stats)
    : spec_(spec), options_(options), partitions_(partitions), stats_(stats) {
  for (const AnalysisSpec& a : spec.analyses) mergers_.push_back(NewAnalysisMerger(a));
}

Status Collector::Run(Chunk& c, std::vector<PartitionOutput>& outputs) {
  // Dead letters and posts, in input order.
  for (const DeadRecord& d : c.dead) {
    const RawRecord& rec = c.records[d.record];
    ++stats_->dead_letters;
    if (options_.dead_letters != nullptr) {
      STARLING_RETURN_IF_ERROR(options_.dead_letters->Write(RecordBytes(c.raw, rec), d.reason,
                                                            c.origins[rec.origin], rec.line,
                                                            rec.source_offset, rec.partition));
    }
  }
  stats_->records += c.records.size();
  stats_->bytes += c.bytes;
  stats_->controls += c.controls;
  stats_->posts += c.post_count;
  for (std::size_t i = 0; i < c.post_count; ++i) {
    for (sink::PostSink* s : options_.post_sinks) STARLING_RETURN_IF_ERROR(s->Write(c.posts[i]));
    if (c.late[i] != 0) {
      ++stats_->late_posts;
      if (options_.late_sink != nullptr) {
        STARLING_RETURN_IF_ERROR(options_.late_sink->Write(c.posts[i]));
      }
    }
  }
  // Partials: the latest per (window, analysis) and partition.
  std::vector<OpenKey> changed;
  std::size_t open = 0;
  std::uint64_t late_items = 0;
  for (std::uint32_t p = 0; p < outputs.size(); ++p) {
    open += outputs[p].open_windows;
    late_items += outputs[p].late_items;
    for (Partial& partial : outputs[p].partials) {
      const OpenKey key{partial.result.window_end, partial.result.window_start, partial.analysis};
      auto& slots = open_[key];
      if (slots.empty()) slots.resize(partitions_);
      slots[p] = std::make_unique<Partial>(std::move(partial));
      changed.push_back(key);
    }
  }
  stats_->open_windows = open;
  stats_->late_items = late_items;
  stats_->watermark = c.watermark_after;
  // Within a micro-batch, results wait for its last chunk.
  changed_.insert(changed_.end(), changed.begin(), changed.end());
  if (!c.batch_end) return Status::Ok();
  // A partition back from idle (RunOptions::on_idle): said before the
  // chunk's results.
  if (options_.on_idle && idle_ && !c.idle) {
    idle_ = false;
    STARLING_RETURN_IF_ERROR(options_.on_idle(false, {}));
  }
  changed.swap(changed_);
  changed_.clear();
  std::sort(changed.begin(), changed.end());
  changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
  const std::int64_t lateness = spec_.allowed_lateness.count();
  for (const OpenKey& key : changed) {
    if (SaturatingAdd(std::get<0>(key), lateness) <= c.watermark_after) continue;  // final below
    STARLING_RETURN_IF_ERROR(EmitWindow(key, false));
  }
  // Finals, in window-end order (bursts read windows in order).
  while (!open_.empty()) {
    const OpenKey key = open_.begin()->first;
    if (SaturatingAdd(std::get<0>(key), lateness) > c.watermark_after) break;
    STARLING_RETURN_IF_ERROR(EmitWindow(key, true));
    open_.erase(open_.begin());
  }
  if (options_.on_watermark && c.watermark_after != last_watermark_) {
    last_watermark_ = c.watermark_after;
    STARLING_RETURN_IF_ERROR(options_.on_watermark(c.watermark_after));
  }
  if (options_.on_idle && c.idle && !idle_) {
    // Gone idle: every open window as it stands (the partitions emitted
    // what changed in them: Chunk::emit_open).
    idle_ = true;
    std::vector<OpenWindow> open;
    open.reserve(open_.size());
    for (const auto& [key, slots] : open_) {
      OpenWindow& w = open.emplace_back();
      w.end = std::get<0>(key);
      w.start = std::get<1>(key);
      w.analysis = std::get<2>(key);
      for (const auto& slot : slots) w.partials.push_back(slot.get());
    }
    STARLING_RETURN_IF_ERROR(options_.on_idle(true, open));
  }
  return Status::Ok();
}

Status Collector::Flush() {
  for (sink::PostSink* s : options_.post_sinks) STARLING_RETURN_IF_ERROR(s->Flush());
  for (sink::ResultSink* s : options_.result_sinks) STARLING_RETURN_IF_ERROR(s->Flush());
  if (options_.late_sink != nullptr) STARLING_RETURN_IF_ERROR(options_.late_sink->Flush());
  if (options_.dead_letters != nullptr) STARLING_RETURN_IF_ERROR(options_.dead_letters->Flush());
  return Status::Ok();
}

void Collector::Save(ByteWriter& w) const {
  w.PutVarint(open_.size());
  for (const auto& [key, slots] : open_) {
    w.PutSigned(std::get<0>(key));
    w.PutSigned(std::get<1>(key));
    w.PutVarint(std::get<2>(key));
    for (const auto& slot : slots) {
      w.PutU8(slot ? 1 : 0);
      if (!slot) continue;
      SaveResult(w, slot->result);
      w.PutVarint(slot->sketches.size());
      for (const std::string& s : slot->sketches) w.PutString(s);
    }
  }
  for (const auto& m : mergers_) m->Save(w);
}

Status Collector::Load(ByteReader& r) {
  std::uint64_t n;
  if (!r.GetCount(&n)) return r.status("checkpoint collector");
  for (std::uint64_t i = 0; i < n; ++i) {
    std::int64_t end, start;
    std::uint64_t analysis;
    if (!r.GetSigned(&end) || !r.GetSigned(&start) || !r.GetVarint(&analysis) ||
        analysis >= spec_.analyses.size()) {
      return MalformedInput("checkpoint: corrupt collector state");
    }
    auto& slots = open_[OpenKey{end, start, static_cast<std::uint32_t>(analysis)}];
    slots.resize(partitions_);
    for (auto& slot : slots) {
      std::uint8_t present;
      if (!r.GetU8(&present)) return r.status("checkpoint collector");
      if (present == 0) continue;
      slot = std::make_unique<Partial>();
      slot->analysis = static_cast<std::uint32_t>(analysis);
      std::uint64_t sketches;
      if (!LoadResult(r, &slot->result) || !r.GetCount(&sketches)) {
        return MalformedInput("checkpoint: corrupt collector state");
      }
      slot->sketches.resize(sketches);
      for (std::string& s : slot->sketches) {
        if (!r.GetString(&s)) return r.status("checkpoint collector");
      }
    }
  }
  for (auto& m : mergers_) STARLING_RETURN_IF_ERROR(m->Load(r));
  return Status::Ok();
}

Status Collector::EmitWindow(const OpenKey& key, bool final) {
  auto it = open_.find(key);
  if (it == open_.end()) return Status::Ok();
  std::vector<const Partial*> partials;
  for (const auto& slot : it->second) partials.push_back(slot.get());
  const std::uint32_t analysis = std::get<2>(key);
  if (options_.on_final_partials) {
    if (!final) return Status::Ok();
    ++stats_->final_results;
    return options_.on_final_partials(analysis, std::get<1>(key), std::get<0>(key), partials);
  }
  WindowResult result;
  if (!mergers_[analysis]->Merge(partials, final, &result)) return Status::Ok();
  result.pipeline = spec_.name;
  result.analysis = spec_.analyses[analysis].name;
  result.kind = spec_.analyses[analysis].kind;
  result.window_start = std::get<1>(key);
  result.window_end = std::get<0>(key);
  result.final = final;
  ++stats_->results;
  if (final) ++stats_->final_results;
  for (sink::ResultSink* s : options_.result_sinks) STARLING_RETURN_IF_ERROR(s->Write(result));
  if (options_.on_result) options_.on_result(result);
  return Status::Ok();
}

}  // namespace starling::dataflow::internal
