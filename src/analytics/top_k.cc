// File: analytics/top_k.cc
// ExactCounter and the Space-Saving summary (indexed min-heap + open-addressing index).
#include "analytics/top_k.h"

#include <algorithm>
#include <bit>
#include <limits>
#include <string>
#include <unordered_set>
#include <utility>

#include "analytics/hash.h"

namespace starling::analytics {
namespace {

constexpr std::uint8_t kExactFormat = 1;
constexpr std::uint8_t kSpaceSavingFormat = 1;
constexpr std::size_t kNotFound = std::numeric_limits<std::size_t>::max();
constexpr std::size_t kMinIndexSize = 16;

// Count descending, then key ascending (byte order: std::string_view compares
// as unsigned char).
bool Before(std::uint64_t count_a, std::string_view key_a, std::uint64_t count_b,
            std::string_view key_b) {
  if (count_a != count_b) return count_a > count_b;
  return key_a < key_b;
}

bool EntryBefore(const TopKEntry& a, const TopKEntry& b) {
  return Before(a.count, a.key, b.count, b.key);
}

std::uint32_t TagOf(std::uint64_t hash) { return static_cast<std::uint32_t>(hash >> 32); }

}  // namespace

std::size_t StringViewHash::operator()(std::string_view s) const {
  return static_cast<std::size_t>(Hash64(s));
}

// ---------------------------------------------------------------------------
// ExactCounter

void ExactCounter::Add(std::string_view key, std::uint64_t n) {
  total_ += n;
  auto it = counts_.find(key);
  if (it != counts_.end()) {
    it->second += n;
  } else {
    counts_.emplace(std::string(key), n);
  }
}

std::vector<TopKEntry> ExactCounter::Top(std::size_t k) const {
  using Item = const std::pair<const std::string, std::uint64_t>*;
  std::vector<Item> items;
  items.reserve(counts_.size());
  for (const auto& kv : counts_) items.push_back(&kv);
  if (k == 0 || k > items.size()) k = items.size();
  const auto before = [](Item a, Item b) {
    return Before(a->second, a->first, b->second, b->first);
  };
  // partial_sort is a heap sort: for most of the keys (every key, as a
  // scale-out partition keeps them) a full sort is several times faster.
  if (2 * k >= items.size()) {
    std::sort(items.begin(), items.end(), before);
  } else {
    std::partial_sort(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(k), items.end(),
                      before);
  }
  std::vector<TopKEntry> out;
  out.reserve(k);
  for (std::size_t i = 0; i < k; ++i) out.push_back({items[i]->first, items[i]->second, 0});
  return out;
}

std::uint64_t ExactCounter::count(std::string_view key) const {
  auto it = counts_.find(key);
  return it == counts_.end() ? 0 : it->second;
}

void ExactCounter::Clear() {
  counts_.clear();
  total_ = 0;
}

void ExactCounter::Merge(const ExactCounter& other) {
  if (&other == this) {
    for (auto& kv : counts_) kv.second *= 2;
    total_ *= 2;
    return;
  }
  for (const auto& [key, n] : other.counts_) Add(key, n);
}

void ExactCounter::Save(ByteWriter& w) const {
  // In key order (the bytes depend on the contents only), without copying.
  using Item = const std::pair<const std::string, std::uint64_t>*;
  std::vector<Item> all;
  all.reserve(counts_.size());
  for (const auto& kv : counts_) all.push_back(&kv);
  std::sort(all.begin(), all.end(), [](Item a, Item b) { return a->first < b->first; });
  w.PutU8(kExactFormat);
  w.PutVarint(all.size());
  for (Item e : all) {
    w.PutString(e->first);
    w.PutVarint(e->second);
  }
}

Status ExactCounter::Load(ByteReader& r) {
  constexpr std::string_view kWhat = "ExactCounter";
  std::uint8_t format = 0;
  std::uint64_t n = 0;
  if (!r.GetU8(&format)) return r.status(kWhat);
  if (format != kExactFormat) {
    return MalformedInput("ExactCounter: unknown format " + std::to_string(format));
  }
  if (!r.GetCount(&n, 2)) return r.status(kWhat);
  decltype(counts_) counts;
  counts.reserve(n);
  std::uint64_t total = 0;
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string key;
    std::uint64_t count = 0;
    if (!r.GetString(&key) || !r.GetVarint(&count)) return r.status(kWhat);
    total += count;
    if (!counts.emplace(std::move(key), count).second) {
      return MalformedInput("ExactCounter: duplicate key in saved state");
    }
  }
  counts_ = std::move(counts);
  total_ = total;
  return Status::Ok();
}

