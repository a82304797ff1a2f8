// File: sink/postgres/result_store.cc
// Window results read back from PostgreSQL (sink/store.h's ResultStore).
#include <algorithm>

#include "model/result_columns.h"
#include "sink/postgres/connection.h"
#include "sink/postgres/schema.h"
#include "sink/postgres/store.h"
#include "sink/server/results.h"

namespace starling::sink::postgres {
namespace {

std::int64_t Int(const PGresult* r, int row, int col) {
  const Value v = CellValue(r, row, col);
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  return 0;
}

class PgResultStore final : public ResultStore {
 public:
  PgResultStore(Options o, Connection conn) : o_(std::move(o)), conn_(std::move(conn)) {}

  const std::string& Name() const override { return o_.address.display; }

  Result<std::vector<StoredPipeline>> Pipelines() override {
    STARLING_RETURN_IF_ERROR(Present());
    STARLING_ASSIGN_OR_RETURN(PgResult r, conn_.Query("SELECT pipeline, COUNT(*) FROM windows "
                                                      "GROUP BY pipeline ORDER BY 2 DESC, 1"));
    std::vector<StoredPipeline> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      out.push_back({PQgetvalue(r.get(), i, 0), static_cast<std::uint64_t>(Int(r.get(), i, 1))});
    }
    return out;
  }

  Result<std::vector<model::AnalysisMeta>> Analyses(const std::string& pipeline) override {
    STARLING_RETURN_IF_ERROR(Present());
    const std::array<std::optional<std::string>, 1> p{pipeline};
    STARLING_ASSIGN_OR_RETURN(
        PgResult r,
        conn_.Query("SELECT w.analysis, w.kind, a.\"by\", a.\"window\", a.k, a.\"of\" FROM "
                    "(SELECT analysis, kind, MIN(seq) AS first FROM windows WHERE pipeline = $1 "
                    "GROUP BY analysis, kind) w LEFT JOIN analyses a ON a.pipeline = $1 AND "
                    "a.analysis = w.analysis ORDER BY w.first",
                    p));
    std::vector<model::AnalysisMeta> out;
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      const auto kind = model::ResultKindFromName(PQgetvalue(r.get(), i, 1));
      if (!kind) continue;
      model::AnalysisMeta a;
      a.pipeline = pipeline;
      a.analysis = PQgetvalue(r.get(), i, 0);
      a.kind = *kind;
      a.by = PQgetvalue(r.get(), i, 2);
      a.window = PQgetvalue(r.get(), i, 3);
      a.k = static_cast<std::uint64_t>(std::max<std::int64_t>(0, Int(r.get(), i, 4)));
      a.of = PQgetvalue(r.get(), i, 5);
      out.push_back(std::move(a));
    }
    return out;
  }

  Result<std::vector<model::WindowResult>> RecentWindows(const model::AnalysisMeta& a,
                                                         std::size_t limit) override {
    STARLING_RETURN_IF_ERROR(Present());
    const std::array<std::optional<std::string>, 3> p{a.pipeline, a.analysis,
                                                      limit > static_cast<std::size_t>(INT64_MAX)
                                                          ? std::nullopt
                                                          : std::optional(std::to_string(limit))};
    STARLING_ASSIGN_OR_RETURN(
        PgResult ws, conn_.Query("SELECT window_start, window_end, total, error_bound, final FROM "
                                 "windows WHERE pipeline = $1 AND analysis = $2 ORDER BY "
                                 "window_end DESC, window_start DESC LIMIT $3::bigint",
                                 p));
    const model::ResultKindInfo& k = model::ResultKindInfoOf(a.kind);
    std::string order;
    for (const model::SortTerm& t : k.order) {
      order +=
          (order.empty() ? " ORDER BY " : ", ") + Quote(t.column) + (t.descending ? " DESC" : "");
    }
    const std::string rows_sql = "SELECT " + ResultColumnList(a.kind) + " FROM " +
                                 std::string(k.table) +
                                 " WHERE pipeline = $1 AND analysis = $2 AND window_start = $3 "
                                 "AND window_end = $4" +
                                 order;
    std::vector<model::WindowResult> out;
    for (int i = 0; i < PQntuples(ws.get()); ++i) {
      model::WindowResult r;
      r.pipeline = a.pipeline;
      r.analysis = a.analysis;
      r.kind = a.kind;
      const std::string start = PQgetvalue(ws.get(), i, 0), end = PQgetvalue(ws.get(), i, 1);
      auto s = server::ParseWindowBound(start, true);
      auto e = server::ParseWindowBound(end, false);
      if (!s.ok() || !e.ok()) {
        return MalformedInput(Name() + ": window of " + a.analysis + " has a bad time '" + start +
                              "'..'" + end + "'");
      }
      r.window_start = *s;
      r.window_end = *e;
      r.total = static_cast<std::uint64_t>(Int(ws.get(), i, 2));
      r.error_bound = static_cast<std::uint64_t>(Int(ws.get(), i, 3));
      r.final = Int(ws.get(), i, 4) != 0;
      const std::array<std::optional<std::string>, 4> head{a.pipeline, a.analysis, start, end};
      STARLING_ASSIGN_OR_RETURN(PgResult rows, conn_.Query(rows_sql, head));
      std::int32_t rank = 0;
      for (int j = 0; j < PQntuples(rows.get()); ++j) {
        model::ResultRow row;
        for (std::size_t c = 0; c < k.columns.size(); ++c) {
          const model::ResultColumn& col = k.columns[c];
          const Value v = CellValue(rows.get(), j, static_cast<int>(c));
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
    STARLING_ASSIGN_OR_RETURN(PgResult r, conn_.Query("SELECT to_regclass('windows') IS NOT NULL"));
    if (std::string_view(PQgetvalue(r.get(), 0, 0)) != "t") {
      return NotFound("PostgreSQL " + o_.address.display + " holds no results tables");
    }
    return Status::Ok();
  }

  Options o_;
  Connection conn_;
};

class PgQueryable final : public QueryableStore {
 public:
  PgQueryable(Options o, Connection conn) : o_(std::move(o)), conn_(std::move(conn)) {}
  const std::string& Name() const override { return o_.address.display; }
  std::string_view Dialect() const override { return "postgres"; }
  std::string ColumnSql(std::string_view table, std::string_view column,
                        std::string_view qualifier) const override {
    return LogicalColumnSql(table, column, qualifier);
  }
  Status Query(std::string_view statement,
               const std::function<Status(std::vector<std::string>)>& on_columns,
               const std::function<Status(std::span<const Value>)>& on_row) override {
    // Read-only: a query never changes the store.
    STARLING_RETURN_IF_ERROR(conn_.Exec("BEGIN READ ONLY"));
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
  return std::unique_ptr<ResultStore>(new PgResultStore(options, std::move(conn)));
}

Result<std::unique_ptr<QueryableStore>> OpenQueryable(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Connection conn, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<QueryableStore>(new PgQueryable(options, std::move(conn)));
}

}  // namespace starling::sink::postgres
