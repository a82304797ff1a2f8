// File: query/dialects/mysql.cc
// MariaDB 10.11 (compiled and snapshot-tested; a store runs it once it has a
// QueryableStore; its connection must be utf8mb4). Text compares under
// utf8mb4_nopad_bin: bytes, and no PAD SPACE ('a' != 'a '), where the
// default collations fold case. MariaDB has no NULLS FIRST/LAST: `x IS
// NULL` terms order NULLs. Integer + - * are checked in DECIMAL(65,0). A
// sum of integers is DECIMAL: the store hands it as text, and the answer's
// integer column refuses a value past 64 bits, as natively. text.lower and
// text.upper are refused (MariaDB maps case with its collation's tables).
#include <charconv>
#include <string>

#include "query/dialects/dialects.h"

namespace starling::query::dialects {
namespace {

constexpr const char* kRange = " BETWEEN -9223372036854775808 AND 9223372036854775807";
constexpr const char* kBin = " COLLATE utf8mb4_nopad_bin";

class Mysql : public SqlDialect {
 public:
  std::string_view Name() const override { return "mysql"; }

  std::string Quote(std::string_view ident) const override {
    std::string q = "`";
    for (const char c : ident) {
      q += c;
      if (c == '`') q += '`';
    }
    return q + "`";
  }
  std::string TextLiteral(std::string_view s) const override {
    std::string q = "'";
    for (const char c : s) {
      if (c == '\'' || c == '\\') q += c == '\'' ? '\'' : '\\';
      q += c;
    }
    return q + "'";
  }
  // An exponent makes a DOUBLE; 1.5 alone would be DECIMAL.
  std::string RealLiteral(double v) const override {
    char buf[64];
    const auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    const std::string s(buf, r.ptr);
    return v < 0 ? "(" + s + ")" : s;
  }
  std::string Binary(const std::string& x) const override { return x + kBin; }
  std::string ToReal(const std::string& x) const override { return "CAST(" + x + " AS DOUBLE)"; }

  std::string CheckedArith(Op op, const std::string& a, const std::string& b) const override {
    const char* o = op == Op::kAdd ? " + " : op == Op::kSub ? " - " : " * ";
    return "(CASE WHEN CAST(" + a + " AS DECIMAL(65,0))" + o + b + kRange + " THEN " + a + o + b +
           " END)";
  }
  std::string RawIntDiv(const std::string& a, const std::string& b) const override {
    return "(" + a + " DIV " + b + ")";
  }
  std::string OrderTerm(const std::string& x, bool descending) const override {
    return descending ? x + " IS NULL DESC, " + x + " DESC" : x + " IS NULL ASC, " + x + " ASC";
  }

  Result<std::string> Call(Fn fn, const std::vector<std::string>& a) const override {
    switch (fn) {
      case Fn::kTextLength:
        return "CHAR_LENGTH(" + a[0] + ")";
      case Fn::kTextLower:
      case Fn::kTextUpper:
        return Refuse(fn == Fn::kTextLower ? "text.lower" : "text.upper",
                      "MariaDB maps case with its collation's tables (an older Unicode), not "
                      "ICU u_tolower/u_toupper");
      case Fn::kTextStartsWith:
        return "(LEFT(" + a[1] + ", CHAR_LENGTH(" + a[0] + ")) = " + a[0] + kBin + ")";
      case Fn::kTextEndsWith:
        return "(RIGHT(" + a[1] + ", CHAR_LENGTH(" + a[0] + ")) = " + a[0] + kBin + ")";
      case Fn::kTextContains:
        return "(LOCATE(" + a[0] + kBin + ", " + a[1] + ") > 0)";
      default:
        return Refuse("this function", "not a row function");
    }
  }

  Result<std::string> Aggregate(Fn fn, const std::string& arg, Type t, bool star) const override {
    return StandardAggregate(fn, arg, t, star);
  }
};

}  // namespace

std::unique_ptr<SqlDialect> MakeMysql() { return std::make_unique<Mysql>(); }

}  // namespace starling::query::dialects
