// File: query/dialect.cc
// What the standard SQL dialects share, and the list of dialects.
#include "query/dialect.h"

#include <charconv>
#include <limits>

#include "query/dialects/dialects.h"

namespace starling::query {

std::string SqlDialect::Quote(std::string_view ident) const {
  std::string q = "\"";
  for (const char c : ident) {
    q += c;
    if (c == '"') q += '"';
  }
  return q + "\"";
}

std::string SqlDialect::TextLiteral(std::string_view s) const {
  std::string q = "'";
  for (const char c : s) {
    q += c;
    if (c == '\'') q += '\'';
  }
  return q + "'";
}

std::string SqlDialect::IntLiteral(std::int64_t v) const {
  if (v == std::numeric_limits<std::int64_t>::min()) return "(-9223372036854775807 - 1)";
  if (v < 0) return "(" + std::to_string(v) + ")";
  return std::to_string(v);
}

std::string SqlDialect::RealLiteral(double v) const {
  char buf[64];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, r.ptr);
  // "3" would be an integer: a float literal needs a point or an exponent.
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return v < 0 ? "(" + s + ")" : s;
}

std::string SqlDialect::CompareText(Op op, const std::string& a, const std::string& b) const {
  static constexpr const char* kOps[] = {" = ", " <> ", " < ", " <= ", " > ", " >= "};
  return "(" + a + kOps[static_cast<int>(op)] + b + ")";
}

std::string SqlDialect::IntDiv(const std::string& a, const std::string& b) const {
  return "(CASE WHEN " + a + " = " + IntLiteral(std::numeric_limits<std::int64_t>::min()) +
         " AND " + b + " = -1 THEN NULL ELSE " + RawIntDiv(a, "NULLIF(" + b + ", 0)") + " END)";
}

std::string SqlDialect::Mod(const std::string& a, const std::string& b) const {
  return "(CASE WHEN " + b + " = -1 THEN " + a + " - " + a + " ELSE " +
         RawMod(a, "NULLIF(" + b + ", 0)") + " END)";
}

std::string SqlDialect::OrderTerm(const std::string& x, bool descending) const {
  return x + (descending ? " DESC NULLS FIRST" : " ASC NULLS LAST");
}

std::string SqlDialect::Limit(std::int64_t limit, std::int64_t offset) const {
  std::string s = " LIMIT " + std::to_string(limit);
  if (offset > 0) s += " OFFSET " + std::to_string(offset);
  return s;
}

std::string SqlDialect::StandardAggregate(Fn fn, const std::string& arg, Type arg_type,
                                          bool star) const {
  const bool text = arg_type == Type::kText;
  switch (fn) {
    case Fn::kCount:
      return star ? "COUNT(*)" : "COUNT(" + arg + ")";
    case Fn::kCountDistinct:
      return "COUNT(DISTINCT " + (text ? Binary(arg) : arg) + ")";
    case Fn::kSum:
      return "SUM(" + arg + ")";
    case Fn::kMin:
      return "MIN(" + (text ? Binary(arg) : arg) + ")";
    case Fn::kMax:
      return "MAX(" + (text ? Binary(arg) : arg) + ")";
    case Fn::kAverage:
      // Of integers, as natively: the exact sum as a float, divided once
      // (the engine's AVG adds floats, or rounds a DECIMAL to 4 places).
      // No value: SUM is NULL, and so is the quotient.
      if (arg_type == Type::kInt)
        return "(" + ToReal("SUM(" + arg + ")") + " / COUNT(" + arg + "))";
      return "AVG(" + arg + ")";
    default:
      return "NULL";
  }
}

Status SqlDialect::Refuse(std::string_view what, std::string_view why) const {
  return InvalidArgument(std::string(Name()) + ": " + std::string(what) +
                         " is refused: " + std::string(why));
}

namespace {

const std::vector<std::unique_ptr<SqlDialect>>& All() {
  static const std::vector<std::unique_ptr<SqlDialect>> dialects = [] {
    std::vector<std::unique_ptr<SqlDialect>> d;
    d.push_back(dialects::MakeSqlite());
    d.push_back(dialects::MakePostgres());
    d.push_back(dialects::MakeMysql());
    d.push_back(dialects::MakeClickhouse());
    return d;
  }();
  return dialects;
}

}  // namespace

const SqlDialect* FindDialect(std::string_view name) {
  for (const auto& d : All()) {
    if (d->Name() == name) return d.get();
  }
  return nullptr;
}

std::vector<std::string_view> DialectNames() {
  std::vector<std::string_view> names;
  for (const auto& d : All()) names.push_back(d->Name());
  return names;
}

}  // namespace starling::query
