#include "analytics/streaming_kmeans.h"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "analytics/tfidf.h"

namespace starling::analytics {
namespace {

// A deterministic generator of topical posts: each topic has its own
// 30-word vocabulary; every post also carries 3-5 shared noise words.
class TopicalStream {
 public:
  static constexpr int kNoise = -1;

  explicit TopicalStream(std::uint64_t seed = 7) : state_(seed) {
    for (std::string_view topic : {"sport", "weather", "tech", "food", "music"}) {
      std::vector<std::string> words;
      for (int j = 0; j < 30; ++j) {
        words.push_back(std::string(topic) + (j < 10 ? "0" : "") + std::to_string(j));
      }
      vocab_.push_back(std::move(words));
    }
    noise_ = {"the", "a",  "and",  "is", "to", "of", "in",  "it",   "this", "that",
              "for", "on", "with", "at", "so", "my", "you", "just", "we",   "lol"};
    for (std::size_t t = 0; t < vocab_.size(); ++t) {
      for (const std::string& w : vocab_[t]) topic_of_[w] = static_cast<int>(t);
    }
    for (const std::string& w : noise_) topic_of_[w] = kNoise;
  }

  // The words of one post on `topic`; views into this object.
  std::vector<std::string_view> Post(int topic) {
    std::vector<std::string_view> words;
    int n = 8 + static_cast<int>(Next() % 5);
    for (int i = 0; i < n; ++i) words.push_back(vocab_[topic][Next() % 30]);
    int noise = 3 + static_cast<int>(Next() % 3);
    for (int i = 0; i < noise; ++i) words.push_back(noise_[Next() % noise_.size()]);
    return words;
  }
  int PickTopic(const std::vector<int>& topics) { return topics[Next() % topics.size()]; }

  // The topic a word belongs to, kNoise for noise, -2 for an unknown word.
  int TopicOf(std::string_view word) const {
    auto it = topic_of_.find(std::string(word));
    return it == topic_of_.end() ? -2 : it->second;
  }

 private:
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
  }

  std::uint64_t state_;
  std::vector<std::vector<std::string>> vocab_;
  std::vector<std::string> noise_;
  std::map<std::string, int> topic_of_;
};

struct Labelled {
  std::vector<SparseVector> vectors;
  std::vector<int> topics;
};

Labelled MakePosts(TopicalStream& stream, HashedTfIdf& tfidf, const std::vector<int>& topics,
                   int n) {
  Labelled out;
  for (int i = 0; i < n; ++i) {
    int topic = stream.PickTopic(topics);
    SparseVector v;
    tfidf.Vectorize(stream.Post(topic), &v);
    out.vectors.push_back(std::move(v));
    out.topics.push_back(topic);
  }
  return out;
}

void Train(StreamingKMeans& kmeans, TopicalStream& stream, HashedTfIdf& tfidf,
           const std::vector<int>& topics, int posts, int batch_size = 200) {
  for (int done = 0; done < posts; done += batch_size) {
    Labelled batch = MakePosts(stream, tfidf, topics, batch_size);
    kmeans.Update(batch.vectors);
  }
}

// Fraction of points whose cluster's majority topic is their own topic.
double Purity(const StreamingKMeans& kmeans, const Labelled& posts) {
  std::map<int, std::map<int, int>> counts;  // cluster -> topic -> points
  for (std::size_t i = 0; i < posts.vectors.size(); ++i) {
    ++counts[kmeans.Assign(posts.vectors[i])][posts.topics[i]];
  }
  int majority_total = 0;
  for (const auto& [cluster, by_topic] : counts) {
    int best = 0;
    for (const auto& [topic, n] : by_topic) best = std::max(best, n);
    majority_total += best;
  }
  return static_cast<double>(majority_total) / static_cast<double>(posts.vectors.size());
}

// The topic most of a cluster's top terms come from, and how many of them
// do; *foreign counts top terms of any other topic.
int DominantTopic(const ClusterSummary& s, const HashedTfIdf& tfidf, const TopicalStream& stream,
                  int* hits, int* foreign) {
  std::map<int, int> by_topic;
  for (const auto& [dim, weight] : s.top_dims) ++by_topic[stream.TopicOf(tfidf.TermName(dim))];
  int best = -3;
  *hits = 0;
  for (const auto& [topic, n] : by_topic) {
    if (topic >= 0 && n > *hits) {
      best = topic;
      *hits = n;
    }
  }
  *foreign = 0;
  for (const auto& [topic, n] : by_topic) {
    if (topic != best && topic != TopicalStream::kNoise) *foreign += n;
  }
  return best;
}

std::string SaveBytes(const StreamingKMeans& kmeans) {
  std::string bytes;
  ByteWriter writer(&bytes);
  kmeans.Save(writer);
  return bytes;
}

// Seeds the k-means++ initialisation and the re-seeding draws; the tests run
// several so that a pass is not one lucky draw.
constexpr std::uint64_t kSeeds[] = {42, 1, 2, 3};

TEST(StreamingKMeans, FindsPureTopicClusters) {
  for (std::uint64_t seed : kSeeds) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TopicalStream stream(seed);
    HashedTfIdf tfidf;
    KMeansOptions options;
    options.k = 4;
    options.seed = seed;
    StreamingKMeans kmeans(options);
    const std::vector<int> topics = {0, 1, 2, 3};
    Train(kmeans, stream, tfidf, topics, 5000);
    EXPECT_EQ(kmeans.batches(), 25u);

    Labelled held_out = MakePosts(stream, tfidf, topics, 2000);
    double purity = Purity(kmeans, held_out);
    std::printf("seed %llu: purity after 5000 posts, k=4: %.4f\n",
                static_cast<unsigned long long>(seed), purity);
    EXPECT_GT(purity, 0.9);

    std::vector<ClusterSummary> summaries = kmeans.Summaries();
    ASSERT_EQ(summaries.size(), 4u);
    std::vector<bool> topic_seen(4, false);
    for (const ClusterSummary& s : summaries) {
      int hits = 0;
      int foreign = 0;
      int topic = DominantTopic(s, tfidf, stream, &hits, &foreign);
      std::printf(
          "cluster %d weight %.1f last batch %llu: topic %d, %d/%zu top terms, %d foreign\n", s.id,
          s.weight, static_cast<unsigned long long>(s.batch_count), topic, hits, s.top_dims.size(),
          foreign);
      EXPECT_EQ(s.top_dims.size(), 10u);
      EXPECT_GE(hits, 8) << "cluster " << s.id;
      EXPECT_EQ(foreign, 0) << "cluster " << s.id;
      ASSERT_GE(topic, 0);
      ASSERT_LT(topic, 4);
      EXPECT_FALSE(topic_seen[topic]) << "two clusters on topic " << topic;
      topic_seen[topic] = true;
      for (std::size_t i = 1; i < s.top_dims.size(); ++i) {
        EXPECT_GE(s.top_dims[i - 1].second, s.top_dims[i].second);
      }
    }
  }
}

