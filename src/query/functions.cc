// File: query/functions.cc
#include "query/functions.h"

#include <vector>

namespace starling::query {
namespace {

const std::vector<FunctionInfo>& All() {
  static const std::vector<FunctionInfo> fns = {
      {Fn::kCount, "count", 1, true, "count this | count X",
       "rows (`this`), or rows where X is not NULL; 0 for no rows"},
      {Fn::kCountDistinct, "count_distinct", 1, true, "count_distinct X",
       "distinct non-NULL values of X (text compared by bytes)"},
      {Fn::kSum, "sum", 1, true, "sum X",
       "sum of the non-NULL values (integers: an integer, an error past 64 bits); NULL for none"},
      {Fn::kMin, "min", 1, true, "min X", "least non-NULL value (text by bytes); NULL for none"},
      {Fn::kMax, "max", 1, true, "max X", "greatest non-NULL value; NULL for none"},
      {Fn::kAverage, "average", 1, true, "average X",
       "mean of the non-NULL values as a float; NULL for none"},
      {Fn::kTextLength, "text.length", 1, false, "text.length X",
       "characters (Unicode code points) of X"},
      {Fn::kTextLower, "text.lower", 1, false, "text.lower X",
       "X with each code point lower-cased (Unicode simple case mapping, ICU u_tolower)"},
      {Fn::kTextUpper, "text.upper", 1, false, "text.upper X",
       "X with each code point upper-cased (Unicode simple case mapping, ICU u_toupper)"},
      {Fn::kTextStartsWith, "text.starts_with", 2, false, "text.starts_with PREFIX X",
       "whether X begins with PREFIX (bytes, case-sensitive)"},
      {Fn::kTextEndsWith, "text.ends_with", 2, false, "text.ends_with SUFFIX X",
       "whether X ends with SUFFIX (bytes, case-sensitive)"},
      {Fn::kTextContains, "text.contains", 2, false, "text.contains SUB X",
       "whether SUB occurs in X (bytes, case-sensitive; '' occurs in every text)"},
      {Fn::kTimeFloor, "time.floor", 2, false, "time.floor UNIT TS",
       "TS (UTC microseconds) rounded down to a multiple of UNIT, counted from the epoch: "
       "UNIT is a constant, \"1h\", \"15m\", \"1d\", \"7d\", \"30s\", \"500ms\" or "
       "microseconds as an integer (1 to 2^62); NULL when the result would not fit 64 bits"},
  };
  return fns;
}

}  // namespace

std::span<const FunctionInfo> Functions() { return All(); }

const FunctionInfo& FunctionInfoOf(Fn fn) { return All()[static_cast<std::size_t>(fn)]; }

const FunctionInfo* FindFunction(std::string_view name) {
  for (const FunctionInfo& f : All()) {
    if (f.name == name) return &f;
  }
  return nullptr;
}

std::string FunctionsMarkdown() {
  std::string md = "| function | kind | meaning |\n|---|---|---|\n";
  for (const FunctionInfo& f : All()) {
    std::string usage;
    for (const char c : f.usage) usage += c == '|' ? std::string("\\|") : std::string(1, c);
    md += "| `" + usage + "` | " + (f.aggregate ? "aggregate" : "row") + " | " +
          std::string(f.meaning) + " |\n";
  }
  return md;
}

}  // namespace starling::query
