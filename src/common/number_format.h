// File: common/number_format.h
// Numbers for people: thousands separated by commas ("1,234,567"), as the
// command line's summaries and the HTML report print them.
#pragma once

#include <cstdint>
#include <string>

namespace starling {

inline std::string Grouped(std::uint64_t n) {
  const std::string digits = std::to_string(n);
  std::string out;
  out.reserve(digits.size() + digits.size() / 3);
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

inline std::string Grouped(std::int64_t n) {
  // The magnitude as unsigned: -INT64_MIN does not fit an int64.
  const std::uint64_t magnitude =
      n < 0 ? ~static_cast<std::uint64_t>(n) + 1 : static_cast<std::uint64_t>(n);
  return n < 0 ? "-" + Grouped(magnitude) : Grouped(magnitude);
}

}  // namespace starling
