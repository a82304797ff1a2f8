// File: query/resolver.cc
#include "query/resolver.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <set>

#include "common/duration.h"
#include "model/result_columns.h"
#include "query/parser.h"

namespace starling::query {
namespace {

constexpr std::int64_t kMaxFloorUnit = std::int64_t{1} << 62;

bool Numeric(Type t) { return t == Type::kInt || t == Type::kReal; }

PExpr Lit(Type t) {
  PExpr e;
  e.kind = PKind::kLiteral;
  e.type = t;
  return e;
}

PExpr ToReal(PExpr e) {
  if (e.type != Type::kInt) return e;
  if (e.kind == PKind::kLiteral) {
    e.type = Type::kReal;
    e.lit_real = static_cast<double>(e.lit_int);
    return e;
  }
  PExpr c;
  c.kind = PKind::kToReal;
  c.type = Type::kReal;
  c.args.push_back(std::move(e));
  return c;
}

class Resolver {
 public:
  explicit Resolver(const QueryText& text) : q_(text) {}

  Result<Plan> Run(const Query& query) {
    Plan plan;
    for (const Step& step : query.steps) {
      STARLING_RETURN_IF_ERROR(AddStep(step, &plan));
      // `select {}`, `aggregate {}`: an answer of no columns says nothing
      // (and SQL has no SELECT of nothing).
      if (!plan.nodes.empty() && plan.nodes.back().columns.empty()) {
        return Error(step.pos, "this leaves no column: name at least one");
      }
    }
    MarkTies(&plan);
    MarkNeeded(&plan);
    return plan;
  }

 private:
  Status Error(Pos p, std::string_view message) const { return q_.Error(p.line, p.col, message); }

  // --- Tables ----------------------------------------------------------------

  Result<Node> Scan(const std::string& table, const std::string& alias, Pos pos) const {
    Node n;
    n.kind = NodeKind::kScan;
    n.table.name = table;
    if (const sink::TableInfo* t = sink::FindTable(table)) {
      n.table.logical = t->table;
      for (const sink::TableColumn& c : t->columns) {
        n.columns.push_back({std::string(c.name), alias, TypeOf(c.type)});
      }
      return n;
    }
    for (const model::ResultKindInfo& k : model::ResultKinds()) {
      if (k.table != table) continue;
      n.table.result = true;
      n.table.result_kind = k.kind;
      for (const char* head : {"pipeline", "analysis", "window_start", "window_end"}) {
        n.columns.push_back({head, alias, Type::kText});
      }
      for (const model::ResultColumn& c : k.columns) {
        n.columns.push_back({std::string(c.name), alias, TypeOf(c.type)});
      }
      return n;
    }
    std::string known;
    for (const sink::TableInfo& t : sink::Tables())
      known += (known.empty() ? "" : ", ") + std::string(t.name);
    for (const model::ResultKindInfo& k : model::ResultKinds())
      known += ", " + std::string(k.table);
    return Error(pos, "no table '" + table + "' (tables: " + known + ")");
  }

  static Type TypeOf(model::ColumnType t) {
    switch (t) {
      case model::ColumnType::kInt:
        return Type::kInt;
      case model::ColumnType::kReal:
        return Type::kReal;
      case model::ColumnType::kText:
        return Type::kText;
    }
    return Type::kText;
  }

  // --- Steps -------------------------------------------------------------------

