// File: query/sql_compiler.cc
#include "query/sql_compiler.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <set>

#include "query/mongo_compiler.h"

namespace starling::query {
namespace {

// A column the ordering of a relation reads (visible or hidden), its type
// for NULL order and collation.
struct OrderTerm {
  std::string alias;
  bool descending = false;
  Type type = Type::kNull;
};

// A compiled node: a SELECT, the alias of each output column ("" for one
// nothing reads), and the order it carries (empty: none).
struct Rel {
  std::string sql;
  std::vector<std::string> alias;
  std::vector<OrderTerm> order;
};

bool PlainName(std::string_view s) {
  if (s.empty() || s.size() > 40 || !(std::isalpha(static_cast<unsigned char>(s[0])))) return false;
  for (const char c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  }
  return true;
}

class Compiler {
 public:
  Compiler(const SqlDialect& d, const ColumnSqlFn& column_sql) : d_(d), column_sql_(column_sql) {}

  Result<std::string> Run(const Plan& plan) {
    STARLING_ASSIGN_OR_RETURN(Rel root, Node(plan, plan.nodes.size() - 1));
    const std::vector<std::string> names = plan.ColumnNames();
    std::string sql = "SELECT ";
    for (std::size_t i = 0; i < names.size(); ++i) {
      sql += (i == 0 ? "" : ", ") + Q(root.alias[i]);
      if (root.alias[i] != names[i]) sql += " AS " + Q(names[i]);
    }
    sql += " FROM (" + root.sql + ") AS " + Table();
    sql += OrderBy(root.order);
    return sql;
  }

 private:
  std::string Q(std::string_view ident) const { return d_.Quote(ident); }
  std::string Table() { return "t" + std::to_string(++tables_); }
  std::string Hidden() { return "_h" + std::to_string(++hidden_); }

  // Unique aliases for a node's needed columns: the name when it is a plain
  // identifier, else c<N>. Plain names first, so that a column named c3 is
  // never another's alias (the final SELECT names each column by its name).
  static std::vector<std::string> Aliases(const query::Node& n) {
    std::vector<std::string> out(n.columns.size());
    std::set<std::string> used;
    for (const bool plain : {true, false}) {
      for (std::size_t i = 0; i < n.columns.size(); ++i) {
        if (!n.needed[i] || PlainName(n.columns[i].name) != plain) continue;
        const std::string base = plain ? n.columns[i].name : "c" + std::to_string(i);
        std::string a = base;
        for (int k = 2; !used.insert(a).second; ++k) a = base + "_" + std::to_string(k);
        out[i] = a;
      }
    }
    return out;
  }

  // ClickHouse resolves a name in a SELECT to that SELECT's own alias before
  // the input's column, in the other items, WHERE, GROUP BY and ORDER BY, and
  // through a table qualifier: `quote_count AS like_count, like_count + 0 AS
  // a` reads quote_count twice. Where the dialect says so, an alias that
  // names an input column and is not that very column gets a name of its
  // own (`expr`: each output's SQL, "" for one not written).
  void Unshadow(std::vector<std::string>* alias, const std::vector<std::string>& expr,
                const std::vector<std::string>& inputs) const {
    if (!d_.AliasesShadowColumns()) return;
    const std::set<std::string> in(inputs.begin(), inputs.end());
    std::set<std::string> taken = in;
    taken.insert(alias->begin(), alias->end());
    for (std::size_t i = 0; i < alias->size(); ++i) {
      std::string& a = (*alias)[i];
      if (a.empty() || !in.contains(a)) continue;
      const std::string q = Q(a);
      if (expr[i] == q || expr[i] == "l." + q || expr[i] == "r." + q) continue;
      std::string fresh;
      for (int k = 2; !taken.insert(fresh = a + "_" + std::to_string(k)).second; ++k) {
      }
      a = fresh;
    }
  }

