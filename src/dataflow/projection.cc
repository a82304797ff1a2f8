// File: dataflow/projection.cc
// The projection of a pipeline: analyses -> the post fields they read.
#include "dataflow/projection.h"

namespace starling::dataflow {

using parse::Fields;

Fields FieldsNeeded(const DimensionRef& dim) {
  switch (dim.dim) {
    case Dimension::kAll:
    case Dimension::kProvider:  // always read
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
    bits |= FieldsNeeded(a.by).bits;
    switch (a.kind) {
      case ResultKind::kDistinct:
        bits |= FieldsNeeded(a.of).bits;
        break;
      case ResultKind::kSentiment:
      case ResultKind::kCluster:
        bits |= Fields::kText;
        break;
      case ResultKind::kCooccurrence:
        bits |= Fields::kHashtags;
        break;
      default:
        break;
    }
    // Event time places posts in windows; the global window needs no time.
    const bool timed = a.window.type != WindowType::kGlobal || a.kind == ResultKind::kSession ||
                       a.kind == ResultKind::kBurst;
    if (timed && spec.time == TimeMode::kEvent) bits |= Fields::kTime;
  }
  return Fields{bits};
}

}  // namespace starling::dataflow
