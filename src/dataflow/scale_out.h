// File: dataflow/scale_out.h
// Scale-out over a partitioned log (docs/scale-out.md): each source
// partition runs the pipeline on its own (an engine whose analyses keep
// every key, PartitionSpec) and sends, per final window, its partials and
// its watermark as PartialsMessages; one Merger combines the partials of
// every partition into the final results a single process would have
// written. Messages may come twice (a partition replayed from its last
// checkpoint by its next owner sends the same ones again) and partitions
// interleave in any order: the Merger's output does not change.
//
// This is the transport-free core: the messages' bytes, the per-partition
// spec and the merger. Carrying them over Kafka (a partials topic, state in
// a changelog topic) is the runtime's.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

#include "common/codec.h"
#include "common/status.h"
#include "dataflow/analysis.h"
#include "dataflow/pipeline.h"
#include "model/window_result.h"
#include "sink/result_sink.h"

namespace starling::dataflow::scale_out {

// InvalidArgument naming the analysis when one cannot be split over
// partitions exactly: clusters (k-means learns in arrival order), sessions
// (a session may span partitions) and Space-Saving top (approximate
// counts do not add up); and for processing time (a replayed partition
// would not see the same times).
Status CheckScalable(const PipelineSpec& spec);

// The pipeline one partition runs: the same, with every analysis keeping
// every key (no cut to k), so that partials of several partitions add up.
PipelineSpec PartitionSpec(const PipelineSpec& spec);

// One message from a partition's engine to the merger.
struct PartialsMessage {
  // kIdleWindow: a window still open in the partition's engine when the
  // partition went idle, and its partials so far ("idle partials"); sent
  // before the idle marker. They hold every post the partition has for
  // that window for as long as it stays idle: the merger adds them when it
  // writes the window while the partition is idle (one process would have
  // the partition's posts in that window), unless the partition's final
  // partials for it came first (they replace them).
  enum class Type : std::uint8_t { kWindow = 1, kWatermark = 2, kIdleWindow = 3 };
  Type type = Type::kWindow;
  std::int32_t partition = 0;
  // kWindow: a final window of one analysis and its partials (kIdleWindow:
  // an open one).
  std::uint32_t analysis = 0;
  model::TimestampUs start = 0;
  model::TimestampUs end = 0;
  std::vector<Partial> partials;
  // kWatermark: the partition's watermark after its partials so far; idle:
  // it has had no record for the pipeline's idle_timeout (it stops holding
  // windows back until it has one again).
  model::TimestampUs watermark = 0;
  bool idle = false;
};

// Version 2 ("SPM2": kIdleWindow added). Version 1 messages (kWindow and
// kWatermark, the same bytes after the magic) still decode.
std::string EncodeMessage(const PartialsMessage& m);
// MalformedInput for bytes EncodeMessage did not make.
Result<PartialsMessage> DecodeMessage(std::string_view bytes);

struct MergerStats {
  std::uint64_t windows = 0;     // final results written
  std::uint64_t duplicates = 0;  // partials already had (a partition replayed)
  std::uint64_t late = 0;        // partials (final or idle) of a window already written
  std::uint64_t unknown = 0;     // messages of a partition added after the merger started
  std::uint64_t malformed = 0;   // messages that did not decode (the runtime counts them)
};

// Combines the partials of every partition. A window is final once every
// partition that is not idle has a watermark (the last marker it sent) at
// or past its end plus the allowed lateness; then its partials are added
// key by key, merged by the analysis's own merger (ranked and cut to k) and
// written to the sinks, in window-end order. An idle partition's part of
// it is its final partials if it sent them, else its idle partials
// (kIdleWindow, kept until the partition is back: its next marker that is
// not idle drops them, as it holds windows back again).
class Merger {
 public:
  // spec (the user's, not PartitionSpec) and the sinks must outlive it.
  // partitions: every partition of the source topic.
  Merger(const PipelineSpec& spec, std::vector<std::int32_t> partitions,
         std::vector<sink::ResultSink*> sinks);

  // One message (in the order the partials topic holds them). A partition
  // this merger does not know (added to the topic since) is counted in
  // stats().unknown and left out. Errors: a sink that cannot write;
  // InvalidArgument for an analysis this pipeline does not have (the
  // pipeline changed under the same group).
  Status Add(const PartialsMessage& m);
  // A message that did not decode: counted (the runtime logs it), skipped.
  void CountMalformed() { ++stats_.malformed; }
  // The end of every partition (a bounded read): every window is final.
  Status Finish();

  // The watermark below which every window was written.
  model::TimestampUs watermark() const { return watermark_; }
  const MergerStats& stats() const { return stats_; }

  void Save(ByteWriter& w) const;
  // MalformedInput when the state is corrupt.
  Status Load(ByteReader& r);

 private:
  // (end, start, analysis): window-end order, as the collector's.
  using Key = std::tuple<model::TimestampUs, model::TimestampUs, std::uint32_t>;
  using Parts = std::map<std::int32_t, std::vector<Partial>>;  // by partition
  struct Clock {
    model::TimestampUs watermark = kMinTime;
    bool idle = false;
  };
  Status Advance();
  Status Emit(const Key& key, const Parts& parts);
  void DropIdlePartials(std::int32_t partition);
  static void SaveWindows(ByteWriter& w, const std::map<Key, Parts>& windows);
  bool LoadWindows(ByteReader& r, std::map<Key, Parts>* windows) const;

  const PipelineSpec& spec_;
  std::vector<sink::ResultSink*> sinks_;
  std::vector<std::unique_ptr<AnalysisMerger>> mergers_;
  std::map<std::int32_t, Clock> clocks_;
  std::map<Key, Parts> open_;  // final partials of windows not written yet
  std::map<Key, Parts> idle_;  // idle partials of idle partitions, likewise
  model::TimestampUs watermark_ = kMinTime;
  MergerStats stats_;
};

}  // namespace starling::dataflow::scale_out