TEST(StreamingKMeans, ClustersFollowATopicShift) {
  for (std::uint64_t seed : kSeeds) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    TopicalStream stream(seed);
    HashedTfIdf tfidf;
    KMeansOptions options;
    options.k = 4;
    options.seed = seed;
    StreamingKMeans kmeans(options);
    Train(kmeans, stream, tfidf, {0, 1, 2, 3}, 2400);
    int sport_cluster = -1;
    for (const ClusterSummary& s : kmeans.Summaries()) {
      int hits = 0;
      int foreign = 0;
      if (DominantTopic(s, tfidf, stream, &hits, &foreign) == 0) sport_cluster = s.id;
    }
    ASSERT_GE(sport_cluster, 0);

    // Topic 4 (music) replaces topic 0 (sport). Music first merges into the
    // cluster whose common words weigh most; once sport's cluster has been
    // idle for 1000 points it is re-seeded inside that mixture and the two
    // topics part.
    const std::vector<int> shifted = {4, 1, 2, 3};
    Train(kmeans, stream, tfidf, shifted, 2600);
    Labelled held_out = MakePosts(stream, tfidf, shifted, 2000);
    double purity = Purity(kmeans, held_out);
    std::printf("seed %llu: purity after the shift: %.4f\n", static_cast<unsigned long long>(seed),
                purity);
    EXPECT_GT(purity, 0.9);

    std::vector<bool> topic_seen(5, false);
    for (const ClusterSummary& s : kmeans.Summaries()) {
      int hits = 0;
      int foreign = 0;
      int topic = DominantTopic(s, tfidf, stream, &hits, &foreign);
      std::printf("cluster %d (sport's before: %s): topic %d, %d/10 top terms, %d foreign\n", s.id,
                  s.id == sport_cluster ? "yes" : "no", topic, hits, foreign);
      ASSERT_GE(topic, 0);
      EXPECT_GE(hits, 8) << "cluster " << s.id;
      // The cluster that kept the new topic may still show a fading word of
      // the topic it shed (its weight decays by a per batch).
      EXPECT_LE(foreign, 2) << "cluster " << s.id;
      EXPECT_FALSE(topic_seen[topic]) << "two clusters on topic " << topic;
      topic_seen[topic] = true;
    }
    EXPECT_TRUE(topic_seen[4]) << "no cluster follows the new topic";
    EXPECT_FALSE(topic_seen[0]) << "the departed topic still holds a cluster";
  }
}

