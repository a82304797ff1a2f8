// File: common/log.cc
#include "common/log.h"

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>
#include <string>

#include "common/json_escape.h"

namespace starling::log {
namespace {

std::atomic<int> g_level{static_cast<int>(Level::kInfo)};
std::atomic<int> g_format{static_cast<int>(Format::kText)};
std::mutex g_mu;

std::string_view LevelName(Level l) {
  switch (l) {
    case Level::kDebug:
      return "debug";
    case Level::kInfo:
      return "info";
    case Level::kWarn:
      return "warn";
    case Level::kError:
      return "error";
  }
  return "info";
}

void AppendEscaped(std::string_view s, std::string* out) {
  for (unsigned char c : s) {
    if (JsonNeedsEscape(c)) {
      char esc[6];
      out->append(esc, JsonEscape(c, esc));
    } else {
      out->push_back(static_cast<char>(c));
    }
  }
}

}  // namespace

void Configure(Level min_level, Format format) {
  g_level = static_cast<int>(min_level);
  g_format = static_cast<int>(format);
}

bool Enabled(Level level) { return static_cast<int>(level) >= g_level.load(); }

void Write(Level level, std::string_view message) {
  std::string line;
  if (static_cast<Format>(g_format.load()) == Format::kJson) {
    auto now = std::chrono::system_clock::now();
    auto us = std::chrono::duration_cast<std::chrono::microseconds>(now.time_since_epoch()).count();
    std::time_t secs = static_cast<std::time_t>(us / 1000000);
    std::tm tm{};
    gmtime_r(&secs, &tm);
    char ts[40];
    std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    line = fmt::format("{{\"time\":\"{}.{:06d}Z\",\"level\":\"{}\",\"msg\":\"", ts, us % 1000000,
                       LevelName(level));
    AppendEscaped(message, &line);
    line += "\"}\n";
  } else {
    line = fmt::format("starling: {}{}\n",
                       level == Level::kInfo ? "" : std::string(LevelName(level)) + ": ", message);
  }
  std::lock_guard<std::mutex> lock(g_mu);
  std::fwrite(line.data(), 1, line.size(), stderr);
}

}  // namespace starling::log
