#include "model/window_result.h"

#include <cstdio>

#include "model/post_json.h"

namespace starling::model {
namespace {

void AppendNumber(double v, std::string* out) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.6g", v);
  out->append(buf, static_cast<std::size_t>(n));
}

}  // namespace

std::string_view ResultKindName(ResultKind kind) {
  switch (kind) {
    case ResultKind::kCount:
      return "count";
    case ResultKind::kTopK:
      return "top";
    case ResultKind::kDistinct:
      return "distinct";
    case ResultKind::kSentiment:
      return "sentiment";
    case ResultKind::kBurst:
      return "bursts";
    case ResultKind::kCluster:
      return "clusters";
    case ResultKind::kCooccurrence:
      return "cooccurrence";
    case ResultKind::kSession:
      return "sessions";
  }
  return "unknown";
}

std::optional<ResultKind> ResultKindFromName(std::string_view name) {
  for (ResultKind k : {ResultKind::kCount, ResultKind::kTopK, ResultKind::kDistinct,
                       ResultKind::kSentiment, ResultKind::kBurst, ResultKind::kCluster,
                       ResultKind::kCooccurrence, ResultKind::kSession}) {
    if (ResultKindName(k) == name) return k;
  }
  return std::nullopt;
}

void AppendResultJson(const WindowResult& r, std::string* out) {
  *out += "{\"pipeline\":";
  model::AppendJsonString(r.pipeline, out);
  *out += ",\"analysis\":";
  model::AppendJsonString(r.analysis, out);
  *out += ",\"kind\":\"";
  *out += model::ResultKindName(r.kind);
  *out += "\",\"window_start\":";
  if (r.window_start == INT64_MIN) {
    *out += "null";
  } else {
    model::AppendJsonString(model::FormatTimestamp(r.window_start), out);
  }
  *out += ",\"window_end\":";
  if (r.window_end == INT64_MAX) {
    *out += "null";
  } else {
    model::AppendJsonString(model::FormatTimestamp(r.window_end), out);
  }
  *out += ",\"final\":";
  *out += r.final ? "true" : "false";
  *out += ",\"total\":" + std::to_string(r.total);
  if (r.error_bound > 0) *out += ",\"error_bound\":" + std::to_string(r.error_bound);
  *out += ",\"rows\":[";
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const ResultRow& row = r.rows[i];
    if (i > 0) *out += ',';
    *out += '{';
    if (row.rank != 0 || r.kind != ResultKind::kSentiment)
      *out += "\"rank\":" + std::to_string(row.rank) + ",";
    *out += "\"key\":";
    model::AppendJsonString(row.key, out);
    if (r.kind == ResultKind::kCooccurrence) {
      *out += ",\"key2\":";
      model::AppendJsonString(row.key2, out);
    }
    *out += ",\"count\":" + std::to_string(row.count);
    switch (r.kind) {
      case ResultKind::kTopK:
      case ResultKind::kCooccurrence:
        if (row.error > 0) *out += ",\"error\":" + std::to_string(row.error);
        break;
      case ResultKind::kDistinct:
        *out += ",\"estimate\":";
        AppendNumber(row.value, out);
        *out += ",\"relative_error\":";
        AppendNumber(row.value2, out);
        break;
      case ResultKind::kSentiment:
        *out += ",\"mean_compound\":";
        AppendNumber(row.value, out);
        *out += ",\"positive\":" + std::to_string(row.pos) +
                ",\"neutral\":" + std::to_string(row.neu) +
                ",\"negative\":" + std::to_string(row.neg);
        break;
      case ResultKind::kBurst:
        *out += ",\"baseline\":";
        AppendNumber(row.value, out);
        *out += ",\"z\":";
        AppendNumber(row.value2, out);
        break;
      case ResultKind::kCluster:
        *out += ",\"weight\":";
        AppendNumber(row.value, out);
        *out += ",\"top_terms\":";
        model::AppendJsonString(row.text, out);
        break;
      default:
        break;
    }
    *out += '}';
  }
  *out += "]}";
}

}  // namespace starling::model
