// File: dataflow/internal/partition.cc
#include "dataflow/internal/partition.h"

#include "common/codec.h"

namespace starling::dataflow::internal {

Partition::Partition(const PipelineSpec& spec, std::uint32_t index, std::uint32_t count,
                     bool finals_only)
    : index_(index), count_(count) {
  for (std::uint32_t a = 0; a < spec.analyses.size(); ++a) {
    states_.push_back(NewAnalysisState(spec.analyses[a], a, spec.allowed_lateness));
    if (finals_only) states_.back()->FinalsOnly();
  }
}

void Partition::Run(const Chunk& c, PartitionOutput* out) {
  out->seq = c.seq;
  out->partials.clear();
  out->snapshot.clear();
  std::uint32_t item = 0;
  for (std::size_t i = 0; i < c.post_count; ++i) {
    const std::uint32_t end = c.item_end[i];
    if (c.late[i] != 0) {
      item = end;
      continue;
    }
    const model::TimestampUs wm = c.watermark[i];
    EmitAll(c.closing.empty() ? wm : c.closing[i], &out->partials);
    for (; item < end; ++item) {
      const Item& it = c.items[item];
      if (it.route % count_ != index_) continue;
      const std::string_view key = std::string_view(c.arena).substr(it.key_offset, it.key_size);
      states_[it.analysis]->Add(c.times[i], key, it, wm);
    }
  }
  EmitAll(c.watermark_after, &out->partials);
  if (c.early || c.emit_open) {
    for (auto& s : states_) s->EmitEarly(c.watermark_after, &out->partials);
  }
  out->late_items = 0;
  out->open_windows = 0;
  for (const auto& s : states_) {
    out->late_items += s->late_items();
    out->open_windows += s->open_windows();
  }
  if (c.checkpoint != 0) {
    ByteWriter w(&out->snapshot);
    for (const auto& s : states_) s->Save(w);
  }
}

Status Partition::Load(std::string_view snapshot) {
  ByteReader r(snapshot);
  for (auto& s : states_) STARLING_RETURN_IF_ERROR(s->Load(r));
  if (!r.done()) return MalformedInput("checkpoint: partition state has trailing bytes");
  return Status::Ok();
}

}  // namespace starling::dataflow::internal
