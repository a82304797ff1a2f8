// File: query/dialects/sqlite.cc
// SQLite 3.30+ (NULLS FIRST/LAST). Text is compared with the BINARY
// collation (memcmp: code point order for UTF-8). An integer + - * that
// overflows becomes a REAL in SQLite, which typeof() tells apart: that is
// NULL here. text.lower/text.upper call starling_lower/starling_upper,
// which the SQLite store registers on its connection (ICU simple case
// mapping; SQLite's own lower() maps ASCII only); an average of integers
// calls starling_avg, which the store registers too (an exact sum).
#include <string>

#include "query/dialects/dialects.h"

namespace starling::query::dialects {
namespace {

class Sqlite : public SqlDialect {
 public:
  std::string_view Name() const override { return "sqlite"; }

  std::string Binary(const std::string& x) const override { return x + " COLLATE BINARY"; }
  std::string ToReal(const std::string& x) const override { return "CAST(" + x + " AS REAL)"; }

  std::string CheckedArith(Op op, const std::string& a, const std::string& b) const override {
    const std::string e = "(" + a +
                          (op == Op::kAdd   ? " + "
                           : op == Op::kSub ? " - "
                                            : " * ") +
                          b + ")";
    return "(CASE WHEN typeof(" + e + ") = 'integer' THEN " + e + " END)";
  }

  Result<std::string> Call(Fn fn, const std::vector<std::string>& a) const override {
    switch (fn) {
      case Fn::kTextLength:
        return "length(" + a[0] + ")";
      case Fn::kTextLower:
        return "starling_lower(" + a[0] + ")";
      case Fn::kTextUpper:
        return "starling_upper(" + a[0] + ")";
      case Fn::kTextStartsWith:
        return "(substr(" + a[1] + ", 1, length(" + a[0] + ")) = " + a[0] + " COLLATE BINARY)";
      case Fn::kTextEndsWith:
        return "(length(" + a[1] + ") >= length(" + a[0] + ") AND substr(" + a[1] + ", length(" +
               a[1] + ") - length(" + a[0] + ") + 1) = " + a[0] + " COLLATE BINARY)";
      case Fn::kTextContains:
        return "(instr(" + a[1] + ", " + a[0] + ") > 0)";
      default:
        return Refuse("this function", "not a row function");
    }
  }

  Result<std::string> Aggregate(Fn fn, const std::string& arg, Type t, bool star) const override {
    // SUM fails when a partial sum leaves 64 bits, where the native sum of
    // the average is exact: starling_avg, registered by the store, is too.
    if (fn == Fn::kAverage && t == Type::kInt) return "starling_avg(" + arg + ")";
    return StandardAggregate(fn, arg, t, star);
  }
};

}  // namespace

std::unique_ptr<SqlDialect> MakeSqlite() { return std::make_unique<Sqlite>(); }

}  // namespace starling::query::dialects
