// File: sink/server/results.cc
#include "sink/server/results.h"

#include <charconv>
#include <cstdint>

namespace starling::sink::server {

std::string WindowBound(model::TimestampUs t) {
  if (t == INT64_MIN || t == INT64_MAX) return "";
  return model::FormatTimestamp(t);
}

Result<model::TimestampUs> ParseWindowBound(const std::string& text, bool start) {
  if (text.empty()) return start ? INT64_MIN : INT64_MAX;
  return model::ParseTimestamp(text);
}

void SetResultField(model::ResultRow* row, const model::ResultColumn& column, const Value& cell) {
  std::int64_t i = 0;
  double d = 0;
  std::string s;
  if (const auto* v = std::get_if<std::int64_t>(&cell)) {
    i = *v;
    d = static_cast<double>(*v);
    s = std::to_string(*v);
  } else if (const auto* v = std::get_if<double>(&cell)) {
    d = *v;
    i = static_cast<std::int64_t>(*v);
  } else if (const auto* v = std::get_if<std::string>(&cell)) {
    s = *v;
    std::from_chars(v->data(), v->data() + v->size(), i);
    std::from_chars(v->data(), v->data() + v->size(), d);
  }
  switch (column.type) {
    case model::ColumnType::kInt:
      model::SetIntField(row, column.field, i);
      break;
    case model::ColumnType::kReal:
      model::SetRealField(row, column.field, d);
      break;
    case model::ColumnType::kText:
      model::SetTextField(row, column.field, std::move(s));
      break;
  }
}

}  // namespace starling::sink::server
