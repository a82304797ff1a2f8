// File: common/duration.h
// Durations as users write them on the command line and in pipeline files:
// "500ms", "30s", "1m", "2h", "1d" (also "1m30s"); a bare number is seconds.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "common/status.h"

namespace starling {

// InvalidArgument naming the text when it is not a duration or is negative.
Result<std::chrono::microseconds> ParseDuration(std::string_view text);

// The shortest exact form: "1m", "90s", "250ms", "0s".
std::string FormatDuration(std::chrono::microseconds d);

}  // namespace starling
