// FieldsNeeded: the fields a pipeline reads, from its analyses.
#include "dataflow/projection.h"

#include <gtest/gtest.h>

#include "dataflow/keys.h"

namespace starling::dataflow {
namespace {

using parse::Fields;

AnalysisSpec Analysis(std::string name, model::ResultKind kind, Dimension by) {
  AnalysisSpec a;
  a.name = std::move(name);
  a.kind = kind;
  a.by.dim = by;
  return a;
}

TEST(FieldsNeeded, TopHashtagsOverTheWholeInputReadsOnlyHashtags) {
  PipelineSpec spec;
  spec.analyses.push_back(Analysis("top", model::ResultKind::kTopK, Dimension::kHashtag));
  EXPECT_EQ(FieldsNeeded(spec).bits, Fields::kHashtags);
}

TEST(FieldsNeeded, TimeWindowsInEventTimeAlsoReadCreatedAt) {
  PipelineSpec spec;
  AnalysisSpec a = Analysis("top", model::ResultKind::kTopK, Dimension::kMention);
  auto w = ParseWindowSpec("1m");
  ASSERT_TRUE(w.ok());
  a.window = *w;
  spec.analyses.push_back(a);
  EXPECT_EQ(FieldsNeeded(spec).bits, Fields::kMentions | Fields::kTime);
  spec.time = TimeMode::kProcessing;  // windows by arrival: no created_at
  EXPECT_EQ(FieldsNeeded(spec).bits, Fields::kMentions);
}

TEST(FieldsNeeded, KindsAndDimensionsAddTheirFields) {
  PipelineSpec spec;
  spec.analyses.push_back(Analysis("s", model::ResultKind::kSentiment, Dimension::kLang));
  spec.analyses.push_back(Analysis("c", model::ResultKind::kCooccurrence, Dimension::kAll));
  AnalysisSpec d = Analysis("d", model::ResultKind::kDistinct, Dimension::kDomain);
  d.of.dim = Dimension::kAuthor;
  spec.analyses.push_back(d);
  spec.analyses.push_back(Analysis("k", model::ResultKind::kCount, Dimension::kKind));
  spec.analyses.push_back(Analysis("r", model::ResultKind::kCount, Dimension::kRule));
  EXPECT_EQ(FieldsNeeded(spec).bits, Fields::kText | Fields::kLang | Fields::kHashtags |
                                         Fields::kUrls | Fields::kAuthor | Fields::kReferences |
                                         Fields::kRules);
  EXPECT_EQ(FieldsNeeded(DimensionRef{Dimension::kWord, {}}).bits, Fields::kText);
  EXPECT_EQ(FieldsNeeded(DimensionRef{Dimension::kCashtag, {}}).bits, Fields::kCashtags);
  EXPECT_EQ(FieldsNeeded(DimensionRef{Dimension::kAll, {}}).bits, 0u);
}

TEST(FieldsNeeded, OpaqueCallablesAndLabelsNeedEveryField) {
  PipelineSpec spec;
  spec.analyses.push_back(Analysis("top", model::ResultKind::kTopK, Dimension::kHashtag));
  PipelineSpec filtered = spec;
  Transform t;
  t.kind = Transform::Kind::kFilter;
  t.filter = [](const model::Post&) { return true; };
  filtered.transforms.push_back(t);
  EXPECT_TRUE(FieldsNeeded(filtered).all());

  PipelineSpec custom = spec;
  custom.analyses[0].custom_keys = [](const model::Post&, KeyEmitter&) {};
  EXPECT_TRUE(FieldsNeeded(custom).all());

  PipelineSpec labelled = spec;
  labelled.analyses[0].by = DimensionRef{Dimension::kLabel, "team"};
  EXPECT_TRUE(FieldsNeeded(labelled).all());
}

}  // namespace
}  // namespace starling::dataflow

namespace starling::dataflow {
namespace {

TEST(ChannelDimension, NamesAliasesKeysAndFields) {
  for (const char* name : {"channel", "channels", "repo", "repos", "group", "groups"}) {
    auto d = ParseDimension(name);
    ASSERT_TRUE(d.ok()) << name;
    EXPECT_EQ(d->dim, Dimension::kChannel) << name;
    EXPECT_EQ(DimensionName(*d), "channel");
  }
  EXPECT_EQ(FieldsNeeded(DimensionRef{Dimension::kChannel, {}}), Fields{0});  // always read
  model::Post p;
  PostFeatures f;
  std::string scratch;
  std::vector<std::string> keys;
  auto collect = [&](std::string_view k) { keys.emplace_back(k); };
  ForEachKey(p, f, DimensionRef{Dimension::kChannel, {}}, &scratch, collect);
  EXPECT_TRUE(keys.empty());  // no channel: no key
  p.channel = "jathanism/trigger";
  p.kind = model::PostKind::kPush;
  ForEachKey(p, f, DimensionRef{Dimension::kChannel, {}}, &scratch, collect);
  ForEachKey(p, f, DimensionRef{Dimension::kKind, {}}, &scratch, collect);
  EXPECT_EQ(keys, (std::vector<std::string>{"jathanism/trigger", "push"}));
}

}  // namespace
}  // namespace starling::dataflow
