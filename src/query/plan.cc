// File: query/plan.cc
#include "query/plan.h"

#include <map>

namespace starling::query {
namespace {

std::string_view OpText(Op op) {
  switch (op) {
    case Op::kEq:
      return "==";
    case Op::kNe:
      return "!=";
    case Op::kLt:
      return "<";
    case Op::kLe:
      return "<=";
    case Op::kGt:
      return ">";
    case Op::kGe:
      return ">=";
    case Op::kAdd:
      return "+";
    case Op::kSub:
      return "-";
    case Op::kMul:
      return "*";
    case Op::kDiv:
      return "/";
    case Op::kIntDiv:
      return "//";
    case Op::kMod:
      return "%";
  }
  return "?";
}

std::string Show(const PExpr& e, const std::vector<Column>& in) {
  switch (e.kind) {
    case PKind::kLiteral:
      switch (e.type) {
        case Type::kNull:
          return "null";
        case Type::kBool:
          return e.lit_bool ? "true" : "false";
        case Type::kInt:
          return std::to_string(e.lit_int);
        case Type::kReal:
          return std::to_string(e.lit_real);
        case Type::kText:
          return "'" + e.lit_text + "'";
      }
      return "?";
    case PKind::kColumn: {
      const Column& c = in[static_cast<std::size_t>(e.column)];
      return c.qualifier.empty() ? c.name : c.qualifier + "." + c.name;
    }
    case PKind::kToReal:
      return "real(" + Show(e.args[0], in) + ")";
    case PKind::kNeg:
      return "-" + Show(e.args[0], in);
    case PKind::kNot:
      return "!" + Show(e.args[0], in);
    case PKind::kAnd:
      return "(" + Show(e.args[0], in) + " && " + Show(e.args[1], in) + ")";
    case PKind::kOr:
      return "(" + Show(e.args[0], in) + " || " + Show(e.args[1], in) + ")";
    case PKind::kIsNull:
      return "(" + Show(e.args[0], in) + " == null)";
    case PKind::kIsNotNull:
      return "(" + Show(e.args[0], in) + " != null)";
    case PKind::kBinary:
      return "(" + Show(e.args[0], in) + " " + std::string(OpText(e.op)) + " " +
             Show(e.args[1], in) + ")";
    case PKind::kCoalesce:
      return "(" + Show(e.args[0], in) + " ?? " + Show(e.args[1], in) + ")";
    case PKind::kCall: {
      std::string s = "(" + std::string(FunctionInfoOf(e.fn).name);
      if (e.fn == Fn::kTimeFloor) s += " " + std::to_string(e.lit_int);
      for (const PExpr& a : e.args) s += " " + Show(a, in);
      return s + ")";
    }
  }
  return "?";
}

std::string ColumnList(const Node& n) {
  std::string s;
  for (std::size_t i = 0; i < n.columns.size(); ++i) {
    if (!n.needed.empty() && !n.needed[i]) continue;
    s += (s.empty() ? "" : ", ") + n.columns[i].name + ":" +
         std::string(TypeName(n.columns[i].type));
  }
  return s;
}

}  // namespace

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kNull:
      return "null";
    case Type::kBool:
      return "true/false";
    case Type::kInt:
      return "an integer";
    case Type::kReal:
      return "a float";
    case Type::kText:
      return "text";
  }
  return "?";
}

std::vector<std::string> Plan::ColumnNames() const {
  const std::vector<Column>& cols = columns();
  std::map<std::string, int> uses;
  for (const Column& c : cols) ++uses[c.name];
  std::vector<std::string> names;
  for (const Column& c : cols) {
    names.push_back(uses[c.name] > 1 && !c.qualifier.empty() ? c.qualifier + "." + c.name : c.name);
  }
  return names;
}

bool ReadsResultTables(const Plan& plan) {
  for (const Node& n : plan.nodes) {
    if (n.kind == NodeKind::kScan && n.table.result) return true;
    if (n.kind == NodeKind::kJoin && n.right[0].table.result) return true;
  }
  return false;
}

std::string ExplainPlan(const Plan& plan) {
  std::string out;
  for (std::size_t k = plan.nodes.size(); k-- > 0;) {
    const Node& n = plan.nodes[k];
    const std::vector<Column> none;
    const std::vector<Column>& in = k > 0 ? plan.nodes[k - 1].columns : none;
    std::string line;
    switch (n.kind) {
      case NodeKind::kScan:
        line = "scan " + n.table.name + " [" + ColumnList(n) + "]";
        break;
      case NodeKind::kFilter:
        line = "filter " + Show(n.predicate, in);
        break;
      case NodeKind::kProject: {
        line = "project ";
        bool first = true;
        for (std::size_t i = 0; i < n.exprs.size(); ++i) {
          if (!n.needed[i]) continue;
          line += (first ? "" : ", ") + n.columns[i].name + " = " + Show(n.exprs[i], in);
          first = false;
        }
        break;
      }
      case NodeKind::kAggregate: {
        line = n.group_keys.empty() ? "aggregate (one row)" : "hash aggregate by ";
        for (std::size_t i = 0; i < n.group_keys.size(); ++i) {
          line += (i == 0 ? "" : ", ") + Show(n.group_keys[i], in);
        }
        line += ": ";
        for (std::size_t i = 0; i < n.aggregates.size(); ++i) {
          const Aggregate& a = n.aggregates[i];
          line += (i == 0 ? "" : ", ") + n.columns[n.group_keys.size() + i].name + " = " +
                  std::string(FunctionInfoOf(a.fn).name) + " " +
                  (a.star ? "this" : Show(a.arg, in));
        }
        break;
      }
      case NodeKind::kSort: {
        const bool heap = k + 1 < plan.nodes.size() && plan.nodes[k + 1].kind == NodeKind::kTake;
        line = std::string(heap ? "top-n heap sort " : "sort ");
        for (std::size_t i = 0; i < n.sort_keys.size(); ++i) {
          line += (i == 0 ? "" : ", ") + std::string(n.sort_keys[i].descending ? "-" : "") +
                  Show(n.sort_keys[i].expr, in);
        }
        line += n.tie_columns == n.columns.size()
                    ? ", then every column ascending (NULLs last)"
                    : ", then " + std::to_string(n.tie_columns) +
                          " column(s) up to the unique key, ascending (NULLs last)";
        break;
      }
      case NodeKind::kTake:
        line = "take " + std::to_string(n.limit) +
               (n.offset > 0 ? " after " + std::to_string(n.offset) : "");
        break;
      case NodeKind::kJoin: {
        const Node& r = n.right[0];
        line = std::string(n.side == JoinSide::kLeft ? "left" : "inner") + " hash join " +
               r.table.name + " [" + ColumnList(r) + "] on ";
        for (std::size_t i = 0; i < n.join_keys.size(); ++i) {
          line += (i == 0 ? "" : " && ") + in[static_cast<std::size_t>(n.join_keys[i].first)].name +
                  " == " + r.columns[static_cast<std::size_t>(n.join_keys[i].second)].name;
        }
        break;
      }
    }
    out += std::string(2 * (plan.nodes.size() - 1 - k), ' ') + line + "\n";
  }
  return out;
}

}  // namespace starling::query
