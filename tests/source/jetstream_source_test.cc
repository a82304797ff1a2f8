// The Jetstream source against the local WebSocket replay server, on the
// real Jetstream capture (../shared/data/bluesky-jetstream): a frame cut by
// a disconnect, a close, reconnects from the time_us cursor less the rewind
// (so the server sends again what was delivered), an upgrade refused, and a
// stall noticed by keep-alive pings. Every event comes once.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>
#include <vector>

#include "common/clock.h"
#include "model/post_json.h"
#include "source/provider/json_records.h"
#include "source/registry.h"
#include "support/replay_server.h"

namespace starling::source {
namespace {

class JetstreamSourceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ifstream in(STARLING_SHARED_DATA "/bluesky-jetstream/corpus/expected_v1.jsonl");
    for (std::string l; std::getline(in, l);) events_.push_back(l);
    ASSERT_EQ(events_.size(), 152u);
  }
  std::string Ws(std::size_t from, std::size_t count, std::string_view then) {
    std::string step = R"({"ws":[)";
    for (std::size_t i = 0; i < events_.size(); ++i) {
      if (i > 0) step += ',';
      model::AppendJsonString(events_[i], &step);
    }
    return step + R"(],"from":)" + std::to_string(from) + R"(,"count":)" + std::to_string(count) +
           R"(,"then":")" + std::string(then) + R"("})";
  }
  static std::string Dir() {
    return STARLING_TEST_TMP "/jetstream_source_test/" +
           std::string(::testing::UnitTest::GetInstance()->current_test_info()->name());
  }
  std::unique_ptr<testing::ReplayServer> Serve(const std::string& steps, bool tls = false) {
    auto s =
        testing::ReplayServer::Start(R"({"routes":{"/subscribe":[)" + steps + "]}}", Dir(), tls);
    EXPECT_NE(s, nullptr) << "python3 tests/support/provider_server.py did not start";
    return s;
  }
  std::unique_ptr<RecordSource> Open(const testing::ReplayServer& server, std::string extra = {}) {
    SourceOptions o;
    o.clock = &clock_;
    auto s = OpenSource(
        "bluesky:jetstream?api_base=ws://127.0.0.1:" + std::to_string(server.port()) + extra, o);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? std::move(*s) : nullptr;
  }
  ManualClock clock_;
  std::vector<std::string> events_;
};

TEST_F(JetstreamSourceTest, ReconnectsFromTheCursorAndDropsWhatItHad) {
  // 60 events, then half a frame and the connection drops; from the cursor
  // (all 152 are within the 5 s rewind) 100 then a close; then all of them.
  auto server = Serve(Ws(0, 60, "cut") + "," + Ws(0, 100, "close") + "," + Ws(0, 152, "hold"));
  ASSERT_NE(server, nullptr);
  auto source = Open(*server, "&collections=app.bsky.feed.post,app.bsky.feed.like");
  ASSERT_NE(source, nullptr);
  Record r;
  for (std::size_t i = 0; i < events_.size(); ++i) {
    auto more = testing::NextRecord(*source, &r);
    ASSERT_TRUE(more.ok()) << i << ": " << more.status().ToString();
    ASSERT_EQ(r.bytes, events_[i]) << i;
  }
  const SourceHealth h = *source->Health();
  EXPECT_EQ(h.duplicates, 160u);  // 60 sent again by the second, 100 by the third
  EXPECT_EQ(h.connects, 3u);
  EXPECT_EQ(h.waits_us, (std::vector<std::int64_t>{0, 0}));  // at once, after each
  const auto reqs = server->Requests();
  ASSERT_EQ(reqs.size(), 3u);
  EXPECT_NE(
      reqs[0].find("wantedCollections=app.bsky.feed.post&wantedCollections=app.bsky.feed.like"),
      std::string::npos)
      << reqs[0];
  EXPECT_EQ(reqs[0].find("cursor="), std::string::npos);  // a fresh start: now
  // The second asks from the newest time_us of the first 60, less 5 s.
  std::int64_t newest = 0;
  for (std::size_t i = 0; i < 60; ++i) {
    newest = std::max<std::int64_t>(newest, std::stoll(provider::TopField(events_[i], "time_us")));
  }
  EXPECT_NE(reqs[1].find("cursor=" + std::to_string(newest - 5000000)), std::string::npos)
      << reqs[1];
  // The position holds the cursor: a resumed source starts from it.
  const std::string position = source->SealPosition(source->Position());
  source.reset();
  auto resumed = Open(*server);
  ASSERT_TRUE(*resumed->Seek(position));
  std::int64_t last = 0;
  for (const std::string& e : events_) {
    last = std::max<std::int64_t>(last, std::stoll(provider::TopField(e, "time_us")));
  }
  // Connects (the server holds): wait, bounded, until the server logged it.
  for (int i = 0; i < 100 && server->Requests().size() < 4; ++i) (void)resumed->Next(&r);
  const auto after = server->Requests();
  ASSERT_EQ(after.size(), 4u);
  EXPECT_NE(after[3].find("cursor=" + std::to_string(last - 5000000)), std::string::npos);
}

