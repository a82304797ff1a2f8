// Tests for common/number_format.h.
#include "common/number_format.h"

#include <gtest/gtest.h>

#include <limits>

namespace starling {
namespace {

TEST(Grouped, SeparatesThousands) {
  EXPECT_EQ(Grouped(std::uint64_t{0}), "0");
  EXPECT_EQ(Grouped(std::uint64_t{999}), "999");
  EXPECT_EQ(Grouped(std::uint64_t{1000}), "1,000");
  EXPECT_EQ(Grouped(std::uint64_t{1234567}), "1,234,567");
  EXPECT_EQ(Grouped(std::numeric_limits<std::uint64_t>::max()), "18,446,744,073,709,551,615");
  EXPECT_EQ(Grouped(std::int64_t{-1234}), "-1,234");
  EXPECT_EQ(Grouped(std::int64_t{-999}), "-999");
  EXPECT_EQ(Grouped(std::numeric_limits<std::int64_t>::min()), "-9,223,372,036,854,775,808");
}

}  // namespace
}  // namespace starling
