// Fuzz target: timestamp parsing; a parsed value must format and re-parse to itself.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "model/time.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view s(reinterpret_cast<const char*>(data), size);
  auto r = starling::model::ParseTimestamp(s);
  if (r.ok() && *r > -62135596800000000LL && *r < 253402300799000000LL) {
    auto again = starling::model::ParseTimestamp(starling::model::FormatTimestamp(*r));
    if (!again.ok() || *again != *r) __builtin_trap();
  }
  return 0;
}
