#include "common/duration.h"

#include <cctype>
#include <cstdint>

namespace starling {

Result<std::chrono::microseconds> ParseDuration(std::string_view text) {
  const std::string shown(text);
  if (text.empty()) return InvalidArgument("empty duration (expected e.g. 500ms, 30s, 1m, 2h)");
  std::int64_t total = 0;
  std::string_view rest = text;
  while (!rest.empty()) {
    std::size_t i = 0;
    std::int64_t n = 0;
    while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) {
      if (n > (INT64_MAX / 10)) return InvalidArgument("duration out of range: " + shown);
      n = n * 10 + (rest[i] - '0');
      ++i;
    }
    // An optional fraction ("1.5s"), kept as a numerator over 10^digits.
    std::int64_t frac = 0, frac_scale = 1;
    if (i > 0 && i < rest.size() && rest[i] == '.') {
      ++i;
      while (i < rest.size() && std::isdigit(static_cast<unsigned char>(rest[i]))) {
        if (frac_scale < 1000000) {
          frac = frac * 10 + (rest[i] - '0');
          frac_scale *= 10;
        }
        ++i;
      }
    }
    if (i == 0) {
      return InvalidArgument("not a duration: '" + shown + "' (expected e.g. 500ms, 30s, 1m, 2h)");
    }
    std::size_t j = i;
    while (j < rest.size() && std::isalpha(static_cast<unsigned char>(rest[j]))) ++j;
    const std::string_view unit = rest.substr(i, j - i);
    std::int64_t scale = 0;
    if (unit.empty()) {
      if (rest.size() != text.size() || j != rest.size()) {
        return InvalidArgument("not a duration: '" + shown + "' (a unit is missing)");
      }
      scale = 1000000;
    } else if (unit == "us") {
      scale = 1;
    } else if (unit == "ms") {
      scale = 1000;
    } else if (unit == "s") {
      scale = 1000000;
    } else if (unit == "m" || unit == "min") {
      scale = 60LL * 1000000;
    } else if (unit == "h") {
      scale = 3600LL * 1000000;
    } else if (unit == "d") {
      scale = 86400LL * 1000000;
    } else {
      return InvalidArgument("unknown duration unit '" + std::string(unit) + "' in '" + shown +
                             "' (use us, ms, s, m, h, d)");
    }
    if (n > INT64_MAX / scale || total > INT64_MAX - n * scale - scale) {
      return InvalidArgument("duration out of range: " + shown);
    }
    total += n * scale + frac * scale / frac_scale;
    rest = rest.substr(j);
  }
  return std::chrono::microseconds(total);
}

std::string FormatDuration(std::chrono::microseconds d) {
  const std::int64_t us = d.count();
  struct Unit {
    std::int64_t scale;
    const char* name;
  };
  static constexpr Unit kUnits[] = {{86400LL * 1000000, "d"},
                                    {3600LL * 1000000, "h"},
                                    {60LL * 1000000, "m"},
                                    {1000000, "s"},
                                    {1000, "ms"},
                                    {1, "us"}};
  if (us == 0) return "0s";
  for (const Unit& u : kUnits) {
    if (us % u.scale == 0) return std::to_string(us / u.scale) + u.name;
  }
  return std::to_string(us) + "us";
}

}  // namespace starling
