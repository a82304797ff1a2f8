// File: text/internal/unicode.cc
// UTF-8 decoding for the extractors: one pass, invalid bytes become U+FFFD.
#include "text/internal/unicode.h"

namespace starling::text::internal {

void Decode(std::string_view utf8, DecodedText* out) {
  out->utf8 = utf8;
  out->cp.clear();
  out->byte.clear();
  out->u16.clear();
  const std::size_t n = utf8.size();
  out->cp.reserve(n);
  out->byte.reserve(n + 1);
  const auto* s = reinterpret_cast<const unsigned char*>(utf8.data());
  std::size_t i = 0;
  while (i < n) {
    const unsigned char b = s[i];
    out->byte.push_back(static_cast<std::uint32_t>(i));
    if (b < 0x80) {
      out->cp.push_back(b);
      ++i;
      continue;
    }
    std::size_t len = 0;
    char32_t c = 0;
    char32_t min = 0;
    if ((b & 0xE0) == 0xC0) {
      len = 2, c = b & 0x1F, min = 0x80;
    } else if ((b & 0xF0) == 0xE0) {
      len = 3, c = b & 0x0F, min = 0x800;
    } else if ((b & 0xF8) == 0xF0) {
      len = 4, c = b & 0x07, min = 0x10000;
    }
    bool ok = len != 0 && i + len <= n;
    for (std::size_t k = 1; ok && k < len; ++k) {
      if ((s[i + k] & 0xC0) != 0x80) {
        ok = false;
      } else {
        c = (c << 6) | (s[i + k] & 0x3F);
      }
    }
    ok = ok && c >= min && c <= 0x10FFFF && !(c >= 0xD800 && c <= 0xDFFF);
    if (ok) {
      out->cp.push_back(c);
      i += len;
    } else {
      out->cp.push_back(0xFFFD);
      ++i;
    }
  }
  out->byte.push_back(static_cast<std::uint32_t>(n));
}

const std::vector<std::uint32_t>& Utf16Offsets(const DecodedText& t) {
  if (t.u16.size() != t.cp.size() + 1) {
    t.u16.resize(t.cp.size() + 1);
    std::uint32_t off = 0;
    for (std::size_t i = 0; i < t.cp.size(); ++i) {
      t.u16[i] = off;
      off += t.cp[i] >= 0x10000 ? 2 : 1;
    }
    t.u16[t.cp.size()] = off;
  }
  return t.u16;
}

}  // namespace starling::text::internal
