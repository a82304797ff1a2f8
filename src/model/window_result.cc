#include "model/window_result.h"

namespace starling::model {

std::string_view ResultKindName(ResultKind kind) {
  switch (kind) {
    case ResultKind::kCount:
      return "count";
    case ResultKind::kTopK:
      return "top";
    case ResultKind::kDistinct:
      return "distinct";
    case ResultKind::kSentiment:
      return "sentiment";
    case ResultKind::kBurst:
      return "bursts";
    case ResultKind::kCluster:
      return "clusters";
    case ResultKind::kCooccurrence:
      return "cooccurrence";
    case ResultKind::kSession:
      return "sessions";
  }
  return "unknown";
}

std::optional<ResultKind> ResultKindFromName(std::string_view name) {
  for (ResultKind k : {ResultKind::kCount, ResultKind::kTopK, ResultKind::kDistinct,
                       ResultKind::kSentiment, ResultKind::kBurst, ResultKind::kCluster,
                       ResultKind::kCooccurrence, ResultKind::kSession}) {
    if (ResultKindName(k) == name) return k;
  }
  return std::nullopt;
}

}  // namespace starling::model
