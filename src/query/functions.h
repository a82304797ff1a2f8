// File: query/functions.h
// The functions a query may call, as data: their names, arguments and what
// they mean (docs/query.md lists them from here). The parser asks it which
// names are functions, the resolver types calls with it, and the native
// executor and every SQL dialect implement each one.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>

namespace starling::query {

enum class Fn : std::uint8_t {
  // Aggregates (inside `aggregate {...}` only).
  kCount,          // count this: rows; count x: rows where x is not NULL
  kCountDistinct,  // count_distinct x: distinct non-NULL values
  kSum,
  kMin,
  kMax,
  kAverage,
  // Text (subject last, as in PRQL: `text.contains "sub" col`).
  kTextLength,
  kTextLower,
  kTextUpper,
  kTextStartsWith,
  kTextEndsWith,
  kTextContains,
  // Time on UTC microseconds.
  kTimeFloor,  // time.floor UNIT ts
};

struct FunctionInfo {
  Fn fn = Fn::kCount;
  std::string_view name;  // "count", "text.length"
  int arity = 1;
  bool aggregate = false;
  std::string_view usage;    // "text.contains SUB X"
  std::string_view meaning;  // for the docs
};

std::span<const FunctionInfo> Functions();
const FunctionInfo& FunctionInfoOf(Fn fn);
// nullptr when no function has this name.
const FunctionInfo* FindFunction(std::string_view name);

// The functions as a Markdown table (docs/query.md holds it).
std::string FunctionsMarkdown();

}  // namespace starling::query