  Status AddStep(const Step& step, Plan* plan) {
    switch (step.kind) {
      case StepKind::kFrom: {
        STARLING_ASSIGN_OR_RETURN(Node n, Scan(step.table, step.alias, step.table_pos));
        plan->nodes.push_back(std::move(n));
        return Status::Ok();
      }
      case StepKind::kFilter: {
        const std::vector<Column>& in = plan->columns();
        Node n;
        n.kind = NodeKind::kFilter;
        n.columns = in;
        STARLING_ASSIGN_OR_RETURN(n.predicate, Row(step.condition, in));
        if (n.predicate.type != Type::kBool && n.predicate.type != Type::kNull) {
          return Error(step.condition.pos, "filter needs a true/false condition; this is " +
                                               std::string(TypeName(n.predicate.type)));
        }
        plan->nodes.push_back(std::move(n));
        return Status::Ok();
      }
      case StepKind::kDerive:
        return Derive(step, plan);
      case StepKind::kSelect:
        return Select(step, plan);
      case StepKind::kGroup:
      case StepKind::kAggregate:
        return Group(step, plan);
      case StepKind::kSort: {
        const std::vector<Column>& in = plan->columns();
        Node n;
        n.kind = NodeKind::kSort;
        n.columns = in;
        for (const SortKey& k : step.keys) {
          STARLING_ASSIGN_OR_RETURN(PExpr e, Row(k.expr, in));
          n.sort_keys.push_back({std::move(e), k.descending});
        }
        plan->nodes.push_back(std::move(n));
        return Status::Ok();
      }
      case StepKind::kTake: {
        Node n;
        n.kind = NodeKind::kTake;
        n.columns = plan->columns();
        n.offset = step.take_from - 1;
        n.limit = step.take_to >= step.take_from ? step.take_to - step.take_from + 1 : 0;
        plan->nodes.push_back(std::move(n));
        return Status::Ok();
      }
      case StepKind::kJoin:
        return Join(step, plan);
    }
    return Status::Ok();
  }

  std::string DefaultName(const Item& item, const PExpr& e, const std::vector<Column>& in) const {
    if (!item.name.empty()) return item.name;
    if (e.kind == PKind::kColumn) return in[static_cast<std::size_t>(e.column)].name;
    return item.expr.source;
  }

  Status Derive(const Step& step, Plan* plan) {
    const std::vector<Column> in = plan->columns();
    Node n;
    n.kind = NodeKind::kProject;
    n.columns = in;
    for (std::size_t i = 0; i < in.size(); ++i) {
      PExpr c;
      c.kind = PKind::kColumn;
      c.type = in[i].type;
      c.column = static_cast<int>(i);
      n.exprs.push_back(std::move(c));
    }
    for (const Item& item : step.items) {
      // Later items see earlier ones: `derive {a = 1, b = a + 1}`. An item
      // reads the relation as derived so far, which the expressions refer to
      // through the input (a derived column is substituted by its expression).
      STARLING_ASSIGN_OR_RETURN(PExpr e, Row(item.expr, n.columns));
      Substitute(&e, n.exprs);
      const std::string name = DefaultName(item, e, n.columns);
      Column col{name, "", e.type};
      int replace = -1;
      for (std::size_t i = 0; i < n.columns.size(); ++i) {
        if (n.columns[i].name != name) continue;
        if (replace >= 0) {
          return Error(item.name_pos, "derive " + name +
                                          ": two columns have this name; "
                                          "select one first");
        }
        replace = static_cast<int>(i);
      }
      if (replace >= 0) {
        n.columns[static_cast<std::size_t>(replace)] = col;
        n.exprs[static_cast<std::size_t>(replace)] = std::move(e);
      } else {
        n.columns.push_back(col);
        n.exprs.push_back(std::move(e));
      }
    }
    plan->nodes.push_back(std::move(n));
    return Status::Ok();
  }

  // Replaces references to the relation being derived with the expressions
  // that compute them, so every expression reads only the node's input.
  static void Substitute(PExpr* e, const std::vector<PExpr>& exprs) {
    if (e->kind == PKind::kColumn) {
      *e = exprs[static_cast<std::size_t>(e->column)];
      return;
    }
    for (PExpr& a : e->args) Substitute(&a, exprs);
  }

  Status Select(const Step& step, Plan* plan) {
    const std::vector<Column> in = plan->columns();
    Node n;
    n.kind = NodeKind::kProject;
    std::set<std::string> seen;
    for (const Item& item : step.items) {
      STARLING_ASSIGN_OR_RETURN(PExpr e, Row(item.expr, in));
      Column col;
      col.name = DefaultName(item, e, in);
      col.type = e.type;
      if (item.name.empty() && e.kind == PKind::kColumn) {
        col.qualifier = in[static_cast<std::size_t>(e.column)].qualifier;
      }
      if (!seen.insert(col.qualifier + "." + col.name).second) {
        return Error(item.name.empty() ? item.expr.pos : item.name_pos,
                     "select names '" + col.name + "' twice; rename one (name = ...)");
      }
      n.columns.push_back(std::move(col));
      n.exprs.push_back(std::move(e));
    }
    plan->nodes.push_back(std::move(n));
    return Status::Ok();
  }