  std::string OrderBy(const std::vector<OrderTerm>& order) const {
    std::string s;
    for (const OrderTerm& t : order) {
      const std::string x = t.type == Type::kText ? d_.Binary(Q(t.alias)) : Q(t.alias);
      s += (s.empty() ? " ORDER BY " : ", ") + d_.OrderTerm(x, t.descending);
    }
    return s;
  }

  Result<Rel> Node(const Plan& plan, std::size_t k) {
    const query::Node& n = plan.nodes[k];
    if (n.kind == NodeKind::kScan) return Scan(n);
    STARLING_ASSIGN_OR_RETURN(Rel in, Node(plan, k - 1));
    const std::vector<Column>& in_cols = plan.nodes[k - 1].columns;
    switch (n.kind) {
      case NodeKind::kFilter: {
        STARLING_ASSIGN_OR_RETURN(const std::string pred, Condition(n.predicate, in));
        in.sql = "SELECT * FROM (" + in.sql + ") AS " + Table() + " WHERE " + pred;
        return in;
      }
      case NodeKind::kProject:
        return Project(n, std::move(in));
      case NodeKind::kSort:
        return Sort(n, std::move(in), in_cols);
      case NodeKind::kTake:
        in.sql = "SELECT * FROM (" + in.sql + ") AS " + Table() + OrderBy(in.order) +
                 d_.Limit(n.limit, n.offset);
        return in;
      case NodeKind::kAggregate:
        return Aggregate(n, in);
      case NodeKind::kJoin:
        return Join(n, in);
      case NodeKind::kScan:
        break;
    }
    return Internal("query: a scan after the first node");
  }

  // `extra`: more SELECT items after the columns (", 1 AS ...").
  Result<Rel> Scan(const query::Node& n, const std::string& extra = "") {
    Rel r;
    r.alias = Aliases(n);
    std::string cols;
    for (std::size_t i = 0; i < n.columns.size(); ++i) {
      if (!n.needed[i]) continue;
      const std::string& name = n.columns[i].name;
      std::string expr = column_sql_ ? column_sql_(n.table.name, name, "") : std::string();
      if (expr.empty()) expr = Q(name);
      cols += (cols.empty() ? "" : ", ") + expr;
      if (expr != Q(r.alias[i])) cols += " AS " + Q(r.alias[i]);
    }
    if (cols.empty()) cols = "1 AS " + Q("_none");
    r.sql = "SELECT " + cols + extra + " FROM " + Q(n.table.name);
    return r;
  }

  Result<Rel> Project(const query::Node& n, Rel in) {
    Rel out;
    out.alias = Aliases(n);
    std::vector<std::string> exprs(n.exprs.size());
    for (std::size_t i = 0; i < n.exprs.size(); ++i) {
      if (!n.needed[i]) continue;
      STARLING_ASSIGN_OR_RETURN(exprs[i], Expr(n.exprs[i], in));
    }
    std::vector<std::string> inputs = in.alias;
    for (const OrderTerm& t : in.order) inputs.push_back(t.alias);
    Unshadow(&out.alias, exprs, inputs);
    std::string cols;
    for (std::size_t i = 0; i < n.exprs.size(); ++i) {
      if (!n.needed[i]) continue;
      cols += (cols.empty() ? "" : ", ") + exprs[i];
      if (exprs[i] != Q(out.alias[i])) cols += " AS " + Q(out.alias[i]);
    }
    // The order goes on: through a column kept as it is, or a hidden one.
    for (const OrderTerm& t : in.order) {
      OrderTerm carried = t;
      bool kept = false;
      for (std::size_t i = 0; i < n.exprs.size() && !kept; ++i) {
        const PExpr& e = n.exprs[i];
        if (n.needed[i] && e.kind == PKind::kColumn &&
            in.alias[static_cast<std::size_t>(e.column)] == t.alias) {
          carried.alias = out.alias[i];
          kept = true;
        }
      }
      if (!kept) {
        carried.alias = t.alias.starts_with("_h") ? t.alias : Hidden();
        cols += (cols.empty() ? "" : ", ") + Q(t.alias);
        if (carried.alias != t.alias) cols += " AS " + Q(carried.alias);
      }
      out.order.push_back(carried);
    }
    if (cols.empty()) cols = "1 AS " + Q("_none");
    out.sql = "SELECT " + cols + " FROM (" + in.sql + ") AS " + Table();
    return out;
  }

