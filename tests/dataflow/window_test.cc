#include "dataflow/window.h"

#include <gtest/gtest.h>

namespace starling::dataflow {
namespace {

constexpr std::int64_t kS = 1000000;

TEST(Window, TumblingIsEpochAligned) {
  auto spec = ParseWindowSpec("1m").value();
  std::vector<Window> w;
  AssignWindows(spec, 61 * kS + 5, &w);
  ASSERT_EQ(w.size(), 1u);
  EXPECT_EQ(w[0].start, 60 * kS);
  EXPECT_EQ(w[0].end, 120 * kS);
  w.clear();
  AssignWindows(spec, -1, &w);  // before 1970: floor, not truncation
  EXPECT_EQ(w[0].start, -60 * kS);
}

TEST(Window, SlidingCoversSizeOverSlideWindows) {
  auto spec = ParseWindowSpec("sliding 10s 5s").value();
  std::vector<Window> w;
  AssignWindows(spec, 12 * kS, &w);
  ASSERT_EQ(w.size(), 2u);
  EXPECT_EQ(w[0].start, 5 * kS);
  EXPECT_EQ(w[1].start, 10 * kS);
  EXPECT_EQ(LatestWindowEnd(spec, 12 * kS), 20 * kS);
  for (const Window& x : w) EXPECT_TRUE(x.start <= 12 * kS && 12 * kS < x.end);
}

TEST(Window, ParsesAndRefuses) {
  EXPECT_EQ(ParseWindowSpec("session 5m")->type, WindowType::kSession);
  EXPECT_EQ(ParseWindowSpec("global")->type, WindowType::kGlobal);
  EXPECT_EQ(ParseWindowSpec("sliding 10m every 1m")->slide, std::chrono::minutes(1));
  EXPECT_EQ(FormatWindowSpec(ParseWindowSpec("sliding 10m 1m").value()), "sliding 10m 1m");
  for (const char* bad : {"", "sliding 10m 3m", "session", "0s", "tumbling", "weekly"}) {
    EXPECT_FALSE(ParseWindowSpec(bad).ok()) << bad;
  }
}

TEST(Window, BoundsTheWindowsOfAPost) {
  // "sliding 1h 1ms" put each post in 3.6 million windows: 3 posts gave
  // 3.6M results and 2.6 GB of memory.
  auto huge = ParseWindowSpec("sliding 1h 1ms");
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(huge.status().message(),
            "window 'sliding 1h 1ms': 3600000 windows per post (size / slide); at most 1000 "
            "(use a longer slide)");
  EXPECT_FALSE(ParseWindowSpec("sliding 1001s every 1s").ok());
  auto most = ParseWindowSpec("sliding 1000s 1s");
  ASSERT_TRUE(most.ok());
  std::vector<Window> w;
  AssignWindows(*most, 12 * kS, &w);
  EXPECT_EQ(w.size(), static_cast<std::size_t>(kMaxWindowsPerPost));
  // A spec made in code gets the same checks.
  WindowSpec made;
  made.type = WindowType::kSliding;
  made.size = std::chrono::hours(1);
  made.slide = std::chrono::milliseconds(1);
  EXPECT_NE(ValidateWindowSpec(made).message().find("3600000 windows per post"), std::string::npos);
  made.slide = std::chrono::minutes(1);
  EXPECT_TRUE(ValidateWindowSpec(made).ok());
  made.slide = std::chrono::minutes(7);
  EXPECT_FALSE(ValidateWindowSpec(made).ok());
  made.slide = std::chrono::microseconds(0);
  EXPECT_FALSE(ValidateWindowSpec(made).ok());
}

}  // namespace
}  // namespace starling::dataflow
