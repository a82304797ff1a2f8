// File: analytics/top_k_test.cc
// ExactCounter and SpaceSavingTopK: ordering, exactness, the Space-Saving
// guarantees on a Zipf stream, bounded memory, merge, checkpoints.
#include "analytics/top_k.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <ostream>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

namespace starling::analytics {
namespace {

// splitmix64: a small seeded generator, fast even in Debug builds.
class Rng {
 public:
  explicit Rng(std::uint64_t seed) : state_(seed) {}
  std::uint64_t Next() {
    std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    return z ^ (z >> 31);
  }
  double Uniform() { return static_cast<double>(Next() >> 11) * 0x1.0p-53; }

 private:
  std::uint64_t state_;
};

// Ranks 0..n-1 drawn with P(rank r) proportional to 1 / (r + 1)^s.
class Zipf {
 public:
  Zipf(std::size_t n, double s) : cdf_(n) {
    double sum = 0;
    for (std::size_t r = 0; r < n; ++r) cdf_[r] = (sum += std::pow(static_cast<double>(r + 1), -s));
  }
  std::size_t Draw(Rng& rng) const {
    const double u = rng.Uniform() * cdf_.back();
    auto it = std::upper_bound(cdf_.begin(), cdf_.end(), u);
    return std::min<std::size_t>(static_cast<std::size_t>(it - cdf_.begin()), cdf_.size() - 1);
  }

