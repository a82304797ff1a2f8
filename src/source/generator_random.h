// File: source/generator_random.h
// The synthetic firehose's randomness (internal to source/generator.cc):
// everything derives from SplitMix64 and xoshiro256**, and the sampling
// tables are integer, so the output is the same wherever the code runs.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string_view>
#include <vector>

namespace starling::source::generator_detail {

// ---------------------------------------------------------------------------
// Randomness. Everything derives from these two functions, so the output is
// the same wherever the code runs.

inline std::uint64_t SplitMix64(std::uint64_t* state) {
  std::uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// A hash of two words, for per-index attributes (accounts, vocabulary).
inline std::uint64_t Mix(std::uint64_t a, std::uint64_t b) {
  std::uint64_t s = a ^ (b * 0xd1b54a32d192ed03ULL);
  return SplitMix64(&s);
}

// xoshiro256**.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) {
    for (auto& w : s_) w = SplitMix64(&seed);
  }
  std::uint64_t Next() {
    const std::uint64_t result = Rotl(s_[1] * 5, 7) * 9;
    const std::uint64_t t = s_[1] << 17;
    s_[2] ^= s_[0];
    s_[3] ^= s_[1];
    s_[1] ^= s_[2];
    s_[0] ^= s_[3];
    s_[2] ^= t;
    s_[3] = Rotl(s_[3], 45);
    return result;
  }
  // Uniform in [0, n), n >= 1 (multiply-shift; bias < 2^-32, deterministic).
  std::uint32_t Below(std::uint32_t n) {
    return static_cast<std::uint32_t>(((Next() >> 32) * n) >> 32);
  }
  // True with probability p.
  bool Chance(double p) { return static_cast<double>(Next() >> 11) < p * 9007199254740992.0; }

 private:
  static std::uint64_t Rotl(std::uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }
  std::array<std::uint64_t, 4> s_;
};

inline constexpr std::uint64_t kOne53 = 1ULL << 53;

// Zipf(s) over ranks [0, n): cumulative thresholds quantized to 53 bits, with a
// guide table on the top 12 bits so that a draw is one short binary search.
class ZipfTable {
 public:
  ZipfTable(std::uint32_t n, double s) : thr_(n) {
    std::vector<double> w(n);
    double total = 0;
    for (std::uint32_t k = 0; k < n; ++k) {
      w[k] = std::pow(static_cast<double>(k + 1), -s);
      total += w[k];
    }
    double cum = 0;
    for (std::uint32_t k = 0; k < n; ++k) {
      cum += w[k];
      thr_[k] =
          std::min(kOne53, static_cast<std::uint64_t>(cum / total * static_cast<double>(kOne53)));
    }
    thr_[n - 1] = kOne53;
    guide_.resize(kGuide + 1);
    std::size_t k = 0;
    for (std::size_t b = 0; b < kGuide; ++b) {
      const std::uint64_t lo = static_cast<std::uint64_t>(b) << kShift;
      while (thr_[k] <= lo) ++k;
      guide_[b] = static_cast<std::uint32_t>(k);
    }
    guide_[kGuide] = n - 1;
  }
  std::uint32_t Sample(std::uint64_t bits) const {
    const std::uint64_t x = bits >> 11;
    const std::size_t b = x >> kShift;
    const auto first = thr_.begin() + guide_[b];
    const auto last = thr_.begin() + guide_[b + 1] + 1;
    return static_cast<std::uint32_t>(std::upper_bound(first, last, x) - thr_.begin());
  }
  // Probability of rank k, as a multiple of 2^-53.
  std::uint64_t Mass(std::uint32_t k) const { return thr_[k] - (k == 0 ? 0 : thr_[k - 1]); }
  std::uint32_t size() const { return static_cast<std::uint32_t>(thr_.size()); }

 private:
  static constexpr std::size_t kGuide = 4096;
  static constexpr int kShift = 53 - 12;
  std::vector<std::uint64_t> thr_;
  std::vector<std::uint32_t> guide_;
};

// -ln(u) for u at the midpoints of 65536 cells, in 1/65536 units: an
// exponential(1) inter-arrival from 16 random bits.
inline const std::vector<std::uint32_t>& ExponentialTable() {
  static const std::vector<std::uint32_t> kTable = [] {
    std::vector<std::uint32_t> t(65536);
    for (std::size_t i = 0; i < t.size(); ++i) {
      t[i] = static_cast<std::uint32_t>(
          std::llround(-std::log((static_cast<double>(i) + 0.5) / 65536.0) * 65536.0));
    }
    return t;
  }();
  return kTable;
}

inline constexpr int kMinutesPerDay = 1440;
inline constexpr int kPeakMinute = 14 * 60;

// Rate factor per UTC minute, in 1/65536 units: 1 + cos(...)/3.
inline const std::vector<std::uint32_t>& DiurnalTable() {
  static const std::vector<std::uint32_t> kTable = [] {
    std::vector<std::uint32_t> t(kMinutesPerDay);
    const double two_pi = 6.283185307179586;
    for (int m = 0; m < kMinutesPerDay; ++m) {
      const double phase = (m + 0.5 - kPeakMinute) / kMinutesPerDay;
      t[m] = static_cast<std::uint32_t>(
          std::llround(65536.0 * (1.0 + std::cos(two_pi * phase) / 3.0)));
    }
    return t;
  }();
  return kTable;
}

inline std::int64_t FloorDiv(std::int64_t a, std::int64_t b) {
  const std::int64_t q = a / b;
  return (a % b != 0 && ((a < 0) != (b < 0))) ? q - 1 : q;
}

inline std::int32_t CountCodePoints(std::string_view s) {
  std::int32_t n = 0;
  for (const char c : s) n += (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  return n;
}

}  // namespace starling::source::generator_detail
