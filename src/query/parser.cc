// File: query/parser.cc
#include "query/parser.h"

#include <charconv>
#include <cstdint>
#include <limits>

#include "model/time.h"
#include "query/functions.h"

namespace starling::query {
namespace {

class Parser {
 public:
  Parser(const QueryText& text, std::vector<Token> tokens) : q_(text), t_(std::move(tokens)) {}

  Result<Query> Run() {
    Query query;
    SkipSeparators();
    while (!At(Tok::kEnd)) {
      STARLING_ASSIGN_OR_RETURN(Step step, ParseStep());
      query.steps.push_back(std::move(step));
      if (At(Tok::kAssign) && step.kind == StepKind::kFilter) {
        return Error(Peek(), "'=' names a column; compare with '=='");
      }
      if (!At(Tok::kEnd) && !At(Tok::kNewline) && !At(Tok::kPipe)) {
        return Error(Peek(), "expected the end of the transform (a new line or '|'), found " +
                                 Describe(Peek()));
      }
      SkipSeparators();
    }
    if (query.steps.empty()) return Error(Peek(), "an empty query: start with `from TABLE`");
    if (query.steps.front().kind != StepKind::kFrom) {
      return q_.Error(query.steps.front().pos.line, query.steps.front().pos.col,
                      "a query starts with `from TABLE`");
    }
    for (std::size_t i = 1; i < query.steps.size(); ++i) {
      if (query.steps[i].kind == StepKind::kFrom) {
        return q_.Error(query.steps[i].pos.line, query.steps[i].pos.col,
                        "`from` only starts a query; to combine tables use `join`");
      }
    }
    return query;
  }

 private:
  const Token& Peek(std::size_t ahead = 0) const {
    return t_[std::min(pos_ + ahead, t_.size() - 1)];
  }
  bool At(Tok k) const { return Peek().kind == k; }
  const Token& Take() {
    const Token& t = t_[pos_];
    if (pos_ + 1 < t_.size()) ++pos_;
    return t;
  }
  static Pos PosOf(const Token& t) { return {t.line, t.col}; }
  Status Error(const Token& t, std::string_view message) const { return q_.ErrorAt(t, message); }
  static std::string Describe(const Token& t) {
    switch (t.kind) {
      case Tok::kIdent:
        return "'" + t.text + "'";
      case Tok::kInt:
      case Tok::kFloat:
        return "the number " + t.text;
      case Tok::kString:
        return "a string";
      default:
        return std::string(TokName(t.kind));
    }
  }
  Status Expect(Tok k, std::string_view what) {
    if (!At(k))
      return Error(Peek(), "expected " + std::string(what) + ", found " + Describe(Peek()));
    Take();
    return Status::Ok();
  }
  void SkipSeparators() {
    while (At(Tok::kNewline) || At(Tok::kPipe)) Take();
  }
  std::string SourceOf(std::size_t first_token) const {
    const Token& a = t_[first_token];
    const Token& b = t_[pos_ > first_token ? pos_ - 1 : first_token];
    return q_.text().substr(a.offset, b.offset + b.length - a.offset);
  }

