// File: analytics/streaming_kmeans.h
// Streaming k-means over sparse TF-IDF vectors, after Spark MLlib's
// StreamingKMeans: mini-batch updates with a forgetting factor, so topic
// clusters follow a changing stream. Cosine similarity picks the cluster.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "analytics/tfidf.h"
#include "common/codec.h"
#include "common/status.h"

namespace starling::analytics {

struct KMeansOptions {
  // What `decay` discounts: each batch once, or once per point of the batch
  // (MLlib's timeUnit "batches" / "points").
  enum class TimeUnit { kBatches, kPoints };

  int k = 8;                      // clusters, >= 1
  std::uint32_t dims = 1u << 16;  // vector dimensions (HashedTfIdf::dims()), >= 1
  // The forgetting factor a in [0, 1]: 1 weighs all history equally, 0 only
  // the latest batch. Ignored when half_life > 0.
  double decay = 0.9;
  // When > 0, sets a = 0.5^(1 / half_life): the weight of past data halves
  // every half_life time units (MLlib's setHalfLife).
  double half_life = 0.0;
  TimeUnit time_unit = TimeUnit::kBatches;
  // A cluster that was nearest to none of at least this many consecutive
  // points is idle: its topic has left the stream, and it is re-seeded to
  // split the batch's costliest cluster (see StreamingKMeans). 0 never
  // re-seeds (pure MLlib behaviour).
  std::uint64_t reseed_idle_points = 1000;
  // Seeds every random choice (k-means++ initialisation, split signs,
  // re-seeding draws); a run is a pure function of seed and input.
  std::uint64_t seed = 42;
};

// The decay factor a with a^half_life = 1/2. half_life must be > 0.
double DecayFromHalfLife(double half_life);

struct ClusterSummary {
  int id = 0;
  double weight = 0.0;            // decayed number of points
  std::uint64_t batch_count = 0;  // points assigned in the last batch
  // The dimensions with the highest positive centroid weights, highest
  // first (ties: lower dimension first).
  std::vector<std::pair<std::uint32_t, float>> top_dims;
};

// Mini-batch streaming k-means. For each batch, every point is assigned to
// its nearest centre (highest cosine similarity), then for each cluster with
// m > 0 new points whose sum is x (MLlib's rule):
//   discount = a (batches) or a^points_in_batch (points)
//   n' = n * discount + m
//   c' = (c * n * discount + x) / (n * discount + m)
// Clusters without points keep their centre; their weight decays.
//
// Dying clusters: after each batch, while the lightest cluster weighs less
// than 1e-8 of the heaviest, the heaviest is split in two as MLlib does: both
// get half the combined weight and centres c -/+ p. MLlib's p (1e-14) is lost
// in float precision and gives cosine nothing to separate, so here
// p_j = 0.01 * r_j * c_j with seeded random signs r_j: points then divide by
// a random hyperplane through the cluster's own words, and later batches
// refine the halves. MLlib splits one cluster per batch; this splits all.
//
// Idle clusters (an addition to MLlib): decay alone does not let a centre
// follow a topic that replaces another. The new topic's first posts share
// only common words with every centre, land wherever those weigh most, and
// from then on pull that centre into a two-topic mixture, while the old
// topic's centre sits unused until it dies (1e-8 of the largest weight:
// ~175 batches at a = 0.9). So a cluster idle for reseed_idle_points points
// is moved, after the batch's update, into the cluster with the highest cost
// in the batch (sum of 1 - cos over its points): its centre becomes one of
// that cluster's points, drawn with probability proportional to 1 - cos from
// a stream seeded by (seed, batch), and its weight becomes 1. The next
// batches divide the mixture between the two (bisecting k-means).
//
// Initialisation (deterministic): the first batch with a non-empty point
// seeds the centres from its first 4096 non-empty points: 4 runs of greedy
// k-means++ (cosine distance, 2 + ln k candidates per centre, as
// scikit-learn does), each refined by 5 Lloyd iterations on those points;
// the run with the lowest cost sum(1 - cos) wins. Random draws come from
// SplitMix64 streams seeded with `seed`. The centres start with weight 0, so
// that batch's means replace them. If the batch has fewer than k distinct
// directions the missing centres are split off at once.
//
// Inputs should be L2-normalised (as HashedTfIdf writes them): a centre is a
// weighted mean of its points, so a long vector would outweigh short ones.
// Indices at or beyond dims are ignored. Empty vectors belong to no cluster.
//
// Memory: k * dims floats, interleaved by dimension (the k weights of one
// dimension are adjacent), so assigning a point reads one cache line per
// nonzero. Not thread-safe for Update/Load; the const methods may run
// concurrently with each other.
class StreamingKMeans {
 public:
  static Status Validate(const KMeansOptions& options);
  // A model with these options, or Validate's error.
  static Result<StreamingKMeans> Create(const KMeansOptions& options);
  // `options` must pass Validate (Create checks them; bad ones abort).
  explicit StreamingKMeans(KMeansOptions options = {});

