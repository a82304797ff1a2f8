// File: dataflow/internal/partition.h
// A partition of the keyed stage: the window state of every analysis for the
// keys with hash(key) % partitions == index. Runs on one thread at a time,
// chunks in input order, after the router.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "dataflow/analysis.h"
#include "dataflow/internal/chunk.h"
#include "dataflow/pipeline.h"
#include "model/post.h"

namespace starling::dataflow::internal {

class Partition {
 public:
  // finals_only: AnalysisState::FinalsOnly (on when RunOptions::on_final_partials
  // is set).
  Partition(const PipelineSpec& spec, std::uint32_t index, std::uint32_t count,
            bool finals_only = false);

  // Adds the chunk's items of this partition (posts the router found late
  // are skipped), emits the windows the watermark closed (and, for an early
  // chunk, previews of open ones) into out->partials, and snapshots the
  // state into out->snapshot at a checkpoint barrier.
  void Run(const Chunk& c, PartitionOutput* out);

  // Restores a snapshot Run took. MalformedInput when it is corrupt.
  Status Load(std::string_view snapshot);

 private:
  // Each state returns at once when nothing of it is due.
  void EmitAll(model::TimestampUs wm, std::vector<Partial>* out) {
    for (auto& s : states_) s->Emit(wm, out);
  }

  std::uint32_t index_;
  std::uint32_t count_;
  std::vector<std::unique_ptr<AnalysisState>> states_;
};

}  // namespace starling::dataflow::internal
