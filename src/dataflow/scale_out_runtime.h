// File: dataflow/scale_out_runtime.h
// `starling run --scale-out`: one of N processes that share a Kafka topic's
// partitions through a consumer group and together write the results one
// process would have written (docs/scale-out.md).
//
//   source topic ──group G──► this process's partitions: one engine each
//                             (PartitionSpec), its final windows' partials
//                             and watermarks ──► topic starling.G.partials
//   starling.G.partials ──group G.merge──► the Merger (in whichever process
//                             holds its one partition) ──► result sinks
//   each partition's checkpoint, and the merger's, ──► starling.G.state
//                             (compacted; read back by a partition's or
//                             the merger's next owner)
//
// A partition that moves (a process added, stopped, killed, cut off) is
// restored by its next owner from its last state and read again from the
// offset that state holds; the partials it sends again are the same and
// the merger drops them. So the results do not depend on how many
// processes run, nor on rebalances.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataflow/pipeline.h"
#include "dataflow/scale_out.h"
#include "parse/post_parser.h"
#include "sink/result_sink.h"
#include "source/record_source.h"

namespace starling::dataflow {

struct ScaleOutStatus {
  std::vector<std::int32_t> partitions;  // held now
  bool merging = false;                  // this process runs the merger
  std::uint64_t rebalances = 0;
  std::uint64_t records = 0;  // read by this process's partitions
  scale_out::MergerStats merger;
  model::TimestampUs merged_watermark = kMinTime;  // the merger's, as last published
  // The source as the dashboard shows it: the partitions held here, each
  // with its next offset and lag, the brokers, the group's rebalances.
  source::SourceHealth source_health;
};

struct ScaleOutOptions {
  // kafka://BROKERS/TOPIC?group=G[&stop=end][&rdkafka.NAME=VALUE...]
  std::string source;
  // Local folder for the partitions' checkpoints (their state lives in
  // the state topic; this is only where the engine writes it first).
  std::string work_dir;
  std::chrono::milliseconds checkpoint_interval{2000};
  parse::ParseOptions parse;
  // Written by the merger only, while this process holds it.
  std::vector<sink::ResultSink*> result_sinks;
  const std::atomic<bool>* stop = nullptr;                 // set to stop cleanly (state kept)
  std::function<void(const ScaleOutStatus&)> on_progress;  // every ~500 ms
};
// Runs until *stop, or with stop=end until the merger has written every
// window of every partition (each process then ends). Errors:
// InvalidArgument for a spec scale-out cannot run (CheckScalable) or a
// source that is not a Kafka topic with a group; Unavailable when the
// brokers cannot be reached.
Result<ScaleOutStatus> RunScaleOut(const PipelineSpec& spec, const ScaleOutOptions& options);

}  // namespace starling::dataflow
