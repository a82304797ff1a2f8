// File: query/resolver.h
// Checks a parsed query against the tables (the logical post tables of
// sink/tables.h and the result tables of model/result_columns.h): every
// name must denote one column, every operator and function must get the
// types it takes; and builds the typed plan (query/plan.h).
#pragma once

#include <string_view>

#include "common/status.h"
#include "query/ast.h"
#include "query/lexer.h"
#include "query/plan.h"

namespace starling::query {

// InvalidArgument (QueryText::Error, pointing at the name or operator) for
// an unknown table or column, an ambiguous name, a type error, an aggregate
// outside `aggregate`, a non-equality join condition.
Result<Plan> Resolve(const QueryText& text, const Query& query);

// Lex, parse and resolve in one: what `starling query` runs.
Result<Plan> Compile(std::string_view query_text);

}  // namespace starling::query
