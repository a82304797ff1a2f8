// File: sink/server/sql_result_store.cc
#include "sink/server/sql_result_store.h"

#include <algorithm>
#include <cstdint>
#include <vector>

#include "model/result_columns.h"
#include "sink/server/results.h"

namespace starling::sink::server {
namespace {

std::int64_t Int(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return 0;
}

std::string Text(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}

using Rows = std::vector<std::vector<Value>>;

class SqlResultStore final : public ResultStore {
 public:
  explicit SqlResultStore(std::unique_ptr<SqlEngine> engine) : e_(std::move(engine)) {}

  const std::string& Name() const override { return e_->Name(); }

  Result<std::vector<StoredPipeline>> Pipelines() override {
    STARLING_RETURN_IF_ERROR(Present());
    STARLING_ASSIGN_OR_RETURN(
        const Rows r, All("SELECT pipeline, COUNT(*) FROM windows GROUP BY pipeline ORDER BY 2 "
                          "DESC, 1"));
    std::vector<StoredPipeline> out;
    for (const auto& row : r) {
      out.push_back({Text(row[0]), static_cast<std::uint64_t>(Int(row[1]))});
    }
    return out;
  }

  Result<std::vector<model::AnalysisMeta>> Analyses(const std::string& pipeline) override {
    STARLING_RETURN_IF_ERROR(Present());
    const std::string p = e_->Literal(pipeline);
    STARLING_ASSIGN_OR_RETURN(
        const Rows r,
        All("SELECT w.analysis, w.kind, a." + e_->Identifier("by") + ", a." +
            e_->Identifier("window") + ", a.k, a." + e_->Identifier("of") +
            " FROM (SELECT analysis, kind, MIN(seq) AS first FROM windows WHERE pipeline = " + p +
            " GROUP BY analysis, kind) w LEFT JOIN analyses a ON a.pipeline = " + p +
            " AND a.analysis = w.analysis ORDER BY w.first"));
    std::vector<model::AnalysisMeta> out;
    for (const auto& row : r) {
      const auto kind = model::ResultKindFromName(Text(row[1]));
      if (!kind) continue;  // a kind this build does not know
      model::AnalysisMeta a;
      a.pipeline = pipeline;
      a.analysis = Text(row[0]);
      a.kind = *kind;
      a.by = Text(row[2]);
      a.window = Text(row[3]);
      a.k = static_cast<std::uint64_t>(std::max<std::int64_t>(0, Int(row[4])));
      a.of = Text(row[5]);
      out.push_back(std::move(a));
    }
    return out;
  }

  Result<std::vector<model::WindowResult>> RecentWindows(const model::AnalysisMeta& a,
                                                         std::size_t limit) override {
    STARLING_RETURN_IF_ERROR(Present());
    const std::string head = " WHERE pipeline = " + e_->Literal(a.pipeline) +
                             " AND analysis = " + e_->Literal(a.analysis);
    STARLING_ASSIGN_OR_RETURN(
        const Rows ws,
        All("SELECT window_start, window_end, total, error_bound, final FROM windows" + head +
            " ORDER BY window_end DESC, window_start DESC LIMIT " +
            std::to_string(std::min<std::size_t>(limit, INT64_MAX))));
    const model::ResultKindInfo& k = model::ResultKindInfoOf(a.kind);
    std::string columns, order;
    for (const model::ResultColumn& c : k.columns) {
      columns += (columns.empty() ? "" : ", ") + e_->Identifier(c.name);
    }
    for (const model::SortTerm& t : k.order) {
      order += (order.empty() ? " ORDER BY " : ", ") + e_->Identifier(t.column) +
               (t.descending ? " DESC" : "");
    }
    std::vector<model::WindowResult> out;
    for (const auto& w : ws) {
      model::WindowResult r;
      r.pipeline = a.pipeline;
      r.analysis = a.analysis;
      r.kind = a.kind;
      const std::string start = Text(w[0]), end = Text(w[1]);
      auto s = ParseWindowBound(start, true);
      auto e = ParseWindowBound(end, false);
      if (!s.ok() || !e.ok()) {
        return MalformedInput(Name() + ": window of " + a.analysis + " has a bad time '" + start +
                              "'..'" + end + "'");
      }
      r.window_start = *s;
      r.window_end = *e;
      r.total = static_cast<std::uint64_t>(Int(w[2]));
      r.error_bound = static_cast<std::uint64_t>(Int(w[3]));
      r.final = Int(w[4]) != 0;
      std::int32_t rank = 0;
      STARLING_RETURN_IF_ERROR(e_->Select(
          "SELECT " + columns + " FROM " + std::string(k.table) + head + " AND window_start = " +
              e_->Literal(start) + " AND window_end = " + e_->Literal(end) + order,
          [&](std::span<const Value> cells) -> Status {
            model::ResultRow row;
            for (std::size_t c = 0; c < k.columns.size() && c < cells.size(); ++c) {
              SetResultField(&row, k.columns[c], cells[c]);
            }
            if (k.rank_by_order) row.rank = ++rank;
            r.rows.push_back(std::move(row));
            return Status::Ok();
          }));
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  Status Present() {
    STARLING_ASSIGN_OR_RETURN(const bool present, e_->HasResults());
    if (!present) {
      return NotFound(std::string(e_->Product()) + " " + Name() + " holds no results tables");
    }
    return Status::Ok();
  }

  // A whole answer (small: the windows of one analysis, the pipelines).
  Result<Rows> All(const std::string& sql) {
    Rows rows;
    STARLING_RETURN_IF_ERROR(e_->Select(sql, [&rows](std::span<const Value> cells) -> Status {
      rows.emplace_back(cells.begin(), cells.end());
      return Status::Ok();
    }));
    return rows;
  }

  std::unique_ptr<SqlEngine> e_;
};

}  // namespace

std::unique_ptr<ResultStore> MakeSqlResultStore(std::unique_ptr<SqlEngine> engine) {
  return std::make_unique<SqlResultStore>(std::move(engine));
}

}  // namespace starling::sink::server
