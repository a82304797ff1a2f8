// File: sink/hdf5/internal/results.cc
#include "sink/hdf5/internal/results.h"

#include "model/post_json.h"
#include "model/result_columns.h"
#include "sink/hdf5/schema.h"

namespace starling::sink::hdf5 {
namespace {

const std::string& Text(std::span<const Value> cells, std::size_t i) {
  static const std::string empty;
  const auto* s = std::get_if<std::string>(&cells[i]);
  return s != nullptr ? *s : empty;
}

std::int64_t Int(std::span<const Value> cells, std::size_t i) {
  const auto* v = std::get_if<std::int64_t>(&cells[i]);
  return v != nullptr ? *v : 0;
}

double Real(std::span<const Value> cells, std::size_t i) {
  const auto* v = std::get_if<double>(&cells[i]);
  return v != nullptr ? *v : 0.0;
}

constexpr std::size_t kHead = 4;  // pipeline, analysis, window_start, window_end

}  // namespace

std::string BoundText(model::TimestampUs t) {
  if (t == INT64_MIN || t == INT64_MAX) return "";
  return model::FormatTimestamp(t);
}

Result<model::TimestampUs> BoundTime(const std::string& text, bool start) {
  if (text.empty()) return start ? INT64_MIN : INT64_MAX;
  return model::ParseTimestamp(text);
}

std::string WindowKey(const std::string& pipeline, const std::string& analysis,
                      const std::string& start, const std::string& end) {
  std::string k = pipeline;
  for (const std::string* s : {&analysis, &start, &end}) {
    k.push_back('\0');
    k += *s;
  }
  return k;
}

Result<std::vector<StoredWindow>> ReadWindows(hid_t file) {
  std::vector<StoredWindow> out;
  const std::string name(kWindowsTable);
  if (!HasObject(file, name)) return out;
  STARLING_ASSIGN_OR_RETURN(Handle ds, OpenTable(file, name, WindowsLayout()));
  STARLING_RETURN_IF_ERROR(ReadRows(ds.get(), WindowsLayout(), 0, 0, [&](std::span<const Value> c) {
    out.push_back({Text(c, 0), Text(c, 1), Text(c, 2), Text(c, 3), Text(c, 4), Int(c, 5), Int(c, 6),
                   Int(c, 7), Int(c, 8), Int(c, 9)});
    return Status::Ok();
  }));
  return out;
}

Status AddWindowRow(const StoredWindow& w, RecordBuffer* buffer) {
  const Cell cells[] = {std::string_view(w.pipeline),
                        std::string_view(w.analysis),
                        std::string_view(w.kind),
                        std::string_view(w.start),
                        std::string_view(w.end),
                        w.total,
                        w.error_bound,
                        w.final,
                        w.rows,
                        w.first_row};
  return buffer->Add(cells);
}

Status AddResultRow(model::ResultKind kind, const StoredWindow& w, const model::ResultRow& row,
                    RecordBuffer* buffer) {
  const model::ResultKindInfo& k = model::ResultKindInfoOf(kind);
  std::vector<Cell> cells = {std::string_view(w.pipeline), std::string_view(w.analysis),
                             std::string_view(w.start), std::string_view(w.end)};
  for (const model::ResultColumn& c : k.columns) {
    switch (c.type) {
      case model::ColumnType::kInt:
        cells.emplace_back(model::IntField(row, c.field));
        break;
      case model::ColumnType::kReal:
        cells.emplace_back(model::RealField(row, c.field));
        break;
      case model::ColumnType::kText:
        cells.emplace_back(std::string_view(model::TextField(row, c.field)));
        break;
    }
  }
  return buffer->Add(cells);
}

model::ResultRow ResultRowOf(model::ResultKind kind, std::span<const Value> cells) {
  const model::ResultKindInfo& k = model::ResultKindInfoOf(kind);
  model::ResultRow row;
  for (std::size_t i = 0; i < k.columns.size() && kHead + i < cells.size(); ++i) {
    const model::ResultColumn& c = k.columns[i];
    switch (c.type) {
      case model::ColumnType::kInt:
        model::SetIntField(&row, c.field, Int(cells, kHead + i));
        break;
      case model::ColumnType::kReal:
        model::SetRealField(&row, c.field, Real(cells, kHead + i));
        break;
      case model::ColumnType::kText:
        model::SetTextField(&row, c.field, Text(cells, kHead + i));
        break;
    }
  }
  return row;
}

std::vector<Cell> CellsOf(std::span<const Value> values) {
  std::vector<Cell> out;
  out.reserve(values.size());
  for (const Value& v : values) {
    std::visit(
        [&](const auto& x) {
          using T = std::decay_t<decltype(x)>;
          if constexpr (std::is_same_v<T, std::string>) {
            out.emplace_back(std::string_view(x));
          } else {
            out.emplace_back(x);
          }
        },
        v);
  }
  return out;
}

}  // namespace starling::sink::hdf5
