// File: query/plan.h
// A checked query as a relational plan (what query/resolver.h builds from
// the syntax tree): a line of nodes from a table scan to the answer, every
// expression typed and every column reference an index into the node's
// input. The native executor runs it; the SQL compiler writes it in a
// dialect. Both implement the one meaning docs/query.md gives each node.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "model/window_result.h"
#include "query/ast.h"
#include "query/functions.h"
#include "sink/tables.h"

namespace starling::query {

// A value's type. Timestamps are kInt (UTC microseconds). kNull is the type
// of the literal `null` (and of what is computed only from it).
enum class Type : std::uint8_t { kNull, kBool, kInt, kReal, kText };
std::string_view TypeName(Type t);

enum class Op : std::uint8_t {
  kEq,
  kNe,
  kLt,
  kLe,
  kGt,
  kGe,  // comparisons: NULL when an operand is NULL
  kAdd,
  kSub,
  kMul,  // integers: NULL on overflow; reals: IEEE
  kDiv,  // always real; NULL when dividing by 0
  kIntDiv,
  kMod,  // integers, truncating; NULL for 0 and for overflow
};

enum class PKind : std::uint8_t {
  kLiteral,  // value in lit_*
  kColumn,   // the input's column `column`
  kToReal,   // args[0] (an integer) as a real
  kNeg,      // -args[0] for a real (an integer is 0 - x)
  kNot,      // three-valued
  kAnd,      // three-valued (Kleene)
  kOr,
  kIsNull,     // x == null
  kIsNotNull,  // x != null
  kBinary,     // op
  kCoalesce,   // args[0] ?? args[1]
  kCall,       // fn (a row function); time.floor's unit in lit_int
};

struct PExpr {
  PKind kind = PKind::kLiteral;
  Type type = Type::kNull;
  Op op = Op::kEq;
  Fn fn = Fn::kTextLength;
  int column = -1;
  bool lit_bool = false;
  std::int64_t lit_int = 0;
  double lit_real = 0;
  std::string lit_text;
  std::vector<PExpr> args;
};

// One aggregate of `aggregate {...}` or `group {...} (aggregate {...})`.
struct Aggregate {
  Fn fn = Fn::kCount;
  bool star = false;       // count this
  PExpr arg;               // unset for count this
  Type type = Type::kInt;  // of the result
};

struct OrderKey {
  PExpr expr;
  bool descending = false;
};

struct Column {
  std::string name;       // as the answer's header shows it (unless ambiguous: qualifier.name)
  std::string qualifier;  // the table or alias it came from; "" for a computed column
  Type type = Type::kNull;
};

// Where a scan reads: a logical table of posts (sink/tables.h) or a result
// kind's table (model/result_columns.h).
struct TableRef {
  std::string name;  // "posts", "trending"
  bool result = false;
  sink::LogicalTable logical = sink::LogicalTable::kPosts;
  model::ResultKind result_kind = model::ResultKind::kCount;
};

enum class NodeKind : std::uint8_t { kScan, kFilter, kProject, kAggregate, kSort, kTake, kJoin };

struct Node {
  NodeKind kind = NodeKind::kScan;
  std::vector<Column> columns;  // the node's output
  // Which output columns something downstream reads (filled by the
  // resolver's last pass): a scan reads only these, a projection computes
  // only these. A sort reads every column of its input (ties are broken by
  // all of them), so everything before it stays.
  std::vector<bool> needed;
  TableRef table;                     // kScan
  PExpr predicate;                    // kFilter
  std::vector<PExpr> exprs;           // kProject: one per output column
  std::vector<PExpr> group_keys;      // kAggregate: the first outputs
  std::vector<Aggregate> aggregates;  // kAggregate: the outputs after the keys
  std::vector<OrderKey> sort_keys;    // kSort (then every column, ascending)
  // kSort: ties are broken by every input column, ascending, in order; when
  // the input has a unique key (posts.id, a group's keys, a result table's
  // primary key) the columns after the last key column never matter, and
  // only the first tie_columns are compared.
  std::size_t tie_columns = 0;
  std::int64_t offset = 0;                     // kTake: rows skipped
  std::int64_t limit = 0;                      // kTake: rows kept after them (>= 0)
  JoinSide side = JoinSide::kInner;            // kJoin: output = input columns ++ right's
  std::vector<Node> right;                     // kJoin: the right table's scan (one node)
  std::vector<std::pair<int, int>> join_keys;  // kJoin: (input column, right column), all ==
};

struct Plan {
  std::vector<Node> nodes;  // nodes[0] is a scan; each later node reads the one before
  const std::vector<Column>& columns() const { return nodes.back().columns; }
  // The header of the answer: each column's name, qualified where two share it.
  std::vector<std::string> ColumnNames() const;
};

// The tables a plan reads, posts tables and result tables apart.
bool ReadsResultTables(const Plan& plan);

// The plan as indented text, last node first (`--explain` on a file).
std::string ExplainPlan(const Plan& plan);

}  // namespace starling::query
