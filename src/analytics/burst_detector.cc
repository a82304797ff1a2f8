// File: analytics/burst_detector.cc
// Per-term EWMA mean/variance, z-scores per window, bounded term table.
#include "analytics/burst_detector.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "analytics/hash.h"

namespace starling::analytics {
namespace {

constexpr std::uint8_t kFormat = 1;

bool BurstBefore(const Burst& a, const Burst& b) {
  if (a.z != b.z) return a.z > b.z;
  return a.term < b.term;
}

}  // namespace

std::size_t BurstDetector::TermHash::operator()(std::string_view s) const {
  return static_cast<std::size_t>(Hash64(s));
}

Status BurstDetector::Validate(const BurstOptions& options) {
  // Written so that NaN fails every check.
  if (!(options.alpha > 0 && options.alpha <= 1)) {
    return InvalidArgument("BurstDetector: alpha must be in (0, 1]");
  }
  if (!(options.z_threshold >= 0) || std::isinf(options.z_threshold)) {
    return InvalidArgument("BurstDetector: z_threshold must be finite and >= 0");
  }
  if (options.warmup_windows < 0)
    return InvalidArgument("BurstDetector: warmup_windows must be >= 0");
  if (options.max_terms == 0) return InvalidArgument("BurstDetector: max_terms must be >= 1");
  return Status::Ok();
}

Result<BurstDetector> BurstDetector::Create(const BurstOptions& options) {
  STARLING_RETURN_IF_ERROR(Validate(options));
  return BurstDetector(options);
}

BurstDetector::BurstDetector(BurstOptions options) : options_(options) {
  if (Status st = Validate(options); !st.ok()) DieInvalid("BurstDetector", st);
}

std::vector<Burst> BurstDetector::Observe(
    const std::vector<std::pair<std::string, std::uint64_t>>& window_counts) {
  for (const auto& [term, count] : window_counts) {
    auto it = terms_.find(term);
    if (it == terms_.end()) it = terms_.emplace(term, TermState{}).first;
    it->second.pending += count;
  }

  const bool first = windows_ == 0;
  const bool report = windows_ >= static_cast<std::uint64_t>(options_.warmup_windows);
  const double alpha = options_.alpha;
  // var is (1 - alpha) E[(x - mean)^2] in the steady state; undo that factor.
  // At alpha = 1 var is always 0 and only the floor speaks.
  const double var_scale = alpha < 1 ? 1 / (1 - alpha) : 0;
  // Var(x - mean) = lambda * 2 / (2 - alpha) for a Poisson count of mean
  // lambda when mean is itself the EWMA of past counts.
  const double poisson_scale = 2 / (2 - alpha);
  std::vector<Burst> bursts;
  for (auto& [term, st] : terms_) {
    const std::uint64_t count = st.pending;
    st.pending = 0;
    const auto x = static_cast<double>(count);
    const double stddev = std::sqrt(st.var * var_scale);
    const double floor = std::sqrt(st.mean * poisson_scale) + 1.0;
    const double z = (x - st.mean) / std::max(stddev, floor);
    if (report && count >= options_.min_count && z > options_.z_threshold) {
      bursts.push_back(Burst{term, count, st.mean, stddev, z});
    }
    if (first) {
      // No history yet: start from this window rather than ramp up from 0.
      st.mean = x;
      st.var = 0;
    } else {
      const double diff = x - st.mean;
      const double incr = alpha * diff;
      st.mean += incr;
      st.var = (1 - alpha) * (st.var + diff * incr);
    }
  }
  ++windows_;

  std::erase_if(terms_, [](const auto& kv) { return kv.second.mean < kDropBelowMean; });
  if (terms_.size() > options_.max_terms) {
    // Forget the smallest means; among equal means, the larger terms.
    using Item = std::pair<double, const std::string*>;
    std::vector<Item> items;
    items.reserve(terms_.size());
    for (const auto& [term, st] : terms_) items.emplace_back(st.mean, &term);
    const auto keep_first = [](const Item& a, const Item& b) {
      if (a.first != b.first) return a.first > b.first;
      return *a.second < *b.second;
    };
    std::nth_element(items.begin(), items.begin() + static_cast<std::ptrdiff_t>(options_.max_terms),
                     items.end(), keep_first);
    std::vector<std::string> drop;
    drop.reserve(items.size() - options_.max_terms);
    for (std::size_t i = options_.max_terms; i < items.size(); ++i)
      drop.push_back(*items[i].second);
    for (const std::string& term : drop) terms_.erase(term);
  }

  std::sort(bursts.begin(), bursts.end(), BurstBefore);
  return bursts;
}

void BurstDetector::Save(ByteWriter& w) const {
  std::vector<const std::pair<const std::string, TermState>*> items;
  items.reserve(terms_.size());
  for (const auto& kv : terms_) items.push_back(&kv);
  std::sort(items.begin(), items.end(), [](auto* a, auto* b) { return a->first < b->first; });
  w.PutU8(kFormat);
  w.PutVarint(windows_);
  w.PutVarint(items.size());
  for (const auto* kv : items) {
    w.PutString(kv->first);
    w.PutDouble(kv->second.mean);
    w.PutDouble(kv->second.var);
  }
}

Status BurstDetector::Load(ByteReader& r) {
  constexpr std::string_view kWhat = "BurstDetector";
  std::uint8_t format = 0;
  std::uint64_t windows = 0, n = 0;
  if (!r.GetU8(&format)) return r.status(kWhat);
  if (format != kFormat) {
    return MalformedInput("BurstDetector: unknown format " + std::to_string(format));
  }
  // Each term takes at least 1 (length) + 16 (two doubles) bytes.
  if (!r.GetVarint(&windows) || !r.GetCount(&n, 17)) return r.status(kWhat);
  decltype(terms_) terms;
  terms.reserve(n);
  for (std::uint64_t i = 0; i < n; ++i) {
    std::string term;
    TermState st;
    if (!r.GetString(&term) || !r.GetDouble(&st.mean) || !r.GetDouble(&st.var)) {
      return r.status(kWhat);
    }
    if (!std::isfinite(st.mean) || !std::isfinite(st.var) || st.mean < 0 || st.var < 0) {
      return MalformedInput("BurstDetector: negative or non-finite statistics for a term");
    }
    if (!terms.emplace(std::move(term), st).second) {
      return MalformedInput("BurstDetector: duplicate term in saved state");
    }
  }
  terms_ = std::move(terms);
  windows_ = windows;
  return Status::Ok();
}

}  // namespace starling::analytics
