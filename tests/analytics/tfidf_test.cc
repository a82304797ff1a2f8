#include "analytics/tfidf.h"

#include <gtest/gtest.h>

#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace starling::analytics {
namespace {

using Words = std::vector<std::string_view>;

SparseVector Vectorize(HashedTfIdf& tfidf, const Words& words) {
  SparseVector v;
  tfidf.Vectorize(words, &v);
  return v;
}

float ValueAt(const SparseVector& v, std::uint32_t dim) {
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (v.index[i] == dim) return v.value[i];
  }
  return 0.0f;
}

double Norm(const SparseVector& v) {
  double sum = 0.0;
  for (float x : v.value) sum += static_cast<double>(x) * x;
  return std::sqrt(sum);
}

TEST(HashedTfIdf, IdenticalWordsGiveIdenticalVectors) {
  HashedTfIdf a;
  HashedTfIdf b;
  const Words stream[] = {{"the", "cat", "sat"}, {"a", "dog", "ran"}, {"the", "dog", "sat"}};
  for (const Words& words : stream) {
    SparseVector va = Vectorize(a, words);
    SparseVector vb = Vectorize(b, words);
    EXPECT_EQ(va.index, vb.index);
    EXPECT_EQ(va.value, vb.value);
  }
  // Word order does not matter; two instances in the same state agree.
  SparseVector va = Vectorize(a, {"storm", "the", "rain", "storm"});
  SparseVector vb = Vectorize(b, {"storm", "storm", "rain", "the"});
  EXPECT_EQ(va.index, vb.index);
  EXPECT_EQ(va.value, vb.value);
}

TEST(HashedTfIdf, IndicesSortedUniqueAndRepeatsRaiseTermFrequency) {
  HashedTfIdf tfidf;
  SparseVector v = Vectorize(tfidf, {"rain", "rain", "rain", "sun"});
  ASSERT_EQ(v.size(), 2u);
  ASSERT_EQ(v.value.size(), 2u);
  EXPECT_LT(v.index[0], v.index[1]);
  // Same idf (one document), so the weights are in the ratio 3:1.
  EXPECT_NEAR(ValueAt(v, tfidf.Dim("rain")) / ValueAt(v, tfidf.Dim("sun")), 3.0, 1e-5);
}

TEST(HashedTfIdf, VectorsAreL2Normalised) {
  HashedTfIdf tfidf;
  for (int i = 0; i < 100; ++i) {
    std::string unique = "w" + std::to_string(i);
    SparseVector v = Vectorize(tfidf, {"the", "news", unique, "the", "today"});
    EXPECT_NEAR(Norm(v), 1.0, 1e-6);
  }
  SparseVector empty = Vectorize(tfidf, {});
  EXPECT_TRUE(empty.empty());
  SparseVector blanks = Vectorize(tfidf, {"", ""});
  EXPECT_TRUE(blanks.empty());
}

TEST(HashedTfIdf, CommonWordsGetLowerIdfThanRareOnes) {
  HashedTfIdf tfidf;
  std::vector<std::string> rare;
  for (int i = 0; i < 200; ++i) {
    rare.push_back("rare" + std::to_string(i % 40));  // each in 5 of 200 posts
    Vectorize(tfidf, {"the", "and", rare.back()});
  }
  EXPECT_LT(tfidf.Idf(tfidf.Dim("the")), tfidf.Idf(tfidf.Dim("rare7")));
  EXPECT_LT(tfidf.Idf(tfidf.Dim("rare7")), tfidf.Idf(tfidf.Dim("neverseen")));
  // In a post the rare word then outweighs the common one.
  SparseVector v = Vectorize(tfidf, {"the", "rare3"});
  EXPECT_GT(ValueAt(v, tfidf.Dim("rare3")), 2 * ValueAt(v, tfidf.Dim("the")));
  // idf = log((1 + N) / (1 + df)) + 1; "the" is in every document.
  EXPECT_NEAR(tfidf.Idf(tfidf.Dim("the")), 1.0, 1e-9);
}

