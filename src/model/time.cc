// File: model/time.cc
// Timestamp parsing and formatting for the formats providers send.
#include "model/time.h"

#include <cstdio>
#include <ctime>

namespace starling::model {
namespace {

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void CivilFromDays(std::int64_t z, std::int64_t* y, unsigned* m, unsigned* d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = static_cast<std::int64_t>(yoe) + era * 400 + (*m <= 2);
}

bool ReadDigits(std::string_view s, std::size_t pos, std::size_t n, int* out) {
  if (pos + n > s.size()) return false;
  int v = 0;
  for (std::size_t i = 0; i < n; ++i) {
    char c = s[pos + i];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = v;
  return true;
}

bool ValidDate(int y, int mo, int d, int h, int mi, int se) {
  return y >= 1 && mo >= 1 && mo <= 12 && d >= 1 && d <= 31 && h <= 23 && mi <= 59 && se <= 60;
}

std::int64_t ToUs(int y, int mo, int d, int h, int mi, int se) {
  std::int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  return ((days * 24 + h) * 60 + mi) * 60 * 1000000LL + static_cast<std::int64_t>(se) * 1000000LL;
}

Result<TimestampUs> ParseIso(std::string_view s) {
  int y, mo, d, h, mi, se;
  if (!ReadDigits(s, 0, 4, &y) || s[4] != '-' || !ReadDigits(s, 5, 2, &mo) || s[7] != '-' ||
      !ReadDigits(s, 8, 2, &d) || (s[10] != 'T' && s[10] != ' ') || !ReadDigits(s, 11, 2, &h) ||
      s.size() < 19 || s[13] != ':' || !ReadDigits(s, 14, 2, &mi) || s[16] != ':' ||
      !ReadDigits(s, 17, 2, &se) || !ValidDate(y, mo, d, h, mi, se)) {
    return MalformedInput("bad ISO-8601 timestamp");
  }
  std::int64_t us = ToUs(y, mo, d, h, mi, se);
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    ++pos;
    std::int64_t frac = 0;
    int digits = 0;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') {
      if (digits < 6) {
        frac = frac * 10 + (s[pos] - '0');
        ++digits;
      }
      ++pos;
    }
    if (digits == 0) return MalformedInput("bad ISO-8601 fraction");
    while (digits < 6) {
      frac *= 10;
      ++digits;
    }
    us += frac;
  }
  if (pos == s.size()) return us;  // no zone: taken as UTC
  if (s[pos] == 'Z' && pos + 1 == s.size()) return us;
  if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && s[pos + 3] == ':') {
    int oh, om;
    if (!ReadDigits(s, pos + 1, 2, &oh) || !ReadDigits(s, pos + 4, 2, &om)) {
      return MalformedInput("bad ISO-8601 offset");
    }
    std::int64_t off = (oh * 60LL + om) * 60 * 1000000LL;
    return s[pos] == '+' ? us - off : us + off;
  }
  return MalformedInput("bad ISO-8601 zone");
}

// "Wed Oct 10 20:19:24 +0000 2018"
Result<TimestampUs> ParseTwitterV11(std::string_view s) {
  static constexpr std::string_view kMonths = "JanFebMarAprMayJunJulAugSepOctNovDec";
  if (s.size() != 30 || s[3] != ' ' || s[7] != ' ' || s[10] != ' ' || s[19] != ' ' ||
      s[25] != ' ') {
    return MalformedInput("bad X v1.1 date");
  }
  std::size_t mpos = kMonths.find(s.substr(4, 3));
  if (mpos == std::string_view::npos || mpos % 3 != 0) return MalformedInput("bad month");
  int d, h, mi, se, y, oh, om;
  if (!ReadDigits(s, 8, 2, &d) || !ReadDigits(s, 11, 2, &h) || s[13] != ':' ||
      !ReadDigits(s, 14, 2, &mi) || s[16] != ':' || !ReadDigits(s, 17, 2, &se) ||
      (s[20] != '+' && s[20] != '-') || !ReadDigits(s, 21, 2, &oh) || !ReadDigits(s, 23, 2, &om) ||
      !ReadDigits(s, 26, 4, &y)) {
    return MalformedInput("bad X v1.1 date");
  }
  int mo = static_cast<int>(mpos / 3) + 1;
  if (!ValidDate(y, mo, d, h, mi, se)) return MalformedInput("bad X v1.1 date");
  std::int64_t us = ToUs(y, mo, d, h, mi, se);
  std::int64_t off = (oh * 60LL + om) * 60 * 1000000LL;
  return s[20] == '+' ? us - off : us + off;
}

}  // namespace

Result<TimestampUs> ParseTimestamp(std::string_view text) {
  if (text.size() >= 19 && text[4] == '-') return ParseIso(text);
  if (text.size() == 30) return ParseTwitterV11(text);
  return MalformedInput("unrecognised timestamp '" + std::string(text.substr(0, 40)) + "'");
}

namespace {

struct CivilTime {
  std::int64_t year;
  unsigned month, day;
  int hour, minute, second;
  std::int64_t micros;
};

CivilTime ToCivil(TimestampUs us) {
  const std::int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  const std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const std::int64_t rem = secs - days * 86400;
  CivilTime c{};
  CivilFromDays(days, &c.year, &c.month, &c.day);
  c.hour = static_cast<int>(rem / 3600);
  c.minute = static_cast<int>(rem / 60 % 60);
  c.second = static_cast<int>(rem % 60);
  c.micros = us - secs * 1000000;
  return c;
}

}  // namespace

std::size_t WriteTimestamp(TimestampUs us, char* buf) {
  const CivilTime c = ToCivil(us);
  if (c.year < 0 || c.year > 9999) return 0;
  auto put = [buf](int pos, std::int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(0, c.year, 4);
  buf[4] = '-';
  put(5, c.month, 2);
  buf[7] = '-';
  put(8, c.day, 2);
  buf[10] = 'T';
  put(11, c.hour, 2);
  buf[13] = ':';
  put(14, c.minute, 2);
  buf[16] = ':';
  put(17, c.second, 2);
  buf[19] = '.';
  int len;
  if (c.micros % 1000 == 0) {
    put(20, c.micros / 1000, 3);
    len = 23;
  } else {
    put(20, c.micros, 6);
    len = 26;
  }
  buf[len++] = 'Z';
  return static_cast<std::size_t>(len);
}

std::string FormatTimestamp(TimestampUs us) {
  char buf[64];
  std::size_t n = WriteTimestamp(us, buf);
  if (n != 0) return std::string(buf, n);
  // Years the fixed four digits cannot hold (e.g. a garbage negative time).
  const CivilTime c = ToCivil(us);
  if (c.micros % 1000 == 0) {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%03lldZ",
                  static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                  static_cast<long long>(c.micros / 1000));
  } else {
    std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02d:%02d:%02d.%06lldZ",
                  static_cast<long long>(c.year), c.month, c.day, c.hour, c.minute, c.second,
                  static_cast<long long>(c.micros));
  }
  return buf;
}

}  // namespace starling::model
