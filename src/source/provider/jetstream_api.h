// File: source/provider/jetstream_api.h
// What identifies a Jetstream event, read without parsing posts.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace starling::source::provider::jetstream {

struct EventKey {
  // A commit: did|rev|operation|collection|rkey; other events: did|kind|time_us.
  // Empty when the message is not JSON or has no did (never dropped).
  std::string key;
  std::int64_t time_us = 0;  // 0 when absent
};
EventKey KeyOf(std::string_view message);

}  // namespace starling::source::provider::jetstream