 private:
  std::vector<double> cdf_;
};

// "k<rank>" in a caller buffer, so the stream itself allocates nothing.
std::string_view KeyOf(std::size_t rank, char (&buf)[24]) {
  buf[0] = 'k';
  auto [end, ec] = std::to_chars(buf + 1, buf + sizeof buf, rank);
  return {buf, static_cast<std::size_t>(end - buf)};
}
std::size_t RankOf(std::string_view key) {
  std::size_t rank = 0;
  std::from_chars(key.data() + 1, key.data() + key.size(), rank);
  return rank;
}

}  // namespace

void PrintTo(const TopKEntry& e, std::ostream* os) {
  *os << "{" << e.key << ", " << e.count << ", " << e.error << "}";
}

namespace {

std::string SaveToString(const auto& sketch) {
  std::string bytes;
  ByteWriter w(&bytes);
  sketch.Save(w);
  return bytes;
}

// Checks every Space-Saving guarantee of `s` against the true counts.
void ExpectSpaceSavingGuarantees(const SpaceSavingTopK& s,
                                 const std::vector<std::uint64_t>& truth) {
  std::uint64_t total = 0;
  for (std::uint64_t t : truth) total += t;
  ASSERT_EQ(s.total(), total);
  EXPECT_LE(s.size(), s.capacity());
  const std::uint64_t bound = s.error_bound();
  EXPECT_LE(bound, s.total() / s.capacity());
  std::vector<bool> reported(truth.size(), false);
  for (const TopKEntry& e : s.Top(0)) {
    const std::size_t rank = RankOf(e.key);
    ASSERT_LT(rank, truth.size());
    reported[rank] = true;
    EXPECT_LE(truth[rank], e.count) << e.key;
    EXPECT_LE(e.count, truth[rank] + e.error) << e.key;
    EXPECT_LE(e.error, bound) << e.key;
  }
  for (std::size_t r = 0; r < truth.size(); ++r) {
    if (!reported[r]) {
      ASSERT_LE(truth[r], bound) << "unreported key k" << r;
    }
  }
}

TEST(ExactCounter, CountsAndOrdersTiesByKey) {
  ExactCounter c;
  c.Add("b", 3);
  c.Add("a", 3);
  c.Add("c");
  c.Add("zz", 5);
  c.Add("a", 0);
  EXPECT_EQ(c.total(), 12u);
  EXPECT_EQ(c.size(), 4u);
  EXPECT_EQ(c.count("b"), 3u);
  EXPECT_EQ(c.count("nope"), 0u);
  const std::vector<TopKEntry> want = {{"zz", 5, 0}, {"a", 3, 0}, {"b", 3, 0}, {"c", 1, 0}};
  EXPECT_EQ(c.Top(0), want);
  EXPECT_EQ(c.Top(1), std::vector<TopKEntry>(want.begin(), want.begin() + 1));
  EXPECT_EQ(c.Top(2), std::vector<TopKEntry>(want.begin(), want.begin() + 2));
  EXPECT_EQ(c.Top(10), want);
  // Byte order: '\xc3' (UTF-8 lead byte) sorts after ASCII.
  ExactCounter u;
  u.Add("\xc3\xa9t\xc3\xa9");
  u.Add("zebra");
  EXPECT_EQ(u.Top(0)[0].key, "zebra");
  c.Clear();
  EXPECT_EQ(c.size(), 0u);
  EXPECT_EQ(c.total(), 0u);
  EXPECT_TRUE(c.Top(0).empty());
}

// Top(k) takes a partial sort for few keys and a full sort for most of
// them: every k gives the first k of one ordering, with many ties.
TEST(ExactCounter, EveryKIsAPrefixOfTheWholeOrder) {
  ExactCounter c;
  std::mt19937_64 rng(7);
  for (int i = 0; i < 3000; ++i) c.Add("k" + std::to_string(rng() % 400), 1 + rng() % 3);
  std::vector<TopKEntry> all = c.Top(0);
  ASSERT_EQ(all.size(), c.size());
  std::vector<TopKEntry> naive = all;
  std::sort(naive.begin(), naive.end(), [](const TopKEntry& a, const TopKEntry& b) {
    return a.count != b.count ? a.count > b.count : a.key < b.key;
  });
  EXPECT_EQ(all, naive);
  for (std::size_t k : {1u, 10u, 150u, 199u, 200u, 201u, 399u, 400u}) {
    const std::size_t n = std::min(k, all.size());
    EXPECT_EQ(c.Top(k), std::vector<TopKEntry>(all.begin(), all.begin() + n)) << "k " << k;
  }
}

TEST(ExactCounter, MergeAddsCounts) {
  ExactCounter a, b;
  a.Add("x", 2);
  a.Add("y", 1);
  b.Add("y", 4);
  b.Add("z", 1);
  a.Merge(b);
  EXPECT_EQ(a.Top(0), (std::vector<TopKEntry>{{"y", 5, 0}, {"x", 2, 0}, {"z", 1, 0}}));
  EXPECT_EQ(a.total(), 8u);
  a.Merge(a);
  EXPECT_EQ(a.count("y"), 10u);
  EXPECT_EQ(a.total(), 16u);
}

TEST(ExactCounter, SaveLoadRoundTripAndRejectsCorruptInput) {
  ExactCounter a;
  a.Add("alpha", 7);
  a.Add("beta", 2);
  a.Add("", 1);
  const std::string bytes = SaveToString(a);

  ExactCounter b;
  b.Add("stale", 99);
  ByteReader r(bytes);
  ASSERT_TRUE(b.Load(r).ok());
  EXPECT_TRUE(r.done());
  EXPECT_EQ(b.Top(0), a.Top(0));
  EXPECT_EQ(b.total(), a.total());

  // Insertion order does not change the bytes.
  ExactCounter c;
  c.Add("", 1);
  c.Add("beta", 2);
  c.Add("alpha", 7);
  EXPECT_EQ(SaveToString(c), bytes);
  // Keys in byte order, not by count ('\xc3' after ASCII).
  ExactCounter d;
  d.Add("\xc3\xa9t\xc3\xa9", 9);
  d.Add("banana", 5);
  d.Add("apple", 1);
  const std::string saved = SaveToString(d);
  const std::size_t apple = saved.find("apple"), banana = saved.find("banana"),
                    ete = saved.find("\xc3\xa9t\xc3\xa9");
  ASSERT_NE(ete, std::string::npos);
  EXPECT_LT(apple, banana);
  EXPECT_LT(banana, ete);

  // Every truncation is refused and leaves the counter unchanged.
  for (std::size_t len = 0; len < bytes.size(); ++len) {
    ByteReader short_reader(std::string_view(bytes).substr(0, len));
    Status st = b.Load(short_reader);
    EXPECT_EQ(st.code(), StatusCode::kMalformedInput) << len;
    EXPECT_EQ(b.Top(0), a.Top(0));
  }
  // Duplicate keys.
  std::string dup;
  ByteWriter w(&dup);
  w.PutU8(1);
  w.PutVarint(2);
  w.PutString("k");
  w.PutVarint(1);
  w.PutString("k");
  w.PutVarint(2);
  ByteReader dup_reader(dup);
  EXPECT_EQ(b.Load(dup_reader).code(), StatusCode::kMalformedInput);
}

TEST(SpaceSavingTopK, RejectsZeroCapacity) {
  EXPECT_EQ(SpaceSavingTopK::Create(0).status().code(), ::starling::StatusCode::kInvalidArgument);
  EXPECT_EQ(SpaceSavingTopK(1).capacity(), 1u);
}

TEST(SpaceSavingTopK, ExactWhenDistinctKeysFit) {
  Rng rng(11);
  SpaceSavingTopK s(500);
  ExactCounter exact;
  char buf[24];
  for (int i = 0; i < 100000; ++i) {
    const std::string_view key = KeyOf(rng.Next() % 500, buf);
    const std::uint64_t n = 1 + rng.Next() % 3;
    s.Add(key, n);
    exact.Add(key, n);
  }
  EXPECT_EQ(s.size(), 500u);
  EXPECT_EQ(s.error_bound(), 0u);
  EXPECT_EQ(s.total(), exact.total());
  EXPECT_EQ(s.Top(0), exact.Top(0));
  EXPECT_EQ(s.Top(7), exact.Top(7));
}

TEST(SpaceSavingTopK, OrdersTiesByKey) {
  SpaceSavingTopK s(10);
  for (std::string_view k : {"d", "b", "c", "a"}) s.Add(k, 2);
  s.Add("e", 9);
  EXPECT_EQ(s.Top(0), (std::vector<TopKEntry>{
                          {"e", 9, 0}, {"a", 2, 0}, {"b", 2, 0}, {"c", 2, 0}, {"d", 2, 0}}));
  EXPECT_EQ(s.Top(3), (std::vector<TopKEntry>{{"e", 9, 0}, {"a", 2, 0}, {"b", 2, 0}}));
}

TEST(SpaceSavingTopK, EvictionFollowsSpaceSaving) {
  SpaceSavingTopK s(2);
  s.Add("a", 5);
  s.Add("b", 2);
  s.Add("c");  // replaces b (min 2): count 3, error 2
  EXPECT_EQ(s.Top(0), (std::vector<TopKEntry>{{"a", 5, 0}, {"c", 3, 2}}));
  EXPECT_EQ(s.error_bound(), 3u);
  s.Add("b", 4);  // replaces c (min 3): count 7, error 3
  EXPECT_EQ(s.Top(0), (std::vector<TopKEntry>{{"b", 7, 3}, {"a", 5, 0}}));
  EXPECT_EQ(s.total(), 12u);
}

// The brief's accuracy test: 1M draws of Zipf(s = 1) over 1M keys, 1000 counters.
TEST(SpaceSavingTopK, ZipfStreamKeepsGuarantees) {
  constexpr std::size_t kKeys = 1'000'000;
  constexpr int kItems = 1'000'000;
  const Zipf zipf(kKeys, 1.0);
  Rng rng(2024);
  std::vector<std::uint64_t> truth(kKeys, 0);
  SpaceSavingTopK s(1000);
  char buf[24];
  for (int i = 0; i < kItems; ++i) {
    const std::size_t rank = zipf.Draw(rng);
    ++truth[rank];
    s.Add(KeyOf(rank, buf));
  }
  ExpectSpaceSavingGuarantees(s, truth);
  std::printf("zipf 1M/1M cap 1000: error_bound %llu (total/capacity %llu)\n",
              static_cast<unsigned long long>(s.error_bound()),
              static_cast<unsigned long long>(s.total() / s.capacity()));

  // Every true top-20 key is among the reported top 20.
  std::vector<std::size_t> by_truth(kKeys);
  for (std::size_t r = 0; r < kKeys; ++r) by_truth[r] = r;
  std::partial_sort(by_truth.begin(), by_truth.begin() + 20, by_truth.end(),
                    [&](std::size_t a, std::size_t b) {
                      return truth[a] != truth[b] ? truth[a] > truth[b] : a < b;
                    });
  const std::vector<TopKEntry> top20 = s.Top(20);
  std::uint64_t max_top_error = 0;
  for (std::size_t i = 0; i < 20; ++i) {
    const std::string_view want = KeyOf(by_truth[i], buf);
    EXPECT_TRUE(
        std::any_of(top20.begin(), top20.end(), [&](const TopKEntry& e) { return e.key == want; }))
        << want << " (true count " << truth[by_truth[i]] << ") missing from Top(20)";
    max_top_error = std::max(max_top_error, top20[i].error);
  }
  std::printf("zipf top-20: largest error %llu, 20th count %llu\n",
              static_cast<unsigned long long>(max_top_error),
              static_cast<unsigned long long>(top20[19].count));
}

TEST(SpaceSavingTopK, MemoryStaysBoundedWithManyDistinctKeys) {
  SpaceSavingTopK s(1000);
  char buf[24];
  for (std::size_t i = 0; i < 2'000'000; ++i) {
    s.Add(KeyOf(i, buf));
    if (i % 250'000 == 0) {
      ASSERT_LE(s.size(), s.capacity());
    }
  }
  EXPECT_EQ(s.size(), 1000u);
  EXPECT_EQ(s.total(), 2'000'000u);
  // All keys distinct: every counter is an overestimate by all but one.
  EXPECT_EQ(s.error_bound(), 2000u);
  for (const TopKEntry& e : s.Top(0)) EXPECT_EQ(e.count, e.error + 1);
}

TEST(SpaceSavingTopK, MergeOfTwoStreamsKeepsGuarantees) {
  constexpr std::size_t kKeys = 200'000;
  const Zipf zipf(kKeys, 1.0);
  Rng rng(5);
  std::vector<std::uint64_t> truth(kKeys, 0);
  SpaceSavingTopK a(1000), b(1000);
  char buf[24];
  for (int i = 0; i < 400'000; ++i) {
    // The two halves see different key mixes: b favours odd ranks.
    std::size_t rank = zipf.Draw(rng);
    SpaceSavingTopK& side = (i % 2 == 0) ? a : b;
    if (&side == &b && rank % 2 == 0 && rng.Next() % 2 == 0) rank = (rank + 1) % kKeys;
    ++truth[rank];
    side.Add(KeyOf(rank, buf));
  }
  const std::uint64_t ea = a.error_bound(), eb = b.error_bound();
  a.Merge(b);
  EXPECT_EQ(a.size(), 1000u);
  EXPECT_GE(a.error_bound(), ea + eb);
  ExpectSpaceSavingGuarantees(a, truth);
  std::printf("merge: error bounds %llu + %llu -> %llu (total/capacity %llu)\n",
              static_cast<unsigned long long>(ea), static_cast<unsigned long long>(eb),
              static_cast<unsigned long long>(a.error_bound()),
              static_cast<unsigned long long>(a.total() / a.capacity()));

  // The merged summary keeps working as a Space-Saving summary.
  for (int i = 0; i < 100'000; ++i) {
    const std::size_t rank = zipf.Draw(rng);
    ++truth[rank];
    a.Add(KeyOf(rank, buf));
  }
  ExpectSpaceSavingGuarantees(a, truth);
}

TEST(SpaceSavingTopK, MergeOfSmallSummariesIsExact) {
  SpaceSavingTopK a(10), b(10);
  a.Add("x", 3);
  a.Add("y", 1);
  b.Add("y", 2);
  b.Add("z", 5);
  a.Merge(b);
  EXPECT_EQ(a.Top(0), (std::vector<TopKEntry>{{"z", 5, 0}, {"x", 3, 0}, {"y", 3, 0}}));
  EXPECT_EQ(a.error_bound(), 0u);
  EXPECT_EQ(a.total(), 11u);
  a.Merge(a);
  EXPECT_EQ(a.Top(1), (std::vector<TopKEntry>{{"z", 10, 0}}));
  EXPECT_EQ(a.total(), 22u);
}

TEST(SpaceSavingTopK, MergeIntoSmallerCapacityDropsWithHonestBound) {
  SpaceSavingTopK a(2), b(10);
  a.Add("p", 10);
  b.Add("q", 4);
  b.Add("r", 6);
  b.Add("s", 1);
  a.Merge(b);
  // Kept: p (10), r (6); dropped q (4) and s (1): q may have had 4.
  EXPECT_EQ(a.Top(0), (std::vector<TopKEntry>{{"p", 10, 0}, {"r", 6, 0}}));
  EXPECT_EQ(a.error_bound(), 4u);
  // A new key may have been q: it is charged the bound.
  SpaceSavingTopK c(3);
  c.Merge(a);  // c not full, but unmonitored keys may have up to 4
  EXPECT_EQ(c.error_bound(), 4u);
  c.Add("q");
  EXPECT_EQ(c.Top(0).back(), (TopKEntry{"q", 5, 4}));
}

TEST(SpaceSavingTopK, SaveLoadRoundTripAndRejectsCorruptInput) {
  Rng rng(3);
  const Zipf zipf(5000, 1.2);
  SpaceSavingTopK s(100);
  char buf[24];
  for (int i = 0; i < 50000; ++i) s.Add(KeyOf(zipf.Draw(rng), buf));
  const std::string bytes = SaveToString(s);

  SpaceSavingTopK t(7);
  t.Add("stale");
  ByteReader r(bytes);
  ASSERT_TRUE(t.Load(r).ok());
  EXPECT_TRUE(r.done());
  EXPECT_EQ(t.capacity(), 100u);
  EXPECT_EQ(t.total(), s.total());
  EXPECT_EQ(t.error_bound(), s.error_bound());
  EXPECT_EQ(t.Top(0), s.Top(0));
  EXPECT_EQ(SaveToString(t), bytes);
  // The loaded summary keeps counting.
  s.Add("fresh", 1000);
  t.Add("fresh", 1000);
  EXPECT_EQ(t.Top(1), s.Top(1));

  const std::vector<TopKEntry> before = t.Top(0);
  for (std::size_t len = 0; len < bytes.size(); len += 7) {
    ByteReader short_reader(std::string_view(bytes).substr(0, len));
    EXPECT_EQ(t.Load(short_reader).code(), StatusCode::kMalformedInput) << len;
  }
  EXPECT_EQ(t.Top(0), before);
  // More counters than capacity; error above count.
  for (auto [capacity, count, error] : {std::tuple{1, 1, 0}, std::tuple{5, 1, 2}}) {
    std::string bad;
    ByteWriter w(&bad);
    w.PutU8(1);
    w.PutVarint(capacity);
    w.PutVarint(3);
    w.PutVarint(0);
    w.PutU8(0);
    w.PutVarint(2);
    w.PutString("a");
    w.PutVarint(count);
    w.PutVarint(error);
    w.PutString("b");
    w.PutVarint(2);
    w.PutVarint(0);
    ByteReader bad_reader(bad);
    EXPECT_EQ(t.Load(bad_reader).code(), StatusCode::kMalformedInput);
  }
  EXPECT_EQ(t.Top(0), before);
}

}  // namespace
}  // namespace starling::analytics
