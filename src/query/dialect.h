// File: query/dialect.h
// What differs between the SQL engines a query is compiled for: quoting,
// literals, NULL ordering, integer overflow and division, text functions and
// case mapping, byte-order collation, LIMIT. Each dialect writes the native
// executor's meaning (docs/query.md) as explicit SQL, and refuses
// (InvalidArgument "DIALECT: ...: why") what its engine cannot give
// identically. The compiler (query/sql_compiler.h) hands each method SQL
// text already made for the operands. A dialect is one file under
// dialects/ plus one line in dialect.cc's list.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "query/plan.h"

namespace starling::query {

class SqlDialect {
 public:
  virtual ~SqlDialect() = default;

  virtual std::string_view Name() const = 0;

  // "name" (SQL standard); MySQL and ClickHouse use `name`.
  virtual std::string Quote(std::string_view ident) const;
  // 'text' with ' doubled (MySQL and ClickHouse also escape \).
  virtual std::string TextLiteral(std::string_view s) const;
  // A decimal; INT64_MIN as (-9223372036854775807 - 1); negatives in parentheses.
  virtual std::string IntLiteral(std::int64_t v) const;
  // A literal the engine reads as a 64-bit float (not a decimal).
  virtual std::string RealLiteral(double v) const;
  virtual std::string BoolLiteral(bool v) const { return v ? "TRUE" : "FALSE"; }

  // Text compared by bytes (code point order), case-sensitively.
  virtual std::string Binary(const std::string& text_expr) const = 0;
  // True when a name in a SELECT means that SELECT's alias before the
  // input's column (ClickHouse): the compiler then never gives an alias the
  // name of an input column it is not.
  virtual bool AliasesShadowColumns() const { return false; }
  // A float as a key of a group or a join, where -0.0 and 0.0 are one
  // key (they are equal), whatever the engine hashes.
  virtual std::string RealKey(const std::string& x) const { return x; }
  // a op b for texts (op kEq ... kGe; `a` already Binary).
  virtual std::string CompareText(Op op, const std::string& a, const std::string& b) const;
  // An integer as a 64-bit float.
  virtual std::string ToReal(const std::string& x) const = 0;
  // a op b for op kAdd, kSub, kMul on 64-bit integers: NULL on overflow.
  virtual std::string CheckedArith(Op op, const std::string& a, const std::string& b) const = 0;
  // Integer division and remainder, truncating, for a divisor that is never
  // 0 and a dividend/divisor pair that never overflows (the compiler adds
  // those guards).
  virtual std::string RawIntDiv(const std::string& a, const std::string& b) const {
    return "(" + a + " / " + b + ")";
  }
  virtual std::string RawMod(const std::string& a, const std::string& b) const {
    return "(" + a + " % " + b + ")";
  }
  // a // b and a % b as defined: NULL for b = 0 and for INT64_MIN // -1; x % -1 = 0.
  virtual std::string IntDiv(const std::string& a, const std::string& b) const;
  virtual std::string Mod(const std::string& a, const std::string& b) const;
  // a AND b, a OR b (booleans, NULL for unknown) with Kleene's logic, as
  // SQL's AND and OR have it. A filter's condition uses the engine's own
  // AND and OR (sql_compiler.cc): they must be true exactly when both
  // operands are (AND) or one is (OR).
  virtual std::string And(const std::string& a, const std::string& b) const {
    return "(" + a + " AND " + b + ")";
  }
  virtual std::string Or(const std::string& a, const std::string& b) const {
    return "(" + a + " OR " + b + ")";
  }
  // One ORDER BY term: NULL last ascending, first descending.
  virtual std::string OrderTerm(const std::string& x, bool descending) const;
  // LIMIT n [OFFSET m].
  virtual std::string Limit(std::int64_t limit, std::int64_t offset) const;

  // A row function (args in the query's order, e.g. text.contains SUB X).
  virtual Result<std::string> Call(Fn fn, const std::vector<std::string>& args) const = 0;
  // An aggregate of `arg` (of type arg_type; star: count this).
  virtual Result<std::string> Aggregate(Fn fn, const std::string& arg, Type arg_type,
                                        bool star) const = 0;
  // Ok when the engine joins with SQL's meaning (NULL keys match nothing,
  // unmatched left rows get NULLs).
  virtual Status CanJoin() const { return Status::Ok(); }
  // True when the engine's LEFT JOIN gives unmatched left rows the right
  // columns' default values ('' and 0), not NULL: the compiler then marks
  // the right side's rows and writes NULL where the mark is missing.
  virtual bool JoinFillsDefaults() const { return false; }

 protected:
  // The shared parts of the standard dialects.
  std::string StandardAggregate(Fn fn, const std::string& arg, Type arg_type, bool star) const;
  Status Refuse(std::string_view what, std::string_view why) const;
};

// The dialect of this name ("sqlite", "postgres", "mysql", "clickhouse");
// nullptr when none.
const SqlDialect* FindDialect(std::string_view name);
// Every dialect's name, for messages and docs.
std::vector<std::string_view> DialectNames();

}  // namespace starling::query
