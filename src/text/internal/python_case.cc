// File: text/internal/python_case.cc
// Python-compatible case operations (see python_case.h).
#include "text/internal/python_case.h"

#include <unicode/uchar.h>
#include <unicode/ustring.h>
#include <unicode/utf8.h>

#include <array>
#include <cstdint>

#include "text/internal/utf8.h"

namespace starling::text::internal {

namespace {

void AppendAsciiLower(std::string_view word, std::string* out) {
  const std::size_t at = out->size();
  out->append(word);
  for (std::size_t i = at; i < out->size(); ++i) {
    char& c = (*out)[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  }
}

}  // namespace

void AppendPythonLower(std::string_view word, std::string* out) {
  bool needs_icu = false;
  bool valid = true;
  for (std::size_t i = 0; i < word.size();) {
    if (static_cast<unsigned char>(word[i]) < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    const char32_t cp = DecodeUtf8(word.data() + i, word.size() - i, &len);
    if (cp == 0xFFFD && len == 1) valid = false;
    if (u_tolower(static_cast<UChar32>(cp)) != static_cast<UChar32>(cp)) needs_icu = true;
    i += len;
  }
  if (!needs_icu) return AppendAsciiLower(word, out);
  if (valid) {
    // Root-locale full mapping, as Python's str.lower() (SpecialCasing, final sigma).
    thread_local std::u16string src;
    thread_local std::u16string dst;
    UErrorCode status = U_ZERO_ERROR;
    int32_t n16 = 0;
    src.resize(word.size() + 1);
    u_strFromUTF8(src.data(), static_cast<int32_t>(src.size()), &n16, word.data(),
                  static_cast<int32_t>(word.size()), &status);
    if (U_SUCCESS(status)) {
      dst.resize(static_cast<std::size_t>(n16) * 3 + 4);
      const int32_t m =
          u_strToLower(dst.data(), static_cast<int32_t>(dst.size()), src.data(), n16, "", &status);
      if (U_SUCCESS(status)) {
        const std::size_t at = out->size();
        out->resize(at + static_cast<std::size_t>(m) * 3 + 4);
        int32_t n8 = 0;
        u_strToUTF8(out->data() + at, static_cast<int32_t>(out->size() - at), &n8, dst.data(), m,
                    &status);
        if (U_SUCCESS(status)) {
          out->resize(at + static_cast<std::size_t>(n8));
          return;
        }
        out->resize(at);
      }
    }
  }
  // Invalid UTF-8 (never seen by Python): simple per-code-point mapping, bytes kept.
  for (std::size_t i = 0; i < word.size();) {
    std::size_t len;
    const char32_t cp = DecodeUtf8(word.data() + i, word.size() - i, &len);
    if (cp < 0x80 || (cp == 0xFFFD && len == 1)) {
      AppendAsciiLower(word.substr(i, len), out);
    } else {
      std::array<char, 4> buf;
      int32_t k = 0;
      UBool error = false;
      U8_APPEND(reinterpret_cast<std::uint8_t*>(buf.data()), k, 4,
                u_tolower(static_cast<UChar32>(cp)), error);
      (void)error;  // 4 bytes always suffice
      out->append(buf.data(), static_cast<std::size_t>(k));
    }
    i += len;
  }
}

bool PythonIsUpper(std::string_view word) {
  bool cased = false;
  for (std::size_t i = 0; i < word.size();) {
    const auto b = static_cast<unsigned char>(word[i]);
    if (b < 0x80) {
      if (b >= 'a' && b <= 'z') return false;
      cased |= b >= 'A' && b <= 'Z';
      ++i;
      continue;
    }
    std::size_t len;
    const auto cp = static_cast<UChar32>(DecodeUtf8(word.data() + i, word.size() - i, &len));
    i += len;
    if (len == 1) continue;  // invalid byte
    if (u_hasBinaryProperty(cp, UCHAR_LOWERCASE) || u_istitle(cp)) return false;
    cased |= u_hasBinaryProperty(cp, UCHAR_UPPERCASE) != 0;
  }
  return cased;
}

}  // namespace starling::text::internal
