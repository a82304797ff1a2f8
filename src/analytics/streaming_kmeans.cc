// File: analytics/streaming_kmeans.cc
// Mini-batch k-means with decay (MLlib's update rule), greedy k-means++
// seeding and MLlib-style splitting of dying clusters.
#include "analytics/streaming_kmeans.h"

#include <algorithm>
#include <array>
#include <bit>
#include <cmath>
#include <limits>
#include <string>
#include <type_traits>

namespace starling::analytics {
namespace {

constexpr std::uint8_t kFormatVersion = 1;
constexpr double kDyingRatio = 1e-8;  // MLlib's threshold
constexpr float kSplitNoise = 0.01f;
constexpr std::size_t kMaxInitPoints = 4096;
constexpr int kInitRestarts = 4;
constexpr int kInitLloydSteps = 5;
constexpr std::size_t kMaxCells = std::size_t{1} << 28;  // k * dims floats: 1 GiB
constexpr std::size_t kStackClusters = 64;  // Nearest keeps k dot products on the stack

std::uint64_t SplitMix64(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

// Uniform in [0, 1).
double UniformDouble(std::uint64_t& state) {
  return static_cast<double>(SplitMix64(state) >> 11) * 0x1.0p-53;
}

// Dot product of two sorted sparse vectors over dimensions below `dims`.
double SparseDot(const SparseVector& a, const SparseVector& b, std::uint32_t dims) {
  double sum = 0.0;
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.index.size() && j < b.index.size()) {
    std::uint32_t x = a.index[i];
    std::uint32_t y = b.index[j];
    if (x >= dims || y >= dims) break;
    if (x == y) {
      sum += static_cast<double>(a.value[i++]) * b.value[j++];
    } else if (x < y) {
      ++i;
    } else {
      ++j;
    }
  }
  return sum;
}

// The dense and per-point loops run over rows of k adjacent floats. They are
// instantiated for common k (K > 0), where a row is one or two vector
// registers, and once for any k (K == 0); every instantiation adds in the
// same order, so results do not depend on which one runs.
template <typename F>
void DispatchK(std::size_t k, F&& f) {
  switch (k) {
    case 1:
      return f(std::integral_constant<std::size_t, 1>{});
    case 2:
      return f(std::integral_constant<std::size_t, 2>{});
    case 4:
      return f(std::integral_constant<std::size_t, 4>{});
    case 8:
      return f(std::integral_constant<std::size_t, 8>{});
    case 16:
      return f(std::integral_constant<std::size_t, 16>{});
    default:
      return f(std::integral_constant<std::size_t, 0>{});
  }
}

template <std::size_t K>
void ScaleRows(float* __restrict p, std::size_t rows, std::size_t k,
               const float* __restrict factor) {
  const std::size_t n = K != 0 ? K : k;
  for (std::size_t r = 0; r < rows; ++r, p += n) {
    for (std::size_t c = 0; c < n; ++c) p[c] *= factor[c];
  }
}

template <std::size_t K>
void SumSquares(const float* __restrict p, std::size_t rows, std::size_t k,
                double* __restrict sums) {
  const std::size_t n = K != 0 ? K : k;
  for (std::size_t r = 0; r < rows; ++r, p += n) {
    for (std::size_t c = 0; c < n; ++c) sums[c] += static_cast<double>(p[c]) * p[c];
  }
}

// dots[c] += v . centre c, for all c at once.
template <std::size_t K>
void AccumulateDots(const SparseVector& v, const float* __restrict centroids, std::uint32_t dims,
                    std::size_t k, double* __restrict dots) {
  const std::size_t n = K != 0 ? K : k;
  for (std::size_t i = 0; i < v.index.size(); ++i) {
    const std::uint32_t d = v.index[i];
    if (d >= dims) continue;
    const double x = v.value[i];
    const float* row = centroids + std::size_t{d} * n;
    for (std::size_t c = 0; c < n; ++c) dots[c] += x * row[c];
  }
}

double SparseNorm(const SparseVector& v, std::uint32_t dims) {
  double sum = 0.0;
  for (std::size_t i = 0; i < v.index.size(); ++i) {
    if (v.index[i] < dims) sum += static_cast<double>(v.value[i]) * v.value[i];
  }
  return std::sqrt(sum);
}

}  // namespace

double DecayFromHalfLife(double half_life) { return std::exp(std::log(0.5) / half_life); }

Status StreamingKMeans::Validate(const KMeansOptions& options) {
  if (options.k < 1) return InvalidArgument("kmeans: k must be >= 1");
  if (options.dims < 1) return InvalidArgument("kmeans: dims must be >= 1");
  if (static_cast<std::size_t>(options.k) > kMaxCells / options.dims) {
    return InvalidArgument("kmeans: k * dims must be at most " + std::to_string(kMaxCells));
  }
  if (!(options.decay >= 0.0 && options.decay <= 1.0)) {
    return InvalidArgument("kmeans: decay must be in [0, 1]");
  }
  if (!(std::isfinite(options.half_life) && options.half_life >= 0.0)) {
    return InvalidArgument("kmeans: half_life must be >= 0 (0: use decay)");
  }
  return Status::Ok();
}

Result<StreamingKMeans> StreamingKMeans::Create(const KMeansOptions& options) {
  STARLING_RETURN_IF_ERROR(Validate(options));
  return StreamingKMeans(options);
}

StreamingKMeans::StreamingKMeans(KMeansOptions options) : options_(options) {
  if (Status st = Validate(options_); !st.ok()) DieInvalid("StreamingKMeans", st);
  k_ = static_cast<std::size_t>(options_.k);
  decay_ = options_.half_life > 0.0 ? DecayFromHalfLife(options_.half_life) : options_.decay;
  centroids_.assign(k_ * options_.dims, 0.0f);
  weights_.assign(k_, 0.0);
  batch_counts_.assign(k_, 0);
  idle_points_.assign(k_, 0);
  inv_norms_.assign(k_, 0.0);
  keep_.assign(k_, 1.0f);
  add_.assign(k_, 0.0);
}

double StreamingKMeans::Dot(const SparseVector& v, int cluster) const {
  double sum = 0.0;
  const float* base = centroids_.data() + cluster;
  for (std::size_t i = 0; i < v.index.size(); ++i) {
    std::uint32_t d = v.index[i];
    if (d < options_.dims) sum += static_cast<double>(v.value[i]) * base[std::size_t{d} * k_];
  }
  return sum;
}

int StreamingKMeans::Nearest(const SparseVector& v, double* similarity) const {
  *similarity = 0.0;
  if (!initialized_) return -1;
  const double norm = SparseNorm(v, options_.dims);
  if (norm == 0.0) return -1;
  // All k dot products in one sweep over v when they fit on the stack.
  std::array<double, kStackClusters> dots;
  if (k_ <= kStackClusters) {
    std::fill_n(dots.begin(), k_, 0.0);
    DispatchK(k_, [&](auto fixed) {
      AccumulateDots<decltype(fixed)::value>(v, centroids_.data(), options_.dims, k_, dots.data());
    });
  }
  int best = -1;
  double best_score = -std::numeric_limits<double>::infinity();
  for (std::size_t c = 0; c < k_; ++c) {
    if (inv_norms_[c] == 0.0) continue;  // an empty centre
    double dot = k_ <= kStackClusters ? dots[c] : Dot(v, static_cast<int>(c));
    double score = dot * inv_norms_[c];
    if (score > best_score) {
      best_score = score;
      best = static_cast<int>(c);
    }
  }
  if (best >= 0) *similarity = best_score / norm;
  return best;
}

int StreamingKMeans::Assign(const SparseVector& v) const {
  double similarity;
  return Nearest(v, &similarity);
}

double StreamingKMeans::Similarity(const SparseVector& v, int cluster) const {
  double norm = SparseNorm(v, options_.dims);
  if (norm == 0.0) return 0.0;
  return Dot(v, cluster) * inv_norms_[cluster] / norm;
}

void StreamingKMeans::RecomputeNorms() {
  std::fill(inv_norms_.begin(), inv_norms_.end(), 0.0);
  DispatchK(k_, [&](auto fixed) {
    SumSquares<decltype(fixed)::value>(centroids_.data(), options_.dims, k_, inv_norms_.data());
  });
  for (double& v : inv_norms_) v = v > 0.0 ? 1.0 / std::sqrt(v) : 0.0;
}

bool StreamingKMeans::Initialize(std::span<const SparseVector> batch) {
  const std::uint32_t dims = options_.dims;
  std::vector<const SparseVector*> points;
  std::vector<double> norms;
  for (const SparseVector& v : batch) {
    if (points.size() == kMaxInitPoints) break;
    double norm = SparseNorm(v, dims);
    if (norm > 0.0) {
      points.push_back(&v);
      norms.push_back(norm);
    }
  }
  if (points.empty()) return false;

  // Greedy k-means++ with cosine distance 1 - cos (half the squared
  // Euclidean distance between the unit vectors).
  const std::size_t n = points.size();
  auto distance = [&](std::size_t i, std::size_t j) {
    double cos = SparseDot(*points[i], *points[j], dims) / (norms[i] * norms[j]);
    return std::max(0.0, 1.0 - cos);
  };
  const int trials = 2 + static_cast<int>(std::log(static_cast<double>(k_)));
  std::vector<double> closest(n);
  std::vector<double> trial(n);
  std::vector<double> best(n);
  std::vector<std::size_t> centres;
  auto seed_centres = [&](std::uint64_t rng) {
    centres.assign(1, std::min(n - 1, static_cast<std::size_t>(UniformDouble(rng) * n)));
    for (std::size_t i = 0; i < n; ++i) closest[i] = distance(i, centres[0]);
    while (centres.size() < k_) {
      double potential = 0.0;
      for (double d : closest) potential += d;
      if (!(potential > 0.0)) break;  // fewer than k distinct directions
      double best_potential = std::numeric_limits<double>::infinity();
      std::size_t best_candidate = n;
      for (int t = 0; t < trials; ++t) {
        // Sample a point with probability proportional to its distance;
        // never one at distance 0 (a duplicate of a chosen centre).
        double r = UniformDouble(rng) * potential;
        std::size_t candidate = n;
        double acc = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
          if (closest[i] <= 0.0) continue;
          candidate = i;
          acc += closest[i];
          if (acc > r) break;
        }
        double p = 0.0;
        for (std::size_t i = 0; i < n; ++i) {
          trial[i] = std::min(closest[i], distance(i, candidate));
          p += trial[i];
        }
        if (p < best_potential) {
          best_potential = p;
          best_candidate = candidate;
          best.swap(trial);
        }
      }
      centres.push_back(best_candidate);
      closest.swap(best);
    }
  };

