#include "analytics/hash.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

namespace starling::analytics {

std::uint64_t Hash64(std::string_view bytes, std::uint64_t seed) {
  return XXH3_64bits_withSeed(bytes.data(), bytes.size(), seed);
}

}  // namespace starling::analytics