  Status Group(const Step& step, Plan* plan) {
    const std::vector<Column> in = plan->columns();
    Node n;
    n.kind = NodeKind::kAggregate;
    std::set<std::string> seen;
    auto add = [&](const std::string& name, const std::string& qualifier, Type t,
                   Pos pos) -> Status {
      if (!seen.insert(name).second) {
        return Error(pos, "the answer would name '" + name + "' twice; rename one (name = ...)");
      }
      n.columns.push_back({name, qualifier, t});
      return Status::Ok();
    };
    const std::vector<Item>& aggs = step.kind == StepKind::kGroup ? step.aggregates : step.items;
    if (step.kind == StepKind::kGroup) {
      for (const Item& item : step.items) {
        STARLING_ASSIGN_OR_RETURN(PExpr e, Row(item.expr, in));
        const std::string qualifier = item.name.empty() && e.kind == PKind::kColumn
                                          ? in[static_cast<std::size_t>(e.column)].qualifier
                                          : "";
        STARLING_RETURN_IF_ERROR(add(DefaultName(item, e, in), qualifier, e.type,
                                     item.name.empty() ? item.expr.pos : item.name_pos));
        n.group_keys.push_back(std::move(e));
      }
    }
    for (const Item& item : aggs) {
      STARLING_ASSIGN_OR_RETURN(Aggregate a, AggregateOf(item.expr, in));
      const std::string name = item.name.empty() ? item.expr.source : item.name;
      STARLING_RETURN_IF_ERROR(
          add(name, "", a.type, item.name.empty() ? item.expr.pos : item.name_pos));
      n.aggregates.push_back(std::move(a));
    }
    plan->nodes.push_back(std::move(n));
    return Status::Ok();
  }

  Result<Aggregate> AggregateOf(const Expr& e, const std::vector<Column>& in) {
    const FunctionInfo* fn = e.kind == ExprKind::kCall ? FindFunction(e.name[0]) : nullptr;
    if (fn == nullptr || !fn->aggregate) {
      return Error(e.pos,
                   "aggregate {...} takes aggregate functions (count, count_distinct, "
                   "sum, min, max, average), each as its own item; compute with "
                   "derive after it");
    }
    Aggregate a;
    a.fn = fn->fn;
    const Expr& arg = e.args[0];
    if (arg.kind == ExprKind::kName && arg.name.size() == 1 && arg.name[0] == "this") {
      if (a.fn != Fn::kCount) return Error(arg.pos, "only count takes `this` (count this)");
      a.star = true;
      a.type = Type::kInt;
      return a;
    }
    STARLING_ASSIGN_OR_RETURN(a.arg, Row(arg, in));
    const Type t = a.arg.type;
    switch (a.fn) {
      case Fn::kCount:
      case Fn::kCountDistinct:
        a.type = Type::kInt;
        break;
      case Fn::kSum:
        if (!Numeric(t) && t != Type::kNull) return TypeError(arg, "sum", "numbers", t);
        a.type = t == Type::kNull ? Type::kInt : t;
        break;
      case Fn::kAverage:
        if (!Numeric(t) && t != Type::kNull) return TypeError(arg, "average", "numbers", t);
        a.type = Type::kReal;
        break;
      case Fn::kMin:
      case Fn::kMax:
        if (t == Type::kBool) {
          return Error(arg.pos, std::string(FunctionInfoOf(a.fn).name) +
                                    " of true/false is not supported; count the trues instead");
        }
        a.type = t;
        break;
      default:
        break;
    }
    return a;
  }

  Status TypeError(const Expr& at, std::string_view what, std::string_view wants, Type got) const {
    return Error(at.pos, std::string(what) + " takes " + std::string(wants) + "; '" + at.source +
                             "' is " + std::string(TypeName(got)));
  }