TEST_F(JetstreamSourceTest, RefusedUpgradesBackOffOrStop) {
  auto server = Serve(R"({"status":503},{"status":429},)" + Ws(0, 1, "hold"));
  ASSERT_NE(server, nullptr);
  auto source = Open(*server);
  Record r;
  ASSERT_TRUE(*testing::NextRecord(*source, &r));
  EXPECT_EQ(r.bytes, events_[0]);
  EXPECT_EQ(source->Health()->waits_us, (std::vector<std::int64_t>{5000000, 60000000}));
  auto bad = Serve(R"({"status":400,"body":"{\"error\":\"bad collection\"}"})");
  auto stops = Open(*bad);
  auto got = testing::NextRecord(*stops, &r);
  ASSERT_FALSE(got.ok());
  EXPECT_NE(got.status().message().find("HTTP 400"), std::string::npos);
  EXPECT_EQ(bad->Requests().size(), 1u);
}

TEST_F(JetstreamSourceTest, AStallIsNoticedByPings) {
  auto server = Serve(Ws(0, 3, "stall") + "," + Ws(0, 10, "hold"));
  ASSERT_NE(server, nullptr);
  auto source = Open(*server, "&stall_timeout=1s");
  Record r;
  for (std::size_t i = 0; i < 10; ++i) {
    ASSERT_TRUE(*testing::NextRecord(*source, &r));
    EXPECT_EQ(r.bytes, events_[i]);
  }
  EXPECT_NE(source->Health()->last_error.find("stall"), std::string::npos)
      << source->Health()->last_error;
  EXPECT_EQ(source->Health()->duplicates, 3u);
}

TEST_F(JetstreamSourceTest, SecureWebSocketVerifiesTheServer) {
  // wss: through OpenSSL, the server's certificate checked against ca_file
  // and its name against the host asked for.
  ASSERT_TRUE(testing::ReplayServer::MakeCertificate(Dir()))
      << "openssl could not make a certificate";
  auto server = Serve(Ws(0, 5, "hold"), /*tls=*/true);
  ASSERT_NE(server, nullptr);
  const std::string port = std::to_string(server->port());
  SourceOptions o;
  o.clock = &clock_;
  auto good = OpenSource(
      "bluesky:jetstream?api_base=wss://localhost:" + port + "&ca_file=" + Dir() + "/cert.pem", o);
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  Record r;
  for (std::size_t i = 0; i < 5; ++i) {
    auto more = testing::NextRecord(**good, &r);
    ASSERT_TRUE(more.ok()) << more.status().ToString();
    EXPECT_EQ(r.bytes, events_[i]);
  }
  // The system's CAs do not know this certificate; and a name it was not
  // made for (127.0.0.1) fails even with it: both are failures to retry
  // (the connection never opens), never a silent success.
  const std::vector<std::string> refused = {
      "bluesky:jetstream?api_base=wss://localhost:" + port,
      "bluesky:jetstream?api_base=wss://127.0.0.1:" + port + "&ca_file=" + Dir() + "/cert.pem"};
  for (const std::string& spec : refused) {
    auto bad = OpenSource(spec, o);
    ASSERT_TRUE(bad.ok());
    auto got = (*bad)->Next(&r);
    for (int i = 0; i < 50 && (*bad)->Health()->last_error.empty(); ++i) got = (*bad)->Next(&r);
    EXPECT_FALSE(got.ok() && *got) << spec;
    EXPECT_NE((*bad)->Health()->last_error.find("TLS handshake"), std::string::npos)
        << spec << ": " << (*bad)->Health()->last_error;
    EXPECT_FALSE((*bad)->Health()->connected);
  }
}

}  // namespace
}  // namespace starling::source
