// File: sink/sqlite/query_store.cc
#include "sink/sqlite/query_store.h"

#include "sink/sqlite/database.h"
#include "text/case.h"

namespace starling::sink {
namespace {

std::string Lower(std::string_view s) { return text::LowerEachCodePoint(s); }
std::string Upper(std::string_view s) { return text::UpperEachCodePoint(s); }

class SqliteQueryStore : public QueryableStore {
 public:
  explicit SqliteQueryStore(sqlite::Database db) : db_(std::move(db)) {}

  const std::string& Name() const override { return db_.path(); }
  std::string_view Dialect() const override { return "sqlite"; }

  Status Query(std::string_view statement,
               const std::function<Status(std::vector<std::string>)>& on_columns,
               const std::function<Status(std::span<const Value>)>& on_row) override {
    auto st = db_.Prepare(statement, db_.path());
    if (!st.ok()) {
      return InvalidArgument(db_.path() + ": SQLite refused the query: " + db_.ErrorMessage());
    }
    const int n = st->ColumnCount();
    std::vector<std::string> names;
    for (int c = 0; c < n; ++c) names.push_back(st->ColumnName(c));
    STARLING_RETURN_IF_ERROR(on_columns(std::move(names)));
    std::vector<Value> row(static_cast<std::size_t>(n));
    while (true) {
      STARLING_ASSIGN_OR_RETURN(const bool more, st->Step(db_.path()));
      if (!more) break;
      for (int c = 0; c < n; ++c) {
        Value& v = row[static_cast<std::size_t>(c)];
        switch (st->Kind(c)) {
          case sqlite::Statement::ColumnKind::kNull:
            v = std::monostate{};
            break;
          case sqlite::Statement::ColumnKind::kInt:
            v = st->Int(c);
            break;
          case sqlite::Statement::ColumnKind::kReal:
            v = st->Double(c);
            break;
          default:
            v = st->Text(c);
            break;
        }
      }
      STARLING_RETURN_IF_ERROR(on_row(row));
    }
    return Status::Ok();
  }

 private:
  sqlite::Database db_;
};

}  // namespace

Result<std::unique_ptr<QueryableStore>> OpenSqliteQueryStore(const std::string& path) {
  STARLING_ASSIGN_OR_RETURN(sqlite::Database db, sqlite::OpenForReading(path, false));
  STARLING_RETURN_IF_ERROR(db.AddTextFunction("starling_lower", Lower));
  STARLING_RETURN_IF_ERROR(db.AddTextFunction("starling_upper", Upper));
  STARLING_RETURN_IF_ERROR(db.AddIntegerAverage("starling_avg"));
  return std::unique_ptr<QueryableStore>(std::make_unique<SqliteQueryStore>(std::move(db)));
}

}  // namespace starling::sink
