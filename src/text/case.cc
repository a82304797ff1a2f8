// File: text/case.cc
#include "text/case.h"

#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

namespace starling::text {

std::string LowerTag(std::string_view tag) {
  bool ascii = true;
  for (char c : tag) ascii &= static_cast<unsigned char>(c) < 0x80;
  std::string out;
  if (ascii) {
    out.assign(tag);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(tag.data(), static_cast<std::int32_t>(tag.size())));
  u.toLower(icu::Locale::getRoot());
  u.toUTF8String(out);
  return out;
}

namespace {

template <typename Map>
std::string EachCodePoint(std::string_view text, Map map) {
  std::string out;
  out.reserve(text.size());
  const auto* s = reinterpret_cast<const std::uint8_t*>(text.data());
  const auto n = static_cast<std::int32_t>(text.size());
  std::int32_t i = 0;
  while (i < n) {
    if (s[i] < 0x80) {  // ASCII without ICU
      out.push_back(static_cast<char>(map(static_cast<UChar32>(s[i++]))));
      continue;
    }
    const std::int32_t start = i;
    UChar32 c = 0;
    U8_NEXT(s, i, n, c);
    if (c < 0) {  // not UTF-8: the bytes as they are
      out.append(text.substr(static_cast<std::size_t>(start), static_cast<std::size_t>(i - start)));
      continue;
    }
    std::uint8_t buf[4];
    std::int32_t len = 0;
    U8_APPEND_UNSAFE(buf, len, map(c));
    out.append(reinterpret_cast<const char*>(buf), static_cast<std::size_t>(len));
  }
  return out;
}

}  // namespace

std::string LowerEachCodePoint(std::string_view text) {
  return EachCodePoint(text, [](UChar32 c) { return u_tolower(c); });
}

std::string UpperEachCodePoint(std::string_view text) {
  return EachCodePoint(text, [](UChar32 c) { return u_toupper(c); });
}

}  // namespace starling::text
