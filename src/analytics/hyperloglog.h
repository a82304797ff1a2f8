// File: analytics/hyperloglog.h
// Distinct counting in fixed memory: a dense HyperLogLog sketch (one byte per
// register, 2^precision registers) over the 64-bit Hash64.
#pragma once

#include <cstdint>
#include <string_view>
#include <vector>

#include "common/codec.h"
#include "common/status.h"

namespace starling::analytics {

// HyperLogLog (Flajolet et al. 2007) with the HLL++ changes that need no
// empirical tables (Heule et al. 2013): a 64-bit hash, so no large-range
// correction, and registers that hold up to 64 - precision + 1. The
// estimator is Ertl's improved estimator ("New cardinality estimation
// algorithms for HyperLogLog sketches", 2017; the one Redis uses), which is
// unbiased over the whole range without HLL++'s empirical bias tables: for
// small cardinalities it reduces to linear counting, so there is no
// threshold to switch at. Relative standard error 1.04 / sqrt(2^precision)
// (0.81% at the default precision 14, 16 KiB).
//
// Mergeable: the sketch of a union is the register-wise max, so sketches
// from parallel workers or from consecutive windows combine exactly.
// Not thread-safe.
class HyperLogLog {
 public:
  static constexpr int kMinPrecision = 4;
  static constexpr int kMaxPrecision = 18;
  // Add(item) hashes with this seed, so that the register an item falls in
  // does not correlate with partitioning by Hash64(item) (seed 0).
  static constexpr std::uint64_t kHashSeed = 0x484c4c;  // "HLL"

  // InvalidArgument unless kMinPrecision <= precision <= kMaxPrecision.
  static Status Validate(int precision);
  // A sketch of 2^precision bytes, or Validate's error.
  static Result<HyperLogLog> Create(int precision);
  // `precision` must pass Validate (Create checks it; a bad one aborts).
  explicit HyperLogLog(int precision = 14);

  // Adds one item: AddHash(Hash64(item, kHashSeed)).
  void Add(std::string_view item);
  // Adds an item by its 64-bit hash; the hash must be well mixed (all bits
  // uniform), as Hash64's are.
  void AddHash(std::uint64_t hash);

  // Estimated number of distinct items added (0 for an empty sketch).
  double Estimate() const;

  // Makes this the sketch of the union. InvalidArgument (and no change) when
  // the precisions differ; other may be *this.
  Status Merge(const HyperLogLog& other);

  void Clear();
  int precision() const { return precision_; }
  // 1.04 / sqrt(2^precision).
  double relative_standard_error() const;

  // Checkpoint: the precision and the registers (sparse when few are set,
  // else dense). Deterministic bytes.
  void Save(ByteWriter& w) const;
  // Replaces the contents (precision included) with what Save wrote.
  // MalformedInput for short or corrupt input (bad precision, register
  // values out of range, unordered sparse indexes); *this is then unchanged.
  Status Load(ByteReader& r);

  bool operator==(const HyperLogLog&) const = default;

 private:
  int precision_;
  std::vector<std::uint8_t> registers_;
};

}  // namespace starling::analytics
