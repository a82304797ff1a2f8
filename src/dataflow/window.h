// File: dataflow/window.h
// Window assignment in event time. Tumbling and sliding windows are aligned
// to the Unix epoch (a 1m window starts at a whole UTC minute, a 1h window
// sliding by 10m at a whole ten minutes), so re-runs and resumed runs get the
// same windows. Sessions are per key: a session grows while posts of its key
// arrive less than `gap` apart.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/post.h"

namespace starling::dataflow {

using model::TimestampUs;

inline constexpr TimestampUs kMinTime = std::numeric_limits<TimestampUs>::min();
inline constexpr TimestampUs kMaxTime = std::numeric_limits<TimestampUs>::max();

enum class WindowType : std::uint8_t { kGlobal, kTumbling, kSliding, kSession };

struct WindowSpec {
  WindowType type = WindowType::kGlobal;
  std::chrono::microseconds size{0};   // tumbling, sliding
  std::chrono::microseconds slide{0};  // sliding: size is a multiple of slide
  std::chrono::microseconds gap{0};    // session
  bool operator==(const WindowSpec&) const = default;
};

// [start, end) in event time. The global window is [kMinTime, kMaxTime).
struct Window {
  TimestampUs start = 0;
  TimestampUs end = 0;
  auto operator<=>(const Window&) const = default;
};

// A sliding window puts each post in size / slide windows, each with state
// and a result of its own: past this many, one post costs more than a
// pipeline can sensibly hold ("sliding 1h 1ms" is 3.6 million).
inline constexpr std::int64_t kMaxWindowsPerPost = 1000;

// Parses "global", "1m" / "tumbling 1m", "sliding 10m 1m" (size, then slide;
// "sliding 10m every 1m" also reads), "session 5m". InvalidArgument with the
// grammar on anything else, on zero sizes, on a slide that does not divide
// the size, and on more than kMaxWindowsPerPost windows per post.
Result<WindowSpec> ParseWindowSpec(std::string_view text);
// The checks of ParseWindowSpec on a spec made in code (sizes > 0, the slide
// divides the size, at most kMaxWindowsPerPost windows per post).
Status ValidateWindowSpec(const WindowSpec& spec);
std::string FormatWindowSpec(const WindowSpec& spec);

// Appends the windows that contain event time t, earliest first (one for
// tumbling and global, size/slide for sliding, [t, t+gap) for a session
// before merging).
void AssignWindows(const WindowSpec& spec, TimestampUs t, std::vector<Window>* out);

// The latest end of any window containing t: a post is late for every one of
// its windows when this end plus the allowed lateness is at or below the
// watermark.
TimestampUs LatestWindowEnd(const WindowSpec& spec, TimestampUs t);

// Floor division that rounds towards minus infinity (event times before 1970).
inline TimestampUs FloorTo(TimestampUs t, std::int64_t unit) {
  TimestampUs q = t / unit;
  if ((t % unit) != 0 && (t < 0)) --q;
  return q * unit;
}

// a + b, saturating at kMaxTime / kMinTime.
inline TimestampUs SaturatingAdd(TimestampUs a, std::int64_t b) {
  if (b > 0 && a > kMaxTime - b) return kMaxTime;
  if (b < 0 && a < kMinTime - b) return kMinTime;
  return a + b;
}

}  // namespace starling::dataflow
