// File: dataflow/analysis.h
// A windowed analysis: what to compute (AnalysisSpec, plain configuration)
// apart from the state while computing (AnalysisState, one per partition,
// owned by the runtime, which also snapshots it). The life of a post in an
// analysis:
//   stage 1 (any worker)   Extract: keys (and values) of the post -> Items
//   keyed stage (partition hash(route) % N)   AnalysisState::Add per window
//   watermark passes a window end              AnalysisState::Emit -> partials
//   collector (one thread)  MergePartials across partitions -> WindowResult
//                           Finalize (bursts) when the window is final
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/burst_detector.h"
#include "analytics/streaming_kmeans.h"
#include "analytics/tfidf.h"
#include "common/codec.h"
#include "common/status.h"
#include "dataflow/keys.h"
#include "dataflow/window.h"
#include "model/post.h"
#include "model/window_result.h"

namespace starling::dataflow {

using model::ResultKind;

// Calls from a custom key function (C++ builder API): emit one key per call.
class KeyEmitter {
 public:
  virtual ~KeyEmitter() = default;
  virtual void Emit(std::string_view key) = 0;
};
using CustomKeyFn = std::function<void(const model::Post&, KeyEmitter&)>;

struct AnalysisSpec {
  std::string name;  // unique in the pipeline; names its rows in the stores
  ResultKind kind = ResultKind::kTopK;
  DimensionRef by;  // what is ranked / grouped (top, count, sentiment, bursts, sessions)
  DimensionRef of{Dimension::kAuthor, {}};  // distinct: what is counted per `by` group
  CustomKeyFn custom_keys;                  // replaces `by` when set (C++ API only)
  WindowSpec window;
  // top, cooccurrence, count (0 = every key), sentiment (rows besides "*"), clusters (terms).
  std::size_t k = 10;
  bool space_saving = false;        // top/cooccurrence: Space-Saving instead of exact counts
  std::size_t capacity = 10000;     // Space-Saving counters per window and partition
  int hll_precision = 14;           // distinct
  analytics::BurstOptions bursts;   // bursts
  analytics::KMeansOptions kmeans;  // clusters
  analytics::TfIdfOptions tfidf;    // clusters
  std::size_t kmeans_batch = 500;   // clusters: points per model update
};

// InvalidArgument naming the analysis and the field for an unusable spec.
Status ValidateAnalysis(const AnalysisSpec& spec);

// What the features stage must compute for this analysis.
FeatureNeeds NeedsOf(const AnalysisSpec& spec);

// One keyed update produced in stage 1. The key lives in the chunk's arena.
struct Item {
  std::uint32_t analysis = 0;
  std::uint32_t key_offset = 0;
  std::uint32_t key_size = 0;
  std::uint64_t route = 0;  // partition = route % partitions
  double value = 0;         // sentiment: compound
  std::uint64_t hash = 0;   // distinct: hash of the counted value
};

// Appends the items of `post` for analysis number `index` (keys into *arena).
void ExtractItems(const AnalysisSpec& spec, std::uint32_t index, const model::Post& post,
                  const PostFeatures& features, std::string* arena, std::vector<Item>* items);

// A partial result of one partition for one window.
struct Partial {
  std::uint32_t analysis = 0;
  model::WindowResult result;         // rows local to the partition
  std::vector<std::string> sketches;  // distinct: HLL registers per row
  bool final = false;
};

// Per-partition state of one analysis: windows and their accumulators.
// Single-threaded (the partition's thread).
class AnalysisState {
 public:
  virtual ~AnalysisState() = default;
  // Adds one item at event time t. `watermark` is the watermark before the
  // post: windows whose end + lateness is at or below it are closed, and
  // the item is counted as late for them instead.
  virtual void Add(TimestampUs t, std::string_view key, const Item& item,
                   TimestampUs watermark) = 0;
  // Emits windows that changed and whose end is at or below `watermark`
  // (previews), and closes (emits final, frees) those whose end + lateness
  // is at or below it. Cheap when nothing is due.
  virtual void Emit(TimestampUs watermark, std::vector<Partial>* out) = 0;
  // Early results: emits the windows still open (end above `watermark`)
  // that changed since they were last emitted, as previews. Sessions have
  // none (a session's bounds are known only when it ends).
  virtual void EmitEarly(TimestampUs /*watermark*/, std::vector<Partial>* /*out*/) {}
  // Finals only (a scale-out partition, whose updates nobody reads): Emit
  // leaves out the updates of windows past their end, which stay marked
  // changed, and EmitEarly then emits every changed window, whatever its
  // end. Before any Add or Load.
  virtual void FinalsOnly() {}
  // Items dropped because all of their windows were closed.
  virtual std::uint64_t late_items() const = 0;
  virtual std::size_t open_windows() const = 0;
  virtual void Save(ByteWriter& w) const = 0;
  virtual Status Load(ByteReader& r) = 0;
};

std::unique_ptr<AnalysisState> NewAnalysisState(const AnalysisSpec& spec, std::uint32_t index,
                                                std::chrono::microseconds allowed_lateness);

// Collector-side state of one analysis: combines partials of every
// partition and, for bursts, the detector that reads windows in order.
class AnalysisMerger {
 public:
  virtual ~AnalysisMerger() = default;
  // Merges the latest partial of each partition (nullptr where a partition
  // has none) into *out (rows ranked and cut). For a final window, *out may
  // be rewritten (bursts: counts become the flagged terms). Returns false
  // when there is nothing to emit (a bursts preview).
  virtual bool Merge(const std::vector<const Partial*>& partials, bool final,
                     model::WindowResult* out) = 0;
  virtual void Save(ByteWriter& w) const = 0;
  virtual Status Load(ByteReader& r) = 0;
};

std::unique_ptr<AnalysisMerger> NewAnalysisMerger(const AnalysisSpec& spec);

}  // namespace starling::dataflow
