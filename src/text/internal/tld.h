// File: text/internal/tld.h
// The set of top-level domains URL extraction accepts: twitter-text's own list
// (tld_lib.yml, generated at build time, see gen_tld_table.cmake). Punycode
// ("xn--") TLDs need no entry: the URL rules accept any.
#pragma once

#include <cstddef>
#include <string_view>

namespace starling::text::internal {

// True when `label` is a known TLD. `label` is UTF-8 with every character
// folded by JsCanonicalize (so "com", "COM" and "Com" all fold to "COM").
// Thread-safe; the table is built on first use.
bool IsKnownTld(std::string_view folded_label);
// Longest TLD in code points, to bound the scan.
std::size_t MaxTldCodePoints();
// Number of labels in the table (for diagnostics and tests).
std::size_t TldCount();

}  // namespace starling::text::internal
