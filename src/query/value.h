// File: query/value.h
// The native executor's values and the answer of a query. A Value is 16
// bytes: NULL, a boolean, a 64-bit integer, a double, or text as a view
// (bytes elsewhere: in the post being scanned, or in an Arena). Operators
// that keep a row past the call that handed it to them (sort, aggregate,
// join, the answer) copy its text into an Arena; the rest pass views on, so
// a scan makes no string per cell.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "query/plan.h"

namespace starling::query {

struct Value {
  Type type = Type::kNull;
  std::uint32_t size = 0;  // kText: bytes
  union {
    std::int64_t i = 0;  // kInt; kBool: 0 or 1
    double d;            // kReal
    const char* s;       // kText
  };

  static Value Null() { return {}; }
  static Value Bool(bool b) {
    Value v;
    v.type = Type::kBool;
    v.i = b ? 1 : 0;
    return v;
  }
  static Value Int(std::int64_t x) {
    Value v;
    v.type = Type::kInt;
    v.i = x;
    return v;
  }
  static Value Real(double x) {
    Value v;
    v.type = Type::kReal;
    v.d = x;
    return v;
  }
  static Value Text(std::string_view t) {
    Value v;
    v.type = Type::kText;
    v.s = t.data();
    v.size = static_cast<std::uint32_t>(t.size());
    return v;
  }
  bool null() const { return type == Type::kNull; }
  std::string_view text() const { return {s, size}; }
};

// Bytes that live as long as the arena: text copied out of posts and rows
// that are about to go away.
class Arena {
 public:
  std::string_view Copy(std::string_view s);
  // Copies v's text (if any) into the arena.
  Value Keep(Value v) {
    if (v.type == Type::kText) {
      const std::string_view t = Copy(v.text());
      v.s = t.data();
    }
    return v;
  }
  // Forgets everything copied so far (keeping one block for what comes next).
  void Reset();

 private:
  std::vector<std::unique_ptr<char[]>> blocks_;
  int current_ = -1;  // the index of the block being filled, -1 for none
  char* next_ = nullptr;
  std::size_t left_ = 0;
};

// The order of sort: NULL after every value (so first when descending);
// text by bytes; false before true. Both values have one type or are NULL.
int CompareValues(const Value& a, const Value& b);
// Equality for grouping, DISTINCT and join keys: NULL equals NULL here
// (joins skip NULL keys themselves); 0.0 equals -0.0.
bool SameValue(const Value& a, const Value& b);
std::uint64_t HashValue(const Value& v);

// The answer of a query, from any executor: the column names and types
// (the plan's), and rows of cells in one arena.
struct Answer {
  std::vector<std::string> names;
  std::vector<Type> types;
  std::vector<Value> cells;  // row-major, names.size() per row
  Arena arena;
  std::uint64_t skipped_records = 0;  // malformed records a file scan passed over

  std::size_t width() const { return names.size(); }
  std::size_t rows() const { return width() == 0 ? 0 : cells.size() / width(); }
  const Value& at(std::size_t row, std::size_t col) const { return cells[row * width() + col]; }
};

}  // namespace starling::query
