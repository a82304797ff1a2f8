// File: sink/mysql/result_store.cc
// Window results read back from MariaDB (sink/store.h's ResultStore), and
// the store as `starling query` runs it.
#include <algorithm>

#include "model/result_columns.h"
#include "sink/mysql/connection.h"
#include "sink/mysql/schema.h"
#include "sink/mysql/store.h"
#include "sink/server/results.h"

namespace starling::sink::mysql {
namespace {

std::int64_t Int(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return 0;
}

std::string Text(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}

class MyResultStore final : public ResultStore {
 public:
  MyResultStore(Options o, Connection conn) : o_(std::move(o)), conn_(std::move(conn)) {}

  const std::string& Name() const override { return o_.address.display; }

  Result<std::vector<StoredPipeline>> Pipelines() override {
    STARLING_RETURN_IF_ERROR(Present());
    STARLING_ASSIGN_OR_RETURN(Rows r, conn_.Query("SELECT pipeline, COUNT(*) FROM windows "
                                                  "GROUP BY pipeline ORDER BY 2 DESC, 1"));
    std::vector<StoredPipeline> out;
    for (const auto& row : r.rows) {
      out.push_back({Text(row[0]), static_cast<std::uint64_t>(Int(row[1]))});
    }
    return out;
  }

  Result<std::vector<model::AnalysisMeta>> Analyses(const std::string& pipeline) override {
    STARLING_RETURN_IF_ERROR(Present());
    std::string p;
    conn_.AppendLiteral(&p, pipeline);
    STARLING_ASSIGN_OR_RETURN(
        Rows r,
        conn_.Query("SELECT w.analysis, w.kind, a.`by`, a.`window`, a.k, a.`of` FROM "
                    "(SELECT analysis, kind, MIN(seq) AS first FROM windows WHERE "
                    "pipeline = " +
                    p + " GROUP BY analysis, kind) w LEFT JOIN analyses a ON a.pipeline = " + p +
                    " AND a.analysis = w.analysis ORDER BY w.first"));
    std::vector<model::AnalysisMeta> out;
    for (const auto& row : r.rows) {
      const auto kind = model::ResultKindFromName(Text(row[1]));
      if (!kind) continue;
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
    std::string head = " WHERE pipeline = ";
    conn_.AppendLiteral(&head, a.pipeline);
    head += " AND analysis = ";
    conn_.AppendLiteral(&head, a.analysis);
    STARLING_ASSIGN_OR_RETURN(
        Rows ws, conn_.Query("SELECT window_start, window_end, total, error_bound, final FROM "
                             "windows" +
                             head + " ORDER BY window_end DESC, window_start DESC LIMIT " +
                             std::to_string(std::min<std::size_t>(limit, INT64_MAX))));
    const model::ResultKindInfo& k = model::ResultKindInfoOf(a.kind);
    std::string order;
    for (const model::SortTerm& t : k.order) {
      order +=
          (order.empty() ? " ORDER BY " : ", ") + Quote(t.column) + (t.descending ? " DESC" : "");
    }
    std::vector<model::WindowResult> out;
    for (const auto& w : ws.rows) {
      model::WindowResult r;
      r.pipeline = a.pipeline;
      r.analysis = a.analysis;
      r.kind = a.kind;
      const std::string start = Text(w[0]), end = Text(w[1]);
      auto s = server::ParseWindowBound(start, true);
      auto e = server::ParseWindowBound(end, false);
      if (!s.ok() || !e.ok()) {
        return MalformedInput(Name() + ": window of " + a.analysis + " has a bad time '" + start +
                              "'..'" + end + "'");
      }
      r.window_start = *s;
      r.window_end = *e;
      r.total = static_cast<std::uint64_t>(Int(w[2]));
      r.error_bound = static_cast<std::uint64_t>(Int(w[3]));
      r.final = Int(w[4]) != 0;
      std::string where = head + " AND window_start = ";
      conn_.AppendLiteral(&where, start);
      where += " AND window_end = ";
      conn_.AppendLiteral(&where, end);
      STARLING_ASSIGN_OR_RETURN(Rows rows,
                                conn_.Query("SELECT " + ResultColumnList(a.kind) + " FROM " +
                                            std::string(k.table) + where + order));
      std::int32_t rank = 0;
      for (const auto& cells : rows.rows) {
        model::ResultRow row;
        for (std::size_t c = 0; c < k.columns.size(); ++c) {
          const model::ResultColumn& col = k.columns[c];
          const Value& v = cells[c];
          server::SetResultField(&row, col, v);
        }
        if (k.rank_by_order) row.rank = ++rank;
        r.rows.push_back(std::move(row));
      }
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  Status Present() {
    STARLING_ASSIGN_OR_RETURN(
        Rows r, conn_.Query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                            "DATABASE() AND table_name = 'windows'"));
    if (r.rows.empty() || Int(r.rows[0][0]) == 0) {
      return NotFound("MariaDB " + o_.address.display + " holds no results tables");
    }
    return Status::Ok();
  }

  Options o_;
  Connection conn_;
};

class MyQueryable final : public QueryableStore {
 public:
  MyQueryable(Options o, Connection conn) : o_(std::move(o)), conn_(std::move(conn)) {}
  const std::string& Name() const override { return o_.address.display; }
  std::string_view Dialect() const override { return "mysql"; }
  std::string ColumnSql(std::string_view table, std::string_view column,
                        std::string_view qualifier) const override {
    return LogicalColumnSql(table, column, qualifier);
  }
  Status Query(std::string_view statement,
               const std::function<Status(std::vector<std::string>)>& on_columns,
               const std::function<Status(std::span<const Value>)>& on_row) override {
    // Read-only: a query never changes the store.
    STARLING_RETURN_IF_ERROR(conn_.Exec("START TRANSACTION READ ONLY"));
    Status st = conn_.Stream(statement, on_columns, on_row);
    (void)conn_.Exec("COMMIT");
    return st;
  }

 private:
  Options o_;
  Connection conn_;
};

}  // namespace

Result<std::unique_ptr<ResultStore>> OpenResultStore(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Connection conn, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<ResultStore>(new MyResultStore(options, std::move(conn)));
}

Result<std::unique_ptr<QueryableStore>> OpenQueryable(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Connection conn, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<QueryableStore>(new MyQueryable(options, std::move(conn)));
}

}  // namespace starling::sink::mysql