  // Lloyd iterations over the sample: assign, then each centre with points
  // becomes their mean (unit points). Returns the cost sum(1 - cos) of the
  // assignment before the move.
  initialized_ = true;  // Nearest answers from here on
  std::vector<int> labels(n);
  std::vector<std::uint64_t> counts(k_);
  auto lloyd_step = [&] {
    double cost = 0.0;
    std::fill(counts.begin(), counts.end(), 0);
    for (std::size_t i = 0; i < n; ++i) {
      double similarity;
      labels[i] = Nearest(*points[i], &similarity);
      cost += std::max(0.0, 1.0 - similarity);
      if (labels[i] >= 0) ++counts[labels[i]];
    }
    for (std::size_t c = 0; c < k_; ++c) {
      keep_[c] = counts[c] > 0 ? 0.0f : 1.0f;
      add_[c] = counts[c] > 0 ? 1.0 / static_cast<double>(counts[c]) : 0.0;
    }
    DispatchK(k_, [&](auto fixed) {
      ScaleRows<decltype(fixed)::value>(centroids_.data(), dims, k_, keep_.data());
    });
    for (std::size_t i = 0; i < n; ++i) {
      if (labels[i] < 0) continue;
      const SparseVector& v = *points[i];
      const double scale = add_[labels[i]] / norms[i];
      for (std::size_t j = 0; j < v.index.size(); ++j) {
        if (v.index[j] < dims) Row(v.index[j])[labels[i]] += static_cast<float>(v.value[j] * scale);
      }
    }
    RecomputeNorms();
    return cost;
  };

