// File: query/executor.cc
#include "query/executor.h"

#include <array>

#include "model/result_columns.h"
#include "query/internal/operators.h"
#include "sink/server/results.h"

namespace starling::query {
namespace {

using parse::Fields;

// The parser's fields each column of `posts` comes from (0: always read).
std::uint32_t PostsColumnFields(std::string_view c, bool* raw) {
  if (c == "created_at" || c == "created_at_iso") return Fields::kTime;
  if (c.starts_with("author_")) return Fields::kAuthor;
  if (c == "text") return Fields::kText;
  if (c == "lang") return Fields::kLang;
  if (c == "kind" || c == "ref_id") return Fields::kReferences;
  if (c.ends_with("_count")) return Fields::kMetrics;
  if (c == "lon" || c == "lat" || c.starts_with("place_") || c == "country_code") {
    return Fields::kGeo;
  }
  if (c == "raw") *raw = true;
  return 0;
}

// Pushes the rows of a result table, a window at a time, into `first`: the
// window's head (pipeline, analysis, its bounds as the stores keep them
// as text, '' for the global window's open bounds), then the kind's columns.
Status ScanResults(const Node& scan, PostInput& input, internal::Operator* first,
                   internal::RunState* state) {
  const model::ResultKindInfo& kind = model::ResultKindInfoOf(scan.table.result_kind);
  constexpr std::size_t kHead = 4;
  std::vector<Value> row(scan.columns.size());
  return input.ForEachWindow(
      scan.table.result_kind,
      [&](const model::WindowResult& w) -> Status {
        state->scratch.Reset();
        const std::string start = sink::server::WindowBound(w.window_start);
        const std::string end = sink::server::WindowBound(w.window_end);
        row[0] = Value::Text(w.pipeline);
        row[1] = Value::Text(w.analysis);
        row[2] = Value::Text(start);
        row[3] = Value::Text(end);
        for (const model::ResultRow& r : w.rows) {
          for (std::size_t i = 0; i < kind.columns.size(); ++i) {
            if (!scan.needed[kHead + i]) continue;
            const model::ResultColumn& c = kind.columns[i];
            switch (c.type) {
              case model::ColumnType::kInt:
                row[kHead + i] = Value::Int(model::IntField(r, c.field));
                break;
              case model::ColumnType::kReal:
                row[kHead + i] = Value::Real(model::RealField(r, c.field));
                break;
              case model::ColumnType::kText:
                row[kHead + i] = Value::Text(model::TextField(r, c.field));
                break;
            }
          }
          STARLING_RETURN_IF_ERROR(first->Push(row.data()));
        }
        return Status::Ok();
      },
      [first] { return first->Done(); });
}

// Pushes the rows of one table, a post at a time, into `first`.
Status Scan(const Node& scan, PostInput& input, internal::Operator* first,
            internal::RunState* state) {
  if (scan.table.result) return ScanResults(scan, input, first, state);
  bool keep_raw = false;
  const Fields fields = FieldsFor(scan, &keep_raw);
  const std::size_t width = scan.columns.size();
  std::vector<Value> row(width);
  std::vector<std::size_t> needed;
  for (std::size_t i = 0; i < width; ++i) {
    if (scan.needed[i]) needed.push_back(i);
  }
  const sink::RowCallback on_row = [&](std::span<const sink::Cell> cells) -> Status {
    for (const std::size_t i : needed) {
      const sink::Cell& c = cells[i];
      switch (c.index()) {
        case 0:
          row[i] = Value::Null();
          break;
        case 1:
          row[i] = Value::Int(std::get<std::int64_t>(c));
          break;
        case 2:
          row[i] = Value::Real(std::get<double>(c));
          break;
        default:
          row[i] = Value::Text(std::get<std::string_view>(c));
          break;
      }
    }
    return first->Push(row.data());
  };
  return input.ForEachPost(
      fields, keep_raw,
      [&](const model::Post& post) -> Status {
        state->scratch.Reset();
        return sink::PostRows(scan.table.logical, post, on_row);
      },
      [first] { return first->Done(); });
}

}  // namespace

Fields FieldsFor(const Node& scan, bool* keep_raw) {
  *keep_raw = false;
  Fields f;
  f.bits = 0;
  switch (scan.table.logical) {
    case sink::LogicalTable::kPosts:
      for (std::size_t i = 0; i < scan.columns.size(); ++i) {
        if (scan.needed[i]) f.bits |= PostsColumnFields(scan.columns[i].name, keep_raw);
      }
      break;
    case sink::LogicalTable::kHashtags:
      f.bits = Fields::kHashtags;
      break;
    case sink::LogicalTable::kMentions:
      f.bits = Fields::kMentions;
      break;
    case sink::LogicalTable::kUrls:
      f.bits = Fields::kUrls;
      break;
    case sink::LogicalTable::kCashtags:
      f.bits = Fields::kCashtags;
      break;
    case sink::LogicalTable::kPostReferences:
      f.bits = Fields::kReferences;
      break;
    case sink::LogicalTable::kMatchingRules:
      f.bits = Fields::kRules;
      break;
  }
  return f;
}

Result<Answer> Execute(const Plan& plan, PostInput& input) {
  Answer answer;
  answer.names = plan.ColumnNames();
  for (const Column& c : plan.columns()) answer.types.push_back(c.type);

  internal::RunState state;
  internal::Collect collect(answer.width(), &answer.cells, &answer.arena);
  // Built last to first, so each operator knows the next.
  std::vector<std::unique_ptr<internal::Operator>> ops(plan.nodes.size());
  internal::Operator* next = &collect;
  for (std::size_t k = plan.nodes.size(); k-- > 1;) {
    const Node& n = plan.nodes[k];
    std::int64_t take_after = -1;
    if (n.kind == NodeKind::kSort && k + 1 < plan.nodes.size() &&
        plan.nodes[k + 1].kind == NodeKind::kTake) {
      take_after = plan.nodes[k + 1].offset + plan.nodes[k + 1].limit;
    }
    ops[k] = internal::MakeOperator(n, plan.nodes[k - 1].columns.size(), take_after, next, &state);
    next = ops[k].get();
  }
  // A join's right table first: its rows, kept, make the probe's hash table.
  std::vector<Arena> right_arenas(plan.nodes.size());
  for (std::size_t k = 1; k < plan.nodes.size(); ++k) {
    const Node& n = plan.nodes[k];
    if (n.kind != NodeKind::kJoin) continue;
    const Node& right = n.right[0];
    std::vector<Value> rows;
    internal::Collect keep(right.columns.size(), &rows, &right_arenas[k]);
    STARLING_RETURN_IF_ERROR(Scan(right, input, &keep, &state));
    static_cast<internal::JoinProbe*>(ops[k].get())->Build(std::move(rows));
  }
  STARLING_RETURN_IF_ERROR(Scan(plan.nodes[0], input, next, &state));
  STARLING_RETURN_IF_ERROR(next->Finish());
  answer.skipped_records = input.skipped();
  return answer;
}

}  // namespace starling::query
