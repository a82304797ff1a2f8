// File: dataflow/projection.cc
// The projection of a pipeline: analyses -> the post fields they read.
#include "dataflow/projection.h"

#include "dataflow/analysis/kind.h"
#include "dataflow/keys.h"

namespace starling::dataflow {

using parse::Fields;

Fields FieldsNeeded(const DimensionRef& dim) {
  switch (dim.dim) {
    case Dimension::kAll:
    case Dimension::kProvider:  // always read
    case Dimension::kChannel:   // always read
      return Fields{0};
    case Dimension::kLang:
      return Fields{Fields::kLang};
    case Dimension::kKind:
      return Fields{Fields::kReferences};
    case Dimension::kHashtag:
      return Fields{Fields::kHashtags};
    case Dimension::kMention:
      return Fields{Fields::kMentions};
    case Dimension::kUrl:
    case Dimension::kDomain:
      return Fields{Fields::kUrls};
    case Dimension::kCashtag:
      return Fields{Fields::kCashtags};
    case Dimension::kWord:
      return Fields{Fields::kText};
    case Dimension::kAuthor:
      return Fields{Fields::kAuthor};
    case Dimension::kRule:
      return Fields{Fields::kRules};
    case Dimension::kLabel:
      return Fields{};  // labels come from joins, which may read anything
  }
  return Fields{};
}

Fields FieldsNeeded(const PipelineSpec& spec) {
  if (!spec.transforms.empty()) return Fields{};
  std::uint32_t bits = 0;
  for (const AnalysisSpec& a : spec.analyses) {
    if (a.custom_keys) return Fields{};
    const AnalysisKind& kind = AnalysisKindOf(a.kind);
    bits |= FieldsNeeded(a.by).bits;
    if (kind.takes_of) bits |= FieldsNeeded(a.of).bits;
    // The features a kind computes read the text (sentiment, words) or the hashtags.
    FeatureNeeds needs;
    kind.needs(a, &needs);
    if (needs.sentiment || needs.words) bits |= Fields::kText;
    if (needs.hashtags) bits |= Fields::kHashtags;
    // Event time places posts in windows; the global window needs no time
    // (sessions have windows of their own; bursts refuse the global one).
    const bool timed = a.window.type != WindowType::kGlobal || kind.session_windows;
    if (timed && spec.time == TimeMode::kEvent) bits |= Fields::kTime;
  }
  return Fields{bits};
}

}  // namespace starling::dataflow