  Result<Rel> Sort(const query::Node& n, Rel in, const std::vector<Column>& in_cols) {
    Rel out;
    out.alias = in.alias;
    std::string extra;
    for (const OrderKey& k : n.sort_keys) {
      OrderTerm t;
      t.descending = k.descending;
      t.type = k.expr.type;
      if (k.expr.kind == PKind::kColumn) {
        t.alias = in.alias[static_cast<std::size_t>(k.expr.column)];
      } else {
        STARLING_ASSIGN_OR_RETURN(const std::string e, Expr(k.expr, in));
        t.alias = Hidden();
        extra += ", " + e + " AS " + Q(t.alias);
      }
      out.order.push_back(t);
    }
    // Ties: every column up to the relation's unique key (plan.h), ascending;
    // a column that is a sort key already has no ties left to break.
    const std::size_t keys = out.order.size();
    for (std::size_t i = 0; i < n.tie_columns; ++i) {
      bool is_key = false;
      for (std::size_t k = 0; k < keys; ++k) is_key |= out.order[k].alias == in.alias[i];
      if (!is_key) out.order.push_back({in.alias[i], false, in_cols[i].type});
    }
    out.sql = extra.empty() ? in.sql : "SELECT *" + extra + " FROM (" + in.sql + ") AS " + Table();
    return out;
  }

  Result<Rel> Aggregate(const query::Node& n, const Rel& in) {
    Rel out;
    out.alias = Aliases(n);
    // The group keys are computed whether read or not (they make the
    // groups): each has an alias. An aggregate nothing reads is left out, as
    // the native executor never computes it (so a sum past 64 bits that no
    // one reads is an error nowhere, whatever the engine's planner prunes).
    for (std::size_t i = 0; i < n.group_keys.size(); ++i) {
      if (out.alias[i].empty()) out.alias[i] = "_a" + std::to_string(i);
    }
    std::vector<std::string> exprs;
    std::string group;
    for (std::size_t k = 0; k < n.group_keys.size(); ++k) {
      STARLING_ASSIGN_OR_RETURN(std::string e, Expr(n.group_keys[k], in));
      // Groups of text by bytes (MariaDB's default collations fold case).
      if (n.group_keys[k].type == Type::kText) e = d_.Binary(e);
      if (n.group_keys[k].type == Type::kReal) e = d_.RealKey(e);
      group += (group.empty() ? " GROUP BY " : ", ") + e;
      exprs.push_back(std::move(e));
    }
    for (std::size_t j = 0; j < n.aggregates.size(); ++j) {
      const query::Aggregate& a = n.aggregates[j];
      if (!n.needed[n.group_keys.size() + j]) {
        exprs.emplace_back();
        continue;
      }
      std::string arg;
      if (!a.star) {
        STARLING_ASSIGN_OR_RETURN(arg, Expr(a.arg, in));
      }
      STARLING_ASSIGN_OR_RETURN(std::string e,
                                d_.Aggregate(a.fn, arg, a.star ? Type::kNull : a.arg.type, a.star));
      exprs.push_back(std::move(e));
    }
    Unshadow(&out.alias, exprs, in.alias);
    std::string cols;
    for (std::size_t i = 0; i < exprs.size(); ++i) {
      if (!exprs[i].empty())
        cols += (cols.empty() ? "" : ", ") + exprs[i] + " AS " + Q(out.alias[i]);
    }
    // Still an aggregate (one row over the whole input) when nothing of it is read.
    if (cols.empty()) cols = "COUNT(*) AS " + Q("_none");
    out.sql = "SELECT " + cols + " FROM (" + in.sql + ") AS " + Table() + group;
    return out;
  }

