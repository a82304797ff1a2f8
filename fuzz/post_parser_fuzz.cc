// Fuzz target: PostParser on arbitrary bytes, with and without
// --include-referenced. It must never crash, and a record either yields
// posts/controls or a MalformedInput/ResourceExhausted status.
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "parse/post_parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static starling::parse::PostParser plain({});
  static starling::parse::PostParser referenced([] {
    starling::parse::ParseOptions o;
    o.include_referenced = true;
    o.max_record_bytes = 1 << 20;
    return o;
  }());
  std::string_view record(reinterpret_cast<const char*>(data), size);
  std::vector<starling::model::Post> posts;
  std::vector<starling::parse::ControlMessage> controls;
  starling::Status a = plain.Parse(record, &posts, &controls);
  if (!a.ok() && (!posts.empty() || !controls.empty())) __builtin_trap();  // all or nothing
  posts.clear();
  controls.clear();
  (void)referenced.Parse(record, &posts, &controls);
  return 0;
}
