// File: common/clock.cc
#include "common/clock.h"

#include <time.h>

#include <thread>

namespace starling {

Clock::TimePoint RealClock::Now() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now());
}

std::chrono::steady_clock::time_point RealClock::Steady() {
  return std::chrono::steady_clock::now();
}

void RealClock::SleepUntil(std::chrono::steady_clock::time_point t) {
  std::this_thread::sleep_until(t);
}

RealClock& RealClock::Instance() {
  static RealClock clock;
  return clock;
}

Clock::TimePoint ManualClock::Now() {
  std::lock_guard<std::mutex> lock(mu_);
  return TimePoint(elapsed_);
}

std::chrono::steady_clock::time_point ManualClock::Steady() {
  std::lock_guard<std::mutex> lock(mu_);
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(elapsed_));
}

void ManualClock::SleepUntil(std::chrono::steady_clock::time_point t) {
  std::lock_guard<std::mutex> lock(mu_);
  auto target = std::chrono::duration_cast<std::chrono::microseconds>(t.time_since_epoch());
  if (target > elapsed_) elapsed_ = target;
}

void ManualClock::Advance(std::chrono::microseconds d) {
  std::lock_guard<std::mutex> lock(mu_);
  elapsed_ += d;
}

Clock::TimePoint CoarseClock::Now() {
  timespec ts{};
  ::clock_gettime(CLOCK_REALTIME_COARSE, &ts);
  return TimePoint(std::chrono::seconds(ts.tv_sec) + std::chrono::microseconds(ts.tv_nsec / 1000));
}

std::chrono::steady_clock::time_point CoarseClock::Steady() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
  return std::chrono::steady_clock::time_point(
      std::chrono::duration_cast<std::chrono::steady_clock::duration>(
          std::chrono::seconds(ts.tv_sec) + std::chrono::nanoseconds(ts.tv_nsec)));
}

void CoarseClock::SleepUntil(std::chrono::steady_clock::time_point t) {
  RealClock::Instance().SleepUntil(t);
}

CoarseClock& CoarseClock::Instance() {
  static CoarseClock clock;
  return clock;
}

}  // namespace starling
