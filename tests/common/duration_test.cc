#include "common/duration.h"

#include <gtest/gtest.h>

namespace starling {
namespace {

using std::chrono::microseconds;

TEST(Duration, ParsesUnitsAndCompounds) {
  EXPECT_EQ(ParseDuration("500ms").value(), microseconds(500000));
  EXPECT_EQ(ParseDuration("30s").value(), microseconds(30000000));
  EXPECT_EQ(ParseDuration("1m").value(), microseconds(60000000));
  EXPECT_EQ(ParseDuration("1m30s").value(), microseconds(90000000));
  EXPECT_EQ(ParseDuration("2h").value(), microseconds(7200000000));
  EXPECT_EQ(ParseDuration("1d").value(), microseconds(86400000000));
  EXPECT_EQ(ParseDuration("15").value(), microseconds(15000000));
  EXPECT_EQ(ParseDuration("1.5s").value(), microseconds(1500000));
  EXPECT_EQ(ParseDuration("0.25").value(), microseconds(250000));
}

TEST(Duration, RefusesGarbage) {
  for (const char* bad : {"", "m", "1x", "-1s", ".5s", "1s2", "99999999999999999999s"}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  }
}

TEST(Duration, FormatsShortest) {
  EXPECT_EQ(FormatDuration(microseconds(60000000)), "1m");
  EXPECT_EQ(FormatDuration(microseconds(90000000)), "90s");
  EXPECT_EQ(FormatDuration(microseconds(250000)), "250ms");
  EXPECT_EQ(FormatDuration(microseconds(0)), "0s");
}

}  // namespace
}  // namespace starling
