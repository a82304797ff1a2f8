// File: analytics/top_k.h
// Heavy hitters: ExactCounter (a hash map, exact, memory grows with the keys)
// and SpaceSavingTopK (Metwally et al.'s Space-Saving, memory bounded by a
// fixed number of counters whatever the number of distinct keys).
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "common/codec.h"
#include "common/status.h"

namespace starling::analytics {

// One reported key. `count` never undercounts: the true count is in
// [count - error, count].
struct TopKEntry {
  std::string key;
  std::uint64_t count = 0;
  std::uint64_t error = 0;  // max overestimate of count; 0 when exact
  bool operator==(const TopKEntry&) const = default;
};

// Transparent string hash (Hash64), so maps keyed by std::string can be
// searched with a std::string_view without building a string.
struct StringViewHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const;
};

// Exact counts of every key seen. Memory grows with the number of distinct
// keys; use SpaceSavingTopK when that is unbounded. Not thread-safe.
class ExactCounter {
 public:
  // Counts n more occurrences of key (n == 0 still creates the key). Counts
  // wrap on uint64 overflow (not a practical concern).
  void Add(std::string_view key, std::uint64_t n = 1);

  // The k largest counts (k == 0: all), count descending, ties by key
  // ascending (byte order). Every error is 0.
  std::vector<TopKEntry> Top(std::size_t k) const;
  // Count of `key` (0 when never added).
  std::uint64_t count(std::string_view key) const;

  std::uint64_t total() const { return total_; }       // sum of all n added
  std::size_t size() const { return counts_.size(); }  // distinct keys
  void Clear();
  // Adds other's counts into this one. other may be *this (doubles).
  void Merge(const ExactCounter& other);

  // Checkpoint. The bytes depend only on the contents (keys are written in
  // byte order), not on insertion order.
  void Save(ByteWriter& w) const;
  // Replaces the contents with what Save wrote. On MalformedInput (short or
  // corrupt input, duplicate keys) *this is left unchanged.
  Status Load(ByteReader& r);

 private:
  std::unordered_map<std::string, std::uint64_t, StringViewHash, std::equal_to<>> counts_;
  std::uint64_t total_ = 0;
};

// Space-Saving (Metwally, Agrawal, El Abbadi 2005) over `capacity` counters.
//
// Guarantees, for every key x with true count f(x), after any sequence of
// Add (and Merge, see there):
// - a reported entry satisfies count - error <= f(x) <= count;
// - an unreported key has f(x) <= error_bound();
// - hence every key with f(x) > error_bound() is reported (in Top(0));
// - error_bound() <= total() / capacity() (for merges: see Merge).
//
// Cost: Add is O(log capacity) at worst (an indexed binary min-heap over
// the counters plus an open-addressing index of slot numbers, both flat
// arrays); an increment moves a counter down only past the counters it
// overtakes, so a heavy key's increments are close to O(1). After the
// summary is full Add allocates nothing: an evicted counter's string is
// reused for the new key (strings longer than any before may grow it).
// Memory: O(capacity) whatever the number of distinct keys.
// Not thread-safe.
class SpaceSavingTopK {
 public:
  // Largest accepted capacity.
  static constexpr std::size_t kMaxCapacity = std::size_t{1} << 30;

  // InvalidArgument unless 1 <= capacity <= kMaxCapacity.
  static Status Validate(std::size_t capacity);
  // A summary of `capacity` counters, or Validate's error.
  static Result<SpaceSavingTopK> Create(std::size_t capacity);
  // `capacity` must pass Validate (Create checks it; a bad one aborts).
  // Memory grows with the keys seen, up to capacity.
  explicit SpaceSavingTopK(std::size_t capacity = 10000);

  // Counts n more occurrences of key. n == 0 is ignored.
  void Add(std::string_view key, std::uint64_t n = 1);

  // The k largest counters (k == 0: all), count descending, ties by key
  // ascending (byte order); error per entry as in TopKEntry.
  std::vector<TopKEntry> Top(std::size_t k) const;

  std::uint64_t total() const { return total_; }     // sum of all n added (and merged)
  std::size_t size() const { return heap_.size(); }  // monitored keys, <= capacity()
  std::size_t capacity() const { return capacity_; }
  // The largest true count an unreported key may have: the minimum counter
  // once a key has been evicted, else 0 (after a Merge or Load: the bound
  // the merge left until the next eviction). Every later-inserted key gets
  // at most this as its error.
  std::uint64_t error_bound() const;

  void Clear();  // keeps the capacity

  // Merges other's summary into this one (the mergeable-summaries rule of
  // Agarwal et al. 2012, in Space-Saving form). A key absent from a summary
  // counts as that summary's error_bound() (the most it may have had there),
  // with the same amount as error; counts and errors of the two sides are
  // added, then the `capacity()` largest counters are kept (ties by key).
  // No (capacity+1)-th count is subtracted: every counter stays an
  // overestimate and error_bound() becomes max(e1 + e2, largest dropped
  // count), so all guarantees above still hold. With equal capacities
  // error_bound() <= total() / capacity() also still holds; with unequal ones
  // the bound is honest but may exceed total() / capacity(). other may be
  // *this.
  void Merge(const SpaceSavingTopK& other);

  // Checkpoint: capacity, totals and counters. Deterministic bytes (counters
  // in byte order of key).
  void Save(ByteWriter& w) const;
  // Replaces the contents (capacity included) with what Save wrote. On
  // MalformedInput (short or corrupt input, more counters than capacity,
  // duplicate keys, error > count) *this is left unchanged.
  Status Load(ByteReader& r);

 private:
  struct Slot {
    std::string key;
    std::uint64_t hash = 0;
    std::uint64_t error = 0;
    std::uint32_t heap_pos = 0;
  };
  struct HeapEntry {
    std::uint64_t count;
    std::uint32_t slot;
  };
  // Index entry: a slot number (kEmptyIndex when free) and the high hash bits.
  struct IndexEntry {
    std::uint32_t slot;
    std::uint32_t tag;
  };
  static constexpr std::uint32_t kEmptyIndex = 0xffffffffu;

  // Position in index_ of key, or kNotFound.
  std::size_t Find(std::string_view key, std::uint64_t hash) const;
  void IndexInsert(std::uint32_t slot);
  void IndexErase(std::size_t pos);
  void GrowIndexIfNeeded();
  void SiftDown(std::size_t pos);
  void SiftUp(std::size_t pos);
  // Rebuilds from counters already checked (keys unique, at most capacity_).
  void Rebuild(std::vector<TopKEntry> entries);

  std::size_t capacity_;
  std::vector<Slot> slots_;        // slots_[heap_[i].slot].heap_pos == i
  std::vector<HeapEntry> heap_;    // binary min-heap on count
  std::vector<IndexEntry> index_;  // linear probing; size a power of two
  std::size_t index_mask_ = 0;
  std::uint64_t total_ = 0;
  // Bound on the true count of unmonitored keys left by Merge (0 for a
  // summary fed only by Add). Every counter is >= floor_.
  std::uint64_t floor_ = 0;
  // A key was evicted since the last Merge: from then on the minimum counter
  // bounds the unmonitored keys (it is >= floor_ and only grows).
  bool evicted_ = false;
};

}  // namespace starling::analytics
