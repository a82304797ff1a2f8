// File: query/internal/eval.cc
#include "query/internal/eval.h"

#include <limits>
#include <string>

#include "text/case.h"

namespace starling::query::internal {
namespace {

constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();

// Simple (one code point to one) case mapping, as ICU's u_tolower/u_toupper.
Value MapCase(std::string_view s, bool upper, Arena* scratch) {
  return Value::Text(
      scratch->Copy(upper ? text::UpperEachCodePoint(s) : text::LowerEachCodePoint(s)));
}

std::int64_t CodePoints(std::string_view s) {
  std::int64_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

Value Compare(Op op, const Value& a, const Value& b) {
  if (a.null() || b.null()) return Value::Null();
  const int c = CompareValues(a, b);
  switch (op) {
    case Op::kEq:
      return Value::Bool(a.type == Type::kReal ? a.d == b.d : c == 0);
    case Op::kNe:
      return Value::Bool(a.type == Type::kReal ? a.d != b.d : c != 0);
    case Op::kLt:
      return Value::Bool(c < 0);
    case Op::kLe:
      return Value::Bool(c <= 0);
    case Op::kGt:
      return Value::Bool(c > 0);
    case Op::kGe:
      return Value::Bool(c >= 0);
    default:
      return Value::Null();
  }
}

Value Arith(Op op, const Value& a, const Value& b) {
  if (a.null() || b.null()) return Value::Null();
  if (a.type == Type::kReal) {
    switch (op) {
      case Op::kAdd:
        return Value::Real(a.d + b.d);
      case Op::kSub:
        return Value::Real(a.d - b.d);
      case Op::kMul:
        return Value::Real(a.d * b.d);
      case Op::kDiv:
        return b.d == 0 ? Value::Null() : Value::Real(a.d / b.d);
      default:
        return Value::Null();
    }
  }
  std::int64_t r = 0;
  switch (op) {
    case Op::kAdd:
      return CheckedAdd(a.i, b.i, &r) ? Value::Int(r) : Value::Null();
    case Op::kSub:
      return CheckedSub(a.i, b.i, &r) ? Value::Int(r) : Value::Null();
    case Op::kMul:
      return CheckedMul(a.i, b.i, &r) ? Value::Int(r) : Value::Null();
    case Op::kIntDiv:
      if (b.i == 0 || (a.i == kMin && b.i == -1)) return Value::Null();
      return Value::Int(a.i / b.i);
    case Op::kMod:
      if (b.i == 0) return Value::Null();
      if (b.i == -1) return Value::Int(0);
      return Value::Int(a.i % b.i);
    default:
      return Value::Null();
  }
}

}  // namespace

bool CheckedAdd(std::int64_t a, std::int64_t b, std::int64_t* out) {
  return !__builtin_add_overflow(a, b, out);
}
bool CheckedSub(std::int64_t a, std::int64_t b, std::int64_t* out) {
  return !__builtin_sub_overflow(a, b, out);
}
bool CheckedMul(std::int64_t a, std::int64_t b, std::int64_t* out) {
  return !__builtin_mul_overflow(a, b, out);
}

bool FloorTo(std::int64_t ts, std::int64_t unit, std::int64_t* out) {
  // q = floor(ts / unit); q * unit fits exactly when q >= trunc(INT64_MIN / unit).
  const std::int64_t q = ts / unit - (ts % unit < 0 ? 1 : 0);
  if (q < kMin / unit) return false;
  *out = q * unit;
  return true;
}

Value Eval(const PExpr& e, const Value* row, Arena* scratch) {
  switch (e.kind) {
    case PKind::kLiteral:
      switch (e.type) {
        case Type::kNull:
          return Value::Null();
        case Type::kBool:
          return Value::Bool(e.lit_bool);
        case Type::kInt:
          return Value::Int(e.lit_int);
        case Type::kReal:
          return Value::Real(e.lit_real);
        case Type::kText:
          return Value::Text(e.lit_text);
      }
      return Value::Null();
    case PKind::kColumn:
      return row[e.column];
    case PKind::kToReal: {
      const Value v = Eval(e.args[0], row, scratch);
      return v.null() ? v : Value::Real(static_cast<double>(v.i));
    }
    case PKind::kNeg: {
      const Value v = Eval(e.args[0], row, scratch);
      return v.null() ? v : Value::Real(-v.d);
    }
    case PKind::kNot: {
      const Value v = Eval(e.args[0], row, scratch);
      return v.null() ? v : Value::Bool(v.i == 0);
    }
    case PKind::kAnd: {
      const Value a = Eval(e.args[0], row, scratch);
      if (!a.null() && a.i == 0) return Value::Bool(false);
      const Value b = Eval(e.args[1], row, scratch);
      if (!b.null() && b.i == 0) return Value::Bool(false);
      if (a.null() || b.null()) return Value::Null();
      return Value::Bool(true);
    }
    case PKind::kOr: {
      const Value a = Eval(e.args[0], row, scratch);
      if (!a.null() && a.i != 0) return Value::Bool(true);
      const Value b = Eval(e.args[1], row, scratch);
      if (!b.null() && b.i != 0) return Value::Bool(true);
      if (a.null() || b.null()) return Value::Null();
      return Value::Bool(false);
    }
    case PKind::kIsNull:
      return Value::Bool(Eval(e.args[0], row, scratch).null());
    case PKind::kIsNotNull:
      return Value::Bool(!Eval(e.args[0], row, scratch).null());
    case PKind::kBinary: {
      const Value a = Eval(e.args[0], row, scratch);
      const Value b = Eval(e.args[1], row, scratch);
      if (e.op <= Op::kGe) return Compare(e.op, a, b);
      return Arith(e.op, a, b);
    }
    case PKind::kCoalesce: {
      const Value a = Eval(e.args[0], row, scratch);
      return a.null() ? Eval(e.args[1], row, scratch) : a;
    }
    case PKind::kCall:
      break;
  }
  // Row functions: NULL in, NULL out.
  if (e.fn == Fn::kTimeFloor) {
    const Value ts = Eval(e.args[0], row, scratch);
    std::int64_t out = 0;
    if (ts.null() || !FloorTo(ts.i, e.lit_int, &out)) return Value::Null();
    return Value::Int(out);
  }
  const Value a = Eval(e.args[0], row, scratch);
  if (a.null()) return a;
  switch (e.fn) {
    case Fn::kTextLength:
      return Value::Int(CodePoints(a.text()));
    case Fn::kTextLower:
      return MapCase(a.text(), false, scratch);
    case Fn::kTextUpper:
      return MapCase(a.text(), true, scratch);
    default:
      break;
  }
  const Value x = Eval(e.args[1], row, scratch);
  if (x.null()) return x;
  const std::string_view sub = a.text(), s = x.text();
  switch (e.fn) {
    case Fn::kTextStartsWith:
      return Value::Bool(s.substr(0, sub.size()) == sub);
    case Fn::kTextEndsWith:
      return Value::Bool(s.size() >= sub.size() && s.substr(s.size() - sub.size()) == sub);
    case Fn::kTextContains:
      return Value::Bool(s.find(sub) != std::string_view::npos);
    default:
      return Value::Null();
  }
}

}  // namespace starling::query::internal
