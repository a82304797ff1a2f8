// File: source/kafka/fetch_waker.cc
#include "source/kafka/fetch_waker.h"

#include <utility>

namespace starling::source::kafka {

bool WakeRule::OverHalf(QueueLevel level) const {
  // A limit of 0 (not known) is never reached.
  return (limits_.messages > 0 && 2 * level.messages > limits_.messages) ||
         (limits_.bytes > 0 && 2 * level.bytes > limits_.bytes);
}

bool WakeRule::Observe(QueueLevel peak, QueueLevel now) {
  if (OverHalf(peak)) armed_ = true;
  if (!armed_ || OverHalf(now)) return false;
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

void FetchWaker::Loop() {
  std::unique_lock lock(mu_);
  for (;;) {
    cv_.wait(lock, [this] { return wanted_ || stop_; });
    if (stop_) return;
    wanted_ = false;
    lock.unlock();
    wake_();
    lock.lock();
  }
}

}  // namespace starling::source::kafka