  Status Join(const Step& step, Plan* plan) {
    const std::vector<Column> left = plan->columns();
    STARLING_ASSIGN_OR_RETURN(Node right, Scan(step.table, step.alias, step.table_pos));
    Node n;
    n.kind = NodeKind::kJoin;
    n.side = step.side;
    n.columns = left;
    for (const Column& c : right.columns) n.columns.push_back(c);
    const int nleft = static_cast<int>(left.size());
    if (!step.self_join.empty()) {
      int l = -1, r = -1;
      for (int i = 0; i < nleft; ++i) {
        if (left[static_cast<std::size_t>(i)].name == step.self_join) {
          if (l >= 0)
            return Error(step.table_pos, "'" + step.self_join + "' is ambiguous on the left");
          l = i;
        }
      }
      for (std::size_t i = 0; i < right.columns.size(); ++i) {
        if (right.columns[i].name == step.self_join) r = static_cast<int>(i);
      }
      if (l < 0 || r < 0) {
        return Error(step.table_pos, "(==" + step.self_join + ") needs a column '" +
                                         step.self_join +
                                         "' on both sides; write (this.a == that.b)");
      }
      STARLING_RETURN_IF_ERROR(CheckJoinTypes(left[static_cast<std::size_t>(l)],
                                              right.columns[static_cast<std::size_t>(r)],
                                              step.table_pos));
      n.join_keys.emplace_back(l, r);
    } else {
      STARLING_RETURN_IF_ERROR(JoinCondition(step.condition, left, right.columns, &n));
    }
    n.right.push_back(std::move(right));
    plan->nodes.push_back(std::move(n));
    return Status::Ok();
  }

  Status CheckJoinTypes(const Column& a, const Column& b, Pos pos) const {
    if (a.type == b.type) return Status::Ok();
    return Error(pos, "a join compares columns of one type; " + a.name + " is " +
                          std::string(TypeName(a.type)) + ", " + b.name + " is " +
                          std::string(TypeName(b.type)));
  }

  Status JoinCondition(const Expr& e, const std::vector<Column>& left,
                       const std::vector<Column>& right, Node* n) {
    if (e.kind == ExprKind::kBinary && e.op == Tok::kAnd) {
      STARLING_RETURN_IF_ERROR(JoinCondition(e.args[0], left, right, n));
      return JoinCondition(e.args[1], left, right, n);
    }
    if (e.kind != ExprKind::kBinary || e.op != Tok::kEq || e.args[0].kind != ExprKind::kName ||
        e.args[1].kind != ExprKind::kName) {
      return Error(e.pos,
                   "a join condition is one or more equalities of columns, joined by &&: "
                   "(this.id == that.post_id)");
    }
    // Each side of == names a column of the left (this.x) or the right (that.x).
    int side[2] = {-1, -1};
    int index[2] = {-1, -1};
    for (int k = 0; k < 2; ++k) {
      const Expr& name = e.args[static_cast<std::size_t>(k)];
      const bool this_side = name.name.size() == 2 && name.name[0] == "this";
      const bool that_side = name.name.size() == 2 && name.name[0] == "that";
      Expr bare = name;
      if (this_side || that_side) bare.name = {name.name[1]};
      auto l = this_side || !that_side ? Find(bare, left) : std::vector<int>{};
      auto r = that_side || !this_side ? Find(bare, right) : std::vector<int>{};
      if (l.size() + r.size() == 0)
        return NoColumn(name, this_side ? left : that_side ? right : left);
      if (l.size() + r.size() > 1) {
        return Error(name.pos, "'" + name.source + "' is ambiguous here; write this." +
                                   name.name.back() + " or that." + name.name.back());
      }
      side[k] = l.empty() ? 1 : 0;
      index[k] = l.empty() ? r[0] : l[0];
    }
    if (side[0] == side[1]) {
      return Error(e.pos, "a join condition compares a column of each side (this.a == that.b)");
    }
    const int li = side[0] == 0 ? index[0] : index[1];
    const int ri = side[0] == 0 ? index[1] : index[0];
    STARLING_RETURN_IF_ERROR(CheckJoinTypes(left[static_cast<std::size_t>(li)],
                                            right[static_cast<std::size_t>(ri)], e.pos));
    n->join_keys.emplace_back(li, ri);
    return Status::Ok();
  }

