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

// The DDL (CREATE ... IF NOT EXISTS) of the posts database.
std::string_view SqliteSchemaSql();

// The DDL (CREATE ... IF NOT EXISTS) of the results tables.
std::string_view ResultsSchemaSql();

namespace sqlite {

// The results table that holds the rows of a kind ("trending" for top).
const char* ResultTable(model::ResultKind kind);

// The posts database's schema version: Unsupported when it holds another
// one; Ok when it has the same (*has_version true) or none yet (no meta
// table, or no row: *has_version false).
Status CheckSchemaVersion(Database& db, const std::string& path, bool* has_version);

}  // namespace sqlite
}  // namespace starling::sink
