// File: analytics/hash.h
// The one 64-bit hash of the analytics layer (XXH3 from Debian's libxxhash):
// sketches, feature hashing and key partitioning all use it, so a key lands
// in the same worker, register and bucket everywhere, run after run.
#pragma once

#include <cstdint>
#include <string_view>

namespace starling::analytics {

// Stable across runs and machines (no random seed): checkpoints rely on it.
std::uint64_t Hash64(std::string_view bytes, std::uint64_t seed = 0);

}  // namespace starling::analytics
