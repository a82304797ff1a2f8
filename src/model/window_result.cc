#include "model/window_result.h"

#include <cstdio>

#include "model/post_json.h"
#include "model/result_columns.h"

namespace starling::model {
namespace {

void AppendNumber(double v, std::string* out) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.6g", v);
  out->append(buf, static_cast<std::size_t>(n));
}

}  // namespace

std::string_view ResultKindName(ResultKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  const auto kinds = ResultKinds();
  return i < kinds.size() ? kinds[i].name : "unknown";
}

std::optional<ResultKind> ResultKindFromName(std::string_view name) {
  for (const ResultKindInfo& k : ResultKinds()) {
    if (k.name == name) return k.kind;
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
  const std::vector<JsonField>& fields = ResultKindInfoOf(r.kind).json;
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const ResultRow& row = r.rows[i];
    if (i > 0) *out += ',';
    *out += '{';
    bool first = true;
    for (const JsonField& f : fields) {
      if (f.omit_zero && f.type == ColumnType::kInt && IntField(row, f.field) == 0) continue;
      if (!first) *out += ',';
      first = false;
      *out += '"';
      *out += f.name;
      *out += "\":";
      switch (f.type) {
        case ColumnType::kInt:
          *out += std::to_string(IntField(row, f.field));
          break;
        case ColumnType::kReal:
          AppendNumber(RealField(row, f.field), out);
          break;
        case ColumnType::kText:
          model::AppendJsonString(TextField(row, f.field), out);
          break;
      }
    }
    *out += '}';
  }
  *out += "]}";
}

}  // namespace starling::model
