// File: source/kafka/fetch_waker.h
// Keeps librdkafka 2.0's consumer fetching while its queue drains.
//
// librdkafka's broker thread stops fetching a partition once the consumer's
// queue holds queued.min.messages or queued.max.messages.kbytes, and looks
// again only when something wakes it, else after a fixed second (2.1 made
// that fetch.queue.backoff.ms). A reader that drains the queue faster than
// that sat idle for most of each second. FetchWaker watches the queue as the
// reader takes from it: once it was more than half full and is back under
// half, its thread sends the partitions' leaders one request (a ListOffsets
// of their ends), which wakes their broker threads, which then fetch while
// the rest of the queue is read. One request per fill of the queue, none
// while it stays low (a caught-up topic is long-polled as usual).
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <mutex>
#include <thread>

namespace starling::source::kafka {

// How much a queue holds; also its limits, as the consumer was configured
// (queued.min.messages, and queued.max.messages.kbytes, in librdkafka's
// kilobytes of 1,000 bytes); either limit counts, 0 is none.
struct QueueLevel {
  std::uint64_t messages = 0;
  std::uint64_t bytes = 0;
};

// When to wake: a queue's state, seen by its one reader after each read.
// Pure bookkeeping (no thread), so that the rule is testable alone.
class WakeRule {
 public:
  explicit WakeRule(QueueLevel limits) : limits_(limits) {}
  // `now`: what librdkafka's queue holds now; `peak`: at most what it held
  // since the last look (what was taken since, plus `now`). true: wake the
  // broker threads now.
  bool Observe(QueueLevel peak, QueueLevel now);

 private:
  bool OverHalf(QueueLevel level) const;

  QueueLevel limits_;
  bool armed_ = false;  // the queue was more than half full since the last wake
};

// Calls `wake` on a thread of its own, once for any number of Wake()s since
// its last call. `wake` must be thread-safe with respect to the consumer (a
// librdkafka request is).
class FetchWaker {
 public:
  explicit FetchWaker(std::function<void()> wake);
  ~FetchWaker();  // waits for a call in progress
  FetchWaker(const FetchWaker&) = delete;
  FetchWaker& operator=(const FetchWaker&) = delete;

  void Wake();  // never blocks

 private:
  void Loop();

  std::function<void()> wake_;
  std::mutex mu_;
  std::condition_variable cv_;
  bool wanted_ = false;
  bool stop_ = false;
  std::thread thread_;  // last: starts once the rest is set
};

}  // namespace starling::source::kafka
