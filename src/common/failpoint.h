// File: common/failpoint.h
// Fault injection for the crash tests: Failpoint("NAME") kills the process
// with SIGKILL, as `kill -9` would, when the environment variable
// STARLING_FAILPOINT is NAME (at its first hit) or NAME:N (at its N-th hit).
// Otherwise it does nothing: one read of the environment, then a compare.
// The points are named where they are placed; docs/testing.md lists them.
#pragma once

#include <string_view>

namespace starling {

void Failpoint(std::string_view name);

}  // namespace starling
