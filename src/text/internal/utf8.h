// File: text/internal/utf8.h
// One-code-point UTF-8 decoding for scanners that walk text in place (no
// decoded copy), with invalid bytes reported one at a time.
#pragma once

#include <cstddef>

namespace starling::text::internal {

// The code point starting at s[0] and its byte length in *length; an invalid
// or truncated sequence decodes as U+FFFD with *length == 1 (a genuine U+FFFD
// has length 3). Needs n > 0 readable bytes.
inline char32_t DecodeUtf8(const char* s, std::size_t n, std::size_t* length) {
  const auto b0 = static_cast<unsigned char>(s[0]);
  *length = 1;
  if (b0 < 0x80) return b0;
  std::size_t need;
  char32_t cp;
  char32_t min;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 1, cp = b0 & 0x1F, min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 2, cp = b0 & 0x0F, min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 3, cp = b0 & 0x07, min = 0x10000;
  } else {
    return 0xFFFD;
  }
  if (n < need + 1) return 0xFFFD;
  for (std::size_t i = 1; i <= need; ++i) {
    const auto b = static_cast<unsigned char>(s[i]);
    if ((b & 0xC0) != 0x80) return 0xFFFD;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return 0xFFFD;
  *length = need + 1;
  return cp;
}

}  // namespace starling::text::internal
