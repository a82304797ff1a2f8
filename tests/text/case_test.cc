// Tests for text/case.h: the lower case of hashtags and keys.
#include "text/case.h"

#include <gtest/gtest.h>

namespace starling::text {
namespace {

TEST(LowerTag, LowersAsciiAndUnicode) {
  EXPECT_EQ(LowerTag("BrExit"), "brexit");
  EXPECT_EQ(LowerTag("\xC3\x89T\xC3\x89"), "\xC3\xA9t\xC3\xA9");  // ÉTÉ -> été
}

}  // namespace
}  // namespace starling::text
