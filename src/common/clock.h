// File: common/clock.h
// Injected time. Code that waits or reads the time takes a Clock&, so tests
// drive it with a ManualClock instead of sleeping.
#pragma once

#include <chrono>
#include <mutex>

namespace starling {

class Clock {
 public:
  using TimePoint = std::chrono::time_point<std::chrono::system_clock, std::chrono::microseconds>;
  virtual ~Clock() = default;
  // Wall-clock time (UTC), microsecond resolution. Thread-safe.
  virtual TimePoint Now() = 0;
  // Monotonic time for measuring intervals. Thread-safe.
  virtual std::chrono::steady_clock::time_point Steady() = 0;
  // Blocks until Steady() >= t (returns at once if already past).
  virtual void SleepUntil(std::chrono::steady_clock::time_point t) = 0;
};

// The process's real clocks. A process-wide instance is RealClock::Instance().
class RealClock final : public Clock {
 public:
  TimePoint Now() override;
  std::chrono::steady_clock::time_point Steady() override;
  void SleepUntil(std::chrono::steady_clock::time_point t) override;
  static RealClock& Instance();
};

// The kernel's coarse clocks (CLOCK_*_COARSE): the same epochs as
// RealClock, a few milliseconds of resolution, and about 4 ns a read instead
// of ~30: for throughput runs that read the time per record but need it only
// for deadlines and progress.
class CoarseClock final : public Clock {
 public:
  TimePoint Now() override;
  std::chrono::steady_clock::time_point Steady() override;
  void SleepUntil(std::chrono::steady_clock::time_point t) override;
  static CoarseClock& Instance();
};

// A clock that moves only when told; SleepUntil advances it instantly.
class ManualClock final : public Clock {
 public:
  TimePoint Now() override;
  std::chrono::steady_clock::time_point Steady() override;
  void SleepUntil(std::chrono::steady_clock::time_point t) override;
  void Advance(std::chrono::microseconds d);

 private:
  std::mutex mu_;
  std::chrono::microseconds elapsed_{0};
};

}  // namespace starling