  // Best of kInitRestarts seedings, each refined by Lloyd iterations: one
  // unlucky seeding (two centres in one topic, two topics under one centre)
  // would otherwise persist, as no cluster ever goes idle.
  std::vector<float> best_centroids;
  double best_cost = std::numeric_limits<double>::infinity();
  std::uint64_t restart_rng = options_.seed;
  for (int restart = 0; restart < kInitRestarts; ++restart) {
    seed_centres(SplitMix64(restart_rng));
    std::fill(centroids_.begin(), centroids_.end(), 0.0f);
    for (std::size_t c = 0; c < centres.size(); ++c) {
      const SparseVector& v = *points[centres[c]];
      double inv = 1.0 / norms[centres[c]];
      for (std::size_t i = 0; i < v.index.size(); ++i) {
        if (v.index[i] < dims) Row(v.index[i])[c] = static_cast<float>(v.value[i] * inv);
      }
    }
    RecomputeNorms();
    double cost = 0.0;
    for (int it = 0; it < kInitLloydSteps; ++it) cost = lloyd_step();
    if (cost < best_cost) {
      best_cost = cost;
      best_centroids = centroids_;
    }
  }
  centroids_ = std::move(best_centroids);
  std::fill(weights_.begin(), weights_.end(), 0.0);
  RecomputeNorms();
  return true;
}

