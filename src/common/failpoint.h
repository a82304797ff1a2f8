// File: common/failpoint.h
// Fault injection for the crash tests: Failpoint("NAME") kills the process
// with SIGKILL, as `kill -9` would, when the environment variable
// STARLING_FAILPOINT is NAME (at its first hit) or NAME:N (at its N-th hit).
// Otherwise it does nothing: one read of the environment, then a compare.
// The points are named where they are placed (docs/kafka.md and
// docs/scale-out.md name them).
#pragma once

#include <string_view>

namespace starling {

void Failpoint(std::string_view name);

// DelayPoint("NAME") sleeps MS milliseconds at each hit when the
// environment variable STARLING_DELAYPOINT is NAME:MS: a test widens a race
// with it. Otherwise, as Failpoint, a compare.
void DelayPoint(std::string_view name);

}  // namespace starling
