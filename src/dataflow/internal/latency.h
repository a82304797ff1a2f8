// File: dataflow/internal/latency.h
// Read-to-result latency of records, in log-spaced buckets (about 4% wide)
// from 1 us to ~70 s: enough for p50/p99 without keeping samples. Used by the
// collector's thread only.
#pragma once

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstddef>
#include <cstdint>

#include "dataflow/runtime.h"

namespace starling::dataflow::internal {

class LatencyHistogram {
 public:
  // `records` records waited `d` for their results. Called for every chunk.
  void Add(std::chrono::microseconds d, std::uint64_t records) {
    const double us = std::max<double>(1.0, static_cast<double>(d.count()));
    auto b = static_cast<std::size_t>(std::log(us) / std::log(kGrowth));
    b = std::min(b, kBuckets - 1);
    counts_[b] += records;
    total_ += records;
    max_ = std::max(max_, d);
  }
  // Sets latency_p50, latency_p99 and latency_max of *s.
  void Fill(RunStats* s) const;

 private:
  static constexpr double kGrowth = 1.04;
  static constexpr std::size_t kBuckets = 460;  // 1.04^460 us ~ 70 s
  std::chrono::microseconds Quantile(double q) const;

  std::uint64_t counts_[kBuckets] = {};
  std::uint64_t total_ = 0;
  std::chrono::microseconds max_{0};
};

}  // namespace starling::dataflow::internal
