// File: source/provider/sse.h
// Server-sent events (the HTML Living Standard's text/event-stream), as
// Mastodon's streaming API sends them: lines of "field: value", an event
// ended by a blank line, comments (":thump") as heartbeats.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace starling::source::provider {

struct SseEvent {
  std::string event;  // "message" when the event named none
  std::string data;   // data lines joined by '\n'
};

class SseParser {
 public:
  // One line, without its line break (a trailing '\r' is dropped). An event
  // when this (blank) line ends one; heartbeat() tells a comment line.
  std::optional<SseEvent> Line(std::string_view line);
  // The last line given was a comment (a heartbeat).
  bool heartbeat() const { return heartbeat_; }
  // Forgets a half-read event (the connection dropped).
  void Reset();

 private:
  std::string event_;
  std::string data_;
  bool has_data_ = false;
  bool heartbeat_ = false;
};

}  // namespace starling::source::provider
