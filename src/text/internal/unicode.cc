// File: text/internal/unicode.cc
// UTF-8 decoding for the extractors (one pass, invalid bytes become U+FFFD)
// and the character-class tables of twitter-text's JavaScript regular expressions.
#include "text/internal/unicode.h"

#include <unicode/ustring.h>
#include <unicode/uversion.h>

#include <utility>

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

namespace {

// Upper-case pairs newer than the ICU this may be built with (Unicode 16):
// JavaScript engines with newer data fold these lower-case letters to them.
constexpr std::pair<char16_t, char16_t> kNewerUpperCase[] = {
    {0x019B, 0xA7DC}, {0x0264, 0xA7CB}, {0xA7CD, 0xA7CC}, {0xA7DB, 0xA7DA}};

char16_t ComputeCanonical(char32_t c) {
  if (c < 0x80) return static_cast<char16_t>(c >= 'a' && c <= 'z' ? c - 32 : c);
  if (c >= 0xD800 && c <= 0xDFFF) return static_cast<char16_t>(c);
  for (const auto& [lower, upper] : kNewerUpperCase) {
    if (c == lower && u_toupper(static_cast<UChar32>(c)) == static_cast<UChar32>(c)) return upper;
  }
  const UChar in[1] = {static_cast<UChar>(c)};
  UChar out[4];
  UErrorCode status = U_ZERO_ERROR;
  const int32_t len = u_strToUpper(out, 4, in, 1, "", &status);
  if (U_FAILURE(status) || len != 1 || out[0] < 0x80) return static_cast<char16_t>(c);
  return out[0];
}

// twitter-text's letter, mark and digit tables are Unicode 7.0's.
bool AtMostUnicode7(char32_t c) {
  UVersionInfo age;
  u_charAge(static_cast<UChar32>(c), age);
  return age[0] < 7 || (age[0] == 7 && age[1] == 0);
}
bool IsLetterOrMark7(char32_t c) {
  const std::uint32_t mask = U_GET_GC_MASK(static_cast<UChar32>(c));
  return (mask & (U_GC_L_MASK | U_GC_M_MASK)) != 0 && AtMostUnicode7(c);
}
bool IsDecimal7(char32_t c) {
  return u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER && AtMostUnicode7(c);
}
// Private-use code points twitter-text lists as letters.
bool IsListedPrivateUseLetter(char32_t c) {
  return (c >= 0xF870 && c <= 0xF87F) || c == 0xF882 || (c >= 0xF884 && c <= 0xF89F) ||
         c == 0xF8B8 || (c >= 0xF8C1 && c <= 0xF8D6);
}
bool IsHashtagSpecial(char32_t c) {
  switch (c) {
    case '_':
    case 0x200C:
    case 0x200D:
    case 0xA67E:
    case 0x05BE:
    case 0x05F3:
    case 0x05F4:
    case 0xFF5E:
    case 0x301C:
    case 0x309B:
    case 0x309C:
    case 0x30A0:
    case 0x30FB:
    case 0x3003:
    case 0x0F0B:
    case 0x0F0C:
    case 0x00B7:
      return true;
    default:
      return false;
  }
}

struct Tables {
  std::vector<char16_t> canonical;
  JsClassTables classes;

  Tables() : canonical(0x10000) {
    constexpr std::size_t kBmp = 0x10000;
    for (char32_t c = 0; c < kBmp; ++c) canonical[c] = ComputeCanonical(c);
    // A class matches c when it holds a member with c's canonical form.
    std::vector<bool> letter(kBmp), alnum(kBmp), latin(kBmp), latin_cyrillic(kBmp);
    for (char32_t c = 0; c < kBmp; ++c) {
      const char16_t k = canonical[c];
      const bool is_letter = IsLetterOrMark7(c) || IsListedPrivateUseLetter(c);
      if (is_letter) letter[k] = true;
      if (is_letter || IsDecimal7(c) || IsHashtagSpecial(c)) alnum[k] = true;
      if (IsLatinAccent(c)) latin[k] = latin_cyrillic[k] = true;
      if (IsCyrillic(c)) latin_cyrillic[k] = true;
    }
    auto close = [this](const std::vector<bool>& by_canonical) {
      std::vector<bool> out(kBmp);
      for (std::size_t c = 0; c < kBmp; ++c) out[c] = by_canonical[canonical[c]];
      return out;
    };
    classes.hashtag_letter = close(letter);
    classes.hashtag_alnum = close(alnum);
    classes.latin_accent = close(latin);
    classes.latin_cyrillic = close(latin_cyrillic);
  }
};

const Tables& GetTables() {
  static const Tables* tables = new Tables();  // never destroyed: used at exit too
  return *tables;
}

}  // namespace

char32_t JsCanonicalize(char32_t c) { return c < 0x10000 ? GetTables().canonical[c] : c; }
const JsClassTables& BuildClassTables() { return GetTables().classes; }
bool IsAstralHashtagLetter(char32_t c) { return IsLetterOrMark7(c); }
bool IsAstralHashtagNumeral(char32_t c) { return IsDecimal7(c); }

}  // namespace starling::text::internal
