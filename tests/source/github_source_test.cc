// The GitHub events source against the local replay server, on a ManualClock:
// ETags and 304s, Link pages, X-Poll-Interval, events dropped by id, and the
// rate limits, with every wait asserted exactly. The events are GitHub's own
// (../shared/data/simdjson/github_events.json, 30 events of /events).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "model/post_json.h"
#include "source/provider/json_records.h"
#include "source/registry.h"
#include "support/replay_server.h"

namespace starling::source {
namespace {

std::vector<std::string> RecordedEvents() {
  std::ifstream in(STARLING_SHARED_DATA "/simdjson/github_events.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto events = provider::ArrayElements(ss.str());
  EXPECT_TRUE(events.ok());
  return events.ok() ? *events : std::vector<std::string>{};
}

// A JSON array of events [from, to) as a body.
std::string Body(const std::vector<std::string>& e, std::size_t from, std::size_t to) {
  std::string body = "[";
  for (std::size_t i = from; i < to; ++i) body += (i > from ? "," : "") + e[i];
  return body + "]";
}

std::string Step(int status, const std::string& headers, const std::string& body = {}) {
  std::string s = "{\"status\":" + std::to_string(status) + ",\"headers\":{" + headers + "}";
  if (!body.empty()) {
    s += ",\"body\":";
    model::AppendJsonString(body, &s);
  }
  return s + "}";
}

class GitHubSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    unsetenv("GITHUB_TOKEN");
    setenv("XDG_CONFIG_HOME", STARLING_TEST_TMP "/no-config", 1);
    events_ = RecordedEvents();
    ASSERT_EQ(events_.size(), 30u);
  }
  std::unique_ptr<testing::ReplayServer> Serve(const std::string& routes) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    auto s = testing::ReplayServer::Start(
        "{\"routes\":{" + routes + "}}",
        STARLING_TEST_TMP "/github_source_test/" + std::string(info->name()));
    EXPECT_NE(s, nullptr) << "python3 tests/support/provider_server.py did not start";
    return s;
  }
  std::unique_ptr<RecordSource> Open(const testing::ReplayServer& server, std::string feed) {
    SourceOptions o;
    o.clock = &clock_;
    auto s = OpenSource("github:" + feed + "?api_base=" + server.base(), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  std::string Id(std::string_view event) { return provider::TopField(event, "id"); }
  ManualClock clock_;
  std::vector<std::string> events_;
};

TEST_F(GitHubSourceTest, PollsWithETagsPagesIntervalsAndRateLimits) {
  const std::string page2 =
      "\"/repos/o/r/events?per_page=100&page=2\":[" + Step(200, "", Body(events_, 20, 30)) + "]";
  const std::string first =
      "\"/repos/o/r/events\":[" +
      // Poll 1: events 10..19, and a Link to page 2 (20..29).
      Step(
          200,
          R"("ETag":"W/\"a\"","X-Poll-Interval":2,"Link":"<{base}/repos/o/r/events?per_page=100&page=2>; rel=\"next\", <{base}/repos/o/r/events?per_page=100&page=2>; rel=\"last\"")",
          Body(events_, 10, 20)) +
      // Poll 2: not modified.
      "," + Step(304, R"("ETag":"W/\"a\"","X-Poll-Interval":2)") +
      // Poll 3: 0..14, of which 10..14 were seen: the new ones are 0..9.
      "," + Step(200, R"("ETag":"W/\"b\"","X-Poll-Interval":5)", Body(events_, 0, 15)) +
      // Poll 4: the primary rate limit is spent until Unix second 1000.
      "," +
      Step(403, R"("x-ratelimit-remaining":0,"x-ratelimit-reset":1000)",
           R"({"message":"API rate limit exceeded"})") +
      // Then a secondary limit with retry-after, and one without.
      "," + Step(429, R"("retry-after":7)", R"({"message":"secondary rate limit"})") + "," +
      Step(403, "", R"({"message":"You have exceeded a secondary rate limit."})") + "," +
      Step(304, R"("ETag":"W/\"b\"")") + "]";
  auto server = Serve(first + "," + page2);
  ASSERT_NE(server, nullptr);
  auto source = Open(*server, "repos/o/r/events");
  ASSERT_NE(source, nullptr);
  Record r;
  std::vector<std::string> got;
  for (int i = 0; i < 30; ++i) {
    auto more = testing::NextRecord(*source, &r);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    ASSERT_TRUE(*more);
    got.push_back(Id(r.bytes));
    EXPECT_EQ(r.bytes.find('\n'), std::string_view::npos);  // one line each
  }
  // Oldest first within each poll: 29..10, then 9..0.
  std::vector<std::string> want;
  for (int i = 29; i >= 0; --i) want.push_back(Id(events_[i]));
  EXPECT_EQ(got, want);
  // Run on until the last 304 has been answered.
  for (int i = 0; i < 20000 && server->Requests().size() < 8; ++i) (void)source->Next(&r);
  const auto reqs = server->Requests();
  ASSERT_EQ(reqs.size(), 8u);
  EXPECT_EQ(reqs[0].find("if-none-match"), std::string::npos);
  EXPECT_NE(reqs[1].find("page=2"), std::string::npos);
  EXPECT_EQ(reqs[1].find("if-none-match"), std::string::npos);  // only the first page
  EXPECT_NE(reqs[2].find(R"("if-none-match": "W/\"a\"")"), std::string::npos) << reqs[2];
  EXPECT_NE(reqs[3].find(R"("if-none-match": "W/\"a\"")"), std::string::npos);  // kept over a 304
  EXPECT_NE(reqs[4].find(R"("if-none-match": "W/\"b\"")"), std::string::npos);
  const SourceHealth h = *source->Health();
  const std::vector<std::int64_t> waits = {
      2000000,    // X-Poll-Interval 2 after poll 1
      2000000,    // and after the 304
      5000000,    // X-Poll-Interval 5 after poll 3
      991000000,  // the primary limit: until second 1000 (9 s have passed)
      7000000,    // retry-after: 7
      60000000,   // a secondary limit with no time: 60 s
      5000000};   // after the last 304, the interval again
  EXPECT_EQ(h.waits_us, waits);
  EXPECT_EQ(h.duplicates, 5u);
  EXPECT_EQ(h.rate_limit_remaining, 0);
}

TEST_F(GitHubSourceTest, ResumesWithoutLosingOrDoublingEvents) {
  auto server = Serve("\"/events\":[" + Step(200, R"("ETag":"W/\"a\"")", Body(events_, 0, 10)) +
                      "," + Step(200, R"("ETag":"W/\"b\"")", Body(events_, 0, 12)) + "]");
  ASSERT_NE(server, nullptr);
  auto first = Open(*server, "events");
  Record r;
  for (int i = 0; i < 4; ++i) ASSERT_TRUE(*testing::NextRecord(*first, &r));
  const std::string half = first->SealPosition(first->Position());
  EXPECT_NE(half.find("etag=;"), std::string::npos) << "no ETag mid-poll: " << half;
  first.reset();
  // The resumed source asks afresh (its poll gets the server's second answer,
  // events 0..11): what it had (6..9) is dropped, the rest comes oldest first.
  auto resumed = Open(*server, "events");
  ASSERT_TRUE(*resumed->Seek(half));
  std::vector<std::string> got;
  for (int i = 0; i < 8; ++i) {
    ASSERT_TRUE(*testing::NextRecord(*resumed, &r));
    got.push_back(Id(r.bytes));
  }
  std::vector<std::string> want = {Id(events_[11]), Id(events_[10])};
  for (int i = 5; i >= 0; --i) want.push_back(Id(events_[i]));
  EXPECT_EQ(got, want);
  EXPECT_NE(resumed->Position().find("etag=W/\"b\""), std::string::npos);
  EXPECT_EQ(server->Requests()[1].find("if-none-match"), std::string::npos);
}

TEST_F(GitHubSourceTest, UnauthorizedAndMissingFeedsStop) {
  auto server =
      Serve("\"/users/ghost/events\":[" + Step(401, "", R"({"message":"Bad credentials"})") + "]," +
            "\"/orgs/nope/events\":[" + Step(404, "", R"({"message":"Not Found"})") + "]");
  ASSERT_NE(server, nullptr);
  Record r;
  auto a = Open(*server, "users/ghost/events");
  auto got = testing::NextRecord(*a, &r);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("GITHUB_TOKEN"), std::string::npos);
  auto b = Open(*server, "orgs/nope/events");
  got = testing::NextRecord(*b, &r);
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(server->Requests().size(), 2u);
  SourceOptions o;
  EXPECT_FALSE(OpenSource("github:repos/only-owner/events", o).ok());
  EXPECT_FALSE(OpenSource("github:repos/a/../events", o).ok());
}

}  // namespace
}  // namespace starling::source
