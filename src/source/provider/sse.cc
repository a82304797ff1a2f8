// File: source/provider/sse.cc
#include "source/provider/sse.h"

namespace starling::source::provider {

std::optional<SseEvent> SseParser::Line(std::string_view line) {
  heartbeat_ = false;
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  if (line.empty()) {  // the end of an event; one without data is not dispatched
    if (!has_data_) {
      Reset();
      return std::nullopt;
    }
    SseEvent e{event_.empty() ? "message" : std::move(event_), std::move(data_)};
    Reset();
    return e;
  }
  if (line.front() == ':') {
    heartbeat_ = true;
    return std::nullopt;
  }
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  if (field == "event") {
    event_ = std::string(value);
  } else if (field == "data") {
    if (has_data_) data_.push_back('\n');
    data_ += value;
    has_data_ = true;
  }
  return std::nullopt;  // id:, retry: and unknown fields are ignored
}

void SseParser::Reset() {
  event_.clear();
  data_.clear();
  has_data_ = false;
}

}  // namespace starling::source::provider
