// File: model/time.h
// Event time: microseconds since the Unix epoch (UTC), and the timestamps of
// every format providers send, parsed and written (model/time.cc).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace starling::model {

// Microseconds since 1970-01-01T00:00:00Z.
using TimestampUs = std::int64_t;

// Formats microseconds since the epoch as "2021-04-01T15:52:31.000Z"
// (milliseconds when the value has none finer, else microseconds).
std::string FormatTimestamp(TimestampUs us);
// The same text written into buf (room for 32 bytes) without allocating:
// the hot-path form. Returns its length, or 0 for a year outside 0000..9999,
// which the fixed layout cannot hold (FormatTimestamp handles those).
std::size_t WriteTimestamp(TimestampUs us, char* buf);
// Parses ISO-8601 ("2021-04-01T15:52:31.000Z", "+00:00" offsets, fractions)
// and X v1.1 dates ("Wed Oct 10 20:19:24 +0000 2018").
Result<TimestampUs> ParseTimestamp(std::string_view text);

}  // namespace starling::model
