// File: text/internal/tld.h
// The set of top-level domains URL extraction accepts: every top-level label
// of the Public Suffix List (generated at build time, see gen_tld_table.cmake),
// in Unicode and, for internationalized ones, in punycode ("xn--") form.
#pragma once

#include <cstddef>
#include <string_view>

namespace starling::text::internal {

// True when `label` (UTF-8, ASCII letters already lower case) is a known TLD.
// Thread-safe; the table is built on first use.
bool IsKnownTld(std::string_view label);
// Longest TLD in code points, to bound the scan.
std::size_t MaxTldCodePoints();
// Number of labels in the table (for diagnostics and tests).
std::size_t TldCount();

}  // namespace starling::text::internal