TEST(StreamingKMeans, SameSeedSameResult) {
  KMeansOptions options;
  options.k = 4;
  options.seed = 1234;
  std::string first;
  for (int run = 0; run < 2; ++run) {
    TopicalStream stream;
    HashedTfIdf tfidf;
    StreamingKMeans kmeans(options);
    Train(kmeans, stream, tfidf, {0, 1, 2, 3}, 1000);
    std::string bytes = SaveBytes(kmeans);
    if (run == 0) {
      first = bytes;
    } else {
      EXPECT_EQ(bytes, first);
    }
  }
}

TEST(StreamingKMeans, SaveLoadReproducesAssignments) {
  TopicalStream stream;
  HashedTfIdf tfidf;
  KMeansOptions options;
  options.k = 4;
  StreamingKMeans original(options);
  Train(original, stream, tfidf, {0, 1, 2, 3}, 1000);
  std::string bytes = SaveBytes(original);

  StreamingKMeans restored(options);
  ByteReader reader(bytes);
  ASSERT_TRUE(restored.Load(reader).ok());
  EXPECT_TRUE(reader.done());
  EXPECT_TRUE(restored.initialized());
  EXPECT_EQ(restored.batches(), original.batches());

  Labelled probe = MakePosts(stream, tfidf, {0, 1, 2, 3}, 500);
  for (const SparseVector& v : probe.vectors) {
    ASSERT_EQ(restored.Assign(v), original.Assign(v));
    ASSERT_EQ(restored.Similarity(v, 0), original.Similarity(v, 0));
  }
  std::vector<ClusterSummary> a = original.Summaries();
  std::vector<ClusterSummary> b = restored.Summaries();
  for (std::size_t c = 0; c < a.size(); ++c) {
    EXPECT_EQ(a[c].weight, b[c].weight);
    EXPECT_EQ(a[c].batch_count, b[c].batch_count);
    EXPECT_EQ(a[c].top_dims, b[c].top_dims);
  }
  // Both continue identically.
  original.Update(probe.vectors);
  restored.Update(probe.vectors);
  EXPECT_EQ(SaveBytes(original), SaveBytes(restored));
}

TEST(StreamingKMeans, LoadRefusesCorruptOrMismatchedCheckpoints) {
  KMeansOptions options;
  options.k = 2;
  options.dims = 64;
  StreamingKMeans original(options);
  SparseVector a{{1, 5}, {0.6f, 0.8f}};
  SparseVector b{{7}, {1.0f}};
  std::vector<SparseVector> batch = {a, b, a};
  original.Update(batch);
  std::string bytes = SaveBytes(original);

  StreamingKMeans target(options);
  for (std::size_t cut = 0; cut < bytes.size(); ++cut) {
    ByteReader reader(std::string_view(bytes).substr(0, cut));
    EXPECT_EQ(target.Load(reader).code(), StatusCode::kMalformedInput) << "cut at " << cut;
  }
  EXPECT_FALSE(target.initialized());

  std::string nan_centre = bytes;  // the last four bytes are a centre weight
  std::uint32_t nan_bits = 0x7fc00000;
  std::memcpy(nan_centre.data() + nan_centre.size() - 4, &nan_bits, 4);
  ByteReader nan_reader(nan_centre);
  EXPECT_EQ(target.Load(nan_reader).code(), StatusCode::kMalformedInput);

  options.k = 3;
  StreamingKMeans other_k(options);
  ByteReader k_reader(bytes);
  EXPECT_EQ(other_k.Load(k_reader).code(), StatusCode::kInvalidArgument);
  EXPECT_FALSE(other_k.initialized());
}

TEST(StreamingKMeans, FollowsMLlibUpdateRule) {
  KMeansOptions options;
  options.k = 1;
  options.dims = 4;
  options.decay = 0.5;
  SparseVector e0{{0}, {1.0f}};
  SparseVector e1{{1}, {1.0f}};
  std::vector<SparseVector> first = {e0, e0};
  std::vector<SparseVector> second = {e1, e1};

  StreamingKMeans batches(options);
  EXPECT_EQ(batches.Assign(e0), -1);  // not initialised yet
  batches.Update(first);
  batches.Update(second);
  // n = 2 * 0.5 + 2 = 3; c = (e0 * 2 * 0.5 + e1 * 2) / 3.
  std::vector<ClusterSummary> s = batches.Summaries();
  EXPECT_DOUBLE_EQ(s[0].weight, 3.0);
  EXPECT_EQ(s[0].batch_count, 2u);
  ASSERT_EQ(s[0].top_dims.size(), 2u);
  EXPECT_EQ(s[0].top_dims[0].first, 1u);
  EXPECT_FLOAT_EQ(s[0].top_dims[0].second, 2.0f / 3.0f);
  EXPECT_EQ(s[0].top_dims[1].first, 0u);
  EXPECT_FLOAT_EQ(s[0].top_dims[1].second, 1.0f / 3.0f);

  // Points: the discount is 0.5^2 for a batch of two points.
  options.time_unit = KMeansOptions::TimeUnit::kPoints;
  StreamingKMeans points(options);
  points.Update(first);
  points.Update(second);
  s = points.Summaries();
  EXPECT_DOUBLE_EQ(s[0].weight, 2.5);
  EXPECT_FLOAT_EQ(s[0].top_dims[0].second, 0.8f);
  EXPECT_FLOAT_EQ(s[0].top_dims[1].second, 0.2f);

  // A half-life of one batch is a decay of 0.5.
  options.time_unit = KMeansOptions::TimeUnit::kBatches;
  options.decay = 0.9;
  options.half_life = 1.0;
  StreamingKMeans half_life(options);
  EXPECT_DOUBLE_EQ(half_life.decay(), 0.5);
  half_life.Update(first);
  half_life.Update(second);
  EXPECT_DOUBLE_EQ(half_life.Summaries()[0].weight, 3.0);
  EXPECT_NEAR(DecayFromHalfLife(10.0), std::pow(0.5, 0.1), 1e-15);

  // An empty batch still decays the weights.
  half_life.Update({});
  EXPECT_DOUBLE_EQ(half_life.Summaries()[0].weight, 1.5);
  EXPECT_EQ(half_life.Summaries()[0].batch_count, 0u);
}

