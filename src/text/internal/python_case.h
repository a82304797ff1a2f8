// File: text/internal/python_case.h
// Python's str.lower() and str.isupper() over UTF-8, for ports of Python text
// code (the VADER sentiment rules compare lower-cased tokens and test ALL CAPS).
// ASCII fast paths; ICU for the rest.
#pragma once

#include <string>
#include <string_view>

namespace starling::text::internal {

// Appends Python's `word.lower()` to `out`: full Unicode lower-casing (İ -> i̇,
// final sigma) when `word` holds an upper- or title-case non-ASCII letter, ASCII
// lower-casing otherwise. Invalid UTF-8 bytes are copied unchanged.
void AppendPythonLower(std::string_view word, std::string* out);

// Python's `word.isupper()`: at least one cased character and no lower- or
// title-case one. Invalid UTF-8 bytes count as uncased.
bool PythonIsUpper(std::string_view word);

}  // namespace starling::text::internal
