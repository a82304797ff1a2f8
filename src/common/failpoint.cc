// File: common/failpoint.cc
#include "common/failpoint.h"

#include <atomic>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <utility>

namespace starling {
namespace {

struct Armed {
  std::string name;      // empty: no failpoint armed
  std::uint64_t at = 1;  // the hit that kills
  std::atomic<std::uint64_t> hits{0};
};

Armed& Point() {
  static Armed* armed = [] {
    auto* a = new Armed;
    const char* env = std::getenv("STARLING_FAILPOINT");
    if (env == nullptr) return a;
    std::string spec = env;
    const std::size_t colon = spec.rfind(':');
    if (colon != std::string::npos) {
      a->at = std::strtoull(spec.c_str() + colon + 1, nullptr, 10);
      spec.resize(colon);
    }
    a->name = spec;
    return a;
  }();
  return *armed;
}

}  // namespace

void Failpoint(std::string_view name) {
  Armed& a = Point();
  if (a.name.empty() || a.name != name) return;
  if (a.hits.fetch_add(1) + 1 == a.at) std::raise(SIGKILL);
}

void DelayPoint(std::string_view name) {
  static const std::pair<std::string, std::int64_t> armed = [] {
    const char* env = std::getenv("STARLING_DELAYPOINT");
    if (env == nullptr || *env == '\0') return std::pair<std::string, std::int64_t>{};
    std::string spec = env;
    const std::size_t colon = spec.rfind(':');
    char* end = nullptr;
    const std::int64_t ms =
        colon == std::string::npos ? 0 : std::strtoll(spec.c_str() + colon + 1, &end, 10);
    // At most ten minutes; anything else is said, not guessed at.
    if (colon == 0 || colon == std::string::npos || end == nullptr || *end != '\0' || ms <= 0 ||
        ms > 600000) {
      std::fprintf(stderr,
                   "starling: STARLING_DELAYPOINT=%s ignored: expected NAME:MS (1 to 600000)\n",
                   env);
      return std::pair<std::string, std::int64_t>{};
    }
    spec.resize(colon);
    return std::pair<std::string, std::int64_t>{spec, ms};
  }();
  if (armed.first.empty() || armed.first != name) return;
  std::this_thread::sleep_for(std::chrono::milliseconds(armed.second));
}

}  // namespace starling
