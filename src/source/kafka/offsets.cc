// File: source/kafka/offsets.cc
#include "source/kafka/offsets.h"

#include <charconv>
#include <limits>

#include "source/provider/seen_ids.h"

namespace starling::source::kafka {
namespace {

constexpr std::string_view kKind = "kafka";

// A non-negative decimal number no larger than `max`, digits only.
template <typename T>
bool ParseNumber(std::string_view text, T max, T* out) {
  if (text.empty() || text.size() > 19) return false;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
  }
  T v = 0;
  const auto r = std::from_chars(text.data(), text.data() + text.size(), v);
  if (r.ec != std::errc() || r.ptr != text.data() + text.size() || v < 0 || v > max) return false;
  *out = v;
  return true;
}

}  // namespace

std::string FormatOffsets(const Offsets& offsets) {
  std::string out;
  for (const auto& [partition, offset] : offsets) {
    if (!out.empty()) out += ',';
    out += std::to_string(partition);
    out += ':';
    out += std::to_string(offset);
  }
  return out;
}

Result<Offsets> ParseOffsets(std::string_view text) {
  Offsets out;
  while (!text.empty()) {
    const std::size_t comma = text.find(',');
    const std::string_view item = text.substr(0, comma);
    const std::size_t colon = item.find(':');
    std::int32_t partition = 0;
    std::int64_t offset = 0;
    if (colon == std::string_view::npos ||
        !ParseNumber(item.substr(0, colon), std::numeric_limits<std::int32_t>::max(), &partition) ||
        !ParseNumber(item.substr(colon + 1), std::numeric_limits<std::int64_t>::max(), &offset)) {
      return MalformedInput("kafka position: '" + std::string(item.substr(0, 40)) +
                            "' is not PARTITION:OFFSET");
    }
    if (!out.emplace(partition, offset).second) {
      return MalformedInput("kafka position: partition " + std::to_string(partition) +
                            " given twice");
    }
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
    if (text.empty()) return MalformedInput("kafka position: a trailing ','");
  }
  return out;
}

std::string FormatPosition(const Position& position) {
  return provider::PositionToken(kKind)
      .Add("topic", position.topic)
      .Add("offsets", FormatOffsets(position.offsets))
      .str();
}

Result<Position> ParsePosition(std::string_view token) {
  Position p;
  STARLING_ASSIGN_OR_RETURN(p.topic, provider::PositionToken::Get(token, kKind, "topic"));
  if (p.topic.empty()) return MalformedInput("kafka position: no topic");
  STARLING_ASSIGN_OR_RETURN(std::string offsets,
                            provider::PositionToken::Get(token, kKind, "offsets"));
  STARLING_ASSIGN_OR_RETURN(p.offsets, ParseOffsets(offsets));
  return p;
}

}  // namespace starling::source::kafka
