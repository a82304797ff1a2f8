// File: query/dialects/postgres.cc
// PostgreSQL 12+ (compiled and snapshot-tested; a store runs it once it has
// a QueryableStore). Text compares under COLLATE "C" (bytes). Integer
// + - * are checked in NUMERIC, so an overflow is NULL and never an error.
// float8 literals are cast: a bare 1.5 is NUMERIC in PostgreSQL.
// text.lower/text.upper are refused: PostgreSQL maps case through the
// collation's provider (libc or ICU full mapping), not code point by code
// point as u_tolower does ('İ' lowers to "i̇" under ICU).
#include <string>

#include "query/dialects/dialects.h"

namespace starling::query::dialects {
namespace {

constexpr const char* kRange = " BETWEEN -9223372036854775808 AND 9223372036854775807";

class Postgres : public SqlDialect {
 public:
  std::string_view Name() const override { return "postgres"; }

  std::string RealLiteral(double v) const override {
    return "CAST(" + SqlDialect::RealLiteral(v) + " AS DOUBLE PRECISION)";
  }
  std::string Binary(const std::string& x) const override { return x + " COLLATE \"C\""; }
  std::string ToReal(const std::string& x) const override {
    return "CAST(" + x + " AS DOUBLE PRECISION)";
  }

  std::string CheckedArith(Op op, const std::string& a, const std::string& b) const override {
    const char* o = op == Op::kAdd ? " + " : op == Op::kSub ? " - " : " * ";
    return "(CASE WHEN CAST(" + a + " AS NUMERIC)" + o + b + kRange + " THEN " + a + o + b +
           " END)";
  }

  Result<std::string> Call(Fn fn, const std::vector<std::string>& a) const override {
    switch (fn) {
      case Fn::kTextLength:
        return "char_length(" + a[0] + ")";
      case Fn::kTextLower:
      case Fn::kTextUpper:
        return Refuse(fn == Fn::kTextLower ? "text.lower" : "text.upper",
                      "PostgreSQL maps case through its collation (libc or ICU full case "
                      "mapping), not per code point as ICU u_tolower/u_toupper");
      case Fn::kTextStartsWith:
        return "(left(" + a[1] + ", char_length(" + a[0] + ")) = " + a[0] + " COLLATE \"C\")";
      case Fn::kTextEndsWith:
        return "(right(" + a[1] + ", char_length(" + a[0] + ")) = " + a[0] + " COLLATE \"C\")";
      case Fn::kTextContains:
        return "(strpos(" + a[1] + ", " + a[0] + ") > 0)";
      default:
        return Refuse("this function", "not a row function");
    }
  }

  Result<std::string> Aggregate(Fn fn, const std::string& arg, Type t, bool star) const override {
    // SUM(bigint) is NUMERIC: back to BIGINT, an error past 64 bits as natively.
    if (fn == Fn::kSum && t == Type::kInt) return "CAST(SUM(" + arg + ") AS BIGINT)";
    // Of floats, not AVG(float8): it also sums the squares and raises
    // "value out of range: overflow" when they pass 1.8e308 (values over
    // 1.3e154), where the sum itself is finite. (Integers: the standard
    // exact sum, as a float, divided once.)
    if (fn == Fn::kAverage && t == Type::kReal) {
      return "(SUM(" + arg + ") / CAST(NULLIF(COUNT(" + arg + "), 0) AS DOUBLE PRECISION))";
    }
    return StandardAggregate(fn, arg, t, star);
  }
};

}  // namespace

std::unique_ptr<SqlDialect> MakePostgres() { return std::make_unique<Postgres>(); }

}  // namespace starling::query::dialects
