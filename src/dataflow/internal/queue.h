// File: dataflow/internal/queue.h
// A bounded blocking queue: Push blocks while full (backpressure), Pop blocks
// while empty; Close wakes everyone and makes Pop return false once drained.
//
// Wakeups are the dear part on a small or virtualised machine (a futex call
// each), so a side is signalled only when a thread of the other side is
// actually waiting, and after the lock is released (the woken thread does
// not then block again on the mutex).
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>

namespace starling::dataflow::internal {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(std::size_t capacity) : capacity_(capacity) {}

  // false when the queue was closed (the item is dropped).
  bool Push(T item) {
    std::unique_lock lock(mu_);
    if (!closed_ && items_.size() >= capacity_) {
      ++pushers_waiting_;
      not_full_.wait(lock, [&] { return closed_ || items_.size() < capacity_; });
      --pushers_waiting_;
    }
    if (closed_) return false;
    items_.push_back(std::move(item));
    const bool wake = poppers_waiting_ > 0;
    lock.unlock();
    if (wake) not_empty_.notify_one();
    return true;
  }

  // false when closed and empty.
  bool Pop(T* out) {
    std::unique_lock lock(mu_);
    if (!closed_ && items_.empty()) {
      ++poppers_waiting_;
      not_empty_.wait(lock, [&] { return closed_ || !items_.empty(); });
      --poppers_waiting_;
    }
    if (items_.empty()) return false;
    *out = std::move(items_.front());
    items_.pop_front();
    const bool wake = pushers_waiting_ > 0;
    lock.unlock();
    if (wake) not_full_.notify_one();
    return true;
  }

  void Close() {
    std::lock_guard lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

 private:
  std::mutex mu_;
  std::condition_variable not_empty_;
  std::condition_variable not_full_;
  std::deque<T> items_;
  std::size_t capacity_;
  std::size_t pushers_waiting_ = 0;
  std::size_t poppers_waiting_ = 0;
  bool closed_ = false;
};

}  // namespace starling::dataflow::internal
