// File: sink/clickhouse/row_binary.h
// Rows in ClickHouse's RowBinary input format, the one the store writes:
// values in column order, integers and floats little-endian, strings and
// arrays prefixed by their length as a LEB128 varint, a Nullable value by
// one byte (1: NULL, nothing follows). Binary, so text is byte-exact
// without escaping, and floats exact: 18.16 reads a float's decimal text
// (JSONEachRow, TSV) with a fast parser that is sometimes one ulp off.
#pragma once

#include <bit>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

namespace starling::sink::clickhouse::row_binary {

static_assert(std::endian::native == std::endian::little, "RowBinary is little-endian");

inline void Varint(std::string* out, std::uint64_t n) {
  while (n >= 0x80) {
    out->push_back(static_cast<char>((n & 0x7F) | 0x80));
    n >>= 7;
  }
  out->push_back(static_cast<char>(n));
}

template <typename T>
inline void Fixed(std::string* out, T v) {
  char buf[sizeof(T)];
  std::memcpy(buf, &v, sizeof(T));
  out->append(buf, sizeof(T));
}

inline void Int64(std::string* out, std::int64_t v) { Fixed(out, v); }
inline void UInt64(std::string* out, std::uint64_t v) { Fixed(out, v); }
inline void UInt8(std::string* out, std::uint8_t v) { out->push_back(static_cast<char>(v)); }
inline void Float64(std::string* out, double v) { Fixed(out, v); }

inline void String(std::string* out, std::string_view s) {
  Varint(out, s.size());
  out->append(s);
}

// The flag before a Nullable value: true when it is NULL (nothing follows).
inline bool Null(std::string* out, bool is_null) {
  out->push_back(is_null ? 1 : 0);
  return is_null;
}

}  // namespace starling::sink::clickhouse::row_binary
