// File: sink/mysql/result_store.cc
// Window results read back from MariaDB (the shared reader of
// sink/server/sql_result_store.h), and the store as `starling query` runs it.
#include "sink/mysql/connection.h"
#include "sink/mysql/schema.h"
#include "sink/mysql/store.h"
#include "sink/server/sql_result_store.h"

namespace starling::sink::mysql {
namespace {

// What the shared result reader needs of MariaDB.
class MyEngine final : public server::SqlEngine {
 public:
  MyEngine(Options o, Connection conn) : o_(std::move(o)), conn_(std::move(conn)) {}
  const std::string& Name() const override { return o_.address.display; }
  std::string_view Product() const override { return "MariaDB"; }
  Status Select(std::string_view sql,
                const std::function<Status(std::span<const Value>)>& on_row) override {
    return conn_.Stream(
        sql, [](std::vector<std::string>) { return Status::Ok(); }, on_row);
  }
  std::string Literal(std::string_view text) override {
    std::string out;
    conn_.AppendLiteral(&out, text);
    return out;
  }
  std::string Identifier(std::string_view name) const override { return Quote(name); }
  Result<bool> HasResults() override {
    STARLING_ASSIGN_OR_RETURN(
        Rows r, conn_.Query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                            "DATABASE() AND table_name = 'windows'"));
    if (r.rows.empty()) return false;
    const auto* n = std::get_if<std::int64_t>(&r.rows[0][0]);
    return n != nullptr && *n > 0;
  }

 private:
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
  return server::MakeSqlResultStore(std::make_unique<MyEngine>(options, std::move(conn)));
}

Result<std::unique_ptr<QueryableStore>> OpenQueryable(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Connection conn, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<QueryableStore>(new MyQueryable(options, std::move(conn)));
}

}  // namespace starling::sink::mysql
