// File: text/internal/unicode.h
// Private helpers of the text library: UTF-8 decoding into code points (with
// byte offsets kept so values can be sliced from the original text) and the
// character classes of the reference twitter-text (JavaScript, 3.1.0), as
// inline predicates with ASCII fast paths and lookup tables for the rest.
//
// twitter-text's regular expressions are JavaScript RegExps with the `i` flag
// and without `u`: a character matches a class when its case-insensitive
// canonical form (JsCanonicalize) is that of a member, so the classes below that
// contain cased letters are closed under that relation (ɵ is in the Latin class
// because its upper case Ɵ is). Its hashtag letter tables are those of Unicode
// 7.0; ICU's (newer) data is cut back to them by character age.
#pragma once

#include <unicode/uchar.h>

#include <cstddef>
#include <cstdint>
#include <string>
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

// Appends `c` (a valid code point) to `out` as UTF-8; returns the byte count.
inline std::size_t AppendUtf8(char32_t c, char* out) {
  if (c < 0x80) {
    out[0] = static_cast<char>(c);
    return 1;
  }
  if (c < 0x800) {
    out[0] = static_cast<char>(0xC0 | (c >> 6));
    out[1] = static_cast<char>(0x80 | (c & 0x3F));
    return 2;
  }
  if (c < 0x10000) {
    out[0] = static_cast<char>(0xE0 | (c >> 12));
    out[1] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
    out[2] = static_cast<char>(0x80 | (c & 0x3F));
    return 3;
  }
  out[0] = static_cast<char>(0xF0 | (c >> 18));
  out[1] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
  out[2] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
  out[3] = static_cast<char>(0x80 | (c & 0x3F));
  return 4;
}
inline void AppendUtf8(char32_t c, std::string* out) {
  char buf[4];
  out->append(buf, AppendUtf8(c, buf));
}

inline bool IsAsciiAlpha(char32_t c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }
inline bool IsAsciiDigit(char32_t c) { return c >= '0' && c <= '9'; }
inline bool IsAsciiAlnum(char32_t c) { return IsAsciiAlpha(c) || IsAsciiDigit(c); }
inline char32_t AsciiLower(char32_t c) { return (c >= 'A' && c <= 'Z') ? c + 32 : c; }

// latinAccentChars, exactly (as endMentionMatch uses it, without the i flag).
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

// JavaScript's RegExp case-insensitive canonical form of `c` (ECMA-262
// Canonicalize without the u flag): the upper case of a BMP character when it
// is a single character and not ASCII for a non-ASCII `c`; astral code points
// (two UTF-16 units there) stand for themselves.
char32_t JsCanonicalize(char32_t c);

// Lookup tables over the BMP, built once (thread-safe) from ICU.
struct JsClassTables {
  std::vector<bool> hashtag_letter;  // hashtagAlpha
  std::vector<bool> hashtag_alnum;   // hashtagAlphaNumeric
  std::vector<bool> latin_accent;    // latinAccentChars, case-insensitive
  std::vector<bool> latin_cyrillic;  // latinAccentChars and cyrillicLettersAndMarks, same
};
const JsClassTables& BuildClassTables();
inline const JsClassTables& ClassTables() {
  static const JsClassTables& tables = BuildClassTables();  // inline: one load on the hot path
  return tables;
}

// Letters, marks and decimal digits as twitter-text's tables have them (Unicode 7.0).
bool IsAstralHashtagLetter(char32_t c);
bool IsAstralHashtagNumeral(char32_t c);

// hashtagAlpha: a letter or mark.
inline bool IsHashtagLetter(char32_t c) {
  if (c < 0x80) return IsAsciiAlpha(c);
  if (c < 0x10000) return ClassTables().hashtag_letter[c];
  return IsAstralHashtagLetter(c);
}
// hashtagAlphaNumeric: letters, marks, decimal digits and hashtagSpecialChars.
inline bool IsHashtagLetterOrNumeral(char32_t c) {
  if (c < 0x80) return IsAsciiAlnum(c) || c == '_';
  if (c < 0x10000) return ClassTables().hashtag_alnum[c];
  return IsAstralHashtagLetter(c) || IsAstralHashtagNumeral(c);
}

// twitter-text's punctuation class: ASCII punctuation except '"' and '`'.
inline bool IsTwitterPunct(char32_t c) { return IsAsciiPunct(c) && c != '"' && c != '`'; }
// JavaScript's \s.
inline bool IsJsSpace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D);
  return c != 0x180E && c != 0x85 && (IsUnicodeSpace(c) || c == 0xFEFF);
}

// validDomainChars: anything but twitter-text punctuation, spaces, U+FFFE,
// U+FEFF, U+FFFF and directional marks (so letters of every script, emoji,
// '"', '`' and control characters are domain characters).
inline bool IsUrlDomainChar(char32_t c) {
  if (c < 0x80) return !IsTwitterPunct(c) && !IsJavaSpace(c);
  return !IsUnicodeSpace(c) && c != 0xFFFE && c != 0xFEFF && c != 0xFFFF && !IsDirectional(c);
}
// The label characters of validAsciiDomain: [-a-z0-9] and Latin accents.
inline bool IsAsciiDomainLabelChar(char32_t c) {
  if (c < 0x80) return IsAsciiAlnum(c) || c == '-';
  return c < 0x10000 && ClassTables().latin_accent[c];
}
inline bool IsLatinOrCyrillicCi(char32_t c) {
  return c < 0x10000 && ClassTables().latin_cyrillic[c];
}

// validGeneralUrlPathChars (case-insensitive: Latin and Cyrillic letters by case).
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
  return c == 0x2013 || IsLatinOrCyrillicCi(c);
}
// validUrlPathEndingChars (without the balanced-parens alternative).
inline bool IsUrlPathEndingChar(char32_t c) {
  if (c < 0x80) {
    return IsAsciiAlnum(c) || c == '=' || c == '_' || c == '#' || c == '/' || c == '-' || c == '+';
  }
  return IsLatinOrCyrillicCi(c);
}
// validUrlQueryChars.
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
// validUrlQueryEndingChars.
inline bool IsUrlQueryEndingChar(char32_t c) {
  return IsAsciiAlnum(c) || c == '-' || c == '_' || c == '&' || c == '=' || c == '#' || c == '/';
}

}  // namespace starling::text::internal