TEST(HashedTfIdf, DocumentFrequencyDecaysSoIdfFollowsTheStream) {
  TfIdfOptions options;
  options.df_decay = 0.99;
  HashedTfIdf tfidf(options);
  for (int i = 0; i < 500; ++i) Vectorize(tfidf, {"election", "vote"});
  double while_hot = tfidf.Idf(tfidf.Dim("election"));
  for (int i = 0; i < 500; ++i) Vectorize(tfidf, {"match", "goal"});
  double after = tfidf.Idf(tfidf.Dim("election"));
  EXPECT_LT(while_hot, 1.01);
  EXPECT_GT(after, 4.0);  // df ~ 100 * 0.99^500 ~ 0.66 against N ~ 100
  EXPECT_NEAR(tfidf.document_count(), (1 - std::pow(0.99, 1000)) / 0.01, 1e-6);
}

TEST(HashedTfIdf, ManyDocumentsStayFiniteThroughRescaling) {
  TfIdfOptions options;
  options.dims = 1024;
  options.df_decay = 0.9;  // the scale passes 1e100 after ~2200 documents
  HashedTfIdf tfidf(options);
  SparseVector v;
  for (int i = 0; i < 10000; ++i) {
    std::string w = "w" + std::to_string(i % 50);
    Words words = {"x", w};
    tfidf.Vectorize(words, &v);
    for (float x : v.value) ASSERT_TRUE(std::isfinite(x));
  }
  EXPECT_NEAR(tfidf.document_count(), 10.0, 1e-9);
  EXPECT_NEAR(tfidf.Idf(tfidf.Dim("x")), 1.0, 1e-9);
}

TEST(HashedTfIdf, TermNameRecoversWords) {
  HashedTfIdf tfidf;
  for (int i = 0; i < 50; ++i) {
    Vectorize(tfidf, {"earthquake", "tsunami", "warning", "w" + std::to_string(i)});
  }
  for (std::string_view word : {"earthquake", "tsunami", "warning", "w49"}) {
    EXPECT_EQ(tfidf.TermName(tfidf.Dim(word)), word);
  }
  EXPECT_EQ(tfidf.TermName(tfidf.Dim("unseenword")), "");
  EXPECT_EQ(tfidf.TermName(tfidf.dims()), "");  // out of range
}

TEST(HashedTfIdf, TermNameKeepsTheMajorityWordOfACollidingDimension) {
  TfIdfOptions options;
  options.dims = 2;  // everything collides
  HashedTfIdf tfidf(options);
  // Find two words in the same dimension.
  std::string other;
  for (int i = 0; other.empty(); ++i) {
    std::string w = "w" + std::to_string(i);
    if (tfidf.Dim(w) == tfidf.Dim("popular")) other = w;
  }
  for (int i = 0; i < 30; ++i) {
    Vectorize(tfidf, {"popular", "popular", other});
  }
  Vectorize(tfidf, {other});
  EXPECT_EQ(tfidf.TermName(tfidf.Dim("popular")), "popular");
}

TEST(HashedTfIdf, TermNameTableIsBounded) {
  TfIdfOptions options;
  options.max_term_names = 20;  // 16 slots
  HashedTfIdf tfidf(options);
  std::vector<std::string> vocabulary;
  for (int i = 0; i < 1000; ++i) vocabulary.push_back("v" + std::to_string(i));
  for (const std::string& w : vocabulary) Vectorize(tfidf, {w});
  int named = 0;
  for (std::uint32_t d = 0; d < tfidf.dims(); ++d) named += !tfidf.TermName(d).empty();
  EXPECT_LE(named, 16);
  EXPECT_GT(named, 0);
  // A frequent word holds its slot.
  for (int i = 0; i < 100; ++i) Vectorize(tfidf, {"frequent", vocabulary[i]});
  EXPECT_EQ(tfidf.TermName(tfidf.Dim("frequent")), "frequent");

  options.max_term_names = 0;
  HashedTfIdf nameless(options);
  Vectorize(nameless, {"frequent"});
  EXPECT_EQ(nameless.TermName(nameless.Dim("frequent")), "");

  // Over-long words count but never become names.
  HashedTfIdf long_words;
  std::string long_word(HashedTfIdf::kMaxTermNameBytes + 1, 'x');
  SparseVector v = Vectorize(long_words, {long_word});
  EXPECT_EQ(v.size(), 1u);
  EXPECT_EQ(long_words.TermName(long_words.Dim(long_word)), "");
}