void StreamingKMeans::Update(std::span<const SparseVector> batch) {
  if (!initialized_ && !Initialize(batch)) {
    ++batches_;
    return;
  }
  labels_.resize(batch.size());
  similarities_.resize(batch.size());
  std::fill(batch_counts_.begin(), batch_counts_.end(), 0);
  std::uint64_t assigned = 0;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    int label = Nearest(batch[i], &similarities_[i]);
    labels_[i] = label;
    if (label >= 0) {
      ++batch_counts_[label];
      ++assigned;
    }
  }

  const double discount = options_.time_unit == KMeansOptions::TimeUnit::kBatches
                              ? decay_
                              : std::pow(decay_, static_cast<double>(assigned));
  bool moved = false;
  for (std::size_t c = 0; c < k_; ++c) {
    weights_[c] *= discount;
    auto m = static_cast<double>(batch_counts_[c]);
    if (m == 0.0) {
      keep_[c] = 1.0f;
      add_[c] = 0.0;
      continue;
    }
    // c' = (1 - lambda) c + (lambda / m) x, lambda = m / (n * discount + m).
    double updated = weights_[c] + m;
    double lambda = m / std::max(updated, 1e-16);
    keep_[c] = static_cast<float>(1.0 - lambda);
    add_[c] = lambda / m;
    weights_[c] = updated;
    moved = true;
  }

  if (moved) {
    // One dense pass scales the moving centres, then each point is added
    // sparsely into its centre.
    DispatchK(k_, [&](auto fixed) {
      ScaleRows<decltype(fixed)::value>(centroids_.data(), options_.dims, k_, keep_.data());
    });
    for (std::size_t i = 0; i < batch.size(); ++i) {
      int label = labels_[i];
      if (label < 0) continue;
      const SparseVector& v = batch[i];
      const double scale = add_[label];
      for (std::size_t j = 0; j < v.index.size(); ++j) {
        std::uint32_t d = v.index[j];
        if (d < options_.dims) Row(d)[label] += static_cast<float>(v.value[j] * scale);
      }
    }
    RecomputeNorms();
  }
  for (std::size_t c = 0; c < k_; ++c) {
    idle_points_[c] = batch_counts_[c] > 0 ? 0 : idle_points_[c] + assigned;
  }
  SplitDyingClusters();
  ReseedIdleClusters(batch);
  ++batches_;
}

void StreamingKMeans::SplitDyingClusters() {
  bool split = false;
  for (std::size_t round = 0; round < k_; ++round) {
    std::size_t largest = 0;
    std::size_t smallest = 0;
    for (std::size_t c = 1; c < k_; ++c) {
      if (weights_[c] > weights_[largest]) largest = c;
      if (weights_[c] < weights_[smallest]) smallest = c;
    }
    const double max_weight = weights_[largest];
    const double min_weight = weights_[smallest];
    if (!(max_weight > 0.0) || !(min_weight < kDyingRatio * max_weight)) break;
    const double weight = (max_weight + min_weight) / 2.0;
    weights_[largest] = weight;
    weights_[smallest] = weight;
    idle_points_[smallest] = 0;
    // Random signs, a pure function of (seed, batch, round).
    std::uint64_t rng =
        options_.seed ^ (batches_ * 0xd1b54a32d192ed03ULL) ^ ((round + 1) * 0xa0761d6478bd642fULL);
    std::uint64_t bits = 0;
    float* row = centroids_.data();
    for (std::uint32_t d = 0; d < options_.dims; ++d, row += k_) {
      if ((d & 63) == 0) bits = SplitMix64(rng);
      const float x = row[largest];
      float p = kSplitNoise * x;
      if ((bits >> (d & 63)) & 1) p = -p;
      row[largest] = x - p;
      row[smallest] = x + p;
    }
    split = true;
  }
  if (split) RecomputeNorms();
}

