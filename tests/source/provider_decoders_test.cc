// The small decoders of the provider sources: SSE framing, Link headers,
// position tokens, seen ids, an API's array cut into records.
#include <gtest/gtest.h>

#include "source/http_client.h"
#include "source/provider/jetstream_api.h"
#include "source/provider/json_records.h"
#include "source/provider/seen_ids.h"
#include "source/provider/sse.h"

namespace starling::source::provider {
namespace {

TEST(Sse, EventsHeartbeatsAndMultiLineData) {
  SseParser p;
  EXPECT_FALSE(p.Line(":thump"));
  EXPECT_TRUE(p.heartbeat());
  EXPECT_FALSE(p.Line("event: update\r"));
  EXPECT_FALSE(p.heartbeat());
  EXPECT_FALSE(p.Line("data: {\"a\":"));
  EXPECT_FALSE(p.Line("data:1}"));
  EXPECT_FALSE(p.Line("id: 7"));  // ignored
  auto e = p.Line("");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "update");
  EXPECT_EQ(e->data, "{\"a\":\n1}");
  EXPECT_FALSE(p.Line(""));  // a second blank line is nothing
  EXPECT_FALSE(p.Line("data: 117"));
  e = p.Line("");
  ASSERT_TRUE(e);
  EXPECT_EQ(e->event, "message");  // no event: field
  EXPECT_FALSE(p.Line("event: delete"));
  EXPECT_FALSE(p.Line(""));  // no data: not dispatched
  EXPECT_FALSE(p.Line("event: update"));
  EXPECT_FALSE(p.Line("data: half"));
  p.Reset();  // the connection dropped
  EXPECT_FALSE(p.Line(""));
}

TEST(LinkHeader, FindsTheNextPage) {
  EXPECT_EQ(
      NextLink(
          R"(<https://api.github.com/events?page=2>; rel="next", <https://api.github.com/events?page=10>; rel="last")"),
      "https://api.github.com/events?page=2");
  EXPECT_EQ(NextLink(R"(<https://a/x?page=1>; rel="prev", <https://a/x?page=3>; rel="next")"),
            "https://a/x?page=3");
  EXPECT_EQ(NextLink(R"(<https://a/x?page=9>; rel="last")"), "");
  EXPECT_EQ(NextLink("garbage <unclosed"), "");
}

TEST(PositionTokens, RoundTripEscapedValues) {
  const std::string t = PositionToken("k").Add("a", "x;y=z%").Add("b", "").str();
  EXPECT_EQ(*PositionToken::Get(t, "k", "a"), "x;y=z%");
  EXPECT_EQ(*PositionToken::Get(t, "k", "b"), "");
  EXPECT_EQ(*PositionToken::Get(t, "k", "missing"), "");
  EXPECT_FALSE(PositionToken::Get(t, "other", "a").ok());
}

TEST(SeenIds, BoundedAndSavedNewestFirst) {
  SeenIds s(3);
  EXPECT_TRUE(s.Insert("1"));
  EXPECT_FALSE(s.Insert("1"));
  EXPECT_TRUE(s.Insert("2"));
  EXPECT_TRUE(s.Insert("3"));
  EXPECT_TRUE(s.Insert("4"));  // "1" goes
  EXPECT_FALSE(s.Contains("1"));
  EXPECT_EQ(s.inserted(), 4u);
  EXPECT_EQ(s.Save(4, 2), "3,4");
  EXPECT_EQ(s.Save(3, 10), "2,3");  // the ids inserted before mark 3 only
  SeenIds t;
  t.Load(s.Save(s.inserted(), 10));
  EXPECT_TRUE(t.Contains("2") && t.Contains("4"));
  EXPECT_EQ(t.size(), 3u);
}

TEST(SeenIds, SaveByTimeAndSealAToken) {
  SeenIds s;
  s.Insert("a", 100);
  s.Insert("b", 200);
  s.Insert("c", 300);
  EXPECT_EQ(s.Save(3, 100, 200), "b,c");  // time >= 200
  const std::string token = PositionToken("j").Add("cursor", "300").Add("upto", "2").str();
  const std::string sealed = PositionToken::Seal(token, s, 100);
  EXPECT_EQ(sealed, "j;cursor=300;ids=a,b");
  EXPECT_EQ(*PositionToken::Get(sealed, "j", "ids"), "a,b");
  EXPECT_EQ(PositionToken::Seal("j;cursor=1", s, 100), "j;cursor=1");  // no mark: as it is
  // Loaded ids take the time they are loaded at: a later save by time keeps
  // them (a resume of a resume drops what the first run delivered too).
  SeenIds t;
  t.Load("a,b", 300);
  t.Insert("d", 310);
  EXPECT_EQ(t.Save(t.inserted(), 100, 250), "a,b,d");
  EXPECT_EQ(t.Save(t.inserted(), 100, 305), "d");
}

TEST(JsonRecords, ArrayElementsAreMinifiedLines) {
  auto e = ArrayElements("[\n  {\"id\": \"1\",\n   \"t\": \"a b\\n\"},\n  [1, 2],\n  \"s\", 3\n]");
  ASSERT_TRUE(e.ok());
  ASSERT_EQ(e->size(), 4u);
  EXPECT_EQ((*e)[0], "{\"id\":\"1\",\"t\":\"a b\\n\"}");
  EXPECT_EQ((*e)[1], "[1,2]");
  EXPECT_EQ(TopField((*e)[0], "id"), "1");
  EXPECT_EQ(TopField("{\"id\": 12345678901234}", "id"), "12345678901234");
  EXPECT_EQ(TopField("{\"id\": {}}", "id"), "");
  EXPECT_FALSE(ArrayElements("{\"not\":\"an array\"}").ok());
  EXPECT_FALSE(ArrayElements("[1, ").ok());
}

TEST(Jetstream, EventKeys) {
  const auto k = jetstream::KeyOf(
      R"({"did":"did:plc:a","time_us":5,"kind":"commit","commit":{"rev":"r1","operation":"create","collection":"app.bsky.feed.post","rkey":"k1"}})");
  EXPECT_EQ(k.key, "did:plc:a|r1|create|app.bsky.feed.post|k1");
  EXPECT_EQ(k.time_us, 5);
  EXPECT_EQ(jetstream::KeyOf(R"({"did":"did:plc:a","time_us":9,"kind":"identity"})").key,
            "did:plc:a|identity|9");
  EXPECT_EQ(jetstream::KeyOf("not json").key, "");
  EXPECT_EQ(jetstream::KeyOf(R"({"time_us":9})").key, "");  // no did: never dropped
}

}  // namespace
}  // namespace starling::source::provider
