// File: query/internal/eval.h
// The native meaning of a row expression (docs/query.md, "Semantics"): what
// every SQL dialect's compilation must reproduce.
#pragma once

#include "query/plan.h"
#include "query/value.h"

namespace starling::query::internal {

// Evaluates `e` over `row` (the input's cells). Text a function makes
// (text.lower) goes into *scratch, which must outlive the value's use.
Value Eval(const PExpr& e, const Value* row, Arena* scratch);

// True when a filter keeps the row: the condition is true (not false, not NULL).
inline bool Holds(const Value& v) { return v.type == Type::kBool && v.i != 0; }

// The integer operations, as defined: NULL (nullopt) on overflow or division by 0.
bool CheckedAdd(std::int64_t a, std::int64_t b, std::int64_t* out);
bool CheckedSub(std::int64_t a, std::int64_t b, std::int64_t* out);
bool CheckedMul(std::int64_t a, std::int64_t b, std::int64_t* out);
// time.floor: ts rounded down to a multiple of unit (> 0); false when that
// does not fit 64 bits.
bool FloorTo(std::int64_t ts, std::int64_t unit, std::int64_t* out);

}  // namespace starling::query::internal
