// File: query/dialects/clickhouse.cc
// ClickHouse 18.16 (compiled and snapshot-tested; a store runs it once it
// has a QueryableStore). What that server lacks or does otherwise, and how
// it is written here:
// - text compares by bytes already (String is bytes);
// - no NULLS FIRST/LAST: isNull(x) terms order NULLs;
// - `if` evaluates both branches, and Int64 arithmetic wraps: overflow is
//   found by bounds (pure Int64 comparisons) and made NULL; division by 0
//   throws, so a divisor is replaced by 1 before dividing where the answer
//   is NULL anyway;
// - aggregates of an empty set give 0, not NULL: the -OrNull combinators;
// - sum of Int64 wraps around: refused (sum x * 1.0 sums floats);
// - JOIN fills unmatched rows with default values, not NULL: refused;
// - text.lower/text.upper refused (lowerUTF8 is not u_tolower);
// - no boolean type: true/false are 1/0 (UInt8), printed as true/false.
#include <string>

#include "query/dialects/dialects.h"

namespace starling::query::dialects {
namespace {

constexpr const char* kMax = "9223372036854775807";
constexpr const char* kMin = "(-9223372036854775807 - 1)";

class Clickhouse : public SqlDialect {
 public:
  std::string_view Name() const override { return "clickhouse"; }

  std::string Quote(std::string_view ident) const override {
    std::string q = "`";
    for (const char c : ident) {
      if (c == '`' || c == '\\') q += '\\';
      q += c;
    }
    return q + "`";
  }
  std::string TextLiteral(std::string_view s) const override {
    std::string q = "'";
    for (const char c : s) {
      if (c == '\'' || c == '\\') q += '\\';
      q += c;
    }
    return q + "'";
  }
  std::string BoolLiteral(bool v) const override { return v ? "1" : "0"; }
  std::string Binary(const std::string& x) const override { return x; }
  std::string ToReal(const std::string& x) const override { return "toFloat64(" + x + ")"; }

  std::string CheckedArith(Op op, const std::string& a, const std::string& b) const override {
    std::string overflow;
    const std::string max = kMax, min = kMin;
    switch (op) {
      case Op::kAdd:
        overflow = "(" + b + " > 0 AND " + a + " > " + max + " - " + b + ") OR (" + b +
                   " < 0 AND " + a + " < " + min + " - " + b + ")";
        break;
      case Op::kSub:
        overflow = "(" + b + " < 0 AND " + a + " > " + max + " + " + b + ") OR (" + b +
                   " > 0 AND " + a + " < " + min + " + " + b + ")";
        break;
      default:
        // Bounds by truncating division (the divisor is never 0 where it counts).
        overflow = "(" + a + " > 0 AND " + b + " > 0 AND " + a + " > intDiv(" + max + ", " + b +
                   ")) OR (" + a + " > 0 AND " + b + " < 0 AND " + b + " < intDiv(" + min + ", " +
                   a + ")) OR (" + a + " < 0 AND " + b + " > 0 AND " + a + " < intDiv(" + min +
                   ", " + b + ")) OR (" + a + " < 0 AND " + b + " < 0 AND " + a + " < intDiv(" +
                   max + ", " + b + "))";
        break;
    }
    const char* o = op == Op::kAdd ? " + " : op == Op::kSub ? " - " : " * ";
    return "if(" + overflow + ", NULL, " + a + o + b + ")";
  }

  std::string RawIntDiv(const std::string& a, const std::string& b) const override {
    return "intDiv(" + a + ", " + b + ")";
  }
  std::string IntDiv(const std::string& a, const std::string& b) const override {
    const std::string bad = "(" + b + " = 0 OR (" + a + " = " + kMin + " AND " + b + " = -1))";
    return "if(" + bad + ", NULL, intDiv(" + a + ", if(" + bad + ", 1, " + b + ")))";
  }
  std::string Mod(const std::string& a, const std::string& b) const override {
    return "if(" + b + " = 0, NULL, if(" + b + " = -1, " + a + " - " + a + ", " + a + " % if(" + b +
           " = 0 OR " + b + " = -1, 1, " + b + ")))";
  }
  std::string OrderTerm(const std::string& x, bool descending) const override {
    return descending ? "isNull(" + x + ") DESC, " + x + " DESC"
                      : "isNull(" + x + ") ASC, " + x + " ASC";
  }
  std::string Limit(std::int64_t limit, std::int64_t offset) const override {
    return " LIMIT " + (offset > 0 ? std::to_string(offset) + ", " : std::string()) +
           std::to_string(limit);
  }

  Result<std::string> Call(Fn fn, const std::vector<std::string>& a) const override {
    switch (fn) {
      case Fn::kTextLength:
        return "lengthUTF8(" + a[0] + ")";
      case Fn::kTextLower:
      case Fn::kTextUpper:
        return Refuse(fn == Fn::kTextLower ? "text.lower" : "text.upper",
                      "ClickHouse's lowerUTF8/upperUTF8 are not ICU u_tolower/u_toupper");
      case Fn::kTextStartsWith:
        return "(substring(" + a[1] + ", 1, length(" + a[0] + ")) = " + a[0] + ")";
      case Fn::kTextEndsWith:
        return "(length(" + a[1] + ") >= length(" + a[0] + ") AND substring(" + a[1] + ", length(" +
               a[1] + ") - length(" + a[0] + ") + 1) = " + a[0] + ")";
      case Fn::kTextContains:
        return "(position(" + a[1] + ", " + a[0] + ") > 0)";
      default:
        return Refuse("this function", "not a row function");
    }
  }

  Result<std::string> Aggregate(Fn fn, const std::string& arg, Type t, bool star) const override {
    switch (fn) {
      case Fn::kCount:
        return star ? "count()" : "count(" + arg + ")";
      case Fn::kCountDistinct:
        return "uniqExact(" + arg + ")";
      case Fn::kSum:
        if (t == Type::kInt || t == Type::kNull) {
          return Refuse("sum of integers",
                        "ClickHouse 18.16 sums Int64 with wrap-around; sum floats instead "
                        "(sum (x * 1.0))");
        }
        return "sumOrNull(" + arg + ")";
      case Fn::kMin:
        return "minOrNull(" + arg + ")";
      case Fn::kMax:
        return "maxOrNull(" + arg + ")";
      case Fn::kAverage:
        return "avgOrNull(" + arg + ")";
      default:
        return Refuse("this function", "not an aggregate");
    }
  }

  Status CanJoin() const override {
    return Refuse("join", "ClickHouse 18.16 fills unmatched rows with default values, not NULL");
  }
};

}  // namespace

std::unique_ptr<SqlDialect> MakeClickhouse() { return std::make_unique<Clickhouse>(); }

}  // namespace starling::query::dialects