// ---------------------------------------------------------------------------
// SpaceSavingTopK

Status SpaceSavingTopK::Validate(std::size_t capacity) {
  if (capacity == 0 || capacity > kMaxCapacity) {
    return InvalidArgument("SpaceSavingTopK: capacity must be in [1, 2^30], got " +
                           std::to_string(capacity));
  }
  return Status::Ok();
}

Result<SpaceSavingTopK> SpaceSavingTopK::Create(std::size_t capacity) {
  STARLING_RETURN_IF_ERROR(Validate(capacity));
  return SpaceSavingTopK(capacity);
}

SpaceSavingTopK::SpaceSavingTopK(std::size_t capacity) : capacity_(capacity) {
  if (Status st = Validate(capacity); !st.ok()) DieInvalid("SpaceSavingTopK", st);
  Clear();
}

void SpaceSavingTopK::Clear() {
  slots_.clear();
  heap_.clear();
  index_.assign(kMinIndexSize, IndexEntry{kEmptyIndex, 0});
  index_mask_ = kMinIndexSize - 1;
  total_ = 0;
  floor_ = 0;
  evicted_ = false;
}

std::uint64_t SpaceSavingTopK::error_bound() const { return evicted_ ? heap_[0].count : floor_; }

std::size_t SpaceSavingTopK::Find(std::string_view key, std::uint64_t hash) const {
  const std::uint32_t tag = TagOf(hash);
  for (std::size_t pos = hash & index_mask_;; pos = (pos + 1) & index_mask_) {
    const IndexEntry& e = index_[pos];
    if (e.slot == kEmptyIndex) return kNotFound;
    if (e.tag == tag && slots_[e.slot].key == key) return pos;
  }
}

void SpaceSavingTopK::IndexInsert(std::uint32_t slot) {
  const std::uint64_t hash = slots_[slot].hash;
  std::size_t pos = hash & index_mask_;
  while (index_[pos].slot != kEmptyIndex) pos = (pos + 1) & index_mask_;
  index_[pos] = {slot, TagOf(hash)};
}

// Backward-shift deletion: no tombstones, so probe lengths stay short under
// the constant churn of evictions.
void SpaceSavingTopK::IndexErase(std::size_t hole) {
  std::size_t pos = hole;
  for (;;) {
    pos = (pos + 1) & index_mask_;
    const IndexEntry e = index_[pos];
    if (e.slot == kEmptyIndex) break;
    const std::size_t home = slots_[e.slot].hash & index_mask_;
    // Move e into the hole unless its home lies cyclically in (hole, pos].
    const bool home_after_hole = ((pos - home) & index_mask_) < ((pos - hole) & index_mask_);
    if (!home_after_hole) {
      index_[hole] = e;
      hole = pos;
    }
  }
  index_[hole] = {kEmptyIndex, 0};
}

void SpaceSavingTopK::GrowIndexIfNeeded() {
  // Load factor at most 1/2.
  if ((slots_.size() + 1) * 2 <= index_.size()) return;
  index_.assign(index_.size() * 2, IndexEntry{kEmptyIndex, 0});
  index_mask_ = index_.size() - 1;
  for (std::uint32_t s = 0; s < slots_.size(); ++s) IndexInsert(s);
}

