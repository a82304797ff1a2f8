// The reconnect rules of the providers (source/provider/retry.h), exactly.
#include "source/provider/retry.h"

#include <gtest/gtest.h>

namespace starling::source::provider {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

TEST(Backoff, NetworkIsAtOnceThenLinearBy250msUpTo16s) {
  Backoff b;
  std::vector<microseconds> got;
  for (int i = 0; i < 70; ++i) got.push_back(b.Next(Failure::kNetwork));
  EXPECT_EQ(got[0], milliseconds(0));
  EXPECT_EQ(got[1], milliseconds(250));
  EXPECT_EQ(got[2], milliseconds(500));
  EXPECT_EQ(got[63], milliseconds(15750));
  EXPECT_EQ(got[64], seconds(16));
  EXPECT_EQ(got[69], seconds(16));
}

TEST(Backoff, HttpErrorsStartAt5sAndDoubleUpTo320s) {
  Backoff b;
  std::vector<microseconds> want = {seconds(5),  seconds(10),  seconds(20),  seconds(40),
                                    seconds(80), seconds(160), seconds(320), seconds(320)};
  for (microseconds w : want) EXPECT_EQ(b.Next(Failure::kHttp), w);
}

TEST(Backoff, RateLimitsWithoutATimeStartAt60sAndDouble) {
  Backoff b;
  EXPECT_EQ(b.Next(Failure::kRateLimit), seconds(60));
  EXPECT_EQ(b.Next(Failure::kRateLimit), seconds(120));
  EXPECT_EQ(b.Next(Failure::kRateLimit), seconds(240));
  EXPECT_EQ(b.Until(seconds(42)), seconds(42));  // a reset time is obeyed as given
  EXPECT_EQ(b.Next(Failure::kRateLimit), seconds(480));
  EXPECT_EQ(b.Next(Failure::kRateLimit), seconds(960));
  EXPECT_EQ(b.Next(Failure::kRateLimit), seconds(960));  // the cap
  EXPECT_EQ(b.Until(seconds(-5)), seconds(1));           // a reset in the past never spins
}

TEST(Backoff, KindsCountApartAndASuccessResetsAll) {
  Backoff b;
  EXPECT_EQ(b.Next(Failure::kHttp), seconds(5));
  EXPECT_EQ(b.Next(Failure::kNetwork), milliseconds(0));
  EXPECT_EQ(b.Next(Failure::kHttp), seconds(10));
  EXPECT_EQ(b.Next(Failure::kNetwork), milliseconds(250));
  EXPECT_EQ(b.attempts(), 4);
  b.Reset();
  EXPECT_EQ(b.attempts(), 0);
  EXPECT_EQ(b.Next(Failure::kHttp), seconds(5));
  EXPECT_EQ(b.Next(Failure::kNetwork), milliseconds(0));
}

TEST(Backoff, ConfigurableFromASpec) {
  auto spec = spec::Parse("x:stream?retry_http_first=1s&retry_http_max=3s&retry_network_step=10ms");
  ASSERT_TRUE(spec.ok());
  auto params = spec::Params::Check(*spec, RetryParams(), "test");
  ASSERT_TRUE(params.ok()) << params.status().ToString();
  auto policy = RetryPolicyFrom(*params);
  ASSERT_TRUE(policy.ok());
  Backoff b(*policy);
  EXPECT_EQ(b.Next(Failure::kHttp), seconds(1));
  EXPECT_EQ(b.Next(Failure::kHttp), seconds(2));
  EXPECT_EQ(b.Next(Failure::kHttp), seconds(3));
  EXPECT_EQ(b.Next(Failure::kNetwork), milliseconds(0));
  EXPECT_EQ(b.Next(Failure::kNetwork), milliseconds(10));

  auto bad = spec::Parse("x:stream?retry_http_first=10s&retry_http_max=1s");
  ASSERT_TRUE(bad.ok());
  auto bad_params = spec::Params::Check(*bad, RetryParams(), "test");
  ASSERT_TRUE(bad_params.ok());
  EXPECT_FALSE(RetryPolicyFrom(*bad_params).ok());
}

TEST(RateLimitHeaders, Parse) {
  EXPECT_EQ(ParseUnixSeconds("1733500000"), 1733500000);
  EXPECT_EQ(ParseUnixSeconds(" 17"), 17);
  EXPECT_FALSE(ParseUnixSeconds("soon"));
  EXPECT_FALSE(ParseUnixSeconds("-3"));
  EXPECT_EQ(ParseRetryAfter("30"), seconds(30));
}

}  // namespace
}  // namespace starling::source::provider
