// File: dataflow/internal/collector.h
// The collector: the last stage, on the calling thread. For each chunk, in
// input order, it writes dead letters and posts to their outputs, keeps each
// partition's latest partial per open window, and merges them into window
// results (previews of changed windows, then finals in window-end order) for
// the result sinks and the subscriber. Its state is part of a checkpoint.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <tuple>
#include <vector>

#include "common/codec.h"
#include "common/status.h"
#include "dataflow/analysis.h"
#include "dataflow/internal/chunk.h"
#include "dataflow/pipeline.h"
#include "dataflow/runtime.h"
#include "model/post.h"

namespace starling::dataflow::internal {

class Collector {
 public:
  // spec, options and *stats must outlive it; it updates *stats.
  Collector(const PipelineSpec& spec, const RunOptions& options, std::uint32_t partitions,
            RunStats* stats);

  // One chunk and every partition's output for it (outputs[p] from
  // partition p; their partials are moved from). Errors: a sink that
  // cannot write.
  Status Run(Chunk& c, std::vector<PartitionOutput>& outputs);

  // Flushes every output (posts, results, late posts, dead letters).
  Status Flush();

  // The open windows' partials and each analysis merger's state.
  void Save(ByteWriter& w) const;
  // MalformedInput when the state is corrupt.
  Status Load(ByteReader& r);

 private:
  using OpenKey = std::tuple<model::TimestampUs, model::TimestampUs, std::uint32_t>;

  Status EmitWindow(const OpenKey& key, bool final);

  const PipelineSpec& spec_;
  const RunOptions& options_;
  std::uint32_t partitions_;
  RunStats* stats_;
  std::vector<std::unique_ptr<AnalysisMerger>> mergers_;
  std::map<OpenKey, std::vector<std::unique_ptr<Partial>>> open_;
  std::vector<OpenKey> changed_;                  // windows changed in the micro-batch so far
  model::TimestampUs last_watermark_ = kMinTime;  // RunOptions::on_watermark's last
  bool idle_ = false;  // RunOptions::on_idle was last told idle (not saved: told again)
};

}  // namespace starling::dataflow::internal