  Result<Step> ParseStep() {
    const Token& head = Peek();
    if (!At(Tok::kIdent))
      return Error(head,
                   "expected a transform (from, filter, derive, select, "
                   "group, aggregate, sort, take, join), found " +
                       Describe(head));
    Step step;
    step.pos = PosOf(head);
    const std::string name = head.text;
    Take();
    if (name == "from") {
      step.kind = StepKind::kFrom;
      STARLING_RETURN_IF_ERROR(TableRef(&step));
    } else if (name == "filter") {
      step.kind = StepKind::kFilter;
      STARLING_ASSIGN_OR_RETURN(step.condition, ParseExpr());
    } else if (name == "derive" || name == "select" || name == "aggregate") {
      step.kind = name == "derive"   ? StepKind::kDerive
                  : name == "select" ? StepKind::kSelect
                                     : StepKind::kAggregate;
      STARLING_ASSIGN_OR_RETURN(step.items, ParseItems());
    } else if (name == "group") {
      step.kind = StepKind::kGroup;
      STARLING_RETURN_IF_ERROR(ParseGroup(&step));
    } else if (name == "sort") {
      step.kind = StepKind::kSort;
      STARLING_RETURN_IF_ERROR(ParseSort(&step));
    } else if (name == "take") {
      step.kind = StepKind::kTake;
      STARLING_RETURN_IF_ERROR(ParseTake(&step));
    } else if (name == "join") {
      step.kind = StepKind::kJoin;
      STARLING_RETURN_IF_ERROR(ParseJoin(&step));
    } else {
      static constexpr std::string_view kLeftOut[] = {"window",   "loop", "append", "union",
                                                      "distinct", "let",  "func",   "case"};
      for (std::string_view l : kLeftOut) {
        if (name == l)
          return Error(head, "`" + name +
                                 "` is not in Starling's subset of PRQL "
                                 "(docs/query.md lists what is)");
      }
      return Error(head, "unknown transform '" + name +
                             "' (known: from, filter, derive, select, group, aggregate, sort, "
                             "take, join)");
    }
    return step;
  }

  // `posts` or `p = posts`.
  Status TableRef(Step* step) {
    if (!At(Tok::kIdent)) return Error(Peek(), "expected a table name, found " + Describe(Peek()));
    const Token& first = Take();
    if (At(Tok::kAssign)) {
      Take();
      if (!At(Tok::kIdent)) return Error(Peek(), "expected a table name after '='");
      step->alias = first.text;
      step->table_pos = PosOf(Peek());
      step->table = Take().text;
    } else {
      step->table = first.text;
      step->alias = first.text;
      step->table_pos = PosOf(first);
    }
    return Status::Ok();
  }

  // `{a, b = expr}` or a single item.
  Result<std::vector<Item>> ParseItems() {
    std::vector<Item> items;
    if (!At(Tok::kLBrace)) {
      STARLING_ASSIGN_OR_RETURN(Item item, ParseItem());
      items.push_back(std::move(item));
      return items;
    }
    Take();
    while (!At(Tok::kRBrace)) {
      STARLING_ASSIGN_OR_RETURN(Item item, ParseItem());
      items.push_back(std::move(item));
      if (At(Tok::kComma)) {
        Take();
      } else if (!At(Tok::kRBrace)) {
        return Error(Peek(), "expected ',' or '}', found " + Describe(Peek()));
      }
    }
    Take();
    return items;
  }

  Result<Item> ParseItem() {
    Item item;
    if (At(Tok::kIdent) && Peek(1).kind == Tok::kAssign) {
      item.name_pos = PosOf(Peek());
      item.name = Take().text;
      Take();
    }
    STARLING_ASSIGN_OR_RETURN(item.expr, ParseExpr());
    return item;
  }

  Status ParseGroup(Step* step) {
    STARLING_ASSIGN_OR_RETURN(step->items, ParseItems());
    if (!At(Tok::kLParen)) {
      return Error(Peek(),
                   "expected '(aggregate {...})' after group's keys, found " + Describe(Peek()));
    }
    Take();
    while (At(Tok::kNewline) || At(Tok::kPipe)) Take();
    const Token& inner = Peek();
    step->aggregates_pos = PosOf(inner);
    if (!At(Tok::kIdent) || inner.text != "aggregate") {
      if (At(Tok::kIdent) && (inner.text == "sort" || inner.text == "take" ||
                              inner.text == "derive" || inner.text == "filter")) {
        return Error(inner, "`" + inner.text +
                                "` inside `group` is not supported: only (aggregate {...}); "
                                "sort or take after the group instead");
      }
      return Error(inner, "expected `aggregate {...}` inside group, found " + Describe(inner));
    }
    Take();
    STARLING_ASSIGN_OR_RETURN(step->aggregates, ParseItems());
    while (At(Tok::kNewline) || At(Tok::kPipe)) Take();
    if (!At(Tok::kRParen)) {
      return Error(Peek(), "only one `aggregate {...}` goes inside group; expected ')', found " +
                               Describe(Peek()));
    }
    Take();
    return Status::Ok();
  }