TEST(StreamingKMeans, SplitsDyingClustersFromTheLargest) {
  KMeansOptions options;
  options.k = 3;
  options.dims = 16;
  StreamingKMeans kmeans(options);
  // One distinct direction: k-means++ seeds one centre, the other two are
  // split off the only live cluster right away.
  SparseVector a{{2, 3}, {0.6f, 0.8f}};
  std::vector<SparseVector> batch(8, a);
  kmeans.Update(batch);
  std::vector<ClusterSummary> s = kmeans.Summaries();
  double total = 0.0;
  for (const ClusterSummary& c : s) {
    EXPECT_GT(c.weight, 0.0);
    EXPECT_FALSE(c.top_dims.empty());
    total += c.weight;
  }
  EXPECT_DOUBLE_EQ(total, 8.0);
  EXPECT_GE(kmeans.Assign(a), 0);

  // Decay 0: clusters that get no points die at once and are split again.
  options.decay = 0.0;
  StreamingKMeans forgetful(options);
  SparseVector b{{9}, {1.0f}};
  SparseVector c{{12}, {1.0f}};
  std::vector<SparseVector> three = {a, b, c};
  forgetful.Update(three);
  for (const ClusterSummary& summary : forgetful.Summaries()) EXPECT_DOUBLE_EQ(summary.weight, 1.0);
  std::vector<SparseVector> only_b = {b, b};
  forgetful.Update(only_b);
  for (const ClusterSummary& summary : forgetful.Summaries()) EXPECT_GT(summary.weight, 0.0);
}

TEST(StreamingKMeans, EmptyInputsAndBadIndicesAreHarmless) {
  KMeansOptions options;
  options.k = 2;
  options.dims = 8;
  StreamingKMeans kmeans(options);
  kmeans.Update({});
  std::vector<SparseVector> empties(3);
  kmeans.Update(empties);
  EXPECT_FALSE(kmeans.initialized());
  EXPECT_EQ(kmeans.batches(), 2u);

  SparseVector in_range{{1, 100}, {1.0f, 5.0f}};  // 100 >= dims: ignored
  SparseVector other{{4}, {1.0f}};
  std::vector<SparseVector> batch = {in_range, other, SparseVector{}};
  kmeans.Update(batch);
  EXPECT_TRUE(kmeans.initialized());
  EXPECT_EQ(kmeans.Assign(SparseVector{}), -1);
  EXPECT_NE(kmeans.Assign(in_range), kmeans.Assign(other));
  for (const ClusterSummary& s : kmeans.Summaries()) {
    for (const auto& [dim, weight] : s.top_dims) EXPECT_LT(dim, 8u);
  }
}

TEST(StreamingKMeans, RejectsBadOptions) {
  KMeansOptions options;
  options.k = 0;
  EXPECT_FALSE(StreamingKMeans::Validate(options).ok());
  EXPECT_EQ(StreamingKMeans::Create(options).status().code(),
            ::starling::StatusCode::kInvalidArgument);
  options.k = 4;
  options.decay = 1.5;
  EXPECT_FALSE(StreamingKMeans::Validate(options).ok());
  options.decay = 1.0;
  options.half_life = -1.0;
  EXPECT_FALSE(StreamingKMeans::Validate(options).ok());
  options.half_life = 0.0;
  options.k = 1 << 20;
  options.dims = 1u << 20;
  EXPECT_FALSE(StreamingKMeans::Validate(options).ok());
}

}  // namespace
}  // namespace starling::analytics
