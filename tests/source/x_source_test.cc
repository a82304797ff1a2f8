// The X API v2 stream source against the local replay server, on an injected
// ManualClock: the reconnect schedule is asserted exactly, without sleeping
// through it (tests/support/provider_server.py plays the API).
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

#include "common/clock.h"
#include "model/post_json.h"
#include "source/registry.h"
#include "support/replay_server.h"

namespace starling::source {
namespace {

using std::chrono::microseconds;
using std::chrono::milliseconds;
using std::chrono::seconds;

std::string Line(int id) {
  return R"({"data":{"id":")" + std::to_string(id) + R"(","text":"post )" + std::to_string(id) +
         R"(","created_at":"2021-04-01T15:52:31.000Z","author_id":"7"}})";
}

// A stream step of the replay server: these posts' lines, then `then`.
std::string Stream(int from, int to, std::string_view then) {
  // A stall lasts far longer than any test waits for it in real time.
  std::string out = R"({"status":200,"stall":60,"then":")" + std::string(then) + R"(","lines":[)";
  for (int i = from; i < to; ++i) {
    if (i > from) out += ',';
    model::AppendJsonString(Line(i), &out);
  }
  return out + "]}";
}

std::string Script(const std::vector<std::string>& steps) {
  std::string out = R"({"token":"test-token","routes":{"/2/tweets/search/stream":[)";
  for (std::size_t i = 0; i < steps.size(); ++i) out += (i ? "," : "") + steps[i];
  return out + "]}}";
}

class XStreamSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("X_BEARER_TOKEN", "test-token", 1);
    setenv("XDG_CONFIG_HOME", STARLING_TEST_TMP "/no-config", 1);
  }
  static std::string Dir() {
    return STARLING_TEST_TMP "/x_source_test/" +
           std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  std::unique_ptr<testing::ReplayServer> Serve(const std::vector<std::string>& steps,
                                               bool tls = false) {
    auto s = testing::ReplayServer::Start(Script(steps), Dir(), tls);
    EXPECT_NE(s, nullptr) << "python3 tests/support/provider_server.py did not start";
    return s;
  }
  std::unique_ptr<RecordSource> Open(const testing::ReplayServer& server) {
    SourceOptions o;
    o.clock = &clock_;
    auto s = OpenSource("x:stream?api_base=" + server.base(), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::int64_t Elapsed() { return clock_.Steady().time_since_epoch().count() / 1000; }
  ManualClock clock_;
};

TEST_F(XStreamSourceTest, ReconnectScheduleIsExact) {
  // Three connections dropped before any answer (network), three 503s, a 429
  // without a reset time, a 429 that resets at Unix second 400, then posts.
  auto server =
      Serve({R"({"drop":true})", R"({"drop":true})", R"({"drop":true})", R"({"status":503})",
             R"({"status":503})", R"({"status":503})", R"({"status":429})",
             R"({"status":429,"headers":{"x-rate-limit-reset":400}})", Stream(1, 4, "hold")});
  ASSERT_NE(server, nullptr);
  auto source = Open(*server);
  ASSERT_NE(source, nullptr);
  Record r;
  for (int id = 1; id < 4; ++id) {
    auto got = testing::NextRecord(*source, &r);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    ASSERT_TRUE(*got);
    EXPECT_EQ(r.bytes, Line(id));
  }
  const std::vector<std::int64_t> want = {
      0, 250000, 500000,            // network: at once, then +250 ms each
      5000000, 10000000, 20000000,  // HTTP: 5 s doubling
      60000000,                     // 429 without a time: 60 s
      // 429 until its reset: 400 s less the 95.75 s already waited
      304250000};
  const SourceHealth h = *source->Health();
  EXPECT_EQ(h.waits_us, want);
  EXPECT_EQ(Elapsed(), 400000000);  // the ManualClock moved by exactly the waits
  EXPECT_EQ(h.reconnects, 8u);
  EXPECT_EQ(h.connects, 1u);
  EXPECT_TRUE(h.connected);
  EXPECT_EQ(h.rate_limit_remaining, -1);
  EXPECT_EQ(server->Requests().size(), 9u);
}

TEST_F(XStreamSourceTest, StallPastTheKeepAliveReconnectsAndDropsDuplicates) {
  // The first connection goes silent after 3 posts; the second resends two of
  // them (as after a reconnect) and goes on.
  auto server = Serve({Stream(1, 4, "stall"), Stream(2, 6, "hold")});
  ASSERT_NE(server, nullptr);
  auto source = Open(*server);
  ASSERT_NE(source, nullptr);
  Record r;
  for (int id = 1; id < 4; ++id) {
    ASSERT_TRUE(*testing::NextRecord(*source, &r));
    EXPECT_EQ(r.bytes, Line(id));
  }
  // Nothing for 29 s: still connected; at 30 s (the default stall_timeout) it reconnects.
  EXPECT_EQ(source->Next(&r).status().code(), StatusCode::kTryAgain);
  clock_.Advance(seconds(29));
  EXPECT_EQ(source->Next(&r).status().code(), StatusCode::kTryAgain);
  EXPECT_TRUE(source->Health()->connected);
  clock_.Advance(seconds(1));
  EXPECT_EQ(source->Next(&r).status().code(), StatusCode::kTryAgain);
  EXPECT_FALSE(source->Health()->connected);
  EXPECT_NE(source->Health()->last_error.find("stall"), std::string::npos);
  for (int id = 4; id < 6; ++id) {
    ASSERT_TRUE(*testing::NextRecord(*source, &r));
    EXPECT_EQ(r.bytes, Line(id));  // 2 and 3 came again and were dropped
  }
  const SourceHealth h = *source->Health();
  EXPECT_EQ(h.duplicates, 2u);
  EXPECT_EQ(h.waits_us, std::vector<std::int64_t>{0});  // a stall reconnects at once
}

TEST_F(XStreamSourceTest, PositionCarriesSeenIdsAcrossAResume) {
  auto server = Serve({Stream(1, 4, "close"), Stream(1, 6, "hold")});
  ASSERT_NE(server, nullptr);
  auto first = Open(*server);
  Record r;
  for (int id = 1; id < 4; ++id) ASSERT_TRUE(*testing::NextRecord(*first, &r));
  const std::string position = first->SealPosition(first->Position());
  first.reset();
  auto resumed = Open(*server);
  ASSERT_TRUE(*resumed->Seek(position));
  for (int id = 4; id < 6; ++id) {
    ASSERT_TRUE(*testing::NextRecord(*resumed, &r));
    EXPECT_EQ(r.bytes, Line(id));
  }
  EXPECT_EQ(resumed->Health()->duplicates, 3u);
  EXPECT_FALSE(resumed->Seek("x-search;since_id=1").ok());
}

TEST_F(XStreamSourceTest, HealthIsReadWhileTheSourceRuns) {
  // The dashboard reads Health() from its own thread (run under TSan too).
  auto server = Serve({R"({"status":503})", Stream(1, 200, "hold")});
  ASSERT_NE(server, nullptr);
  auto source = Open(*server);
  ASSERT_NE(source, nullptr);
  std::atomic<bool> done{false};
  std::uint64_t reads = 0;
  std::thread reader([&] {
    while (!done.load()) {
      const SourceHealth h = *source->Health();
      if (h.requests > 2) ADD_FAILURE() << "more requests than the script has";
      ++reads;
    }
  });
  Record r;
  for (int id = 1; id < 200; ++id) {
    auto got = testing::NextRecord(*source, &r);
    ASSERT_TRUE(got.ok() && *got) << got.status().ToString();
  }
  done = true;
  reader.join();
  EXPECT_GT(source->Health()->bytes, 0u);
  EXPECT_EQ(source->Health()->waits_us, std::vector<std::int64_t>{5000000});
  (void)reads;
}

TEST_F(XStreamSourceTest, AServerThatHangsUpAtOnceIsBackedOffFrom) {
  // 200 and an empty body, three times: each counts as a network failure
  // (the backoff starts over only once the body flows), then posts.
  auto server = Serve(
      {Stream(1, 1, "close"), Stream(1, 1, "close"), Stream(1, 1, "close"), Stream(1, 3, "hold")});
  ASSERT_NE(server, nullptr);
  auto source = Open(*server);
  ASSERT_NE(source, nullptr);
  Record r;
  ASSERT_TRUE(*testing::NextRecord(*source, &r));
  EXPECT_EQ(r.bytes, Line(1));
  EXPECT_EQ(source->Health()->waits_us, (std::vector<std::int64_t>{0, 250000, 500000}));
}

TEST_F(XStreamSourceTest, HttpsVerifiesTheServer) {
  ASSERT_TRUE(testing::ReplayServer::MakeCertificate(Dir()))
      << "openssl could not make a certificate";
  auto server = Serve({Stream(1, 3, "hold")}, /*tls=*/true);
  ASSERT_NE(server, nullptr);
  const std::string base = "x:stream?api_base=https://localhost:" + std::to_string(server->port());
  SourceOptions o;
  o.clock = &clock_;
  auto good = OpenSource(base + "&ca_file=" + Dir() + "/cert.pem", o);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  Record r;
  ASSERT_TRUE(*testing::NextRecord(**good, &r));
  EXPECT_EQ(r.bytes, Line(1));
  // Without the CA the certificate is refused: a failure to retry, not a stream.
  auto bad = OpenSource(base, o);
  ASSERT_TRUE(bad.ok());
  for (int i = 0; i < 50 && (*bad)->Health()->last_error.empty(); ++i) (void)(*bad)->Next(&r);
  EXPECT_NE((*bad)->Health()->last_error.find("certificate"), std::string::npos)
      << (*bad)->Health()->last_error;
  EXPECT_EQ((*bad)->Health()->connects, 0u);
}

TEST_F(XStreamSourceTest, UnauthorizedStopsAtOnceNamingTheVariable) {
  auto server = Serve({Stream(1, 2, "hold")});
  ASSERT_NE(server, nullptr);
  setenv("X_BEARER_TOKEN", "not-the-token", 1);
  auto source = Open(*server);
  Record r;
  auto got = testing::NextRecord(*source, &r);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("HTTP 401"), std::string::npos);
  EXPECT_NE(got.status().message().find("X_BEARER_TOKEN"), std::string::npos);
  EXPECT_EQ(got.status().message().find("not-the-token"), std::string::npos);
  EXPECT_FALSE(source->Next(&r).ok());  // stays stopped, never retried
  EXPECT_EQ(server->Requests().size(), 1u);
}

}  // namespace
}  // namespace starling::source
