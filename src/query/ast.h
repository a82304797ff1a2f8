// File: query/ast.h
// The syntax tree of a query as the parser reads it (query/parser.h): a
// pipeline of transforms, each with its expressions; names are not yet
// checked (query/resolver.h does that). Every node keeps where it starts in
// the text, for messages.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "query/lexer.h"

namespace starling::query {

struct Pos {
  int line = 1;
  int col = 1;
};

enum class ExprKind : std::uint8_t {
  kNull,
  kBool,
  kInt,
  kFloat,
  kString,
  kTimestamp,  // @2021-04-01T00:00:00Z, as UTC microseconds in `i`
  kName,       // a column: `tag`, `h.tag`, `this.id`, `that.post_id` (parts in `name`)
  kUnary,      // op: kMinus, kNot
  kBinary,     // op: a binary operator token
  kCall,       // a function (`name`, dotted) applied to `args`
};

struct Expr {
  ExprKind kind = ExprKind::kNull;
  Pos pos;
  std::int64_t i = 0;
  double d = 0;
  bool b = false;
  std::string s;                  // kString
  std::vector<std::string> name;  // kName parts; kCall: the function's dotted name
  Tok op = Tok::kEnd;             // kUnary, kBinary
  std::vector<Expr> args;         // operands (kUnary: 1, kBinary: 2) or call arguments
  std::string source;             // the expression's text, a column's default name
};

// `name = expr` or a bare `expr` in a tuple.
struct Item {
  std::string name;  // empty when not given
  Pos name_pos;
  Expr expr;
};

struct SortKey {
  Expr expr;
  bool descending = false;
};

enum class StepKind : std::uint8_t {
  kFrom,
  kFilter,
  kDerive,
  kSelect,
  kGroup,
  kAggregate,
  kSort,
  kTake,
  kJoin,
};

enum class JoinSide : std::uint8_t { kInner, kLeft };

struct Step {
  StepKind kind = StepKind::kFrom;
  Pos pos;
  // from, join: the table and the name it goes by (`from p = posts`).
  std::string table;
  std::string alias;
  Pos table_pos;
  Expr condition;         // filter; join (this.a == that.b && ...)
  std::string self_join;  // join (==col): the column both sides share
  JoinSide side = JoinSide::kInner;
  std::vector<Item> items;       // derive, select, aggregate; group: the keys
  std::vector<Item> aggregates;  // group: its (aggregate {...})
  Pos aggregates_pos;
  std::vector<SortKey> keys;   // sort
  std::int64_t take_from = 1;  // take a..b: rows a to b (1-based, inclusive); take n: 1..n
  std::int64_t take_to = 0;
};

struct Query {
  std::vector<Step> steps;
};

}  // namespace starling::query