TEST(HashedTfIdf, SaveLoadRoundTripContinuesBitExactly) {
  HashedTfIdf original;
  for (int i = 0; i < 300; ++i) {
    Vectorize(original, {"the", "game", "w" + std::to_string(i % 17), "w" + std::to_string(i % 5)});
  }
  std::string bytes;
  ByteWriter writer(&bytes);
  original.Save(writer);

  HashedTfIdf restored;
  ByteReader reader(bytes);
  ASSERT_TRUE(restored.Load(reader).ok());
  EXPECT_TRUE(reader.done());
  EXPECT_EQ(restored.document_count(), original.document_count());
  for (std::string_view w : {"the", "game", "w3", "w16"}) {
    EXPECT_EQ(restored.TermName(restored.Dim(w)), w);
    EXPECT_EQ(restored.Idf(restored.Dim(w)), original.Idf(original.Dim(w)));
  }
  for (int i = 0; i < 20; ++i) {
    std::string fresh = "new" + std::to_string(i);
    Words words = {"the", "w4", fresh};
    SparseVector a = Vectorize(original, words);
    SparseVector b = Vectorize(restored, words);
    EXPECT_EQ(a.index, b.index);
    EXPECT_EQ(a.value, b.value);
  }
  std::string again;
  ByteWriter writer2(&again);
  restored.Save(writer2);
  std::string original_again;
  ByteWriter writer3(&original_again);
  original.Save(writer3);
  EXPECT_EQ(again, original_again);
}

TEST(HashedTfIdf, LoadRefusesCorruptOrMismatchedCheckpoints) {
  HashedTfIdf original;
  for (int i = 0; i < 50; ++i) Vectorize(original, {"alpha", "beta", "w" + std::to_string(i)});
  std::string bytes;
  ByteWriter writer(&bytes);
  original.Save(writer);

  HashedTfIdf target;
  Vectorize(target, {"kept"});
  for (std::size_t cut = 0; cut < bytes.size(); cut += 7) {
    ByteReader reader(std::string_view(bytes).substr(0, cut));
    Status st = target.Load(reader);
    EXPECT_FALSE(st.ok()) << "cut at " << cut;
    EXPECT_EQ(st.code(), StatusCode::kMalformedInput);
  }
  std::string bad_version = bytes;
  bad_version[0] = 9;
  ByteReader version_reader(bad_version);
  EXPECT_EQ(target.Load(version_reader).code(), StatusCode::kMalformedInput);

  TfIdfOptions small;
  small.dims = 1024;
  HashedTfIdf other_dims(small);
  ByteReader dims_reader(bytes);
  EXPECT_EQ(other_dims.Load(dims_reader).code(), StatusCode::kInvalidArgument);

  // Nothing was half-loaded.
  EXPECT_EQ(target.document_count(), 1.0);
  EXPECT_EQ(target.TermName(target.Dim("kept")), "kept");
  EXPECT_EQ(target.TermName(target.Dim("alpha")), "");
}

TEST(HashedTfIdf, RejectsBadOptions) {
  TfIdfOptions options;
  options.dims = 1000;
  EXPECT_FALSE(HashedTfIdf::Validate(options).ok());
  EXPECT_EQ(HashedTfIdf::Create(options).status().code(), ::starling::StatusCode::kInvalidArgument);
  options.dims = 1024;
  options.df_decay = 0.0;
  EXPECT_FALSE(HashedTfIdf::Validate(options).ok());
  options.df_decay = 1.0;
  EXPECT_TRUE(HashedTfIdf::Validate(options).ok());
}

}  // namespace
}  // namespace starling::analytics
