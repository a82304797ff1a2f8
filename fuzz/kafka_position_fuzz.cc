// The Kafka source's position token (source/kafka/offsets.h), what a
// checkpoint keeps and Seek reads back: any bytes are refused or parsed,
// never a crash, and a parsed token writes back to one that parses the same.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "source/kafka/offsets.h"

using namespace starling::source::kafka;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  auto p = ParsePosition(in);
  if (p.ok()) {
    auto again = ParsePosition(FormatPosition(*p));
    if (!again.ok() || again->topic != p->topic || again->offsets != p->offsets) std::abort();
    for (const auto& [partition, offset] : p->offsets) {
      if (partition < 0 || offset < 0) std::abort();
    }
  }
  auto o = ParseOffsets(in);
  if (o.ok()) {
    auto again = ParseOffsets(FormatOffsets(*o));
    if (!again.ok() || *again != *o) std::abort();
  }
  return 0;
}