  Status ParseSort(Step* step) {
    auto key = [&]() -> Status {
      SortKey k;
      if (At(Tok::kMinus) || At(Tok::kPlus)) k.descending = Take().kind == Tok::kMinus;
      STARLING_ASSIGN_OR_RETURN(k.expr, ParseExpr());
      step->keys.push_back(std::move(k));
      return Status::Ok();
    };
    if (!At(Tok::kLBrace)) return key();
    Take();
    while (!At(Tok::kRBrace)) {
      STARLING_RETURN_IF_ERROR(key());
      if (At(Tok::kComma)) {
        Take();
      } else if (!At(Tok::kRBrace)) {
        return Error(Peek(), "expected ',' or '}', found " + Describe(Peek()));
      }
    }
    Take();
    if (step->keys.empty()) return Error(Peek(), "sort needs at least one key");
    return Status::Ok();
  }

  Result<std::int64_t> TakeBound() {
    if (!At(Tok::kInt)) {
      return Error(Peek(), "take needs a positive integer (take 10, take 11..20), found " +
                               Describe(Peek()));
    }
    const Token& t = Take();
    std::int64_t v = 0;
    const auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (ec != std::errc() || p != t.text.data() + t.text.size()) {
      return Error(t, "this number does not fit 64 bits");
    }
    return v;
  }

  Status ParseTake(Step* step) {
    const Token& first = Peek();
    STARLING_ASSIGN_OR_RETURN(const std::int64_t a, TakeBound());
    if (At(Tok::kRange)) {
      Take();
      STARLING_ASSIGN_OR_RETURN(const std::int64_t b, TakeBound());
      if (a < 1) return Error(first, "a range of rows starts at 1");
      step->take_from = a;
      step->take_to = b;  // b < a: no rows
      return Status::Ok();
    }
    step->take_from = 1;
    step->take_to = a;
    return Status::Ok();
  }

  Status ParseJoin(Step* step) {
    // side:left | side:inner
    if (At(Tok::kIdent) && Peek().text == "side" && Peek(1).kind == Tok::kColon) {
      Take();
      Take();
      if (!At(Tok::kIdent)) return Error(Peek(), "expected inner or left after side:");
      const Token& side = Take();
      if (side.text == "left") {
        step->side = JoinSide::kLeft;
      } else if (side.text == "inner") {
        step->side = JoinSide::kInner;
      } else {
        return Error(side, "join side:" + side.text +
                               " is not supported (inner or left; for a right join swap the "
                               "tables)");
      }
    }
    STARLING_RETURN_IF_ERROR(TableRef(step));
    if (!At(Tok::kLParen)) {
      return Error(Peek(),
                   "expected the join's condition in parentheses: (==column) or "
                   "(this.a == that.b), found " +
                       Describe(Peek()));
    }
    Take();
    if (At(Tok::kEq)) {
      Take();
      if (!At(Tok::kIdent)) return Error(Peek(), "expected a column after (==");
      step->self_join = Take().text;
    } else {
      STARLING_ASSIGN_OR_RETURN(step->condition, ParseExpr());
    }
    return Expect(Tok::kRParen, "')' after the join's condition");
  }

  // --- Expressions, loosest first: || && ?? comparisons + - * / // % unary term ---

  // Expressions nest at most this deep (parentheses, calls, unary
  // operators): deeper is refused before the recursion could exhaust the
  // stack.
  static constexpr int kMaxDepth = 200;

  Status Deeper() {
    if (++depth_ <= kMaxDepth) return Status::Ok();
    return Error(Peek(),
                 "the expression nests more than " + std::to_string(kMaxDepth) + " levels deep");
  }

  Result<Expr> ParseExpr() {
    STARLING_RETURN_IF_ERROR(Deeper());
    auto e = ParseBinary(0);
    --depth_;
    return e;
  }

