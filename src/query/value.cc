// File: query/value.cc
#include "query/value.h"

#include <algorithm>
#include <bit>

namespace starling::query {
namespace {
constexpr std::size_t kBlock = 64 * 1024;

std::uint64_t Mix(std::uint64_t x) {
  x ^= x >> 33;
  x *= 0xff51afd7ed558ccdULL;
  x ^= x >> 33;
  x *= 0xc4ceb9fe1a85ec53ULL;
  x ^= x >> 33;
  return x;
}
}  // namespace

std::string_view Arena::Copy(std::string_view s) {
  if (s.empty()) return {"", 0};
  if (s.size() > left_) {
    if (s.size() > kBlock / 4) {
      // A long text gets a block of its own; the current block stays in use.
      blocks_.push_back(std::make_unique<char[]>(s.size()));
      std::memcpy(blocks_.back().get(), s.data(), s.size());
      return {blocks_.back().get(), s.size()};
    }
    blocks_.push_back(std::make_unique<char[]>(kBlock));
    current_ = static_cast<int>(blocks_.size()) - 1;
    next_ = blocks_.back().get();
    left_ = kBlock;
  }
  std::memcpy(next_, s.data(), s.size());
  const std::string_view out(next_, s.size());
  next_ += s.size();
  left_ -= s.size();
  return out;
}

void Arena::Reset() {
  if (blocks_.empty()) return;
  if (current_ < 0) {
    blocks_.clear();
    next_ = nullptr;
    left_ = 0;
    return;
  }
  std::unique_ptr<char[]> keep = std::move(blocks_[static_cast<std::size_t>(current_)]);
  blocks_.clear();
  blocks_.push_back(std::move(keep));
  current_ = 0;
  next_ = blocks_[0].get();
  left_ = kBlock;
}

int CompareValues(const Value& a, const Value& b) {
  if (a.null() || b.null()) return a.null() == b.null() ? 0 : (a.null() ? 1 : -1);
  switch (a.type) {
    case Type::kBool:
    case Type::kInt:
      return a.i < b.i ? -1 : a.i > b.i ? 1 : 0;
    case Type::kReal:
      return a.d < b.d ? -1 : a.d > b.d ? 1 : 0;
    case Type::kText: {
      // Bytes as unsigned: the order of code points.
      const int c = std::memcmp(a.s, b.s, std::min(a.size, b.size));
      if (c != 0) return c < 0 ? -1 : 1;
      return a.size < b.size ? -1 : a.size > b.size ? 1 : 0;
    }
    case Type::kNull:
      return 0;
  }
  return 0;
}

bool SameValue(const Value& a, const Value& b) {
  if (a.type != b.type) return false;
  switch (a.type) {
    case Type::kNull:
      return true;
    case Type::kBool:
    case Type::kInt:
      return a.i == b.i;
    case Type::kReal:
      return a.d == b.d;
    case Type::kText:
      return a.size == b.size && std::memcmp(a.s, b.s, a.size) == 0;
  }
  return false;
}

std::uint64_t HashValue(const Value& v) {
  switch (v.type) {
    case Type::kNull:
      return 0x9e3779b97f4a7c15ULL;
    case Type::kBool:
    case Type::kInt:
      return Mix(static_cast<std::uint64_t>(v.i));
    case Type::kReal: {
      const double d = v.d == 0 ? 0.0 : v.d;  // -0.0 and 0.0 are one group
      return Mix(std::bit_cast<std::uint64_t>(d) ^ 0x5555);
    }
    case Type::kText: {
      // FNV-1a over 8-byte words, then mixed.
      std::uint64_t h = 0xcbf29ce484222325ULL ^ v.size;
      std::size_t i = 0;
      for (; i + 8 <= v.size; i += 8) {
        std::uint64_t w;
        std::memcpy(&w, v.s + i, 8);
        h = (h ^ w) * 0x100000001b3ULL;
      }
      std::uint64_t tail = 0;
      std::memcpy(&tail, v.s + i, v.size - i);
      h = (h ^ tail) * 0x100000001b3ULL;
      return Mix(h);
    }
  }
  return 0;
}

}  // namespace starling::query