  Result<Rel> Join(const query::Node& n, const Rel& left) {
    STARLING_RETURN_IF_ERROR(d_.CanJoin());
    // Where the engine fills unmatched rows with defaults, a constant 1 on
    // the right tells a match (1) from a filled row (its default, 0).
    const bool mark = n.side == JoinSide::kLeft && d_.JoinFillsDefaults();
    STARLING_ASSIGN_OR_RETURN(Rel right, Scan(n.right[0], mark ? ", 1 AS " + Q("_matched") : ""));
    const std::size_t nl = left.alias.size();
    Rel out;
    out.alias = Aliases(n);
    std::vector<std::string> exprs(n.columns.size());
    for (std::size_t i = 0; i < n.columns.size(); ++i) {
      if (!n.needed[i]) continue;
      exprs[i] = i < nl ? "l." + Q(left.alias[i]) : "r." + Q(right.alias[i - nl]);
      if (i >= nl && mark) {
        exprs[i] = "(CASE WHEN r." + Q("_matched") + " = 1 THEN " + exprs[i] + " END)";
      }
    }
    std::vector<std::string> inputs = left.alias;
    inputs.insert(inputs.end(), right.alias.begin(), right.alias.end());
    Unshadow(&out.alias, exprs, inputs);
    std::string cols;
    for (std::size_t i = 0; i < n.columns.size(); ++i) {
      if (n.needed[i]) cols += (cols.empty() ? "" : ", ") + exprs[i] + " AS " + Q(out.alias[i]);
    }
    if (cols.empty()) cols = "1 AS " + Q("_none");
    std::string on;
    for (const auto& [l, r] : n.join_keys) {
      std::string a = "l." + Q(left.alias[static_cast<std::size_t>(l)]);
      std::string b = "r." + Q(right.alias[static_cast<std::size_t>(r)]);
      const Type t = n.columns[static_cast<std::size_t>(l)].type;
      if (t == Type::kText) a = d_.Binary(a);
      if (t == Type::kReal) a = d_.RealKey(a), b = d_.RealKey(b);
      on += (on.empty() ? "" : " AND ") + a + " = " + b;
    }
    out.sql = "SELECT " + cols + " FROM (" + left.sql + ") AS l " +
              (n.side == JoinSide::kLeft ? "LEFT JOIN (" : "JOIN (") + right.sql + ") AS r ON " +
              on;
    return out;
  }

  // --- Expressions ----------------------------------------------------------------

  Result<std::string> Expr(const PExpr& e, const Rel& in) {
    switch (e.kind) {
      case PKind::kLiteral:
        switch (e.type) {
          case Type::kNull:
            return std::string("NULL");
          case Type::kBool:
            return d_.BoolLiteral(e.lit_bool);
          case Type::kInt:
            return d_.IntLiteral(e.lit_int);
          case Type::kReal:
            return d_.RealLiteral(e.lit_real);
          case Type::kText:
            return d_.TextLiteral(e.lit_text);
        }
        return std::string("NULL");
      case PKind::kColumn:
        return Q(in.alias[static_cast<std::size_t>(e.column)]);
      default:
        break;
    }
    std::vector<std::string> a;
    for (const PExpr& arg : e.args) {
      STARLING_ASSIGN_OR_RETURN(std::string s, Expr(arg, in));
      a.push_back(std::move(s));
    }
    switch (e.kind) {
      case PKind::kToReal:
        return d_.ToReal(a[0]);
      case PKind::kNeg:
        return "(-" + a[0] + ")";
      case PKind::kNot:
        return "(NOT " + a[0] + ")";
      case PKind::kAnd:
        return d_.And(a[0], a[1]);
      case PKind::kOr:
        return d_.Or(a[0], a[1]);
      case PKind::kIsNull:
        return "(" + a[0] + " IS NULL)";
      case PKind::kIsNotNull:
        return "(" + a[0] + " IS NOT NULL)";
      case PKind::kCoalesce:
        return "COALESCE(" + a[0] + ", " + a[1] + ")";
      case PKind::kBinary:
        return Binary(e, a);
      case PKind::kCall:
        return Call(e, a);
      default:
        break;
    }
    return Internal("query: an expression the compiler does not know");
  }

