// File: sink/sqlite/schema.h
// The SQLite store's two schemas, owned here and nowhere else: the posts
// database (docs/formats/sqlite.md) and the window results database
// (docs/formats/results.md). The writers create them; the readers read them.
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "model/window_result.h"
#include "sink/sqlite/database.h"

namespace starling::sink {

// Bumped on any incompatible change of the posts schema; stored in
// meta(key='schema_version').
inline constexpr std::string_view kSqliteSchemaVersion = "1";

// The DDL (CREATE ... IF NOT EXISTS) of the posts database. The posts
// table's last column, `channel`, came after version 1 was first written:
// run AddChannelColumn after this DDL (it adds the column to a database made
// before, and its index); readers ask HasChannelColumn. Older builds read and
// write such a database as before (they name their columns).
std::string_view SqliteSchemaSql();

// The DDL (CREATE ... IF NOT EXISTS) of the results tables.
std::string_view ResultsSchemaSql();

namespace sqlite {

bool HasChannelColumn(Database& db);
Status AddChannelColumn(Database& db);

// A result kind's table, derived from its columns (model/result_columns.h):
// the statements that write and read its rows. The window's head is ?1-?4
// (pipeline, analysis, window_start, window_end); the kind's columns follow
// in their order (BindRow binds them).
std::string ResultTableDdl(model::ResultKind kind);
std::string ResultInsertSql(model::ResultKind kind);
std::string ResultDeleteSql(model::ResultKind kind);
// SELECT of the kind's columns; the caller adds WHERE, then ResultOrderSql.
std::string ResultSelectSql(model::ResultKind kind);
std::string ResultOrderSql(model::ResultKind kind);
void BindRow(model::ResultKind kind, const model::ResultRow& row, Statement& st);
// A row read by ResultSelectSql's statement.
model::ResultRow ReadRow(model::ResultKind kind, const Statement& st);

// The posts database's schema version: Unsupported when it holds another
// one; Ok when it has the same (*has_version true) or none yet (no meta
// table, or no row: *has_version false).
Status CheckSchemaVersion(Database& db, const std::string& path, bool* has_version);

}  // namespace sqlite
}  // namespace starling::sink
