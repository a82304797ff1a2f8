// File: dataflow/analysis/kind.h
// An analysis kind as data: the descriptor each kind (count, top, distinct,
// sentiment, bursts, clusters, cooccurrence, sessions) declares in its own
// file under dataflow/analysis/, and the list of them (builtin_analyses.cc).
// Everything that depends on the kind goes through its descriptor: the
// pipeline file's `type:` and options, validation, the features it needs,
// the items it extracts, its per-partition state and its merger. What its
// rows mean and how stores keep them is model::ResultKind's (model/).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "dataflow/analysis.h"

namespace starling::dataflow {

// Keys (and values) of one post, appended to a chunk's arena as Items.
class ItemSink final : public KeyEmitter {
 public:
  ItemSink(std::uint32_t index, std::string* arena, std::vector<Item>* items)
      : index_(index), arena_(arena), items_(items) {}
  // A key routed by its hash, with no value.
  void Emit(std::string_view key) override;
  // A key with a value (sentiment), a hash of the counted value (distinct)
  // and the route that picks its partition.
  void Add(std::string_view key, double value, std::uint64_t hash, std::uint64_t route);

 private:
  std::uint32_t index_;
  std::string* arena_;
  std::vector<Item>* items_;
};

// The value of one option as written in a pipeline file, parsed as its type.
struct OptionValue {
  long long integer = 0;  // kInt
  double number = 0;      // kNumber
  std::string text;       // kText
};

// An option of one analysis kind in a pipeline file (`k: 10`, `z: 4`).
struct AnalysisOption {
  enum class Type : std::uint8_t { kInt, kNumber, kText };
  std::string_view name;
  Type type = Type::kInt;
  double lo = 0;  // kInt, kNumber: the accepted range, inclusive
  double hi = 0;
  std::string_view help;  // one line, with the default
  // Sets the option on a spec. InvalidArgument with the reason alone (the
  // caller names the file, the analysis and the option).
  Status (*apply)(const OptionValue& value, AnalysisSpec* spec) = nullptr;
};

struct AnalysisKind {
  ResultKind result = ResultKind::kCount;  // what its rows are
  // The names `type:` accepts; the first is the kind's own.
  std::vector<std::string_view> types;
  std::string_view rows;  // one line: the rows of a window
  std::vector<AnalysisOption> options;
  bool session_windows = false;  // takes `window: session GAP` (and no other window)
  bool takes_by = true;          // groups its rows by `by` (cooccurrence, clusters: no)
  bool takes_of = false;         // counts the distinct values of `of` (distinct)
  bool reports_k = false;        // its `k` is part of what it reports (AnalysisMeta.k)
  // Whether the partials of several partitions of a log, each with every
  // key, add up exactly to the partials of the whole (dataflow/scale_out.h);
  // when not, why (an error says it).
  bool adds_up_over_partitions = true;
  std::string_view why_not_over_partitions;
  // Fills the kind's defaults (by, k, ...) into a spec whose other fields
  // hold AnalysisSpec's own defaults.
  void (*defaults)(AnalysisSpec* spec) = nullptr;
  // InvalidArgument with the reason alone, for a spec this kind cannot run.
  Status (*validate)(const AnalysisSpec& spec) = nullptr;
  // What the features stage computes for it, beyond what `by` needs.
  void (*needs)(const AnalysisSpec& spec, FeatureNeeds* needs) = nullptr;
  // Stage 1: the items of one post.
  void (*extract)(const AnalysisSpec& spec, const model::Post& post, const PostFeatures& features,
                  ItemSink& sink) = nullptr;
  std::unique_ptr<AnalysisState> (*new_state)(const AnalysisSpec& spec, std::uint32_t index,
                                              std::chrono::microseconds allowed_lateness) = nullptr;
  std::unique_ptr<AnalysisMerger> (*new_merger)(const AnalysisSpec& spec) = nullptr;
};

// Every kind, in the order the docs list them.
std::span<const AnalysisKind* const> AnalysisKinds();
// The kind whose rows are `result` (every ResultKind has one).
const AnalysisKind& AnalysisKindOf(ResultKind result);
// The kind a pipeline file's `type:` names, or nullptr.
const AnalysisKind* FindAnalysisType(std::string_view type);
// "count, top, distinct, ...": the kinds' own names, for errors and help.
std::string AnalysisTypeList();
// "k, mode, capacity" (or "none"): the options of one kind.
std::string AnalysisOptionList(const AnalysisKind& kind);

// The kinds with their options: as `starling specs` prints them, and as
// the Markdown section of docs/specs.md and the README.
std::string AnalysisKindsHelp();
std::string AnalysisKindsMarkdown();

// Shared by the kinds: emits the keys of `by` (or of the C++ API's custom
// key function) as items routed by their hash.
void ExtractKeys(const AnalysisSpec& spec, const model::Post& post, const PostFeatures& features,
                 ItemSink& sink);

}  // namespace starling::dataflow