void StreamingKMeans::ReseedIdleClusters(std::span<const SparseVector> batch) {
  const std::uint64_t threshold = options_.reseed_idle_points;
  if (threshold == 0 ||
      std::none_of(idle_points_.begin(), idle_points_.end(),
                   [threshold](std::uint64_t idle) { return idle >= threshold; })) {
    return;
  }
  // Rare path (a topic left the stream): allocating here is fine.
  std::vector<double> cost(k_, 0.0);
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (labels_[i] >= 0) cost[labels_[i]] += std::max(0.0, 1.0 - similarities_[i]);
  }
  std::uint64_t rng = options_.seed ^ (batches_ * 0x9fb21c651e98df25ULL) ^ 0x2545f4914f6cdd1dULL;
  bool reseeded = false;
  for (std::size_t c = 0; c < k_; ++c) {
    if (idle_points_[c] < threshold) continue;
    // The costliest cluster that has points to give (one point cannot be split).
    std::size_t worst = k_;
    for (std::size_t j = 0; j < k_; ++j) {
      if (j == c || batch_counts_[j] < 2 || !(cost[j] > 0.0)) continue;
      if (worst == k_ || cost[j] > cost[worst]) worst = j;
    }
    if (worst == k_) break;
    const double r = UniformDouble(rng) * cost[worst];
    std::size_t pick = batch.size();
    double acc = 0.0;
    for (std::size_t i = 0; i < batch.size(); ++i) {
      if (labels_[i] != static_cast<int>(worst)) continue;
      double d = std::max(0.0, 1.0 - similarities_[i]);
      if (d <= 0.0) continue;
      pick = i;
      acc += d;
      if (acc > r) break;
    }
    if (pick == batch.size()) break;
    const SparseVector& seed_point = batch[pick];
    const double inv = 1.0 / SparseNorm(seed_point, options_.dims);
    float* row = centroids_.data();
    for (std::uint32_t d = 0; d < options_.dims; ++d, row += k_) row[c] = 0.0f;
    for (std::size_t i = 0; i < seed_point.index.size(); ++i) {
      if (seed_point.index[i] < options_.dims) {
        Row(seed_point.index[i])[c] = static_cast<float>(seed_point.value[i] * inv);
      }
    }
    weights_[c] = 1.0;
    idle_points_[c] = 0;
    cost[worst] = 0.0;  // split each cluster at most once per batch
    reseeded = true;
  }
  if (reseeded) RecomputeNorms();
}

std::vector<ClusterSummary> StreamingKMeans::Summaries(std::size_t top_terms) const {
  std::vector<ClusterSummary> out(k_);
  using Entry = std::pair<float, std::uint32_t>;  // (weight, dim)
  // "a ranks before b": higher weight, then lower dim. With it as the heap's
  // less-than, the heap's front is the weakest entry kept.
  auto ranks_before = [](const Entry& a, const Entry& b) {
    return a.first > b.first || (a.first == b.first && a.second < b.second);
  };
  std::vector<Entry> heap;
  for (std::size_t c = 0; c < k_; ++c) {
    ClusterSummary& s = out[c];
    s.id = static_cast<int>(c);
    s.weight = weights_[c];
    s.batch_count = batch_counts_[c];
    heap.clear();
    if (top_terms > 0) {
      const float* row = centroids_.data();
      for (std::uint32_t d = 0; d < options_.dims; ++d, row += k_) {
        Entry e{row[c], d};
        if (!(e.first > 0.0f)) continue;
        if (heap.size() < top_terms) {
          heap.push_back(e);
          std::push_heap(heap.begin(), heap.end(), ranks_before);
        } else if (ranks_before(e, heap.front())) {
          std::pop_heap(heap.begin(), heap.end(), ranks_before);
          heap.back() = e;
          std::push_heap(heap.begin(), heap.end(), ranks_before);
        }
      }
    }
    std::sort(heap.begin(), heap.end(), ranks_before);
    s.top_dims.reserve(heap.size());
    for (const Entry& e : heap) s.top_dims.emplace_back(e.second, e.first);
  }
  return out;
}