  // --- Names -----------------------------------------------------------------

  static std::vector<int> Find(const Expr& e, const std::vector<Column>& cols) {
    std::vector<int> found;
    for (std::size_t i = 0; i < cols.size(); ++i) {
      const Column& c = cols[i];
      const bool match = e.name.size() == 1 ? c.name == e.name[0]
                                            : c.qualifier == e.name[0] && c.name == e.name[1];
      if (match) found.push_back(static_cast<int>(i));
    }
    return found;
  }

  Status NoColumn(const Expr& e, const std::vector<Column>& cols) const {
    std::string names;
    for (std::size_t i = 0; i < cols.size() && i < 30; ++i) {
      names += (i == 0 ? "" : ", ") + cols[i].name;
    }
    if (cols.size() > 30) names += ", ...";
    return Error(e.pos, "no column '" + e.source + "' here (columns: " + names + ")");
  }

  Result<PExpr> ColumnRef(const Expr& e, const std::vector<Column>& cols) const {
    if (e.name.size() == 1 && (e.name[0] == "this" || e.name[0] == "that")) {
      return Error(e.pos, "`" + e.name[0] + "` names a relation, not a column: write " + e.name[0] +
                              ".COLUMN (count this counts rows)");
    }
    std::vector<int> found = Find(e, cols);
    if (found.empty()) return NoColumn(e, cols);
    if (found.size() > 1) {
      std::string alts;
      for (int i : found) {
        alts += (alts.empty() ? "" : " or ") + cols[static_cast<std::size_t>(i)].qualifier + "." +
                cols[static_cast<std::size_t>(i)].name;
      }
      return Error(e.pos, "'" + e.source + "' is ambiguous: " + alts);
    }
    PExpr p;
    p.kind = PKind::kColumn;
    p.column = found[0];
    p.type = cols[static_cast<std::size_t>(found[0])].type;
    return p;
  }

  // --- Expressions of a row ----------------------------------------------------

  Result<PExpr> Row(const Expr& e, const std::vector<Column>& cols) {
    switch (e.kind) {
      case ExprKind::kNull:
        return Lit(Type::kNull);
      case ExprKind::kBool: {
        PExpr p = Lit(Type::kBool);
        p.lit_bool = e.b;
        return p;
      }
      case ExprKind::kInt:
      case ExprKind::kTimestamp: {
        if (e.kind == ExprKind::kInt && e.op == Tok::kInt &&
            e.i == std::numeric_limits<std::int64_t>::min()) {
          return Error(e.pos, "this integer does not fit 64 bits");
        }
        PExpr p = Lit(Type::kInt);
        p.lit_int = e.i;
        return p;
      }
      case ExprKind::kFloat: {
        PExpr p = Lit(Type::kReal);
        p.lit_real = e.d;
        return p;
      }
      case ExprKind::kString: {
        PExpr p = Lit(Type::kText);
        p.lit_text = e.s;
        return p;
      }
      case ExprKind::kName:
        return ColumnRef(e, cols);
      case ExprKind::kUnary:
        return Unary(e, cols);
      case ExprKind::kBinary:
        return Binary(e, cols);
      case ExprKind::kCall:
        return Call(e, cols);
    }
    return Error(e.pos, "unsupported expression");
  }

  Result<PExpr> Unary(const Expr& e, const std::vector<Column>& cols) {
    STARLING_ASSIGN_OR_RETURN(PExpr a, Row(e.args[0], cols));
    PExpr p;
    p.args.push_back(std::move(a));
    const Type t = p.args[0].type;
    if (e.op == Tok::kNot) {
      if (t != Type::kBool && t != Type::kNull) return TypeError(e.args[0], "!", "true/false", t);
      p.kind = PKind::kNot;
      p.type = Type::kBool;
      return p;
    }
    // Negation: 0 - x for an integer (NULL for -INT64_MIN), IEEE for a real.
    if (t == Type::kInt) {
      PExpr zero = Lit(Type::kInt);
      p.kind = PKind::kBinary;
      p.op = Op::kSub;
      p.type = Type::kInt;
      p.args.insert(p.args.begin(), zero);
      return p;
    }
    if (t == Type::kReal || t == Type::kNull) {
      p.kind = PKind::kNeg;
      p.type = t;
      return p;
    }
    return TypeError(e.args[0], "-", "numbers", t);
  }

