// File: dataflow/pipeline.h
// A pipeline: what to compute over a stream of posts. Records from a source
// are parsed, pass through transforms (filter / map / flat_map, in order) and
// feed every analysis (windowed aggregations, analysis.h). The same spec runs
// record-at-a-time or in micro-batches with identical window results. Built
// in C++ with PipelineBuilder (builder.h) or read from YAML (pipeline_yaml.h).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "common/status.h"
#include "dataflow/analysis.h"
#include "model/post.h"

namespace starling::dataflow {

enum class ProcessingMode : std::uint8_t {
  kRecord,      // each post goes through as it arrives: lowest latency
  kMicroBatch,  // posts are buffered for batch_interval, then processed together
};
std::string_view ProcessingModeName(ProcessingMode m);

enum class TimeMode : std::uint8_t {
  kEvent,       // windows by the post's created_at, watermark = max seen - bound
  kProcessing,  // windows by arrival time on the injected Clock
};

// One stage of post-to-post processing. Runs in the parallel stage: the
// callables must be thread-safe (they are called from several workers).
struct Transform {
  enum class Kind : std::uint8_t { kFilter, kMap, kFlatMap, kJoin } kind = Kind::kFilter;
  std::function<bool(const model::Post&)> filter;                               // keep when true
  std::function<void(model::Post&)> map;                                        // edit in place
  std::function<void(const model::Post&, std::vector<model::Post>&)> flat_map;  // 0..n posts
  // kJoin: adds (name, value) labels to a post (a stream-table join).
  std::function<void(const model::Post&, std::vector<std::pair<std::string, std::string>>&)> join;
  // kJoin: the names of the labels it can add (CsvJoin and SqliteJoin fill
  // it); empty when not declared, and then any label:NAME is taken on trust.
  std::vector<std::string> labels;
  std::string description;  // for --explain and errors
};

struct PipelineSpec {
  std::string name = "starling";
  ProcessingMode mode = ProcessingMode::kRecord;
  std::chrono::milliseconds batch_interval{500};  // micro-batch
  TimeMode time = TimeMode::kEvent;
  // Bound on out-of-orderness: the watermark trails the largest event time
  // seen by this much.
  std::chrono::microseconds watermark_bound{std::chrono::seconds(5)};
  // A window stays open (and late posts update it) this long after the
  // watermark passed its end; posts later than that are "late" (side output).
  std::chrono::microseconds allowed_lateness{0};
  // A partitioned source (Kafka): a partition with no record for this long
  // (processing time) stops holding the watermark back until its next
  // record (0: it always does). Results then depend on timing: see
  // docs/pipelines.md.
  std::chrono::microseconds idle_timeout{std::chrono::seconds(30)};
  std::vector<Transform> transforms;
  std::vector<AnalysisSpec> analyses;

  // InvalidArgument on an unusable spec (names repeated, bad analysis, ...).
  Status Validate() const;
  // Identifies the shape of the computation (names, kinds, windows, timing)
  // so a checkpoint is never restored into a different pipeline.
  std::string Fingerprint() const;
};

// InvalidArgument when the analysis groups or counts by a `label:NAME`
// dimension that no join of `transforms` adds: without a join no post has
// labels, and the analysis would silently count nothing.
Status CheckLabelDimensions(const AnalysisSpec& analysis, const std::vector<Transform>& transforms);

// What each analysis is (name, kind, by, window as text), for stores and
// viewers that see only results.
std::vector<model::AnalysisMeta> DescribeAnalyses(const PipelineSpec& spec);

}  // namespace starling::dataflow
