#include "dataflow/pipeline.h"

#include <set>

#include "common/duration.h"
#include "dataflow/analysis/kind.h"
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
  const AnalysisKind& kind = AnalysisKindOf(analysis.kind);
  if (kind.takes_by && !analysis.custom_keys) STARLING_RETURN_IF_ERROR(check("by", analysis.by));
  if (kind.takes_of) STARLING_RETURN_IF_ERROR(check("of", analysis.of));
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
    const AnalysisKind& kind = AnalysisKindOf(a.kind);
    if (kind.takes_by && !a.custom_keys) m.by = DimensionName(a.by);
    m.window = FormatWindowSpec(a.window);
    if (kind.reports_k) m.k = a.k;
    if (kind.takes_of) m.of = DimensionName(a.of);
    out.push_back(std::move(m));
  }
  return out;
}

}  // namespace starling::dataflow