void StreamingKMeans::Save(ByteWriter& out) const {
  out.PutU8(kFormatVersion);
  out.PutVarint(k_);
  out.PutVarint(options_.dims);
  out.PutVarint(batches_);
  out.PutU8(initialized_ ? 1 : 0);
  for (std::size_t c = 0; c < k_; ++c) {
    out.PutDouble(weights_[c]);
    out.PutVarint(batch_counts_[c]);
    out.PutVarint(idle_points_[c]);
  }
  // Each centre sparsely: (dimension delta, float bits) for nonzero weights.
  for (std::size_t c = 0; c < k_; ++c) {
    std::uint64_t nonzero = 0;
    const float* row = centroids_.data();
    for (std::uint32_t d = 0; d < options_.dims; ++d, row += k_) nonzero += row[c] != 0.0f;
    out.PutVarint(nonzero);
    std::uint32_t prev = 0;
    row = centroids_.data();
    for (std::uint32_t d = 0; d < options_.dims; ++d, row += k_) {
      if (row[c] == 0.0f) continue;
      out.PutVarint(d - prev);
      out.PutFixed32(std::bit_cast<std::uint32_t>(row[c]));
      prev = d;
    }
  }
}

Status StreamingKMeans::Load(ByteReader& in) {
  constexpr std::string_view kWhat = "kmeans checkpoint";
  std::uint8_t version = 0;
  if (!in.GetU8(&version)) return in.status(kWhat);
  if (version != kFormatVersion) {
    return MalformedInput("kmeans checkpoint: unknown format version " + std::to_string(version));
  }
  std::uint64_t k = 0;
  std::uint64_t dims = 0;
  std::uint64_t batches = 0;
  std::uint8_t initialized = 0;
  if (!in.GetVarint(&k) || !in.GetVarint(&dims) || !in.GetVarint(&batches) ||
      !in.GetU8(&initialized)) {
    return in.status(kWhat);
  }
  if (k != k_ || dims != options_.dims) {
    return InvalidArgument(
        "kmeans checkpoint has k=" + std::to_string(k) + " dims=" + std::to_string(dims) +
        ", this instance k=" + std::to_string(k_) + " dims=" + std::to_string(options_.dims));
  }
  if (initialized > 1) return MalformedInput("kmeans checkpoint: bad initialised flag");

  std::vector<double> weights(k_);
  std::vector<std::uint64_t> batch_counts(k_);
  std::vector<std::uint64_t> idle_points(k_);
  for (std::size_t c = 0; c < k_; ++c) {
    if (!in.GetDouble(&weights[c]) || !in.GetVarint(&batch_counts[c]) ||
        !in.GetVarint(&idle_points[c])) {
      return in.status(kWhat);
    }
    if (!std::isfinite(weights[c]) || weights[c] < 0.0) {
      return MalformedInput("kmeans checkpoint: bad weight of cluster " + std::to_string(c));
    }
  }
  std::vector<float> centroids(k_ * options_.dims, 0.0f);
  for (std::size_t c = 0; c < k_; ++c) {
    std::uint64_t nonzero = 0;
    if (!in.GetCount(&nonzero, 1 + 4)) return in.status(kWhat);
    std::uint64_t d = 0;
    for (std::uint64_t i = 0; i < nonzero; ++i) {
      std::uint64_t delta = 0;
      std::uint32_t bits = 0;
      if (!in.GetVarint(&delta) || !in.GetFixed32(&bits)) return in.status(kWhat);
      auto value = std::bit_cast<float>(bits);
      if ((i > 0 && delta == 0) || delta >= options_.dims - d || !std::isfinite(value)) {
        return MalformedInput("kmeans checkpoint: bad centre entry of cluster " +
                              std::to_string(c));
      }
      d += delta;
      centroids[d * k_ + c] = value;
    }
  }

  centroids_ = std::move(centroids);
  weights_ = std::move(weights);
  batch_counts_ = std::move(batch_counts);
  idle_points_ = std::move(idle_points);
  batches_ = batches;
  initialized_ = initialized == 1;
  RecomputeNorms();
  return Status::Ok();
}

}  // namespace starling::analytics
