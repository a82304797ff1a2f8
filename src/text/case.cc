// File: text/case.cc
#include "text/case.h"

#include <unicode/locid.h>
#include <unicode/unistr.h>

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

}  // namespace starling::text
