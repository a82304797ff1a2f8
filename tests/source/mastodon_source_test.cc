// The Mastodon source against the local replay server: the recorded SSE
// stream of a real Mastodon 4.6 server (../shared/data/mastodon-py), cut
// mid-event; after the reconnect the gap is filled from the REST timeline and
// what was delivered is not delivered again; a resumed source fills from its
// checkpoint's last id.
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

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Quoted(std::string_view s) {
  std::string out;
  model::AppendJsonString(s, &out);
  return out;
}

class MastodonSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    setenv("MASTODON_TOKEN", "test-token", 1);
    setenv("XDG_CONFIG_HOME", STARLING_TEST_TMP "/no-config", 1);
    const std::string dir = STARLING_SHARED_DATA "/mastodon-py/bodies/";
    sse_ = ReadFile(dir + "test_stream_user_direct__12.body.sse");
    auto rest = provider::ArrayElements(ReadFile(dir + "test_public_tl__2.body.json"));
    ASSERT_TRUE(rest.ok());
    rest_ = *rest;
    ASSERT_EQ(rest_.size(), 8u);
    // The stream's three statuses, as the timeline would list them too.
    std::size_t at = 0;
    while ((at = sse_.find("event: update\ndata: ", at)) != std::string::npos) {
      at += 20;
      stream_statuses_.push_back(sse_.substr(at, sse_.find('\n', at) - at));
    }
    ASSERT_EQ(stream_statuses_.size(), 2u);
    // A third, later status, from the recording of another stream.
    const std::string other = ReadFile(dir + "test_stream_user_local__5.body.sse");
    at = other.find("event: update\ndata: ");
    ASSERT_NE(at, std::string::npos);
    at += 20;
    stream_statuses_.push_back(other.substr(at, other.find('\n', at) - at));
  }
  // SSE lines [0, n) of the recording, as a stream step ending with `then`.
  std::string SseStep(std::size_t from, std::size_t to, std::string_view then) {
    std::vector<std::string> lines;
    std::stringstream ss(sse_);
    for (std::string l; std::getline(ss, l);) lines.push_back(l);
    std::string step = R"({"status":200,"content_type":"text/event-stream","then":")" +
                       std::string(then) + R"(","lines":[)";
    for (std::size_t i = from; i < std::min(to, lines.size()); ++i) {
      step += (i > from ? "," : "") + Quoted(lines[i]);
    }
    return step + "]}";
  }
  std::string Timeline() {
    std::string t = R"({"timeline":[)";
    bool first = true;
    for (const auto* list : {&rest_, &stream_statuses_}) {
      for (const std::string& s : *list) {
        t += (first ? "" : ",") + s;
        first = false;
      }
    }
    return t + "]}";
  }
  std::unique_ptr<testing::ReplayServer> Serve(const std::string& routes) {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    auto s = testing::ReplayServer::Start(
        R"({"token":"test-token","routes":{)" + routes + "}}",
        STARLING_TEST_TMP "/mastodon_source_test/" + std::string(info->name()));
    EXPECT_NE(s, nullptr) << "python3 tests/support/provider_server.py did not start";
    return s;
  }
  std::unique_ptr<RecordSource> Open(const testing::ReplayServer& server) {
    SourceOptions o;
    o.clock = &clock_;
    auto s = OpenSource("mastodon:public?instance=" + server.base(), o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  // What a record is: "update:ID", "delete:ID", "notification", or "status:ID" (REST).
  static std::string What(std::string_view record) {
    const std::string event = provider::TopField(record, "event");
    if (event.empty()) return "status:" + provider::TopField(record, "id");
    const std::string payload = provider::TopField(record, "payload");
    if (event == "update" || event == "status.update") {
      return event + ":" + provider::TopField(payload, "id");
    }
    if (event == "delete") return "delete:" + payload;
    return event;
  }
  ManualClock clock_;
  std::string sse_;
  std::vector<std::string> rest_;
  std::vector<std::string> stream_statuses_;
};

TEST_F(MastodonSourceTest, CutStreamIsFilledFromTheTimelineWithoutDoubles) {
  // Lines 0..9 hold: a heartbeat, update S1, a notification, update S2; the
  // stream is cut inside the next event. The timeline gives S3 (newer than
  // S2) to fill the gap; the second connection sends update S2 again, a
  // notification, status.update S1 (an edit), delete S1 and a heartbeat.
  const std::string s1 = provider::TopField(stream_statuses_[0], "id");
  const std::string s2 = provider::TopField(stream_statuses_[1], "id");
  const std::string s3 = provider::TopField(stream_statuses_[2], "id");
  auto server =
      Serve(R"("/api/v1/streaming/public":[)" + SseStep(0, 11, "cut") + "," +
            SseStep(7, 100, "hold") + R"(],"/api/v1/timelines/public":[)" + Timeline() + "]");
  ASSERT_NE(server, nullptr);
  auto source = Open(*server);
  ASSERT_NE(source, nullptr);
  std::vector<std::string> got;
  Record r;
  for (int i = 0; i < 6; ++i) {
    auto more = testing::NextRecord(*source, &r);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    got.push_back(What(r.bytes));
  }
  const std::vector<std::string> want = {"update:" + s1, "notification", "update:" + s2,
                                         "status:" + s3, "notification", "delete:" + s1};
  EXPECT_EQ(got, want);
  const SourceHealth h = *source->Health();
  EXPECT_EQ(h.duplicates, 2u);  // S2 again, and S1's edit
  EXPECT_EQ(h.cut, 1u);         // the event cut by the disconnect: not bad data
  EXPECT_GE(h.keep_alives, 1u);
  const auto reqs = server->Requests();
  ASSERT_EQ(reqs.size(), 3u);  // the stream, the stream again, then the gap's timeline
  EXPECT_NE(reqs[2].find("/api/v1/timelines/public"), std::string::npos) << reqs[2];
  EXPECT_NE(reqs[2].find("min_id=" + s2), std::string::npos) << reqs[2];
}

TEST_F(MastodonSourceTest, ResumeFillsFromTheCheckpointsLastId) {
  auto server = Serve(R"("/api/v1/streaming/public":[)" + SseStep(0, 1, "hold") +
                      R"(],"/api/v1/timelines/public":[)" + Timeline() + "]");
  ASSERT_NE(server, nullptr);
  auto source = Open(*server);
  ASSERT_NE(source, nullptr);
  // A checkpoint whose last status is the 4th oldest of the timeline.
  const std::string last = provider::TopField(rest_[4], "id");
  ASSERT_TRUE(*source->Seek("mastodon;last=" + last + ";ids=" + last));
  std::vector<std::string> got;
  Record r;
  for (int i = 0; i < 7; ++i) {
    ASSERT_TRUE(*testing::NextRecord(*source, &r));
    got.push_back(What(r.bytes));
  }
  std::vector<std::string> want;
  for (int i = 3; i >= 0; --i) want.push_back("status:" + provider::TopField(rest_[i], "id"));
  for (const std::string& s : stream_statuses_)
    want.push_back("status:" + provider::TopField(s, "id"));
  EXPECT_EQ(got, want);
  EXPECT_NE(source->Position().find("last=" + provider::TopField(stream_statuses_[2], "id")),
            std::string::npos);
}

TEST_F(MastodonSourceTest, NeedsAnInstanceAndAToken) {
  SourceOptions o;
  EXPECT_FALSE(OpenSource("mastodon:public", o).ok());
  EXPECT_FALSE(OpenSource("mastodon:hashtag/?instance=https://h", o).ok());
  unsetenv("MASTODON_TOKEN");
  auto s = OpenSource("mastodon:public?instance=https://h", o);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("MASTODON_TOKEN"), std::string::npos);
}

}  // namespace
}  // namespace starling::source
