// File: query/dialects/clickhouse.cc
// ClickHouse 18.16, run for real by the ClickHouse store (sink/clickhouse/,
// whose logical tables are views) in the server differential test
// (tests/query/differential_test.cc: 0 mismatches). What that server does
// otherwise, and how it is written here:
// - text compares by bytes already (String is bytes);
// - text <= and >= are wrong where one text is a proper prefix of the
//   other (of constants, or before a NUL): NOT (a > b), NOT (a < b);
// - no NULLS FIRST/LAST: isNull(x) terms order NULLs;
// - a bare integer literal is the smallest type that holds it (UInt64 past
//   2^32), and mixed signedness computes unsigned: every literal is
//   toInt64(n), counts and lengths (UInt64) are toInt64(...);
// - `if` evaluates both branches on every row, and a NULL's slot holds any
//   value: intDiv and % throw for a divisor 0 (or INT64_MIN by -1) even
//   where the answer is NULL, so intDivOrZero (which never throws) divides,
//   a % b is a - intDivOrZero(a, b) * b, and if(...) makes those cases NULL;
// - Int64 arithmetic wraps: overflow is found by bounds (Int64 comparisons)
//   and made NULL;
// - AND/OR are not Kleene's on NULL (NULL AND false is NULL, NULL OR false
//   is false): a value is coded false 0, NULL 1, true 2 and least/greatest
//   combine it; a filter keeps the engine's own AND/OR, true exactly when
//   Kleene's is (sql_compiler.cc);
// - a name in a SELECT means that SELECT's alias first (also in other
//   items, GROUP BY, an aggregate's argument): the compiler gives no alias
//   the name of an input column it is not (AliasesShadowColumns);
// - an aggregate of no values is its type's default (uniqExact of NULLs only
//   is NULL), and 18.16 has no -OrNull combinators: if(count(x) = 0, NULL,
//   f(x)), ifNull(uniqExact(x), 0);
// - sum of Int64 wraps around: integers are summed in Decimal128 (exact),
//   and toInt64 of a sum past 64 bits fails ("Decimal convert overflow"),
//   as the native sum does; an average of integers divides that exact sum;
// - GROUP BY and JOIN hash a Float64's bits: float keys are x + 0.0, so that
//   -0.0 and 0.0 are one key;
// - LEFT JOIN fills unmatched rows with default values ('' and 0), not
//   NULL: the right side carries `1 AS _matched`, and a right column is NULL
//   where it is not 1 (NULL keys match nothing there, as in SQL);
// - text.lower/text.upper are refused: lowerUTF8/upperUTF8 keep a code
//   point whose case pair has another UTF-8 length (İ, ı), and are no
//   ICU simple case mapping;
// - no boolean type: true/false are 1/0 (UInt8), printed as true/false.
#include <string>

#include "query/dialects/dialects.h"

