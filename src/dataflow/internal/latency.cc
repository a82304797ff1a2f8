// File: dataflow/internal/latency.cc
#include "dataflow/internal/latency.h"

namespace starling::dataflow::internal {

void LatencyHistogram::Fill(RunStats* s) const {
  s->latency_p50 = Quantile(0.50);
  s->latency_p99 = Quantile(0.99);
  s->latency_max = max_;
}

std::chrono::microseconds LatencyHistogram::Quantile(double q) const {
  if (total_ == 0) return std::chrono::microseconds(0);
  const auto target = static_cast<std::uint64_t>(q * static_cast<double>(total_ - 1));
  std::uint64_t seen = 0;
  for (std::size_t b = 0; b < kBuckets; ++b) {
    seen += counts_[b];
    if (seen > target) {
      // The bucket's upper edge: a conservative (never optimistic) figure.
      return std::min(max_, std::chrono::microseconds(static_cast<std::int64_t>(
                                std::ceil(std::pow(kGrowth, static_cast<double>(b + 1))))));
    }
  }
  return max_;
}

}  // namespace starling::dataflow::internal
