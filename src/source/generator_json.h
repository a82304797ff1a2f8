// File: source/generator_json.h
// How the synthetic firehose writes JSON (internal to source/generator.cc):
// numbers, strings of its own valid UTF-8, times and base-62 codes.
#pragma once

#include <charconv>
#include <cstdint>
#include <string>
#include <string_view>

#include "model/post_json.h"
#include "source/generator_random.h"

namespace starling::source::generator_detail {

inline constexpr std::string_view kBase62 =
    "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

// ---------------------------------------------------------------------------
// Output helpers.

inline void AppendUint(std::uint64_t v, std::string* out) {
  char buf[24];
  const auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

inline void AppendQuotedUint(std::uint64_t v, std::string* out) {
  out->push_back('"');
  AppendUint(v, out);
  out->push_back('"');
}

// JSON string literal of valid UTF-8 (the generator's own text): escapes
// '"', '\\' and control characters only.
inline void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  std::size_t run = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\') continue;
    out->append(s.data() + run, i - run);
    run = i + 1;
    switch (c) {
      case '"':
        out->append(std::string_view("\\\""));
        break;
      case '\\':
        out->append(std::string_view("\\\\"));
        break;
      case '\n':
        out->append(std::string_view("\\n"));
        break;
      case '\t':
        out->append(std::string_view("\\t"));
        break;
      case '\r':
        out->append(std::string_view("\\r"));
        break;
      default: {
        static constexpr char kHex[] = "0123456789abcdef";
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 15]};
        out->append(esc, 6);
      }
    }
  }
  out->append(s.data() + run, s.size() - run);
  out->push_back('"');
}

// "2021-04-01T15:52:31.000Z" (the generator's times are whole milliseconds
// after 2019, so the fixed layout always holds them).
inline void AppendIsoMillis(std::int64_t ms, std::string* out) {
  char buf[32];
  out->append(buf, model::WriteTimestamp(ms * 1000, buf));
}

// Ten (or n) base-62 characters from a seed: t.co codes and URL paths.
inline void AppendCode(std::uint64_t seed, int n, std::string* out) {
  std::uint64_t s = seed;
  std::uint64_t bits = SplitMix64(&s);
  for (int i = 0; i < n; ++i) {
    if (i % 10 == 9) bits = SplitMix64(&s);
    out->push_back(kBase62[bits % 62]);
    bits /= 62;
  }
}

inline std::string LowerAscii(std::string_view s) {
  std::string r(s);
  for (char& c : r) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return r;
}

}  // namespace starling::source::generator_detail
