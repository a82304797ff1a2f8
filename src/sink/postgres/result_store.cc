// File: sink/postgres/result_store.cc
// Window results read back from PostgreSQL (the shared reader of
// sink/server/sql_result_store.h), and the store as `starling query` runs it.
#include "sink/postgres/connection.h"
#include "sink/postgres/schema.h"
#include "sink/postgres/store.h"
#include "sink/server/sql_result_store.h"

namespace starling::sink::postgres {
namespace {

// What the shared result reader needs of PostgreSQL.
class PgEngine final : public server::SqlEngine {
 public:
  PgEngine(Options o, Connection conn) : o_(std::move(o)), conn_(std::move(conn)) {}
  const std::string& Name() const override { return o_.address.display; }
  std::string_view Product() const override { return "PostgreSQL"; }
  Status Select(std::string_view sql,
                const std::function<Status(std::span<const Value>)>& on_row) override {
    return conn_.Stream(
        sql, [](std::vector<std::string>) { return Status::Ok(); }, on_row);
  }
  std::string Literal(std::string_view text) override { return conn_.Literal(text); }
  std::string Identifier(std::string_view name) const override { return Quote(name); }
  Result<bool> HasResults() override {
    STARLING_ASSIGN_OR_RETURN(PgResult r, conn_.Query("SELECT to_regclass('windows') IS NOT NULL"));
    return std::string_view(PQgetvalue(r.get(), 0, 0)) == "t";
  }

 private:
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
  return server::MakeSqlResultStore(std::make_unique<PgEngine>(options, std::move(conn)));
}

Result<std::unique_ptr<QueryableStore>> OpenQueryable(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Connection conn, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<QueryableStore>(new PgQueryable(options, std::move(conn)));
}

}  // namespace starling::sink::postgres