  // A filter's condition. The filter keeps the rows where it is true, and
  // whether an AND or OR is true depends only on whether its operands are
  // (both, either): there every engine's own AND and OR serve (ClickHouse's
  // are not Kleene's on NULL, but true exactly then), down to the first
  // operand that is not an AND or OR.
  Result<std::string> Condition(const PExpr& e, const Rel& in) {
    if (e.kind != PKind::kAnd && e.kind != PKind::kOr) return Expr(e, in);
    STARLING_ASSIGN_OR_RETURN(const std::string a, Condition(e.args[0], in));
    STARLING_ASSIGN_OR_RETURN(const std::string b, Condition(e.args[1], in));
    return "(" + a + (e.kind == PKind::kAnd ? " AND " : " OR ") + b + ")";
  }

  // The SQL of an operator repeats its operands (checked arithmetic names
  // each one several times), so a deeply nested expression could grow
  // without bound: past kMaxSqlBytes it is refused.
  static constexpr std::size_t kMaxSqlBytes = 1 << 20;

  Result<std::string> Binary(const PExpr& e, const std::vector<std::string>& a) {
    STARLING_ASSIGN_OR_RETURN(std::string sql, BinaryUnchecked(e, a));
    if (sql.size() > kMaxSqlBytes) {
      return InvalidArgument("query: its SQL for " + std::string(d_.Name()) +
                             " would pass 1 MiB (an expression nested too deeply); simplify it");
    }
    return sql;
  }

  Result<std::string> BinaryUnchecked(const PExpr& e, const std::vector<std::string>& a) {
    const Type t = e.args[0].type != Type::kNull ? e.args[0].type : e.args[1].type;
    switch (e.op) {
      case Op::kEq:
      case Op::kNe:
      case Op::kLt:
      case Op::kLe:
      case Op::kGt:
      case Op::kGe: {
        if (t == Type::kText) return d_.CompareText(e.op, d_.Binary(a[0]), a[1]);
        static constexpr const char* kOps[] = {" = ", " <> ", " < ", " <= ", " > ", " >= "};
        return "(" + a[0] + kOps[static_cast<int>(e.op)] + a[1] + ")";
      }
      case Op::kAdd:
      case Op::kSub:
      case Op::kMul:
        if (e.type == Type::kReal) {
          const char* o = e.op == Op::kAdd ? " + " : e.op == Op::kSub ? " - " : " * ";
          return "(" + a[0] + o + a[1] + ")";
        }
        return d_.CheckedArith(e.op, a[0], a[1]);
      case Op::kDiv:
        return "(" + a[0] + " / NULLIF(" + a[1] + ", " + d_.RealLiteral(0.0) + "))";
      case Op::kIntDiv:
        return d_.IntDiv(a[0], a[1]);
      case Op::kMod:
        return d_.Mod(a[0], a[1]);
    }
    return Internal("query: an operator the compiler does not know");
  }

  Result<std::string> Call(const PExpr& e, const std::vector<std::string>& a) {
    if (e.fn != Fn::kTimeFloor) return d_.Call(e.fn, a);
    // floor(ts / unit) * unit, NULL when below INT64_MIN (docs/query.md).
    const std::int64_t unit = e.lit_int;
    const std::string u = d_.IntLiteral(unit);
    const std::string q = "(" + d_.RawIntDiv(a[0], u) + " - (CASE WHEN " + d_.RawMod(a[0], u) +
                          " < 0 THEN 1 ELSE 0 END))";
    return "(CASE WHEN " + q +
           " >= " + d_.IntLiteral(std::numeric_limits<std::int64_t>::min() / unit) + " THEN " + q +
           " * " + u + " END)";
  }

