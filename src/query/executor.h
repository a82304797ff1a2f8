// File: query/executor.h
// The native executor: runs a plan over posts (query/input.h) and defines
// what every query means; the SQL compilers reproduce it (docs/query.md).
// A scan reads only the tables and columns the plan needs (the parser
// decodes only the fields they come from); filters and projections stream;
// group and aggregate hash; a sort before a take keeps a bounded heap.
#pragma once

#include "common/status.h"
#include "query/input.h"
#include "query/plan.h"
#include "query/value.h"

namespace starling::query {

// The answer of `plan` over `input`. InvalidArgument for a result table of
// an input that holds posts only (PostInput::ForEachWindow); ResourceExhausted
// for a sum of integers past 64 bits; the input's read errors.
Result<Answer> Execute(const Plan& plan, PostInput& input);

// What of a post a scan of these columns reads (for the parser's
// projection), and whether it needs the provider's JSON (posts.raw).
parse::Fields FieldsFor(const Node& scan, bool* keep_raw);

}  // namespace starling::query
