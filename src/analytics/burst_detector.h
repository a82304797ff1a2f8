// File: analytics/burst_detector.h
// Emerging-term detection over closed windows: per term, an exponentially
// weighted mean and variance of its count per window; a window whose count
// sits far above that baseline is a burst.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "common/codec.h"
#include "common/status.h"

namespace starling::analytics {

struct BurstOptions {
  double alpha = 0.3;              // EWMA weight of the newest window; (0, 1]
  double z_threshold = 3.0;        // a burst needs z > z_threshold; >= 0
  std::uint64_t min_count = 5;     // and count >= min_count
  int warmup_windows = 3;          // windows that only learn baselines; >= 0
  std::size_t max_terms = 200000;  // tracked terms at most; >= 1
};

struct Burst {
  std::string term;
  std::uint64_t count = 0;  // the term's count in this window
  double baseline = 0;      // EWMA mean before this window
  double stddev = 0;        // EW standard deviation before this window
  double z = 0;             // (count - baseline) / max(stddev, floor)
  bool operator==(const Burst&) const = default;
};

// Feeds on the term counts of consecutive closed windows (one Observe per
// window, in window order) and reports the terms that burst in each.
//
// Per term, with x the term's count in a window (0 when absent):
//   z = (x - mean) / max(stddev, sqrt(mean) + 1)
// then  diff = x - mean;  mean += alpha * diff;
//       var = (1 - alpha) * (var + alpha * diff^2)
// (the exponentially weighted variance of Finch 2009). The floor
// sqrt(mean) + 1 is Poisson-like: counts of a steady term with mean m vary by
// about sqrt(m), and the +1 keeps rare terms (and a term never seen, whose
// mean is 0 and whose z is then its count) from bursting on noise; min_count
// guards the smallest counts further.
// A term first seen in the very first window starts at mean = its count
// (variance 0); a term first seen later starts at mean 0, its true past.
//
// Bounded memory: after each window, terms whose mean fell below
// kDropBelowMean are forgotten (a term seen once at count 1 goes after about
// 5 windows at alpha 0.3), and if more than max_terms remain, those with the
// smallest means are forgotten (ties by term, so the choice is
// deterministic). A forgotten term that comes back starts again at mean 0.
//
// Deterministic: the output and the state depend only on the inputs, never
// on hash-map iteration order. Not thread-safe.
class BurstDetector {
 public:
  // Terms whose mean decays below this are forgotten.
  static constexpr double kDropBelowMean = 0.05;

  // InvalidArgument when an option is out of range (see BurstOptions).
  static Status Validate(const BurstOptions& options);
  // A detector with these options, or Validate's error.
  static Result<BurstDetector> Create(const BurstOptions& options);
  // `options` must pass Validate (Create checks them; bad ones abort).
  explicit BurstDetector(BurstOptions options = {});

  // Feeds the counts of one closed window. A term listed twice counts the
  // sum; terms not listed count 0. Returns the terms with z > z_threshold and
  // count >= min_count, highest z first (ties by term, byte order). The
  // first warmup_windows windows only learn and return nothing.
  std::vector<Burst> Observe(
      const std::vector<std::pair<std::string, std::uint64_t>>& window_counts);

  std::size_t tracked_terms() const { return terms_.size(); }
  // Windows observed so far.
  std::uint64_t windows() const { return windows_; }
  const BurstOptions& options() const { return options_; }

  // Checkpoint of the state (window count and per-term mean and variance),
  // not the options. Deterministic bytes (terms in byte order).
  void Save(ByteWriter& w) const;
  // Replaces the state with what Save wrote; the options stay. MalformedInput
  // for short or corrupt input (negative or non-finite statistics, duplicate
  // terms); *this is then unchanged.
  Status Load(ByteReader& r);

 private:
  struct TermHash {
    using is_transparent = void;
    std::size_t operator()(std::string_view s) const;
  };
  struct TermState {
    double mean = 0;
    double var = 0;
    std::uint64_t pending = 0;  // this window's count, while observing
  };

  BurstOptions options_;
  std::unordered_map<std::string, TermState, TermHash, std::equal_to<>> terms_;
  std::uint64_t windows_ = 0;
};

}  // namespace starling::analytics
