// File: analytics/hyperloglog.cc
// Dense HyperLogLog registers and Ertl's improved cardinality estimator.
#include "analytics/hyperloglog.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <utility>

#include "analytics/hash.h"

namespace starling::analytics {
namespace {

constexpr std::uint8_t kFormat = 1;
constexpr std::uint8_t kDense = 0;
constexpr std::uint8_t kSparse = 1;

// Ertl 2017, eq. for sigma: x + sum_{k>=1} x^(2^k) 2^(k-1); x in [0, 1].
double Sigma(double x) {
  if (x == 1.0) return std::numeric_limits<double>::infinity();
  double y = 1.0;
  double z = x;
  double z_prev;
  do {
    x *= x;
    z_prev = z;
    z += x * y;
    y += y;
  } while (z != z_prev);
  return z;
}

// Ertl 2017, tau: (1 - x - sum_{k>=1} (1 - x^(2^-k))^2 2^-k) / 3; x in [0, 1].
double Tau(double x) {
  if (x == 0.0 || x == 1.0) return 0.0;
  double y = 1.0;
  double z = 1.0 - x;
  double z_prev;
  do {
    x = std::sqrt(x);
    z_prev = z;
    y *= 0.5;
    z -= (1.0 - x) * (1.0 - x) * y;
  } while (z != z_prev);
  return z / 3.0;
}

}  // namespace

Status HyperLogLog::Validate(int precision) {
  if (precision < kMinPrecision || precision > kMaxPrecision) {
    return InvalidArgument("HyperLogLog: precision must be in [4, 18], got " +
                           std::to_string(precision));
  }
  return Status::Ok();
}

Result<HyperLogLog> HyperLogLog::Create(int precision) {
  STARLING_RETURN_IF_ERROR(Validate(precision));
  return HyperLogLog(precision);
}

HyperLogLog::HyperLogLog(int precision) : precision_(precision) {
  if (Status st = Validate(precision); !st.ok()) DieInvalid("HyperLogLog", st);
  registers_.assign(std::size_t{1} << precision, 0);
}

void HyperLogLog::Add(std::string_view item) { AddHash(Hash64(item, kHashSeed)); }

void HyperLogLog::AddHash(std::uint64_t hash) {
  // The top `precision` bits pick the register; the rank is the position of
  // the first 1 bit in the rest. The sentinel bit caps it at 64 - p + 1.
  const std::size_t index = hash >> (64 - precision_);
  const std::uint64_t rest = (hash << precision_) | (std::uint64_t{1} << (precision_ - 1));
  const auto rank = static_cast<std::uint8_t>(std::countl_zero(rest) + 1);
  std::uint8_t& reg = registers_[index];
  if (rank > reg) reg = rank;
}

double HyperLogLog::Estimate() const {
  const int q = 64 - precision_;
  // counts[k]: registers holding k, for k in [0, q + 1].
  std::uint32_t counts[64 + 2] = {};
  for (std::uint8_t r : registers_) ++counts[r];
  const double m = static_cast<double>(registers_.size());
  double z = m * Tau((m - counts[q + 1]) / m);
  for (int k = q; k >= 1; --k) {
    z += counts[k];
    z *= 0.5;
  }
  z += m * Sigma(counts[0] / m);
  const double alpha_inf = 0.5 / std::log(2.0);
  return alpha_inf * m * m / z;
}

Status HyperLogLog::Merge(const HyperLogLog& other) {
  if (other.precision_ != precision_) {
    return InvalidArgument("HyperLogLog: cannot merge precision " +
                           std::to_string(other.precision_) + " into precision " +
                           std::to_string(precision_));
  }
  for (std::size_t i = 0; i < registers_.size(); ++i) {
    registers_[i] = std::max(registers_[i], other.registers_[i]);
  }
  return Status::Ok();
}

void HyperLogLog::Clear() { std::fill(registers_.begin(), registers_.end(), 0); }

double HyperLogLog::relative_standard_error() const {
  return 1.04 / std::sqrt(static_cast<double>(registers_.size()));
}

void HyperLogLog::Save(ByteWriter& w) const {
  const auto nonzero =
      static_cast<std::size_t>(registers_.size() - static_cast<std::size_t>(std::count(
                                                       registers_.begin(), registers_.end(), 0)));
  w.PutU8(kFormat);
  w.PutU8(static_cast<std::uint8_t>(precision_));
  // A sparse entry takes 2 to 4 bytes; dense takes one per register.
  if (nonzero * 4 < registers_.size()) {
    w.PutU8(kSparse);
    w.PutVarint(nonzero);
    std::size_t next = 0;  // gaps are relative to one past the previous index
    for (std::size_t i = 0; i < registers_.size(); ++i) {
      if (registers_[i] == 0) continue;
      w.PutVarint(i - next);
      w.PutU8(registers_[i]);
      next = i + 1;
    }
  } else {
    w.PutU8(kDense);
    w.PutString(
        std::string_view(reinterpret_cast<const char*>(registers_.data()), registers_.size()));
  }
}

Status HyperLogLog::Load(ByteReader& r) {
  constexpr std::string_view kWhat = "HyperLogLog";
  std::uint8_t format = 0, precision = 0, encoding = 0;
  if (!r.GetU8(&format) || !r.GetU8(&precision) || !r.GetU8(&encoding)) return r.status(kWhat);
  if (format != kFormat) {
    return MalformedInput("HyperLogLog: unknown format " + std::to_string(format));
  }
  if (precision < kMinPrecision || precision > kMaxPrecision) {
    return MalformedInput("HyperLogLog: bad precision " + std::to_string(precision));
  }
  const std::size_t m = std::size_t{1} << precision;
  const int max_rank = 64 - precision + 1;
  std::vector<std::uint8_t> registers(m, 0);
  if (encoding == kDense) {
    std::string_view bytes;
    if (!r.GetString(&bytes)) return r.status(kWhat);
    if (bytes.size() != m) return MalformedInput("HyperLogLog: wrong number of registers");
    for (std::size_t i = 0; i < m; ++i) {
      registers[i] = static_cast<std::uint8_t>(bytes[i]);
      if (registers[i] > max_rank) return MalformedInput("HyperLogLog: register out of range");
    }
  } else if (encoding == kSparse) {
    std::uint64_t n = 0;
    if (!r.GetCount(&n, 2)) return r.status(kWhat);
    if (n > m) return MalformedInput("HyperLogLog: too many sparse registers");
    std::uint64_t next = 0;
    for (std::uint64_t k = 0; k < n; ++k) {
      std::uint64_t gap = 0;
      std::uint8_t value = 0;
      if (!r.GetVarint(&gap) || !r.GetU8(&value)) return r.status(kWhat);
      if (gap >= m - next || value == 0 || value > max_rank) {
        return MalformedInput("HyperLogLog: sparse register out of range");
      }
      registers[next + gap] = value;
      next += gap + 1;
    }
  } else {
    return MalformedInput("HyperLogLog: unknown register encoding " + std::to_string(encoding));
  }
  precision_ = precision;
  registers_ = std::move(registers);
  return Status::Ok();
}

}  // namespace starling::analytics