  Result<PExpr> Binary(const Expr& e, const std::vector<Column>& cols) {
    // x == null, null != x: IS [NOT] NULL.
    if (e.op == Tok::kEq || e.op == Tok::kNe) {
      for (int k = 0; k < 2; ++k) {
        if (e.args[static_cast<std::size_t>(k)].kind != ExprKind::kNull) continue;
        STARLING_ASSIGN_OR_RETURN(PExpr other, Row(e.args[static_cast<std::size_t>(1 - k)], cols));
        PExpr p;
        p.kind = e.op == Tok::kEq ? PKind::kIsNull : PKind::kIsNotNull;
        p.type = Type::kBool;
        p.args.push_back(std::move(other));
        return p;
      }
    }
    STARLING_ASSIGN_OR_RETURN(PExpr a, Row(e.args[0], cols));
    STARLING_ASSIGN_OR_RETURN(PExpr b, Row(e.args[1], cols));
    const Type ta = a.type, tb = b.type;
    PExpr p;
    auto both = [&](PExpr x, PExpr y) {
      p.args.push_back(std::move(x));
      p.args.push_back(std::move(y));
    };
    const std::string op_text = std::string(TokName(e.op));
    switch (e.op) {
      case Tok::kAnd:
      case Tok::kOr:
        if (ta != Type::kBool && ta != Type::kNull)
          return TypeError(e.args[0], op_text, "true/false", ta);
        if (tb != Type::kBool && tb != Type::kNull)
          return TypeError(e.args[1], op_text, "true/false", tb);
        p.kind = e.op == Tok::kAnd ? PKind::kAnd : PKind::kOr;
        p.type = Type::kBool;
        both(std::move(a), std::move(b));
        return p;
      case Tok::kCoalesce: {
        STARLING_ASSIGN_OR_RETURN(Type t, Unify(e, ta, tb));
        p.kind = PKind::kCoalesce;
        p.type = t;
        if (t == Type::kReal) {
          a = ToReal(std::move(a));
          b = ToReal(std::move(b));
        }
        both(std::move(a), std::move(b));
        return p;
      }
      case Tok::kEq:
      case Tok::kNe:
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe: {
        STARLING_ASSIGN_OR_RETURN(Type t, Unify(e, ta, tb));
        (void)t;
        if (t == Type::kReal) {
          a = ToReal(std::move(a));
          b = ToReal(std::move(b));
        }
        p.kind = PKind::kBinary;
        p.type = Type::kBool;
        p.op = e.op == Tok::kEq   ? Op::kEq
               : e.op == Tok::kNe ? Op::kNe
               : e.op == Tok::kLt ? Op::kLt
               : e.op == Tok::kLe ? Op::kLe
               : e.op == Tok::kGt ? Op::kGt
                                  : Op::kGe;
        both(std::move(a), std::move(b));
        return p;
      }
      case Tok::kPlus:
      case Tok::kMinus:
      case Tok::kStar:
      case Tok::kSlash: {
        if (!Numeric(ta) && ta != Type::kNull) return TypeError(e.args[0], op_text, "numbers", ta);
        if (!Numeric(tb) && tb != Type::kNull) return TypeError(e.args[1], op_text, "numbers", tb);
        p.kind = PKind::kBinary;
        p.op = e.op == Tok::kPlus    ? Op::kAdd
               : e.op == Tok::kMinus ? Op::kSub
               : e.op == Tok::kStar  ? Op::kMul
                                     : Op::kDiv;
        const bool real = e.op == Tok::kSlash || ta == Type::kReal || tb == Type::kReal;
        if (real) {
          p.type = Type::kReal;
          a = ToReal(std::move(a));
          b = ToReal(std::move(b));
        } else {
          p.type = ta == Type::kNull && tb == Type::kNull ? Type::kNull : Type::kInt;
        }
        both(std::move(a), std::move(b));
        return p;
      }
      case Tok::kDSlash:
      case Tok::kPercent:
        if (ta != Type::kInt && ta != Type::kNull)
          return TypeError(e.args[0], op_text, "integers", ta);
        if (tb != Type::kInt && tb != Type::kNull)
          return TypeError(e.args[1], op_text, "integers", tb);
        p.kind = PKind::kBinary;
        p.op = e.op == Tok::kDSlash ? Op::kIntDiv : Op::kMod;
        p.type = ta == Type::kNull && tb == Type::kNull ? Type::kNull : Type::kInt;
        both(std::move(a), std::move(b));
        return p;
      default:
        return Error(e.pos, "unsupported operator " + op_text);
    }
  }

