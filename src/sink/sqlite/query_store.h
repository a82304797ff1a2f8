// File: sink/sqlite/query_store.h
// The SQLite store as `starling query` reads it (sink::QueryableStore): a
// database opened read-only, running the statements the query compiler
// writes in the "sqlite" dialect, its posts tables and results tables as
// they are (no ColumnSql: they already have the logical form). The
// connection has two functions of its own, starling_lower and
// starling_upper: Unicode simple case mapping per code point
// (text::LowerEachCodePoint), as the native executor's text.lower and
// text.upper (SQLite's lower() maps ASCII only).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "sink/store.h"

namespace starling::sink {

// NotFound("no such database: PATH") when the file is missing; IoError
// when SQLite cannot open it.
Result<std::unique_ptr<QueryableStore>> OpenSqliteQueryStore(const std::string& path);

}  // namespace starling::sink
