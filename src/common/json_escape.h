// File: common/json_escape.h
// The one table of JSON string escapes, shared by every JSON writer
// (normalized posts, dead letters, JSON logs).
#pragma once

#include <cstddef>

namespace starling {

// True for the bytes a JSON string cannot hold as they are.
inline bool JsonNeedsEscape(unsigned char c) { return c < 0x20 || c == '"' || c == '\\'; }

// Writes the escape sequence of such a byte to out (room for 6 bytes);
// returns its length: 2 for \" \\ \n \r \t \b \f, else 6 (\u00XX).
inline std::size_t JsonEscape(unsigned char c, char* out) {
  out[0] = '\\';
  switch (c) {
    case '"':
      out[1] = '"';
      return 2;
    case '\\':
      out[1] = '\\';
      return 2;
    case '\n':
      out[1] = 'n';
      return 2;
    case '\r':
      out[1] = 'r';
      return 2;
    case '\t':
      out[1] = 't';
      return 2;
    case '\b':
      out[1] = 'b';
      return 2;
    case '\f':
      out[1] = 'f';
      return 2;
    default: {
      constexpr char kHexDigits[] = "0123456789abcdef";
      out[1] = 'u';
      out[2] = '0';
      out[3] = '0';
      out[4] = kHexDigits[c >> 4];
      out[5] = kHexDigits[c & 0xF];
      return 6;
    }
  }
}

}  // namespace starling