  // The common type of two operands compared or coalesced.
  Result<Type> Unify(const Expr& e, Type a, Type b) const {
    if (a == b) return a;
    if (a == Type::kNull) return b;
    if (b == Type::kNull) return a;
    if (Numeric(a) && Numeric(b)) return Type::kReal;
    return Error(e.pos, "'" + e.source + "' mixes " + std::string(TypeName(a)) + " and " +
                            std::string(TypeName(b)));
  }

  Result<PExpr> Call(const Expr& e, const std::vector<Column>& cols) {
    const FunctionInfo* fn = FindFunction(e.name[0]);
    if (fn->aggregate) {
      return Error(e.pos, std::string(fn->name) +
                              " is an aggregate: it goes in aggregate {...} "
                              "or group {...} (aggregate {...})");
    }
    PExpr p;
    p.kind = PKind::kCall;
    p.fn = fn->fn;
    if (fn->fn == Fn::kTimeFloor) {
      STARLING_ASSIGN_OR_RETURN(p.lit_int, FloorUnit(e.args[0]));
      STARLING_ASSIGN_OR_RETURN(PExpr ts, Row(e.args[1], cols));
      if (ts.type != Type::kInt && ts.type != Type::kNull) {
        return TypeError(e.args[1], "time.floor", "a timestamp (integer microseconds)", ts.type);
      }
      p.type = Type::kInt;
      p.args.push_back(std::move(ts));
      return p;
    }
    for (const Expr& arg : e.args) {
      STARLING_ASSIGN_OR_RETURN(PExpr a, Row(arg, cols));
      if (a.type != Type::kText && a.type != Type::kNull) {
        return TypeError(arg, fn->name, "text", a.type);
      }
      p.args.push_back(std::move(a));
    }
    switch (fn->fn) {
      case Fn::kTextLength:
        p.type = Type::kInt;
        break;
      case Fn::kTextLower:
      case Fn::kTextUpper:
        p.type = Type::kText;
        break;
      default:
        p.type = Type::kBool;
        break;
    }
    return p;
  }

  Result<std::int64_t> FloorUnit(const Expr& e) const {
    std::int64_t us = 0;
    if (e.kind == ExprKind::kInt) {
      us = e.i;
    } else if (e.kind == ExprKind::kString) {
      auto d = ParseDuration(e.s);
      if (!d.ok()) return Error(e.pos, "not a duration: '" + e.s + "' (1h, 15m, 1d, 30s, 500ms)");
      us = d->count();
      // "us" is not among ParseDuration's units; a bare "1us" means one microsecond.
    } else {
      return Error(e.pos,
                   "time.floor's unit is a constant: \"1h\", \"15m\", \"1d\" or "
                   "microseconds (3600000000)");
    }
    if (us < 1 || us > kMaxFloorUnit) {
      return Error(e.pos, "time.floor's unit must be 1 microsecond to 2^62 microseconds");
    }
    return us;
  }

  // --- Unique keys: how much of a relation breaks ties --------------------------------

