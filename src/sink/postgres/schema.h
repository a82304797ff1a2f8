// File: sink/postgres/schema.h
// The PostgreSQL store's schema, owned here and nowhere else: the logical
// post tables (sink/tables.h) and the result tables (model/result_columns.h),
// typed for PostgreSQL (docs/stores.md): created_at timestamptz, integers
// bigint, reals double precision, raw jsonb, text COLLATE "C" (byte order, as
// every store compares). Entity tables add `ordinal`, the entity's place in
// its post (their key with post_id); the windows table adds `seq`, the order
// windows were first stored in. The writers create the schema; the readers
// read it.
#pragma once

#include <string>
#include <string_view>

#include "model/window_result.h"
#include "sink/tables.h"

namespace starling::sink::postgres {

inline constexpr std::string_view kSchemaVersion = "1";

// CREATE TABLE/INDEX IF NOT EXISTS of the posts tables and meta.
std::string PostsSchemaSql();
// The same for the results tables.
std::string ResultsSchemaSql();

// A post table's columns, quoted and comma-separated, in the logical order
// (entity tables: `ordinal` last when with_ordinal).
std::string ColumnList(const TableInfo& table, bool with_ordinal, std::string_view qualifier = {});
// An expression that reads a post table's column as its logical type
// (created_at as UTC microseconds, raw as text); empty for a column read as
// it is. `qualifier`: the table's alias ("" for none).
std::string LogicalColumnSql(std::string_view table, std::string_view column,
                             std::string_view qualifier);
// A post table's columns as their logical types, comma-separated, in order.
std::string SelectList(const TableInfo& table, std::string_view qualifier);

// A result kind's columns after the window's head, quoted, comma-separated.
std::string ResultColumnList(model::ResultKind kind);

}  // namespace starling::sink::postgres
