// The Meetup source against the local replay server, on a ManualClock:
// Relay pages followed by their cursor, events once across polls and
// resumes, a 200 answer with errors[] taken as an error (and kept as a
// record), the poll interval and the rate-limit backoff exact. The pages are
// hand-written from Meetup's published GraphQL schema (no Meetup traffic is
// recorded in ../shared/data).
#include <gtest/gtest.h>
#include <stdlib.h>

#include <string>
#include <vector>

#include "common/clock.h"
#include "model/post_json.h"
#include "source/provider/json_records.h"
#include "source/registry.h"
#include "support/replay_server.h"

namespace starling::source {
namespace {

std::string Event(const std::string& id) {
  return R"({"id":")" + id + R"(","title":"Meetup )" + id +
         R"(","description":"Talk on #cpp","dateTime":"2026-09-15T19:00:00+02:00","group":{"id":"1","urlname":"berlin-cpp","name":"Berlin C++"}})";
}

std::string Page(const std::vector<std::string>& ids, bool next, const std::string& cursor) {
  std::string edges;
  for (const std::string& id : ids) {
    edges += std::string(edges.empty() ? "" : ",") + R"({"node":)" + Event(id) + "}";
  }
  return R"({"data":{"groupByUrlname":{"id":"1","name":"Berlin C++","urlname":"berlin-cpp","events":{"pageInfo":{"hasNextPage":)" +
         std::string(next ? "true" : "false") + R"(,"endCursor":")" + cursor + R"("},"edges":[)" +
         edges + "]}}}}";
}

std::string Step(const std::string& body) {
  std::string s = R"({"status":200,"body":)";
  model::AppendJsonString(body, &s);
  return s + "}";
}

class MeetupSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("MEETUP_TOKEN", "test-token", 1);
    setenv("XDG_CONFIG_HOME", STARLING_TEST_TMP "/no-config", 1);
  }
  std::unique_ptr<testing::ReplayServer> Serve(const std::vector<std::string>& steps) {
    std::string routes;
    for (const std::string& s : steps) routes += std::string(routes.empty() ? "" : ",") + s;
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    auto s = testing::ReplayServer::Start(
        R"({"token":"test-token","routes":{"/gql-ext":[)" + routes + "]}}",
        STARLING_TEST_TMP "/meetup_source_test/" + std::string(info->name()));
    EXPECT_NE(s, nullptr) << "python3 tests/support/provider_server.py did not start";
    return s;
  }
  std::unique_ptr<RecordSource> Open(const testing::ReplayServer& server) {
    SourceOptions o;
    o.clock = &clock_;
    auto s = OpenSource("meetup:groups/berlin-cpp/events?api_base=" + server.base(), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // The event id of a record {"data":{"event":{"id":"..."...}}}; "errors" for an error answer.
  static std::string IdOf(std::string_view record) {
    if (record.starts_with(R"({"errors")")) return "errors";
    constexpr std::string_view kHead = R"({"data":{"event":{"id":")";
    if (!record.starts_with(kHead)) return "?";
    record.remove_prefix(kHead.size());
    return std::string(record.substr(0, record.find('"')));
  }
  ManualClock clock_;
};

TEST_F(MeetupSourceTest, PagesPollsErrorsAndDuplicates) {
  const std::string errors =
      R"({"errors":[{"message":"Too many requests","extensions":{"code":"RATE_LIMITED"}}]})";
  auto server = Serve({Step(Page({"1", "2"}, true, "c1")), Step(Page({"2", "3"}, false, "c2")),
                       Step(errors), Step(errors), Step(Page({"1", "2"}, true, "c1")),
                       Step(Page({"3", "4"}, false, "c2"))});
  ASSERT_NE(server, nullptr);
  auto source = Open(*server);
  ASSERT_NE(source, nullptr);
  Record r;
  std::vector<std::string> got;
  for (int i = 0; i < 5; ++i) {
    auto more = testing::NextRecord(*source, &r);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    got.push_back(IdOf(r.bytes));
  }
  // Poll 1: 1, 2 | 3 (2 again is dropped); poll 2: the error (twice: kept
  // once); poll 3: 4.
  EXPECT_EQ(got, (std::vector<std::string>{"1", "2", "3", "errors", "4"}));
  // An event goes out as an event(id:) answer would.
  EXPECT_EQ(std::string(r.bytes), R"({"data":{"event":)" + Event("4") + "}}");
  const SourceHealth h = *source->Health();
  // 10m poll, then the rate limit: 60 s, 120 s.
  EXPECT_EQ(h.waits_us, (std::vector<std::int64_t>{600000000, 60000000, 120000000}));
  EXPECT_EQ(h.duplicates, 4u);
  const auto reqs = server->Requests();
  ASSERT_EQ(reqs.size(), 6u);
  EXPECT_NE(reqs[0].find(R"(\"after\":null)"), std::string::npos) << reqs[0];
  EXPECT_NE(reqs[0].find(R"(\"urlname\":\"berlin-cpp\")"), std::string::npos) << reqs[0];
  EXPECT_NE(reqs[1].find(R"(\"after\":\"c1\")"), std::string::npos) << reqs[1];
  EXPECT_NE(reqs[0].find(R"("method": "POST")"), std::string::npos);
}

TEST_F(MeetupSourceTest, ResumeMidPageAsksForThatPageAgain) {
  auto server = Serve({Step(Page({"1", "2"}, true, "c1")), Step(Page({"3", "4"}, false, "c2")),
                       Step(Page({"3", "4"}, false, "c2"))});
  ASSERT_NE(server, nullptr);
  auto first = Open(*server);
  Record r;
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(*testing::NextRecord(*first, &r));  // 1, 2, 3
  const std::string position = first->SealPosition(first->Position());
  EXPECT_NE(position.find("cursor=c1"), std::string::npos) << position;
  first.reset();
  auto resumed = Open(*server);
  ASSERT_TRUE(*resumed->Seek(position));
  ASSERT_TRUE(*testing::NextRecord(*resumed, &r));
  EXPECT_EQ(IdOf(r.bytes), "4");  // 3 was delivered: dropped
  EXPECT_NE(server->Requests()[2].find(R"(\"after\":\"c1\")"), std::string::npos);
}

TEST_F(MeetupSourceTest, AuthenticationErrorsStop) {
  auto server = Serve({Step(
      R"({"errors":[{"message":"Not authenticated","extensions":{"code":"UNAUTHENTICATED"}}]})")});
  ASSERT_NE(server, nullptr);
  auto source = Open(*server);
  Record r;
  auto got = testing::NextRecord(*source, &r);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("MEETUP_TOKEN"), std::string::npos);
  SourceOptions o;
  EXPECT_FALSE(OpenSource("meetup:groups/x", o).ok());
  EXPECT_FALSE(OpenSource("meetup:search", o).ok());
}

}  // namespace
}  // namespace starling::source