  // The columns that identify a row of each node's output (nullopt: none
  // known), so that a sort compares only up to the last of them.
  static void MarkTies(Plan* plan) {
    std::optional<std::vector<int>> key;
    for (Node& n : plan->nodes) {
      switch (n.kind) {
        case NodeKind::kScan:
          key = ScanKey(n);
          break;
        case NodeKind::kFilter:
        case NodeKind::kTake:
          break;
        case NodeKind::kSort: {
          n.tie_columns = n.columns.size();
          if (key) {
            int last = -1;
            for (const int k : *key) last = std::max(last, k);
            n.tie_columns = static_cast<std::size_t>(last + 1);
          }
          break;
        }
        case NodeKind::kProject:
          if (key) {
            std::vector<int> moved;
            for (const int k : *key) {
              int at = -1;
              for (std::size_t j = 0; j < n.exprs.size() && at < 0; ++j) {
                if (n.exprs[j].kind == PKind::kColumn && n.exprs[j].column == k) {
                  at = static_cast<int>(j);
                }
              }
              if (at < 0) break;
              moved.push_back(at);
            }
            key = moved.size() == key->size() ? std::optional(moved) : std::nullopt;
          }
          break;
        case NodeKind::kAggregate: {
          std::vector<int> keys;
          for (std::size_t k = 0; k < n.group_keys.size(); ++k) keys.push_back(static_cast<int>(k));
          key = keys;
          break;
        }
        case NodeKind::kJoin:
          key.reset();
          break;
      }
    }
  }

  static std::optional<std::vector<int>> ScanKey(const Node& scan) {
    if (scan.table.result) {
      // The primary key of a result table: the window's head and the kind's key columns.
      std::vector<int> key{0, 1, 2, 3};
      const model::ResultKindInfo& k = model::ResultKindInfoOf(scan.table.result_kind);
      for (std::size_t i = 0; i < k.columns.size(); ++i) {
        if (k.columns[i].key) key.push_back(static_cast<int>(4 + i));
      }
      return key;
    }
    if (scan.table.logical == sink::LogicalTable::kPosts) return std::vector<int>{0};  // id
    return std::nullopt;
  }

  // --- What each node needs of its input ----------------------------------------

  static void Refs(const PExpr& e, std::vector<bool>* need) {
    if (e.kind == PKind::kColumn) (*need)[static_cast<std::size_t>(e.column)] = true;
    for (const PExpr& a : e.args) Refs(a, need);
  }

  static void MarkNeeded(Plan* plan) {
    std::vector<bool> need(plan->nodes.back().columns.size(), true);
    for (std::size_t k = plan->nodes.size(); k-- > 0;) {
      Node& n = plan->nodes[k];
      n.needed = need;
      if (k == 0) break;
      std::vector<bool> in(plan->nodes[k - 1].columns.size(), false);
      switch (n.kind) {
        case NodeKind::kScan:
          break;
        case NodeKind::kFilter:
          in = need;
          Refs(n.predicate, &in);
          break;
        case NodeKind::kProject:
          for (std::size_t i = 0; i < n.exprs.size(); ++i) {
            if (need[i]) Refs(n.exprs[i], &in);
          }
          break;
        case NodeKind::kAggregate:
          for (const PExpr& key : n.group_keys) Refs(key, &in);
          for (const Aggregate& a : n.aggregates) {
            if (!a.star) Refs(a.arg, &in);
          }
          break;
        case NodeKind::kSort:
          // Ties are broken by the first tie_columns columns.
          in = need;
          for (std::size_t i = 0; i < n.tie_columns; ++i) in[i] = true;
          for (const OrderKey& key : n.sort_keys) Refs(key.expr, &in);
          break;
        case NodeKind::kTake:
          in = need;
          break;
        case NodeKind::kJoin: {
          Node& right = n.right[0];
          std::vector<bool> rneed(right.columns.size(), false);
          for (std::size_t i = 0; i < in.size(); ++i) in[i] = need[i];
          for (std::size_t i = 0; i < rneed.size(); ++i) rneed[i] = need[in.size() + i];
          for (const auto& [l, r] : n.join_keys) {
            in[static_cast<std::size_t>(l)] = true;
            rneed[static_cast<std::size_t>(r)] = true;
          }
          right.needed = rneed;
          break;
        }
      }
      need = std::move(in);
    }
  }

  const QueryText& q_;
};

}  // namespace

Result<Plan> Resolve(const QueryText& text, const Query& query) {
  return Resolver(text).Run(query);
}

Result<Plan> Compile(std::string_view query_text) {
  const QueryText text{std::string(query_text)};
  STARLING_ASSIGN_OR_RETURN(Query q, Parse(text));
  return Resolve(text, q);
}

}  // namespace starling::query
