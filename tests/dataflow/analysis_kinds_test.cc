// The analysis kinds as data: every result kind has one descriptor, every
// type and option resolves, and each kind's state survives a snapshot.
#include <gtest/gtest.h>

#include <set>

#include "common/codec.h"
#include "dataflow/analysis/kind.h"

namespace starling::dataflow {
namespace {

TEST(AnalysisKinds, EveryResultKindHasOneDescriptorAndEveryTypeResolves) {
  std::set<std::string_view> types;
  std::set<int> results;
  for (const AnalysisKind* k : AnalysisKinds()) {
    EXPECT_TRUE(results.insert(static_cast<int>(k->result)).second);
    EXPECT_EQ(&AnalysisKindOf(k->result), k);
    ASSERT_FALSE(k->types.empty());
    // The kind's own name is the result kind's name (stores and the API use it).
    EXPECT_EQ(k->types.front(), model::ResultKindName(k->result));
    for (std::string_view t : k->types) {
      EXPECT_TRUE(types.insert(t).second) << t << " named twice";
      EXPECT_EQ(FindAnalysisType(t), k);
    }
    std::set<std::string_view> options;
    for (const AnalysisOption& o : k->options) {
      EXPECT_TRUE(options.insert(o.name).second) << o.name << " twice in " << k->types.front();
      EXPECT_FALSE(o.help.empty());
      ASSERT_NE(o.apply, nullptr);
    }
    EXPECT_NE(AnalysisKindsMarkdown().find("`" + std::string(k->types.front()) + "`"),
              std::string::npos);
  }
  EXPECT_EQ(results.size(), 8u);
  EXPECT_EQ(FindAnalysisType("trending"), FindAnalysisType("top"));
  EXPECT_EQ(FindAnalysisType("nope"), nullptr);
  EXPECT_EQ(AnalysisTypeList(),
            "count, top, distinct, sentiment, bursts, clusters, cooccurrence, sessions");
}

TEST(AnalysisKinds, OptionsApplyTheirValues) {
  AnalysisSpec s;
  const AnalysisKind& bursts = *FindAnalysisType("bursts");
  for (const AnalysisOption& o : bursts.options) {
    OptionValue v;
    v.integer = 7;
    v.number = 0.5;
    v.text = "space-saving";
    EXPECT_TRUE(o.apply(v, &s).ok()) << o.name;
  }
  EXPECT_EQ(s.bursts.alpha, 0.5);
  EXPECT_EQ(s.bursts.min_count, 7u);
  EXPECT_EQ(s.bursts.warmup_windows, 7);
  EXPECT_TRUE(s.space_saving);
  const AnalysisKind& clusters = *FindAnalysisType("clusters");
  for (const AnalysisOption& o : clusters.options) {
    if (o.name != "dims") continue;
    OptionValue v;
    v.integer = 48;
    EXPECT_EQ(o.apply(v, &s).message(), "must be a power of two");
    v.integer = 64;
    EXPECT_TRUE(o.apply(v, &s).ok());
    EXPECT_EQ(s.kmeans.dims, 64u);
    EXPECT_EQ(s.tfidf.dims, 64u);
  }
}

// Each kind with its defaults: valid, and its state after a few items is the
// same after a snapshot and a restore.
TEST(AnalysisKinds, DefaultsAreValidAndStateSurvivesASnapshot) {
  for (const AnalysisKind* k : AnalysisKinds()) {
    SCOPED_TRACE(std::string(k->types.front()));
    AnalysisSpec spec;
    spec.name = "a";
    spec.kind = k->result;
    k->defaults(&spec);
    spec.window = ParseWindowSpec(k->session_windows ? "session 1m" : "1m").value();
    spec.kmeans.dims = 64;
    spec.tfidf.dims = 64;
    ASSERT_TRUE(ValidateAnalysis(spec).ok()) << ValidateAnalysis(spec).message();
    auto state = NewAnalysisState(spec, 0, std::chrono::seconds(0));
    const TimestampUs t0 = 1617235200000000;
    const char* keys[] = {"alpha beta", "beta", "alpha beta", "*"};
    for (int i = 0; i < 4; ++i) {
      Item item;
      item.value = 0.5 - i * 0.3;
      item.hash = 1000003u * static_cast<std::uint64_t>(i + 1);
      state->Add(t0 + i * 1000000, keys[i], item, INT64_MIN);
    }
    std::string a, b;
    ByteWriter wa(&a);
    state->Save(wa);
    auto restored = NewAnalysisState(spec, 0, std::chrono::seconds(0));
    ByteReader r(a);
    ASSERT_TRUE(restored->Load(r).ok());
    ByteWriter wb(&b);
    restored->Save(wb);
    EXPECT_EQ(a, b);
    // Both emit the same partials once the watermark passes every window.
    std::vector<Partial> pa, pb;
    state->Emit(t0 + 3600000000LL, &pa);
    restored->Emit(t0 + 3600000000LL, &pb);
    ASSERT_EQ(pa.size(), pb.size());
    ASSERT_FALSE(pa.empty());
    for (std::size_t i = 0; i < pa.size(); ++i) EXPECT_EQ(pa[i].result, pb[i].result);
    // And the merger makes a result of them.
    auto merger = NewAnalysisMerger(spec);
    std::vector<const Partial*> one{&pa[0]};
    model::WindowResult out;
    EXPECT_TRUE(merger->Merge(one, pa[0].final, &out) || k->result == ResultKind::kBurst);
  }
}

// A scale-out partition's state (AnalysisState::FinalsOnly): a window past
// its end but within the allowed lateness makes no update when it changes;
// it emits once, final, when it closes, or (EmitEarly, the partition gone
// idle) as it stands, with every change in, whatever its end. A normal
// state makes the updates, and both end with the same final.
TEST(AnalysisKinds, FinalsOnlyEmitsAWindowWhenItClosesOrWhenAsked) {
  AnalysisSpec spec;
  spec.name = "langs";
  spec.kind = ResultKind::kCount;
  spec.window = ParseWindowSpec("1m").value();
  ASSERT_TRUE(ValidateAnalysis(spec).ok());
  const TimestampUs t0 = 1617235200000000;  // a window's start
  const TimestampUs minute = 60000000;
  const auto lateness = std::chrono::seconds(30);
  auto normal = NewAnalysisState(spec, 0, lateness);
  auto finals = NewAnalysisState(spec, 0, lateness);
  finals->FinalsOnly();
  Item item;
  auto add = [&](TimestampUs t, const char* key, TimestampUs watermark) {
    normal->Add(t, key, item, watermark);
    finals->Add(t, key, item, watermark);
  };
  add(t0 + 1, "en", INT64_MIN);
  add(t0 + 2, "de", INT64_MIN);
  // The watermark past the window's end, within its lateness; a late post.
  const TimestampUs past = t0 + minute + 10000000;
  std::vector<Partial> n, f;
  normal->Emit(past, &n);
  finals->Emit(past, &f);
  EXPECT_EQ(n.size(), 1u) << "an update (not final) once the watermark passes the end";
  EXPECT_FALSE(n.at(0).final);
  EXPECT_TRUE(f.empty()) << "finals only: no update";
  add(t0 + 3, "en", past);
  n.clear();
  normal->Emit(past + 1, &n);
  finals->Emit(past + 1, &f);
  EXPECT_EQ(n.size(), 1u) << "the late post: another update";
  EXPECT_TRUE(f.empty());
  // Gone idle: every changed window, past its end or not, as it stands.
  finals->EmitEarly(past + 1, &f);
  ASSERT_EQ(f.size(), 1u);
  EXPECT_FALSE(f[0].final);
  EXPECT_EQ(f[0].result.total, 3u);
  f.clear();
  finals->EmitEarly(past + 1, &f);
  EXPECT_TRUE(f.empty()) << "nothing changed since";
  // A snapshot taken now, restored into a finals-only state, goes on alike.
  add(t0 + 4, "fr", past);
  std::string snapshot;
  ByteWriter w(&snapshot);
  finals->Save(w);
  auto restored = NewAnalysisState(spec, 0, lateness);
  restored->FinalsOnly();
  ByteReader r(snapshot);
  ASSERT_TRUE(restored->Load(r).ok());
  std::vector<Partial> g;
  restored->Emit(past + 2, &g);
  EXPECT_TRUE(g.empty()) << "restored: still no update";
  restored->EmitEarly(past + 2, &g);
  ASSERT_EQ(g.size(), 1u) << "the late post's change survived the snapshot";
  EXPECT_EQ(g[0].result.total, 4u);
  g.clear();
  // Closed: one final each, the same.
  const TimestampUs closed = t0 + minute + 30000000;
  n.clear();
  normal->Emit(closed, &n);
  finals->Emit(closed, &f);
  restored->Emit(closed, &g);
  ASSERT_EQ(n.size(), 1u);
  ASSERT_EQ(f.size(), 1u);
  ASSERT_EQ(g.size(), 1u);
  EXPECT_TRUE(f[0].final);
  EXPECT_EQ(f[0].result, n[0].result);
  EXPECT_EQ(g[0].result, n[0].result);
  EXPECT_EQ(f[0].result.total, 4u);
  EXPECT_EQ(normal->open_windows(), 0u);
  EXPECT_EQ(finals->open_windows(), 0u);
}

}  // namespace
}  // namespace starling::dataflow
