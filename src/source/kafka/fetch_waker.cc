// File: source/kafka/fetch_waker.cc
#include "source/kafka/fetch_waker.h"

#include <utility>

namespace starling::source::kafka {

bool WakeRule::OverHalf(std::uint64_t messages, std::uint64_t bytes_per_message) const {
  // A limit of 0 (not known) is never reached.
  return (limits_.messages > 0 && 2 * messages > limits_.messages) ||
         (limits_.bytes > 0 && 2 * messages * bytes_per_message > limits_.bytes);
}

bool WakeRule::Observe(std::uint64_t peak, std::uint64_t now, std::uint64_t bytes_per_message) {
  if (OverHalf(peak, bytes_per_message)) armed_ = true;
  if (!armed_ || OverHalf(now, bytes_per_message)) return false;
  armed_ = false;
  return true;
}

FetchWaker::FetchWaker(std::function<void()> wake)
    : wake_(std::move(wake)), thread_([this] { Loop(); }) {}

FetchWaker::~FetchWaker() {
  {
    std::lock_guard lock(mu_);
    stop_ = true;
  }
  cv_.notify_one();
  thread_.join();
}

void FetchWaker::Wake() {
  {
    std::lock_guard lock(mu_);
    wanted_ = true;
  }
  cv_.notify_one();
}

std::uint64_t FetchWaker::wakes() const {
  std::lock_guard lock(mu_);
  return wakes_;
}

void FetchWaker::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return wanted_ || stop_; });
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    wake_();
    lock.lock();
    ++wakes_;
  }
}

}  // namespace starling::source::kafka
