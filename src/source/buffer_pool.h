// File: source/buffer_pool.h
// Read buffers that come back when the last holder of a record in them lets
// go (on whatever thread that is), for the next read: the line source's
// shared buffers and the blocks of a parallel file scan. Thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace starling::source {

class BufferPool : public std::enable_shared_from_this<BufferPool> {
 public:
  // A buffer of at least `size` bytes (contents unspecified). The pool must
  // be owned by a shared_ptr; the buffer keeps it alive.
  std::shared_ptr<std::string> Get(std::size_t size) {
    std::unique_ptr<std::string> b;
    {
      std::lock_guard lock(mu_);
      for (std::size_t i = free_.size(); i-- > 0;) {
        if (free_[i]->size() >= size) {
          b = std::move(free_[i]);
          free_.erase(free_.begin() + static_cast<std::ptrdiff_t>(i));
          break;
        }
      }
    }
    if (b == nullptr) b = std::make_unique<std::string>(size, '\0');
    std::shared_ptr<BufferPool> self = shared_from_this();
    return {b.release(), [self](std::string* p) { self->Put(p); }};
  }

 private:
  static constexpr std::size_t kMaxFree = 64;
  static constexpr std::size_t kMaxKeptSize = 4u << 20;  // larger ones are freed

  void Put(std::string* p) {
    std::unique_ptr<std::string> b(p);
    if (b->size() > kMaxKeptSize) return;
    std::lock_guard lock(mu_);
    if (free_.size() < kMaxFree) free_.push_back(std::move(b));
  }

  std::mutex mu_;
  std::vector<std::unique_ptr<std::string>> free_;
};

}  // namespace starling::source
