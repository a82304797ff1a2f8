#include "dataflow/pipeline.h"

#include <set>

#include "common/duration.h"
#include "dataflow/keys.h"
#include "dataflow/window.h"

namespace starling::dataflow {

std::string_view ProcessingModeName(ProcessingMode m) {
  return m == ProcessingMode::kRecord ? "record" : "microbatch";
}

Status PipelineSpec::Validate() const {
  if (name.empty()) return InvalidArgument("the pipeline needs a name");
  if (watermark_bound.count() < 0) return InvalidArgument("watermark bound must be >= 0");
  if (allowed_lateness.count() < 0) return InvalidArgument("allowed lateness must be >= 0");
  if (mode == ProcessingMode::kMicroBatch && batch_interval.count() <= 0) {
    return InvalidArgument("batch interval must be > 0");
  }
  std::set<std::string> names;
  for (const AnalysisSpec& a : analyses) {
    STARLING_RETURN_IF_ERROR(ValidateAnalysis(a));
    STARLING_RETURN_IF_ERROR(CheckLabelDimensions(a, transforms));
    if (!names.insert(a.name).second) {
      return InvalidArgument("two analyses are named '" + a.name + "'");
    }
  }
  return Status::Ok();
}

Status CheckLabelDimensions(const AnalysisSpec& analysis,
                            const std::vector<Transform>& transforms) {
  auto check = [&](const char* key, const DimensionRef& d) -> Status {
    if (d.dim != Dimension::kLabel) return Status::Ok();
    std::string added;  // the labels the joins declare, for the message
    bool joins = false;
    for (const Transform& t : transforms) {
      if (t.kind != Transform::Kind::kJoin) continue;
      joins = true;
      if (t.labels.empty()) return Status::Ok();  // undeclared: may add it
      for (const std::string& l : t.labels) {
        if (l == d.label) return Status::Ok();
        added += (added.empty() ? "" : ", ") + l;
      }
    }
    return InvalidArgument(
        "analysis '" + analysis.name + "': " + key + ": label:" + d.label +
        (joins ? ": no join adds the label '" + d.label + "' (they add: " + added + ")"
               : ": labels come from a join, and the pipeline has none "
                 "(join: [{file: FILE.csv, on: author, column: COLUMN}])"));
  };
  const bool has_by = analysis.kind != model::ResultKind::kCooccurrence &&
                      analysis.kind != model::ResultKind::kCluster && !analysis.custom_keys;
  if (has_by) STARLING_RETURN_IF_ERROR(check("by", analysis.by));
  if (analysis.kind == model::ResultKind::kDistinct)
    STARLING_RETURN_IF_ERROR(check("of", analysis.of));
  return Status::Ok();
}

std::string PipelineSpec::Fingerprint() const {
  std::string f = name + "|" + (time == TimeMode::kEvent ? "event" : "processing") + "|" +
                  FormatDuration(watermark_bound) + "|" + FormatDuration(allowed_lateness);
  for (const AnalysisSpec& a : analyses) {
    f += "|" + a.name + ":" + std::string(model::ResultKindName(a.kind)) + ":" +
         DimensionName(a.by) + ":" + FormatWindowSpec(a.window) + ":" + std::to_string(a.k) +
         (a.space_saving ? ":ss" + std::to_string(a.capacity) : "");
  }
  return f;
}

std::vector<model::AnalysisMeta> DescribeAnalyses(const PipelineSpec& spec) {
  std::vector<model::AnalysisMeta> out;
  for (const AnalysisSpec& a : spec.analyses) {
    model::AnalysisMeta m;
    m.pipeline = spec.name;
    m.analysis = a.name;
    m.kind = a.kind;
    const bool has_by = a.kind != model::ResultKind::kCooccurrence &&
                        a.kind != model::ResultKind::kCluster && !a.custom_keys;
    if (has_by) m.by = DimensionName(a.by);
    m.window = FormatWindowSpec(a.window);
    switch (a.kind) {
      case model::ResultKind::kTopK:
      case model::ResultKind::kCooccurrence:
      case model::ResultKind::kCount:
      case model::ResultKind::kSentiment:
      case model::ResultKind::kCluster:
        m.k = a.k;
        break;
      default:
        break;
    }
    if (a.kind == model::ResultKind::kDistinct) m.of = DimensionName(a.of);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace starling::dataflow