  static int Level(Tok k) {
    switch (k) {
      case Tok::kOr:
        return 0;
      case Tok::kAnd:
        return 1;
      case Tok::kCoalesce:
        return 2;
      case Tok::kEq:
      case Tok::kNe:
      case Tok::kLt:
      case Tok::kLe:
      case Tok::kGt:
      case Tok::kGe:
        return 3;
      case Tok::kPlus:
      case Tok::kMinus:
        return 4;
      case Tok::kStar:
      case Tok::kSlash:
      case Tok::kDSlash:
      case Tok::kPercent:
        return 5;
      default:
        return -1;
    }
  }
  static constexpr int kUnaryLevel = 6;

  Result<Expr> ParseBinary(int level) {
    if (level >= kUnaryLevel) return ParseUnary();
    const std::size_t first = pos_;
    STARLING_ASSIGN_OR_RETURN(Expr left, ParseBinary(level + 1));
    while (Level(Peek().kind) == level) {
      const Token& op = Take();
      STARLING_ASSIGN_OR_RETURN(Expr right, ParseBinary(level + 1));
      Expr e;
      e.kind = ExprKind::kBinary;
      e.pos = left.pos;
      e.op = op.kind;
      e.args.push_back(std::move(left));
      e.args.push_back(std::move(right));
      e.source = SourceOf(first);
      left = std::move(e);
      if (level == 3 && Level(Peek().kind) == 3) {
        return Error(Peek(), "comparisons do not chain; use && (a < b && b < c)");
      }
    }
    return left;
  }

  Result<Expr> ParseUnary() {
    if (At(Tok::kMinus) || At(Tok::kNot) || At(Tok::kPlus)) {
      const std::size_t first = pos_;
      const Token& op = Take();
      STARLING_RETURN_IF_ERROR(Deeper());
      auto parsed = ParseUnary();
      --depth_;
      STARLING_ASSIGN_OR_RETURN(Expr operand, std::move(parsed));
      if (op.kind == Tok::kPlus) return operand;
      // -9223372036854775808 is a literal of its own: its magnitude alone does not fit.
      if (op.kind == Tok::kMinus && operand.kind == ExprKind::kInt && operand.op == Tok::kInt) {
        operand.i = operand.i == std::numeric_limits<std::int64_t>::min() ? operand.i : -operand.i;
        operand.op = Tok::kEnd;
        operand.pos = PosOf(op);
        operand.source = SourceOf(first);
        return operand;
      }
      if (op.kind == Tok::kMinus && operand.kind == ExprKind::kFloat && operand.op == Tok::kFloat) {
        operand.d = -operand.d;
        operand.op = Tok::kEnd;
        operand.pos = PosOf(op);
        operand.source = SourceOf(first);
        return operand;
      }
      Expr e;
      e.kind = ExprKind::kUnary;
      e.pos = PosOf(op);
      e.op = op.kind;
      e.args.push_back(std::move(operand));
      e.source = SourceOf(first);
      return e;
    }
    return ParseTerm(true);
  }

  bool StartsTerm() const {
    switch (Peek().kind) {
      case Tok::kIdent:
      case Tok::kInt:
      case Tok::kFloat:
      case Tok::kString:
      case Tok::kTimestamp:
      case Tok::kLParen:
        return true;
      default:
        return false;
    }
  }

