// File: sink/sqlite/join.cc
// The table of a pipeline's `join: [{sqlite: PATH, query: ...}]`
// (sink/store.h's ReadSqliteJoin).
#include "sink/sqlite/database.h"
#include "sink/store.h"

namespace starling::sink {

Result<JoinRows> ReadSqliteJoin(const std::string& path, const std::string& query) {
  auto db = sqlite::Database::Open(path, sqlite::OpenMode::kReadOnly);
  if (!db.ok()) return NotFound("join database " + path + " cannot be opened");
  auto st = db->Prepare(query, "join query on " + path);
  if (!st.ok()) return InvalidArgument(st.status().message());
  const int columns = st->ColumnCount();
  if (columns < 2) {
    return InvalidArgument("join query on " + path +
                           " must return a key and at least one label column");
  }
  JoinRows out;
  for (int c = 1; c < columns; ++c) out.label_columns.push_back(st->ColumnName(c));
  for (;;) {
    STARLING_ASSIGN_OR_RETURN(const bool row, st->Step("join query on " + path));
    if (!row) break;
    std::vector<std::string> labels;
    for (int c = 1; c < columns; ++c) labels.push_back(st->Text(c));
    out.rows.emplace_back(st->Text(0), std::move(labels));
  }
  return out;
}

std::string_view SqliteJoinQueryShape() { return "SELECT key, label, ... FROM ..."; }

}  // namespace starling::sink