  const SqlDialect& d_;
  const ColumnSqlFn& column_sql_;
  int tables_ = 0;
  int hidden_ = 0;
};

}  // namespace

Result<std::string> CompileSql(const Plan& plan, const SqlDialect& dialect,
                               const ColumnSqlFn& column_sql) {
  return Compiler(dialect, column_sql).Run(plan);
}

Result<std::string> CompileForStore(const Plan& plan, const sink::QueryableStore& store) {
  if (store.Dialect() == "mongodb") {
    STARLING_ASSIGN_OR_RETURN(MongoQuery q, CompileMongoForStore(plan, store));
    return std::move(q.statement);
  }
  const SqlDialect* d = FindDialect(store.Dialect());
  if (d == nullptr) {
    return InvalidArgument(store.Name() + " runs " + std::string(store.Dialect()) +
                           ", which starling query cannot compile for yet");
  }
  const ColumnSqlFn column_sql = [&store](std::string_view t, std::string_view c,
                                          std::string_view q) { return store.ColumnSql(t, c, q); };
  return CompileSql(plan, *d, column_sql);
}

Result<Value> FromStore(const sink::Value& cell, Type type, Arena* arena) {
  if (std::holds_alternative<std::monostate>(cell) || type == Type::kNull) return Value::Null();
  const auto* i = std::get_if<std::int64_t>(&cell);
  const auto* d = std::get_if<double>(&cell);
  const auto* s = std::get_if<std::string>(&cell);
  auto bad = [&](std::string_view what) -> Status {
    return ResourceExhausted("the store gave " + std::string(what) + " where the query has " +
                             std::string(TypeName(type)));
  };
  switch (type) {
    case Type::kBool:
      if (i) return Value::Bool(*i != 0);
      if (d) return Value::Bool(*d != 0);
      if (*s == "t" || *s == "true" || *s == "1") return Value::Bool(true);
      if (*s == "f" || *s == "false" || *s == "0") return Value::Bool(false);
      return bad("'" + *s + "'");
    case Type::kInt:
      if (i) return Value::Int(*i);
      if (d) {
        if (std::trunc(*d) == *d && *d >= -9223372036854775808.0 && *d < 9223372036854775808.0) {
          return Value::Int(static_cast<std::int64_t>(*d));
        }
        return bad("a float past 64-bit integers (integer overflow)");
      } else {
        std::int64_t v = 0;
        const auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
        if (ec == std::errc() && p == s->data() + s->size()) return Value::Int(v);
        return bad("'" + *s + "' (integer overflow)");
      }
    case Type::kReal:
      if (d) return Value::Real(*d);
      if (i) return Value::Real(static_cast<double>(*i));
      {
        double v = 0;
        const auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), v);
        if (ec == std::errc() && p == s->data() + s->size()) return Value::Real(v);
        return bad("'" + *s + "'");
      }
    case Type::kText:
      if (s) return Value::Text(arena->Copy(*s));
      return bad("a number");
    case Type::kNull:
      break;
  }
  return Value::Null();
}

Result<Answer> RunOnStore(const Plan& plan, sink::QueryableStore& store) {
  if (store.Dialect() == "mongodb") return RunOnMongo(plan, store);
  STARLING_ASSIGN_OR_RETURN(const std::string sql, CompileForStore(plan, store));
  Answer answer;
  answer.names = plan.ColumnNames();
  for (const Column& c : plan.columns()) answer.types.push_back(c.type);
  STARLING_RETURN_IF_ERROR(store.Query(
      sql,
      [&](std::vector<std::string> columns) -> Status {
        if (columns.size() != answer.width()) {
          return Internal("query: the store answered " + std::to_string(columns.size()) +
                          " columns for " + std::to_string(answer.width()));
        }
        return Status::Ok();
      },
      [&](std::span<const sink::Value> row) -> Status {
        for (std::size_t c = 0; c < row.size(); ++c) {
          STARLING_ASSIGN_OR_RETURN(Value v, FromStore(row[c], answer.types[c], &answer.arena));
          answer.cells.push_back(v);
        }
        return Status::Ok();
      }));
  return answer;
}

}  // namespace starling::query
