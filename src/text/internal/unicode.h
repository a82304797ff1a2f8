// File: text/internal/unicode.h
// Private helpers of the text library: UTF-8 decoding into code points (with
// byte offsets kept so values can be sliced from the original text) and the
// character classes of twitter-text's Regex.java, as inline predicates with
// ASCII fast paths and ICU lookups for the rest.
#pragma once

#include <unicode/uchar.h>

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace starling::text::internal {

// `text` decoded once. Invalid UTF-8 bytes decode to U+FFFD, one per byte, so
// they act as a non-word symbol and every byte belongs to exactly one element.
struct DecodedText {
  std::string_view utf8;
  std::vector<char32_t> cp;         // code points
  std::vector<std::uint32_t> byte;  // byte offset of cp[i]; byte[cp.size()] == utf8.size()
  // UTF-16 offset of cp[i] (size()+1 entries); filled by Utf16Offsets() on demand.
  mutable std::vector<std::uint32_t> u16;

  std::size_t size() const { return cp.size(); }
  // cp[i], or 0 past the end (0 is in none of the classes used by callers).
  char32_t At(std::size_t i) const { return i < cp.size() ? cp[i] : 0; }
  std::string_view Slice(std::size_t begin, std::size_t end) const {
    return utf8.substr(byte[begin], byte[end] - byte[begin]);
  }
};

// Decodes `utf8` into `out` (reusing its buffers).
void Decode(std::string_view utf8, DecodedText* out);
// UTF-16 offsets of every code point of `t` (computed once per text).
const std::vector<std::uint32_t>& Utf16Offsets(const DecodedText& t);

inline bool IsAsciiAlpha(char32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlnum(char32_t c) { return IsAsciiAlpha(c) || IsAsciiDigit(c); }
inline char32_t AsciiLower(char32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// LATIN_ACCENTS_CHARS.
inline bool IsLatinAccent(char32_t c) {
  if (c < 0xC0) return false;
  if (c <= 0xFF) return c != 0xD7 && c != 0xF7;
  if (c <= 0x24F) return true;
  if (c < 0x300) {
    switch (c) {
      case 0x253:
      case 0x254:
      case 0x256:
      case 0x257:
      case 0x259:
      case 0x25B:
      case 0x263:
      case 0x268:
      case 0x26F:
      case 0x272:
      case 0x289:
      case 0x28B:
      case 0x2BB:
        return true;
      default:
        return false;
    }
  }
  if (c <= 0x36F) return true;
  return c >= 0x1E00 && c <= 0x1EFF;
}
inline bool IsCyrillic(char32_t c) { return c >= 0x400 && c <= 0x4FF; }

// UNICODE_SPACES.
inline bool IsUnicodeSpace(char32_t c) {
  if (c <= 0x20) return c == 0x20 || (c >= 0x09 && c <= 0x0D);
  if (c < 0x85) return false;
  return c == 0x85 || c == 0xA0 || c == 0x1680 || c == 0x180E || (c >= 0x2000 && c <= 0x200A) ||
         c == 0x2028 || c == 0x2029 || c == 0x202F || c == 0x205F || c == 0x3000;
}
// Java's \s.
inline bool IsJavaSpace(char32_t c) { return c == ' ' || (c >= 0x09 && c <= 0x0D); }
// Java's \p{Punct} (POSIX, ASCII only).
inline bool IsAsciiPunct(char32_t c) {
  return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
         (c >= 0x7B && c <= 0x7E);
}
// DIRECTIONAL_CHARACTERS as a class.
inline bool IsDirectional(char32_t c) {
  return c == 0x061C || c == 0x200E || c == 0x200F || (c >= 0x202A && c <= 0x202E) ||
         (c >= 0x2066 && c <= 0x2069);
}
inline bool IsAtSign(char32_t c) { return c == '@' || c == 0xFF20; }
inline bool IsHashSign(char32_t c) { return c == '#' || c == 0xFF03; }

// HASHTAG_LETTERS_AND_MARKS: \p{L}\p{M} plus code points Regex.java lists
// explicitly (all assigned L/M in current Unicode except a private-use block).
inline bool IsHashtagLetter(char32_t c) {
  if (c < 0x80) return IsAsciiAlpha(c);
  const std::uint32_t mask = U_GET_GC_MASK(static_cast<UChar32>(c));
  if (mask & (U_GC_L_MASK | U_GC_M_MASK)) return true;
  return (c >= 0xF870 && c <= 0xF87F) || c == 0xF882 || (c >= 0xF884 && c <= 0xF89F) ||
         c == 0xF8B8 || (c >= 0xF8C1 && c <= 0xF8D6);
}
inline bool IsHashtagSpecial(char32_t c) {
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
// HASHTAG_LETTERS_NUMERALS.
inline bool IsHashtagLetterOrNumeral(char32_t c) {
  if (c < 0x80) return IsAsciiAlnum(c) || c == '_';
  if (IsHashtagLetter(c) || IsHashtagSpecial(c)) return true;
  return u_charType(static_cast<UChar32>(c)) == U_DECIMAL_DIGIT_NUMBER;
}

// URL_VALID_CHARS.
inline bool IsUrlValidChar(char32_t c) { return IsAsciiAlnum(c) || IsLatinAccent(c); }

// URL_VALID_UNICODE_CHARS: not PUNCTUATION_CHARS, \s, \p{Z}, \p{InGeneralPunctuation}.
inline bool IsUrlUnicodeChar(char32_t c) {
  if (c < 0x80) {
    if (c == '\\') return true;  // not in Regex.java's PUNCTUATION_CHARS
    return !IsAsciiPunct(c) && !IsJavaSpace(c);
  }
  if (c >= 0x2000 && c <= 0x206F) return false;
  const std::uint32_t mask = U_GET_GC_MASK(static_cast<UChar32>(c));
  return (mask & U_GC_Z_MASK) == 0;
}

// URL_VALID_GENERAL_PATH_CHARS.
inline bool IsUrlPathChar(char32_t c) {
  if (c < 0x80) {
    if (IsAsciiAlnum(c)) return true;
    switch (c) {
      case '!':
      case '*':
      case '\'':
      case ';':
      case ':':
      case '=':
      case '+':
      case ',':
      case '.':
      case '$':
      case '/':
      case '%':
      case '#':
      case '[':
      case ']':
      case '-':
      case '_':
      case '~':
      case '|':
      case '&':
      case '@':
        return true;
      default:
        return false;
    }
  }
  return c == 0x2013 || IsLatinAccent(c) || IsCyrillic(c);
}
// URL_VALID_PATH_ENDING_CHARS (without the balanced-parens alternative).
inline bool IsUrlPathEndingChar(char32_t c) {
  if (c < 0x80) {
    return IsAsciiAlnum(c) || c == '=' || c == '_' || c == '#' || c == '/' || c == '-' || c == '+';
  }
  return IsLatinAccent(c) || IsCyrillic(c);
}
// URL_VALID_URL_QUERY_CHARS.
inline bool IsUrlQueryChar(char32_t c) {
  if (c >= 0x80) return false;
  if (IsAsciiAlnum(c)) return true;
  switch (c) {
    case '!':
    case '?':
    case '*':
    case '\'':
    case '(':
    case ')':
    case ';':
    case ':':
    case '&':
    case '=':
    case '+':
    case '$':
    case '/':
    case '%':
    case '#':
    case '[':
    case ']':
    case '-':
    case '_':
    case '.':
    case ',':
    case '~':
    case '|':
    case '@':
      return true;
    default:
      return false;
  }
}
// URL_VALID_URL_QUERY_ENDING_CHARS.
inline bool IsUrlQueryEndingChar(char32_t c) {
  return IsAsciiAlnum(c) || c == '-' || c == '_' || c == '&' || c == '=' || c == '#' || c == '/';
}

}  // namespace starling::text::internal
