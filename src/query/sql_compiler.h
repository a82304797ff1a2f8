// File: query/sql_compiler.h
// A plan (query/plan.h) as one SQL statement of a dialect (query/dialect.h),
// and the answer of a store that runs it. Each plan node becomes a SELECT
// over the one before (engines flatten them); every column gets an alias of
// its own; a sort is carried as hidden columns to the outermost SELECT,
// whose ORDER BY lists the user's keys and then every column, so the order
// is total and the same on every engine.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "common/status.h"
#include "query/dialect.h"
#include "query/plan.h"
#include "query/value.h"
#include "sink/store.h"

namespace starling::query {

// How a store reads a column it keeps in another form (QueryableStore::
// ColumnSql); empty: the column as it is.
using ColumnSqlFn = std::function<std::string(std::string_view table, std::string_view column,
                                              std::string_view qualifier)>;

// InvalidArgument when the dialect refuses something the plan needs (the
// message says what and why).
Result<std::string> CompileSql(const Plan& plan, const SqlDialect& dialect,
                               const ColumnSqlFn& column_sql = {});

// The statement for a store: its dialect, its ColumnSql; for a store of
// dialect "mongodb", the aggregation (query/mongo_compiler.h). InvalidArgument
// for a store whose language has no compiler here, or that refuses the plan.
Result<std::string> CompileForStore(const Plan& plan, const sink::QueryableStore& store);

// Runs the plan on the store (MongoDB: query/mongo_compiler.h) and reads the answer back with the
// plan's column names and types (an integer 0/1 as a boolean, a DECIMAL given as text as an
// integer, ...). ResourceExhausted for an integer the store gives that does not fit 64 bits; the
// store's own errors.
Result<Answer> RunOnStore(const Plan& plan, sink::QueryableStore& store);

// A cell a store read, as a value of `type` (text copied into *arena).
Result<Value> FromStore(const sink::Value& cell, Type type, Arena* arena);

}  // namespace starling::query
