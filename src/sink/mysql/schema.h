// File: sink/mysql/schema.h
// The MariaDB/MySQL store's schema, owned here and nowhere else: the
// logical post tables (sink/tables.h) and the result tables
// (model/result_columns.h), typed for MariaDB (docs/stores.md): utf8mb4 with
// the binary collation everywhere (emoji and astral scripts survive, and
// text compares by bytes as on every store), created_at DATETIME(6) in UTC,
// integers BIGINT, reals DOUBLE, ids VARCHAR(255), other text MEDIUMTEXT
// (raw LONGTEXT, byte-exact); indexed text by a prefix. Entity tables add
// `ordinal` (their key with post_id); windows add `seq`, the order windows
// were first stored in. Result tables have no unique key (text keys can be
// longer than an index takes): a window's rows are deleted before they are
// written, so nothing doubles.
#pragma once

#include <string>
#include <string_view>

#include "model/window_result.h"
#include "sink/tables.h"

namespace starling::sink::mysql {

inline constexpr std::string_view kSchemaVersion = "1";

// The CREATE TABLE IF NOT EXISTS statements (one per string: the client
// runs one statement at a time).
std::vector<std::string> PostsSchema();
std::vector<std::string> ResultsSchema();

// An expression that reads a post table's column as its logical type
// (created_at as UTC microseconds); empty for a column read as it is.
std::string LogicalColumnSql(std::string_view table, std::string_view column,
                             std::string_view qualifier);
// A post table's columns as their logical types, comma-separated.
std::string SelectList(const TableInfo& table, std::string_view qualifier);
// A post table's columns, quoted (entity tables: `ordinal` last when
// with_ordinal).
std::string ColumnList(const TableInfo& table, bool with_ordinal);
// A result kind's columns after the window's head, quoted.
std::string ResultColumnList(model::ResultKind kind);

}  // namespace starling::sink::mysql