  // A literal, a (dotted) name, a call, or a parenthesised expression.
  // `allow_call`: false for a call's arguments, which are single terms.
  Result<Expr> ParseTerm(bool allow_call) {
    const std::size_t first = pos_;
    const Token& t = Peek();
    Expr e;
    e.pos = PosOf(t);
    switch (t.kind) {
      case Tok::kInt: {
        Take();
        std::uint64_t v = 0;
        const auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
        if (ec != std::errc() || p != t.text.data() + t.text.size() ||
            v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) + 1) {
          return Error(t, "this integer does not fit 64 bits");
        }
        e.kind = ExprKind::kInt;
        e.i = static_cast<std::int64_t>(v);  // 2^63 wraps to INT64_MIN: only valid negated
        e.op = Tok::kInt;                    // marks a bare literal, for the negation above
        e.source = t.text;
        if (v > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) &&
            !(pos_ >= 2 && t_[pos_ - 2].kind == Tok::kMinus)) {
          return Error(t, "this integer does not fit 64 bits");
        }
        return e;
      }
      case Tok::kFloat: {
        Take();
        double v = 0;
        const auto [p, ec] = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
        if (ec != std::errc() || p != t.text.data() + t.text.size()) {
          return Error(t, "this number does not fit a 64-bit float");
        }
        e.kind = ExprKind::kFloat;
        e.d = v;
        e.op = Tok::kFloat;
        e.source = t.text;
        return e;
      }
      case Tok::kString:
        Take();
        e.kind = ExprKind::kString;
        e.s = t.text;
        e.source = SourceOf(first);
        return e;
      case Tok::kTimestamp: {
        Take();
        auto us = model::ParseTimestamp(t.text);
        if (!us.ok()) {
          return Error(t, "not a timestamp: '" + t.text +
                              "' (write @2021-04-01T15:52:31Z or @2021-04-01T15:52:31.5+02:00)");
        }
        e.kind = ExprKind::kTimestamp;
        e.i = *us;
        e.source = SourceOf(first);
        return e;
      }
      case Tok::kLParen: {
        Take();
        STARLING_ASSIGN_OR_RETURN(e, ParseExpr());
        STARLING_RETURN_IF_ERROR(Expect(Tok::kRParen, "')'"));
        e.source = SourceOf(first);
        e.op = e.kind == ExprKind::kInt || e.kind == ExprKind::kFloat ? Tok::kEnd : e.op;
        return e;
      }
      case Tok::kIdent:
        break;
      default:
        return Error(t, "expected an expression, found " + Describe(t));
    }
    // A name: `a`, `h.tag`, `text.length` (a function when it names one).
    std::vector<std::string> parts{Take().text};
    while (At(Tok::kDot) && Peek(1).kind == Tok::kIdent) {
      Take();
      parts.push_back(Take().text);
    }
    if (parts.size() == 1 && (parts[0] == "true" || parts[0] == "false")) {
      e.kind = ExprKind::kBool;
      e.b = parts[0] == "true";
      e.source = parts[0];
      return e;
    }
    if (parts.size() == 1 && parts[0] == "null") {
      e.kind = ExprKind::kNull;
      e.source = "null";
      return e;
    }
    std::string dotted = parts[0];
    for (std::size_t i = 1; i < parts.size(); ++i) dotted += "." + parts[i];
    const FunctionInfo* fn = FindFunction(dotted);
    if (fn != nullptr && StartsTerm()) {
      if (!allow_call) {
        return Error(t, "a function call as an argument goes in parentheses: (" + dotted + " ...)");
      }
      e.kind = ExprKind::kCall;
      e.name = {dotted};
      while (StartsTerm()) {
        STARLING_ASSIGN_OR_RETURN(Expr arg, ParseTerm(false));
        e.args.push_back(std::move(arg));
      }
      e.source = SourceOf(first);
      if (static_cast<int>(e.args.size()) != fn->arity) {
        return Error(t, dotted + " takes " + std::to_string(fn->arity) + " argument" +
                            (fn->arity == 1 ? "" : "s") + " (" + std::string(fn->usage) +
                            "), given " + std::to_string(e.args.size()));
      }
      return e;
    }
    if (fn != nullptr && fn->arity > 0 && parts.size() > 1 &&
        (parts[0] == "text" || parts[0] == "time")) {
      return Error(t, dotted + " needs its argument" + (fn->arity == 1 ? "" : "s") + ": " +
                          std::string(fn->usage));
    }
    if (parts.size() > 2)
      return Error(t, "'" + dotted +
                          "' names nothing (a column is NAME or "
                          "TABLE.NAME)");
    e.kind = ExprKind::kName;
    e.name = std::move(parts);
    e.source = SourceOf(first);
    return e;
  }

  const QueryText& q_;
  std::vector<Token> t_;
  std::size_t pos_ = 0;
  int depth_ = 0;  // expressions open now (Deeper)
};

}  // namespace

Result<Query> Parse(const QueryText& text) {
  STARLING_ASSIGN_OR_RETURN(std::vector<Token> tokens, Lex(text));
  return Parser(text, std::move(tokens)).Run();
}

}  // namespace starling::query