void SpaceSavingTopK::SiftDown(std::size_t pos) {
  const std::size_t n = heap_.size();
  const HeapEntry moving = heap_[pos];
  for (;;) {
    std::size_t child = 2 * pos + 1;
    if (child >= n) break;
    if (child + 1 < n && heap_[child + 1].count < heap_[child].count) ++child;
    if (heap_[child].count >= moving.count) break;
    heap_[pos] = heap_[child];
    slots_[heap_[pos].slot].heap_pos = static_cast<std::uint32_t>(pos);
    pos = child;
  }
  heap_[pos] = moving;
  slots_[moving.slot].heap_pos = static_cast<std::uint32_t>(pos);
}

void SpaceSavingTopK::SiftUp(std::size_t pos) {
  const HeapEntry moving = heap_[pos];
  while (pos > 0) {
    const std::size_t parent = (pos - 1) / 2;
    if (heap_[parent].count <= moving.count) break;
    heap_[pos] = heap_[parent];
    slots_[heap_[pos].slot].heap_pos = static_cast<std::uint32_t>(pos);
    pos = parent;
  }
  heap_[pos] = moving;
  slots_[moving.slot].heap_pos = static_cast<std::uint32_t>(pos);
}

void SpaceSavingTopK::Add(std::string_view key, std::uint64_t n) {
  if (n == 0) return;
  total_ += n;
  const std::uint64_t hash = Hash64(key);
  const std::size_t found = Find(key, hash);
  if (found != kNotFound) {
    const std::uint32_t pos = slots_[index_[found].slot].heap_pos;
    heap_[pos].count += n;
    SiftDown(pos);
    return;
  }
  if (heap_.size() < capacity_) {
    GrowIndexIfNeeded();
    const auto slot = static_cast<std::uint32_t>(slots_.size());
    slots_.push_back(Slot{std::string(key), hash, floor_, 0});
    heap_.push_back(HeapEntry{floor_ + n, slot});
    SiftUp(heap_.size() - 1);
    IndexInsert(slot);
    return;
  }
  // Full: the new key takes over the minimum counter. Its true count so far
  // is at most that minimum, which becomes its error.
  HeapEntry& min = heap_[0];
  Slot& victim = slots_[min.slot];
  IndexErase(Find(victim.key, victim.hash));
  victim.key.assign(key);
  victim.hash = hash;
  victim.error = min.count;
  min.count += n;
  evicted_ = true;
  IndexInsert(min.slot);
  SiftDown(0);
}

std::vector<TopKEntry> SpaceSavingTopK::Top(std::size_t k) const {
  std::vector<std::uint32_t> order(heap_.size());
  for (std::uint32_t i = 0; i < order.size(); ++i) order[i] = i;
  if (k == 0 || k > order.size()) k = order.size();
  std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(k), order.end(),
                    [this](std::uint32_t a, std::uint32_t b) {
                      return Before(heap_[a].count, slots_[heap_[a].slot].key, heap_[b].count,
                                    slots_[heap_[b].slot].key);
                    });
  std::vector<TopKEntry> out;
  out.reserve(k);
  for (std::size_t i = 0; i < k; ++i) {
    const HeapEntry& h = heap_[order[i]];
    const Slot& s = slots_[h.slot];
    out.push_back({s.key, h.count, s.error});
  }
  return out;
}

void SpaceSavingTopK::Rebuild(std::vector<TopKEntry> entries) {
  slots_.clear();
  heap_.clear();
  std::size_t index_size = kMinIndexSize;
  while (index_size < 2 * (entries.size() + 1)) index_size *= 2;
  index_.assign(index_size, IndexEntry{kEmptyIndex, 0});
  index_mask_ = index_size - 1;
  slots_.reserve(entries.size());
  heap_.reserve(entries.size());
  for (TopKEntry& e : entries) {
    const auto slot = static_cast<std::uint32_t>(slots_.size());
    const std::uint64_t hash = Hash64(e.key);
    slots_.push_back(Slot{std::move(e.key), hash, e.error, slot});
    heap_.push_back(HeapEntry{e.count, slot});
    IndexInsert(slot);
  }
  for (std::size_t i = heap_.size() / 2; i-- > 0;) SiftDown(i);
}