namespace starling::query::dialects {
namespace {

constexpr const char* kMax = "toInt64(9223372036854775807)";
constexpr const char* kMin = "toInt64(-9223372036854775808)";

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
  // A bare literal has the smallest type that holds it (UInt8, Int8, ...,
  // UInt64), and mixed signedness computes in unsigned: -7 % 86400000000
  // is 28909551609 there. Every integer is an Int64, as in the query.
  std::string IntLiteral(std::int64_t v) const override {
    return "toInt64(" + std::to_string(v) + ")";
  }
  std::string BoolLiteral(bool v) const override { return v ? "1" : "0"; }
  // 18.16's <= and >= on String are wrong where one text is a proper
  // prefix of the other: of two constants ('a' >= 'ab' and '' >= 'A' are
  // 1), and before a NUL ('a' >= 'a\0' is 1 on columns too). < and > are
  // right everywhere, and NOT keeps NULL.
  std::string CompareText(Op op, const std::string& a, const std::string& b) const override {
    if (op == Op::kLe) return "(NOT (" + a + " > " + b + "))";
    if (op == Op::kGe) return "(NOT (" + a + " < " + b + "))";
    return SqlDialect::CompareText(op, a, b);
  }
  std::string Binary(const std::string& x) const override { return x; }
  std::string ToReal(const std::string& x) const override { return "toFloat64(" + x + ")"; }
  // GROUP BY and JOIN hash a Float64's bits: -0.0 and 0.0 would be two
  // keys. x + 0.0 is x, except that -0.0 becomes 0.0.
  std::string RealKey(const std::string& x) const override { return "(" + x + " + 0.0)"; }

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
        // Bounds by truncating division. Every term is evaluated, also
        // those whose sign test is false (divisor 0, or INT64_MIN by -1):
        // intDivOrZero never throws, and there its 0 is never read.
        overflow = "(" + a + " > 0 AND " + b + " > 0 AND " + a + " > intDivOrZero(" + max + ", " +
                   b + ")) OR (" + a + " > 0 AND " + b + " < 0 AND " + b + " < intDivOrZero(" +
                   min + ", " + a + ")) OR (" + a + " < 0 AND " + b + " > 0 AND " + a +
                   " < intDivOrZero(" + min + ", " + b + ")) OR (" + a + " < 0 AND " + b +
                   " < 0 AND " + a + " < intDivOrZero(" + max + ", " + b + "))";
        break;
    }
    const char* o = op == Op::kAdd ? " + " : op == Op::kSub ? " - " : " * ";
    return "if(" + overflow + ", NULL, " + a + o + b + ")";
  }

  // `if` evaluates both branches, on every row, and a NULL's slot holds
  // any value (a wrapped sum, 0): intDiv and % would throw ("Division by
  // zero", "Division of minimal signed number by minus one") for rows whose
  // answer is NULL anyway. intDivOrZero never throws (0 for those), and
  // a % b is a - intDivOrZero(a, b) * b, exact for |b| >= 2.
  std::string RawIntDiv(const std::string& a, const std::string& b) const override {
    return "intDivOrZero(" + a + ", " + b + ")";
  }
  std::string RawMod(const std::string& a, const std::string& b) const override {
    return "(" + a + " - intDivOrZero(" + a + ", " + b + ") * " + b + ")";
  }
  std::string IntDiv(const std::string& a, const std::string& b) const override {
    return "if(" + b + " = 0 OR (" + a + " = " + kMin + " AND " + b + " = -1), NULL, " +
           RawIntDiv(a, b) + ")";
  }
  std::string Mod(const std::string& a, const std::string& b) const override {
    return "if(" + b + " = 0, NULL, if(" + b + " = -1, " + a + " - " + a + ", " + RawMod(a, b) +
           "))";
  }
  // 18.16's AND and OR are not Kleene's (NULL AND false is NULL, NULL OR
  // false is false). Coded false 0, NULL 1, true 2, AND is the least and OR
  // the greatest; each operand is written once.
  std::string And(const std::string& a, const std::string& b) const override {
    return "(nullIf(least(" + Code(a) + ", " + Code(b) + "), 1) = 2)";
  }
  std::string Or(const std::string& a, const std::string& b) const override {
    return "(nullIf(greatest(" + Code(a) + ", " + Code(b) + "), 1) = 2)";
  }
  static std::string Code(const std::string& x) { return "ifNull(" + x + " * 2, 1)"; }

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
        return "toInt64(lengthUTF8(" + a[0] + "))";  // UInt64 there
      case Fn::kTextLower:
      case Fn::kTextUpper:
        return Refuse(fn == Fn::kTextLower ? "text.lower" : "text.upper",
                      "ClickHouse's lowerUTF8/upperUTF8 are not ICU u_tolower/u_toupper "
                      "(they keep a code point whose case pair has another UTF-8 length)");
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
    const bool integers = t == Type::kInt || t == Type::kNull;
    switch (fn) {
      case Fn::kCount:  // counts are UInt64 there
        return star ? "toInt64(count())" : "toInt64(count(" + arg + "))";
      case Fn::kCountDistinct:
        // Of NULLs only, uniqExact is NULL there (an aggregate of a Nullable
        // that saw no value); the count is 0.
        return "toInt64(ifNull(uniqExact(" + arg + "), 0))";
      case Fn::kSum:
        // sum of Int64 wraps around; in Decimal128 it is exact (past 10^38
        // only), and toInt64 of a Decimal past 64 bits fails ("Decimal
        // convert overflow"), as the native sum does.
        return integers ? OrNull("toInt64(sum(" + Exact(arg) + "))", arg) : OrNull("sum", arg);
      case Fn::kMin:
        return OrNull("min", arg);
      case Fn::kMax:
        return OrNull("max", arg);
      case Fn::kAverage:
        // The native average of integers divides the exact sum, rounded once.
        return integers ? OrNull("toFloat64(sum(" + Exact(arg) + ")) / count(" + arg + ")", arg)
                        : OrNull("avg", arg);
      default:
        return Refuse("this function", "not an aggregate");
    }
  }

  static std::string Exact(const std::string& x) { return "toDecimal128(" + x + ", 0)"; }

  // 18.16 has no -OrNull combinators (the server says "Unknown function
  // avgOrNull"), and an aggregate of no values is its type's default (0,
  // ''): NULL when no value was counted, spelled out. `f` is a function
  // name, or the whole expression.
  static std::string OrNull(const std::string& f, const std::string& arg) {
    const std::string e = f.find('(') == std::string::npos ? f + "(" + arg + ")" : f;
    return "if(count(" + arg + ") = 0, NULL, " + e + ")";
  }

  bool JoinFillsDefaults() const override { return true; }
  bool AliasesShadowColumns() const override { return true; }
};

}  // namespace

std::unique_ptr<SqlDialect> MakeClickhouse() { return std::make_unique<Clickhouse>(); }

}  // namespace starling::query::dialects