  // The nearest centre to v (highest cosine; ties: lowest id), or -1 before
  // initialisation or when v has no nonzero entry below dims.
  int Assign(const SparseVector& v) const;
  // Cosine similarity between v and centre `cluster` (0 for an empty centre
  // or vector). cluster must be in [0, k).
  double Similarity(const SparseVector& v, int cluster) const;

  // One mini-batch: assign, then move the centres with decay (see above).
  // An empty batch still counts as a batch (weights decay in kBatches).
  void Update(std::span<const SparseVector> batch);

  // One summary per cluster, by id; top_dims holds up to `top_terms` entries
  // (use HashedTfIdf::TermName to turn them into words).
  std::vector<ClusterSummary> Summaries(std::size_t top_terms = 10) const;

  bool initialized() const { return initialized_; }
  // Batches seen by Update, empty ones included.
  std::uint64_t batches() const { return batches_; }
  // The effective decay factor a (from decay or half_life).
  double decay() const { return decay_; }
  const KMeansOptions& options() const { return options_; }

  // Appends the state (centres, weights, counters) to the writer. Options
  // are configuration: only k and dims are recorded, to refuse a mismatch.
  void Save(ByteWriter& out) const;
  // Replaces the state with what Save wrote. A truncated or corrupt input
  // gives MalformedInput, other k or dims InvalidArgument; either way this
  // object is left unchanged. Assign then gives the saved instance's answers.
  Status Load(ByteReader& in);

 private:
  float* Row(std::uint32_t dim) { return &centroids_[std::size_t{dim} * k_]; }
  const float* Row(std::uint32_t dim) const { return &centroids_[std::size_t{dim} * k_]; }
  double Dot(const SparseVector& v, int cluster) const;
  // The nearest live centre and its cosine similarity; -1 if none.
  int Nearest(const SparseVector& v, double* similarity) const;
  bool Initialize(std::span<const SparseVector> batch);
  void RecomputeNorms();
  void SplitDyingClusters();
  void ReseedIdleClusters(std::span<const SparseVector> batch);

  KMeansOptions options_;
  std::size_t k_;
  double decay_;
  bool initialized_ = false;
  std::uint64_t batches_ = 0;
  std::vector<float> centroids_;  // [dim * k + cluster]
  std::vector<double> weights_;
  std::vector<std::uint64_t> batch_counts_;
  std::vector<std::uint64_t> idle_points_;  // points since the cluster was last nearest
  std::vector<double> inv_norms_;           // 1 / |centre|, 0 for an empty centre
  // Update's scratch, kept to avoid allocating per batch.
  std::vector<int> labels_;
  std::vector<double> similarities_;
  std::vector<float> keep_;  // centre scale factor 1 - lambda
  std::vector<double> add_;
};

}  // namespace starling::analytics