void SpaceSavingTopK::Merge(const SpaceSavingTopK& other) {
  if (&other == this) {
    const SpaceSavingTopK copy = *this;
    Merge(copy);
    return;
  }
  const std::uint64_t e1 = error_bound();
  const std::uint64_t e2 = other.error_bound();
  std::vector<TopKEntry> merged = Top(0);
  std::vector<bool> in_this(other.slots_.size(), false);
  for (TopKEntry& e : merged) {
    const std::size_t pos = other.Find(e.key, Hash64(e.key));
    if (pos == kNotFound) {
      e.count += e2;
      e.error += e2;
    } else {
      const std::uint32_t slot = other.index_[pos].slot;
      const Slot& s = other.slots_[slot];
      e.count += other.heap_[s.heap_pos].count;
      e.error += s.error;
      in_this[slot] = true;
    }
  }
  for (std::uint32_t slot = 0; slot < other.slots_.size(); ++slot) {
    if (in_this[slot]) continue;
    const Slot& s = other.slots_[slot];
    merged.push_back({s.key, other.heap_[s.heap_pos].count + e1, s.error + e1});
  }
  std::uint64_t floor = e1 + e2;
  if (merged.size() > capacity_) {
    std::nth_element(merged.begin(), merged.begin() + static_cast<std::ptrdiff_t>(capacity_),
                     merged.end(), EntryBefore);
    // merged[capacity_] is the largest dropped counter.
    floor = std::max(floor, merged[capacity_].count);
    merged.resize(capacity_);
  }
  total_ += other.total_;
  floor_ = floor;
  evicted_ = false;
  Rebuild(std::move(merged));
}

void SpaceSavingTopK::Save(ByteWriter& w) const {
  std::vector<TopKEntry> all = Top(0);
  std::sort(all.begin(), all.end(),
            [](const TopKEntry& a, const TopKEntry& b) { return a.key < b.key; });
  w.PutU8(kSpaceSavingFormat);
  w.PutVarint(capacity_);
  w.PutVarint(total_);
  w.PutVarint(floor_);
  w.PutU8(evicted_ ? 1 : 0);
  w.PutVarint(all.size());
  for (const TopKEntry& e : all) {
    w.PutString(e.key);
    w.PutVarint(e.count);
    w.PutVarint(e.error);
  }
}

Status SpaceSavingTopK::Load(ByteReader& r) {
  constexpr std::string_view kWhat = "SpaceSavingTopK";
  std::uint8_t format = 0;
  std::uint64_t capacity = 0, total = 0, floor = 0, n = 0;
  std::uint8_t evicted = 0;
  if (!r.GetU8(&format)) return r.status(kWhat);
  if (format != kSpaceSavingFormat) {
    return MalformedInput("SpaceSavingTopK: unknown format " + std::to_string(format));
  }
  if (!r.GetVarint(&capacity) || !r.GetVarint(&total) || !r.GetVarint(&floor) ||
      !r.GetU8(&evicted) || !r.GetCount(&n, 3)) {
    return r.status(kWhat);
  }
  if (capacity == 0 || capacity > kMaxCapacity || n > capacity || evicted > 1 ||
      (evicted == 1 && n != capacity)) {
    return MalformedInput("SpaceSavingTopK: bad capacity or counter count in saved state");
  }
  std::vector<TopKEntry> entries(n);
  std::unordered_set<std::string_view> seen;
  seen.reserve(n);
  for (TopKEntry& e : entries) {
    if (!r.GetString(&e.key) || !r.GetVarint(&e.count) || !r.GetVarint(&e.error)) {
      return r.status(kWhat);
    }
    if (e.error > e.count || e.count < floor) {
      return MalformedInput("SpaceSavingTopK: counter with error > count or count < floor");
    }
  }
  for (const TopKEntry& e : entries) {
    if (!seen.insert(e.key).second) {
      return MalformedInput("SpaceSavingTopK: duplicate key in saved state");
    }
  }
  capacity_ = capacity;
  total_ = total;
  floor_ = floor;
  evicted_ = evicted == 1;
  Rebuild(std::move(entries));
  return Status::Ok();
}

}  // namespace starling::analytics
