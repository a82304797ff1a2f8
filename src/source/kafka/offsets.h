// File: source/kafka/offsets.h
// The position token of a Kafka source: the topic, and for each partition
// the offset of the next message to read there (Kafka's convention for a
// committed offset), as a provider::PositionToken:
//   kafka;topic=posts;offsets=0:1520,1:1498,2:0
// Partitions in increasing order, each once. This is what a checkpoint keeps
// and what Seek reads back; offsets committed to Kafka are only a copy.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "common/status.h"

namespace starling::source::kafka {

// Partition -> the offset of the next message to read there.
using Offsets = std::map<std::int32_t, std::int64_t>;

struct Position {
  std::string topic;
  Offsets offsets;
};

// "0:1520,1:1498" (empty for no partition).
std::string FormatOffsets(const Offsets& offsets);
// The inverse of FormatOffsets. MalformedInput for anything else: a
// partition or offset that is not a decimal number in range (partition
// 0..2^31-1, offset 0..2^63-1), a partition given twice, an empty item.
Result<Offsets> ParseOffsets(std::string_view text);

std::string FormatPosition(const Position& position);
// MalformedInput for a token that is not a Kafka position (another
// source's, or corrupt), or that names no topic.
Result<Position> ParsePosition(std::string_view token);

}  // namespace starling::source::kafka
