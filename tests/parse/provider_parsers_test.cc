// Tests of the parser's GitHub, Bluesky, Mastodon and Meetup readers, on the
// real recordings in ../shared/data (GitHub Events API, Bluesky Jetstream,
// Mastodon REST and streaming bodies) and on hand-written Meetup GraphQL
// responses (tests/parse/fixtures/meetup: no Meetup traffic is recorded).
#include <gtest/gtest.h>
#include <simdjson.h>

#include <fstream>
#include <map>
#include <sstream>

#include "model/post_json.h"
#include "parse/post_parser.h"

namespace starling::parse {
namespace {

using model::Post;
using model::PostKind;

std::string Data(const std::string& rel) { return std::string(STARLING_SHARED_DATA) + "/" + rel; }
std::string Fixture(const std::string& rel) {
  return std::string(STARLING_TEST_SOURCE_DIR) + "/parse/fixtures/" + rel;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  EXPECT_TRUE(f.good()) << "missing " << path;
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& path) {
  std::vector<std::string> out;
  std::istringstream in(ReadFile(path));
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

struct Parsed {
  std::vector<Post> posts;
  std::vector<ControlMessage> controls;
  int errors = 0;
  std::vector<std::string> reasons;
};

Parsed ParseRecords(const std::vector<std::string>& records, ParseOptions o = {}) {
  PostParser parser(o);
  Parsed p;
  for (const auto& r : records) {
    Status st = parser.Parse(r, &p.posts, &p.controls);
    if (!st.ok()) {
      ++p.errors;
      p.reasons.push_back(st.message());
    }
  }
  return p;
}

std::map<std::string, int> KindCounts(const std::vector<Post>& posts) {
  std::map<std::string, int> m;
  for (const Post& p : posts) ++m[std::string(model::PostKindName(p.kind))];
  return m;
}

std::map<std::string, int> ControlCounts(const std::vector<ControlMessage>& controls) {
  std::map<std::string, int> m;
  for (const ControlMessage& c : controls) ++m[c.kind];
  return m;
}

const Post* ById(const std::vector<Post>& posts, std::string_view id) {
  for (const Post& p : posts) {
    if (p.id == id) return &p;
  }
  return nullptr;
}

// The SSE body of a Mastodon streaming response, as the source turns each
// event into a record: {"stream":[...],"event":NAME,"payload":DATA}.
std::vector<std::string> SseRecords(const std::string& path, std::string_view stream) {
  std::vector<std::string> out;
  std::string event;
  for (const std::string& line : Lines(path)) {
    if (line.starts_with("event: ")) {
      event = line.substr(7);
    } else if (line.starts_with("data: ")) {
      std::string r = "{\"stream\":[\"" + std::string(stream) + "\"],\"event\":";
      model::AppendJsonString(event, &r);
      r += ",\"payload\":";
      model::AppendJsonString(line.substr(6), &r);
      r += "}";
      out.push_back(std::move(r));
    }
  }
  return out;
}

// ---- GitHub ---------------------------------------------------------------

TEST(GitHubEvents, TheRecordedEventsPageIsOnePostPerEvent) {
  const std::string page = ReadFile(Data("simdjson/github_events.json"));
  Parsed p = ParseRecords({page});
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  EXPECT_TRUE(p.controls.empty());
  ASSERT_EQ(p.posts.size(), 30u);
  // SOURCES.md: PushEvent 13, WatchEvent 6, CreateEvent 3, ForkEvent 3,
  // IssueCommentEvent 2, GollumEvent 2, IssuesEvent 1.
  const std::map<std::string, int> want = {{"push", 13}, {"star", 6},    {"activity", 5},
                                           {"fork", 3},  {"comment", 2}, {"issue", 1}};
  EXPECT_EQ(KindCounts(p.posts), want);
  const Post& first = p.posts[0];
  EXPECT_EQ(first.id, "1652857722");
  EXPECT_EQ(first.provider, model::Provider::kGitHub);
  EXPECT_EQ(first.source_format, "github");
  EXPECT_EQ(first.kind, PostKind::kPush);
  EXPECT_EQ(first.channel, "jathanism/trigger");
  EXPECT_EQ(first.author.id, "138052");
  EXPECT_EQ(first.author.handle, "jathanism");
  EXPECT_EQ(first.author.name, "jathanism");  // no display_login in 2013: the login
  EXPECT_EQ(model::FormatTimestamp(first.created_at), "2013-01-10T07:58:30.000Z");
  EXPECT_EQ(first.text,
            "- SSH Channel data now initialized in base class (TriggerSSHChannelBase)\n"
            "- New doc w/ checklist for adding new vendor support to Trigger.");
  EXPECT_TRUE(first.entities_extracted);
  // Raw: the event's object as it stands in the pretty-printed page.
  EXPECT_TRUE(first.raw.starts_with("{\n    \"type\": \"PushEvent\"")) << first.raw.substr(0, 40);
  EXPECT_TRUE(first.raw.ends_with("\"id\": \"1652857722\"\n  }")) << first.raw;

  // Two commits: their messages joined by a newline.
  const Post* two = ById(p.posts, "1652857680");
  ASSERT_NE(two, nullptr);
  EXPECT_EQ(two->text,
            "Added another line\nMerge branch 'master' of github.com:njmittet/git-test\n\n"
            "Conflicts:\n\tclient.txt");
  // A comment's text is the comment; an issue's its title (no body here).
  const Post* comment = ById(p.posts, "1652857697");
  ASSERT_NE(comment, nullptr);
  EXPECT_EQ(comment->kind, PostKind::kComment);
  EXPECT_EQ(comment->text, "I was just wondering what the cause of the issue was.");
  EXPECT_EQ(comment->channel, "pat/thinking-sphinx");
  const Post* issue = ById(p.posts, "1652857694");
  ASSERT_NE(issue, nullptr);
  EXPECT_EQ(issue->kind, PostKind::kIssue);
  EXPECT_EQ(issue->text, "Fix width regression on retina display");
  // Create, Fork, Watch: no text.
  EXPECT_EQ(p.posts[1].kind, PostKind::kActivity);
  EXPECT_EQ(p.posts[1].text, "");
  EXPECT_EQ(p.posts[2].kind, PostKind::kFork);
  EXPECT_EQ(p.posts[3].kind, PostKind::kStar);
}

TEST(GitHubEvents, EachEventAsItsOwnMinifiedRecordGivesTheSamePosts) {
  const std::string page = ReadFile(Data("simdjson/github_events.json"));
  Parsed whole = ParseRecords({page});
  // Minify each element (what a source emits per event) with simdjson.
  simdjson::dom::parser dp;
  simdjson::dom::element doc = dp.parse(page);
  std::vector<std::string> records;
  for (simdjson::dom::element e : doc.get_array()) records.push_back(simdjson::minify(e));
  Parsed each = ParseRecords(records);
  ASSERT_EQ(each.errors, 0) << each.reasons[0];
  ASSERT_EQ(each.posts.size(), whole.posts.size());
  for (std::size_t i = 0; i < each.posts.size(); ++i) {
    EXPECT_TRUE(each.posts[i].SameContent(whole.posts[i])) << each.posts[i].id;
    EXPECT_EQ(each.posts[i].raw, records[i]);
  }
}

// The octokit webhook payloads are the Events API payloads of the same event
// types: wrapped in an event envelope they cover pull requests, comments and
// releases, which the recorded page lacks.
std::string Wrap(std::string_view type, const std::string& payload_path) {
  return std::string(R"({"id":"42","type":")") + std::string(type) +
         R"(","actor":{"id":21031067,"login":"Codertocat","display_login":"Codertocat"},)"
         R"("repo":{"id":186853002,"name":"Codertocat/Hello-World"},"payload":)" +
         ReadFile(payload_path) + R"(,"public":true,"created_at":"2019-05-15T15:20:33Z"})";
}

TEST(GitHubEvents, PullRequestsCommentsAndReleasesFromRealPayloads) {
  const std::string base = Data("octokit-webhooks/payload-examples/api.github.com/");
  Parsed p = ParseRecords({Wrap("PullRequestEvent", base + "pull_request/opened.payload.json"),
                           Wrap("IssueCommentEvent", base + "issue_comment/created.payload.json"),
                           Wrap("ReleaseEvent", base + "release/published.payload.json"),
                           Wrap("PushEvent", base + "push/payload.json"),
                           Wrap("DeleteEvent", base + "delete/payload.json")});
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  ASSERT_EQ(p.posts.size(), 5u);
  EXPECT_EQ(p.posts[0].kind, PostKind::kPullRequest);
  EXPECT_EQ(p.posts[0].text,
            "Update the README with new information.\n\n"
            "This is a pretty simple change that we need to pull into master.");
  EXPECT_EQ(p.posts[0].author.name, "Codertocat");
  EXPECT_EQ(p.posts[0].channel, "Codertocat/Hello-World");
  EXPECT_EQ(p.posts[1].kind, PostKind::kComment);
  EXPECT_EQ(p.posts[1].text, "You are totally right! I'll get this fixed right away.");
  EXPECT_EQ(p.posts[2].kind, PostKind::kRelease);
  EXPECT_EQ(p.posts[2].text, "0.0.1");          // no name, no body: the tag
  EXPECT_EQ(p.posts[3].kind, PostKind::kPush);  // a webhook push has commits: []
  EXPECT_EQ(p.posts[3].text, "");
  EXPECT_EQ(p.posts[4].kind, PostKind::kActivity);
}

TEST(GitHubEvents, MalformedEventsAreDeadLetters) {
  for (
      const char* bad : {
          R"({"type":"PushEvent","actor":{"id":1,"login":"a"},"repo":{"name":"a/b"},"payload":{}})",
          R"({"id":"1","actor":{"id":1,"login":"a"},"repo":{"name":"a/b"},"payload":{}})",
          R"({"id":"1","type":"PushEvent","actor":{"id":1},"repo":{"name":"a/b"},"payload":{"commits":[{"message":5}]}})",
          R"({"id":"1","type":"IssuesEvent","repo":"a/b","payload":{}})",
          R"([{"id":"1","type":"WatchEvent","actor":{"id":1,"login":"a"},"repo":{"name":"a/b"},"payload":{}},{"id":"2"}])",
      }) {
    Parsed p = ParseRecords({bad});
    EXPECT_EQ(p.errors, 1) << bad;
    EXPECT_TRUE(p.posts.empty()) << bad;
  }
}

// ---- Bluesky Jetstream ----------------------------------------------------

TEST(BlueskyJetstream, TheCorpusGivesPostsRepostsAndOneControlPerOtherEvent) {
  Parsed p = ParseRecords(Lines(Data("bluesky-jetstream/corpus/expected_v1.jsonl")));
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  // manifest.json / SOURCES.md: 152 events; creates: like 105, post 17,
  // repost 15, follow 6, block 1; deletes 4; updates of two status records;
  // identity 1, account 1.
  ASSERT_EQ(p.posts.size() + p.controls.size(), 152u);
  const std::map<std::string, int> kinds = {{"post", 9}, {"reply", 8}, {"repost", 15}};
  EXPECT_EQ(KindCounts(p.posts), kinds);
  const std::map<std::string, int> controls = {
      {"bluesky-like", 105}, {"bluesky-follow", 6}, {"bluesky-block", 1}, {"bluesky-record", 2},
      {"delete", 4},         {"identity", 1},       {"account", 1}};
  EXPECT_EQ(ControlCounts(p.controls), controls);

  const Post& first = p.posts[0];
  EXPECT_EQ(first.id, "at://did:plc:dclwtltrt2ggsryagfzk7dp4/app.bsky.feed.post/3mptbyoeyc22k");
  EXPECT_EQ(first.provider, model::Provider::kBluesky);
  EXPECT_EQ(first.source_format, "bluesky");
  EXPECT_EQ(first.author.id, "did:plc:dclwtltrt2ggsryagfzk7dp4");
  EXPECT_EQ(first.author.handle, "");
  EXPECT_EQ(model::FormatTimestamp(first.created_at), "2026-07-04T14:38:06.240Z");
  EXPECT_EQ(first.lang, "en");
  EXPECT_EQ(first.text, "www.youtube.com/watch?v=V5lD...");
  // The link facet (bytes 0..31) gives the full URL; the text layer adds
  // nothing that overlaps it.
  ASSERT_EQ(first.urls.size(), 1u);
  EXPECT_EQ(first.urls[0].expanded_url, "https://www.youtube.com/watch?v=V5lDo-jw8mA");
  EXPECT_EQ(first.urls[0].display_url, "www.youtube.com/watch?v=V5lD...");
  EXPECT_EQ(first.urls[0].range, (model::TextRange{0, 31}));
  // A Jetstream record's raw is the whole line.
  EXPECT_EQ(first.raw, Lines(Data("bluesky-jetstream/corpus/expected_v1.jsonl"))[1]);

  // Tag facets; the emoji after the second does not move its range.
  const Post* tags =
      ById(p.posts, "at://did:plc:tn3hni2jpphsgl6amfbb7ja6/app.bsky.feed.post/3mptbypfywk2v");
  ASSERT_NE(tags, nullptr);
  EXPECT_EQ(tags->lang, "de");
  ASSERT_EQ(tags->hashtags.size(), 2u);
  EXPECT_EQ(tags->hashtags[0].tag, "HowToTellAiToShutUp");
  EXPECT_EQ(tags->hashtags[0].range, (model::TextRange{0, 20}));
  EXPECT_EQ(tags->hashtags[1].tag, "IndieRebellion");
  EXPECT_EQ(tags->hashtags[1].range, (model::TextRange{125, 140}));

  // A reply references its parent.
  const Post* reply =
      ById(p.posts, "at://did:plc:o2rolxey6s5k7d4lxcz3inl4/app.bsky.feed.post/3mptbyp7lu223");
  ASSERT_NE(reply, nullptr);
  EXPECT_EQ(reply->kind, PostKind::kReply);
  EXPECT_EQ(reply->ReferencedId(),
            "at://did:plc:i5y2f3gtpjxs3qg6fwgb6jb4/app.bsky.feed.post/3mpt7u2vlgs2c");
  EXPECT_EQ(reply->text, "이쁘시네용~~~");

  // Reposts: no text, a reference to the subject.
  for (const Post& r : p.posts) {
    if (r.kind != PostKind::kRepost) continue;
    EXPECT_TRUE(r.text.empty());
    EXPECT_TRUE(r.ReferencedId().starts_with("at://")) << r.id;
    EXPECT_NE(r.id.find("/app.bsky.feed.repost/"), std::string::npos);
  }
  // A delete names the deleted record.
  for (const ControlMessage& c : p.controls) {
    if (c.kind == "delete") {
      EXPECT_TRUE(c.detail.starts_with("at://did:")) << c.detail;
    }
  }
}

TEST(BlueskyJetstream, TheGoldenEventsOfEveryKind) {
  Parsed p = ParseRecords(Lines(Data("bluesky-jetstream/subscribe/golden_v1.jsonl")));
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  ASSERT_EQ(p.posts.size(), 2u);
  EXPECT_EQ(p.posts[0].kind, PostKind::kReply);
  EXPECT_EQ(p.posts[0].text, "Try RSV for a good time !!");
  EXPECT_EQ(p.posts[1].kind, PostKind::kRepost);
  EXPECT_EQ(p.posts[1].ReferencedId(),
            "at://did:plc:hjloomm2tkve3pmfgbxegl3v/app.bsky.feed.post/3mmood3a6hc25");
  EXPECT_EQ(model::FormatTimestamp(p.posts[1].created_at), "2026-05-25T14:23:27.388Z");
  const std::map<std::string, int> controls = {
      {"bluesky-like", 1}, {"bluesky-follow", 1}, {"bluesky-block", 1}, {"bluesky-record", 2},
      {"delete", 1},       {"identity", 1},       {"account", 1}};
  EXPECT_EQ(ControlCounts(p.controls), controls);
}

// A real post of the corpus (3mptbypt22l26, Czech, link facet at bytes
// 0..17) with a mention and a tag facet added after its non-ASCII text, to
// check the byte -> code point conversion; then broken variants.
std::string CzechPost(const std::string& extra_facets, const std::string& text_suffix = "") {
  return std::string(R"({"did":"did:plc:fe7cz462lvsuhadx6z35orni","time_us":1783175888357749,)") +
         R"("kind":"commit","commit":{"rev":"3mptbyptbul26","operation":"create",)" +
         R"("collection":"app.bsky.feed.post","rkey":"3mptbypt22l26","record":{)" +
         R"("$type":"app.bsky.feed.post","createdAt":"2026-07-04T14:38:07.732Z","facets":[)" +
         R"({"features":[{"$type":"app.bsky.richtext.facet#link","uri":"https://denikn.cz/2113523"}],)" +
         R"("index":{"byteEnd":17,"byteStart":0}})" + extra_facets +
         R"(],"text":"denikn.cz/2113523\nJaká je situace necelých 100 dní před volbami?)" +
         text_suffix +
         R"("},"cid":"bafyreic7dnrrdzss4srwgdy5whecnqisbe53jbtta7fwexvwbfedxzmeyu"}})";
}

TEST(BlueskyJetstream, FacetByteOffsetsBecomeCodePointOffsets) {
  // " @ann.bsky.social #volby" after the 68 bytes / 64 code points of the
  // text ("á", "ý", "í", "ř" are two bytes each).
  const std::string suffix = " @ann.bsky.social #volby";
  const std::string facets =
      R"(,{"features":[{"$type":"app.bsky.richtext.facet#mention","did":"did:plc:ann"}],)"
      R"("index":{"byteStart":69,"byteEnd":85}},)"
      R"({"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"volby"}],)"
      R"("index":{"byteStart":86,"byteEnd":92}})";
  Parsed p = ParseRecords({CzechPost(facets, suffix)});
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  ASSERT_EQ(p.posts.size(), 1u);
  const Post& post = p.posts[0];
  ASSERT_EQ(post.mentions.size(), 1u);
  EXPECT_EQ(post.mentions[0].handle, "ann.bsky.social");
  EXPECT_EQ(post.mentions[0].user_id, "did:plc:ann");
  EXPECT_EQ(post.mentions[0].range, (model::TextRange{65, 81}));
  ASSERT_EQ(post.hashtags.size(), 1u);
  EXPECT_EQ(post.hashtags[0].tag, "volby");
  EXPECT_EQ(post.hashtags[0].range, (model::TextRange{82, 88}));
  ASSERT_EQ(post.urls.size(), 1u);
  EXPECT_EQ(post.urls[0].range, (model::TextRange{0, 17}));
  EXPECT_FALSE(post.entities_extracted);  // every entity came from a facet
}

TEST(BlueskyJetstream, BadFacetsAreDroppedNeverFatal) {
  // Out of range, reversed, in the middle of "á" (bytes 21..22), not numbers:
  // each such facet is dropped; the post and the good link facet stay.
  for (
      const char* bad : {
          R"(,{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"x"}],"index":{"byteStart":60,"byteEnd":9999}})",
          R"(,{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"x"}],"index":{"byteStart":30,"byteEnd":20}})",
          R"(,{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"x"}],"index":{"byteStart":22,"byteEnd":30}})",
          R"(,{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"x"}],"index":{"byteStart":18,"byteEnd":22}})",
          R"(,{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"x"}],"index":{"byteStart":-4,"byteEnd":2}})",
          R"(,{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"x"}],"index":{"byteStart":"0","byteEnd":2}})",
          R"(,{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"x"}],"index":{"byteStart":18.5,"byteEnd":22}})",
          R"(,{"features":[{"$type":"app.bsky.richtext.facet#tag","tag":"x"}],"index":{}})",
      }) {
    Parsed p = ParseRecords({CzechPost(bad)});
    ASSERT_EQ(p.errors, 0) << bad << ": " << p.reasons[0];
    ASSERT_EQ(p.posts.size(), 1u);
    EXPECT_TRUE(p.posts[0].hashtags.empty()) << bad;
    EXPECT_EQ(p.posts[0].urls.size(), 1u) << bad;
  }
  // Wrong JSON shapes elsewhere are dead letters, as for X.
  for (
      const std::string& bad : {
          std::string(
              R"({"did":"did:plc:x","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","rkey":"r","record":{"text":7}}})"),
          std::string(
              R"({"did":"did:plc:x","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.post","record":{"text":"no rkey"}}})"),
          std::string(R"({"did":"did:plc:x","time_us":1})"),
          std::string(
              R"({"did":"did:plc:x","time_us":1,"kind":"commit","commit":{"operation":"create","collection":"app.bsky.feed.repost","rkey":"r","record":{"subject":"did:plc:y"}}})"),
      }) {
    Parsed p = ParseRecords({bad});
    EXPECT_EQ(p.errors, 1) << bad;
    EXPECT_TRUE(p.posts.empty());
    EXPECT_TRUE(p.controls.empty());
  }
}

TEST(BlueskyJetstream, QuotesAndARecordBeforeItsCollection) {
  // A quote with media, its fields in an unusual order (record first), and a
  // createdAt that does not parse (time_us is used).
  const std::string quote =
      R"({"commit":{"record":{"text":"look","createdAt":"yesterday","embed":{"media":{},)"
      R"("record":{"record":{"uri":"at://did:plc:q/app.bsky.feed.post/1","cid":"c"}},)"
      R"("$type":"app.bsky.embed.recordWithMedia"},"reply":{"root":{"uri":"at://r"},)"
      R"("parent":{"uri":"at://did:plc:p/app.bsky.feed.post/2"}}},"rkey":"k",)"
      R"("collection":"app.bsky.feed.post","operation":"update"},"kind":"commit",)"
      R"("time_us":1783175888357749,"did":"did:plc:me"})";
  Parsed p = ParseRecords({quote});
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  ASSERT_EQ(p.posts.size(), 1u);
  const Post& q = p.posts[0];
  EXPECT_EQ(q.kind, PostKind::kQuote);
  EXPECT_EQ(q.ReferencedId(), "at://did:plc:q/app.bsky.feed.post/1");
  ASSERT_EQ(q.references.size(), 2u);
  EXPECT_EQ(q.references[1].id, "at://did:plc:p/app.bsky.feed.post/2");
  EXPECT_EQ(q.created_at, 1783175888357749);
  EXPECT_EQ(q.id, "at://did:plc:me/app.bsky.feed.post/k");
}

// ---- Mastodon ---------------------------------------------------------------

TEST(Mastodon, ThePublicTimelineIsEightPosts) {
  Parsed p = ParseRecords({ReadFile(Data("mastodon-py/bodies/test_public_tl__2.body.json"))});
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  ASSERT_EQ(p.posts.size(), 8u);
  const std::map<std::string, int> kinds = {{"post", 8}};
  EXPECT_EQ(KindCounts(p.posts), kinds);
  const Post& first = p.posts[0];
  EXPECT_EQ(first.id, "117020593378945190");
  EXPECT_EQ(first.provider, model::Provider::kMastodon);
  EXPECT_EQ(first.source_format, "mastodon");
  EXPECT_EQ(first.text, "Toot, finally!");
  EXPECT_EQ(first.lang, "ja");
  EXPECT_EQ(first.metrics.reposts, 0);
  EXPECT_EQ(first.metrics.likes, 0);
  EXPECT_EQ(first.metrics.replies, 0);
  // &#39; decoded.
  EXPECT_EQ(p.posts[1].text, "you can't say that on television");
  // The h-card mention: "@mastodonpy_test beep beep I'm a jeep".
  const Post* m = ById(p.posts, "117020588169351887");
  ASSERT_NE(m, nullptr);
  EXPECT_EQ(m->text, "@mastodonpy_test beep beep I'm a jeep");
  ASSERT_EQ(m->mentions.size(), 1u);
  EXPECT_EQ(m->mentions[0].handle, "mastodonpy_test");
  EXPECT_EQ(m->mentions[0].user_id, "117020565966271181");
  EXPECT_EQ(m->mentions[0].range, (model::TextRange{0, 16}));
  EXPECT_TRUE(m->urls.empty());
  EXPECT_EQ(m->author.handle, "admin");
  EXPECT_EQ(first.author.handle, "mastodonpy_test_2");
  EXPECT_EQ(first.author.id, "117020566092212359");
}

TEST(Mastodon, AHashtagStatusKeepsItsTagAndRange) {
  Parsed p = ParseRecords({ReadFile(Data("mastodon-py/bodies/test_hashtag_tl__2.body.json"))});
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  ASSERT_EQ(p.posts.size(), 1u);
  EXPECT_EQ(p.posts[0].text, "#hoot (hashtag toot)");
  ASSERT_EQ(p.posts[0].hashtags.size(), 1u);
  EXPECT_EQ(p.posts[0].hashtags[0].tag, "hoot");
  EXPECT_EQ(p.posts[0].hashtags[0].range, (model::TextRange{0, 5}));
}

TEST(Mastodon, StreamingEventsFromTheSseRecordings) {
  Parsed p = ParseRecords(
      SseRecords(Data("mastodon-py/bodies/test_stream_user_direct__12.body.sse"), "user"));
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  // update x2, status.update x1: posts; notification x2, delete x1: controls.
  ASSERT_EQ(p.posts.size(), 3u);
  EXPECT_EQ(p.posts[0].id, "117024236332527350");
  EXPECT_EQ(p.posts[0].text, "only real cars respond.");
  EXPECT_EQ(p.posts[1].text, "@mastodonpy_test_2 pssssst");
  EXPECT_EQ(p.posts[1].mentions[0].range, (model::TextRange{0, 18}));
  // The edit: the same id, the new text.
  EXPECT_EQ(p.posts[2].id, "117024236332527350");
  EXPECT_EQ(p.posts[2].text, "only real animals respond.");
  const std::map<std::string, int> controls = {{"notification", 2}, {"delete", 1}};
  EXPECT_EQ(ControlCounts(p.controls), controls);
  for (const ControlMessage& c : p.controls) {
    if (c.kind == "delete") {
      EXPECT_EQ(c.detail, "117024236332527350");
    }
  }
  // The raw of a streamed post is the whole record.
  EXPECT_TRUE(p.posts[0].raw.starts_with(R"({"stream":["user"],"event":"update","payload":")"));

  Parsed direct = ParseRecords(
      SseRecords(Data("mastodon-py/bodies/test_stream_user_direct__11.body.sse"), "direct"));
  ASSERT_EQ(direct.errors, 0);
  EXPECT_TRUE(direct.posts.empty());
  const std::map<std::string, int> conversations = {{"conversation", 2}};
  EXPECT_EQ(ControlCounts(direct.controls), conversations);

  Parsed local = ParseRecords(
      SseRecords(Data("mastodon-py/bodies/test_stream_user_local__5.body.sse"), "user"));
  ASSERT_EQ(local.posts.size(), 1u);
  EXPECT_EQ(local.posts[0].text, "it's cool guy");
}

// A real status (the h-card one of the public timeline) rewritten by hand:
// a link with Mastodon's invisible spans, two paragraphs, a line break and
// entities; then reblogged and replied to.
constexpr std::string_view kLinkContent =
    R"(<p><span class=\"h-card\" translate=\"no\"><a href=\"http://localhost:3000/@mastodonpy_test\" class=\"u-url mention\">@<span>mastodonpy_test</span></a></span> beep &amp; <a href=\"http://localhost:3000/tags/Jeep\" class=\"mention hashtag\" rel=\"tag\">#<span>Jeep</span></a></p><p>see <a href=\"https://example.com/some/long/path?x=1\" rel=\"nofollow noopener\" target=\"_blank\"><span class=\"invisible\">https://</span><span class=\"ellipsis\">example.com/some/lo</span><span class=\"invisible\">ng/path?x=1</span></a><br />ok &#x1F697;</p>)";

std::string Status(std::string_view id, std::string_view content, std::string_view extra = "") {
  return std::string(R"({"id":")") + std::string(id) +
         R"(","created_at":"2026-08-01T12:00:00.000Z","in_reply_to_id":null,)"
         R"("language":"en","content":")" +
         std::string(content) +
         R"(","account":{"id":"117020617404561855","username":"mastodonpy_test_2","acct":"mastodonpy_test_2","display_name":"Test Two"},)"
         R"("mentions":[{"id":"117020565966271181","username":"mastodonpy_test","url":"http://localhost:3000/@mastodonpy_test","acct":"mastodonpy_test"}],)"
         R"("tags":[{"name":"jeep","url":"http://localhost:3000/tags/jeep"},{"name":"absent","url":"x"}],)"
         R"("replies_count":1,"reblogs_count":2,"favourites_count":3,"quotes_count":0,"reblog":null)" +
         std::string(extra) + "}";
}

TEST(Mastodon, HtmlBecomesTextWithWholeLinksAndLocatedEntities) {
  Parsed p = ParseRecords({Status("1", kLinkContent)});
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  ASSERT_EQ(p.posts.size(), 1u);
  const Post& s = p.posts[0];
  EXPECT_EQ(s.text,
            "@mastodonpy_test beep & #Jeep\n\nsee https://example.com/some/long/path?x=1\nok "
            "\xF0\x9F\x9A\x97");
  ASSERT_EQ(s.hashtags.size(), 2u);
  EXPECT_EQ(s.hashtags[0].tag, "Jeep");  // as written in the text
  EXPECT_EQ(s.hashtags[0].range, (model::TextRange{24, 29}));
  EXPECT_EQ(s.hashtags[1].tag, "absent");  // not in the text: no range
  EXPECT_EQ(s.hashtags[1].range, (model::TextRange{}));
  ASSERT_EQ(s.urls.size(), 1u);
  EXPECT_EQ(s.urls[0].url, "https://example.com/some/long/path?x=1");
  EXPECT_EQ(s.urls[0].range, (model::TextRange{35, 73}));
  EXPECT_TRUE(s.entities_extracted);
  EXPECT_EQ(s.author.name, "Test Two");
  EXPECT_EQ(s.metrics.reposts, 2);
  EXPECT_EQ(s.metrics.replies, 1);
  EXPECT_EQ(s.metrics.likes, 3);

  // A reblog: the original's text, a reference to it.
  Parsed r =
      ParseRecords({Status("2", "", std::string(R"(,"reblog":)") + Status("1", kLinkContent))});
  ASSERT_EQ(r.errors, 0) << r.reasons[0];
  ASSERT_EQ(r.posts.size(), 1u);
  EXPECT_EQ(r.posts[0].kind, PostKind::kRepost);
  EXPECT_EQ(r.posts[0].ReferencedId(), "1");
  EXPECT_EQ(r.posts[0].text, s.text);
  EXPECT_EQ(r.posts[0].hashtags, s.hashtags);

  // A reply.
  std::string reply = Status("3", "<p>yes</p>");
  reply.replace(reply.find(R"("in_reply_to_id":null)"), 21, R"("in_reply_to_id":"1")");
  Parsed rp = ParseRecords({reply});
  ASSERT_EQ(rp.posts.size(), 1u);
  EXPECT_EQ(rp.posts[0].kind, PostKind::kReply);
  EXPECT_EQ(rp.posts[0].ReferencedId(), "1");
}

TEST(Mastodon, BrokenStreamEventsAreDeadLetters) {
  for (
      const char* bad : {
          R"({"stream":["public"],"event":"update","payload":{"id":"1","content":"<p>x</p>"}})",
          R"({"stream":["public"],"event":"update","payload":"{\"id\":\"1\",\"content\":"})",
          R"({"stream":["public"],"event":"update","payload":"[1,2]"})",
          R"({"stream":["public"],"event":"update","payload":"{\"id\":\"1\",\"content\":\"x\"} 7"})",
          R"({"stream":["public"],"event":"update"})",
          R"({"stream":["public"],"payload":"1"})",
          R"({"stream":["public"],"event":"delete","payload":12})",
      }) {
    Parsed p = ParseRecords({bad});
    EXPECT_EQ(p.errors, 1) << bad;
    EXPECT_TRUE(p.posts.empty()) << bad;
    EXPECT_TRUE(p.controls.empty()) << bad;
  }
  // Other events are controls named by the event, whatever their payload.
  Parsed ok =
      ParseRecords({R"({"stream":["public"],"event":"filters_changed"})",
                    R"({"stream":["user"],"event":"announcement","payload":"{\"id\":\"5\"}"})"});
  EXPECT_EQ(ok.errors, 0);
  ASSERT_EQ(ok.controls.size(), 2u);
  EXPECT_EQ(ok.controls[0].kind, "filters_changed");
  EXPECT_EQ(ok.controls[1].kind, "announcement");
}

// ---- Meetup -----------------------------------------------------------------

TEST(Meetup, AGroupsEventsPage) {
  Parsed p = ParseRecords({ReadFile(Fixture("meetup/group_events.json"))});
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  ASSERT_EQ(p.posts.size(), 2u);
  const Post& e = p.posts[0];
  EXPECT_EQ(e.id, "310512873");
  EXPECT_EQ(e.provider, model::Provider::kMeetup);
  EXPECT_EQ(e.kind, PostKind::kEvent);
  EXPECT_EQ(e.source_format, "meetup");
  EXPECT_EQ(e.channel, "berlin-cpp-users");
  EXPECT_EQ(e.author.id, "18328381");
  EXPECT_EQ(e.author.handle, "berlin-cpp-users");
  EXPECT_EQ(e.author.name, "Berlin C++ Users");
  EXPECT_EQ(model::FormatTimestamp(e.created_at), "2026-09-15T17:00:00.000Z");  // the start
  EXPECT_EQ(e.text,
            "C++20 ranges in practice\n\nTalk by @jdoe on #cpp20 ranges. Slides: "
            "https://example.com/slides/ranges\nPizza from 18:30.");
  ASSERT_EQ(e.hashtags.size(), 1u);
  EXPECT_EQ(e.hashtags[0].tag, "cpp20");
  ASSERT_EQ(e.mentions.size(), 1u);
  EXPECT_EQ(e.mentions[0].handle, "jdoe");
  ASSERT_EQ(e.urls.size(), 1u);
  EXPECT_EQ(e.urls[0].url, "https://example.com/slides/ranges");
  EXPECT_TRUE(e.entities_extracted);
  ASSERT_TRUE(e.geo.lat && e.geo.lon);
  EXPECT_DOUBLE_EQ(*e.geo.lat, 52.51296);
  EXPECT_DOUBLE_EQ(*e.geo.lon, 13.42007);
  EXPECT_EQ(e.geo.place_name, "c-base, Berlin");
  EXPECT_EQ(e.geo.country_code, "DE");
  // The node's own JSON is its raw.
  EXPECT_TRUE(e.raw.starts_with("{\n              \"id\": \"310512873\"")) << e.raw.substr(0, 50);
  // No group on the node: the enclosing group's; no description: the title.
  const Post& online = p.posts[1];
  EXPECT_EQ(online.text, "Online: fuzzing parsers with libFuzzer");
  EXPECT_EQ(online.channel, "berlin-cpp-users");
  EXPECT_EQ(online.author.name, "Berlin C++ Users");
  EXPECT_TRUE(online.geo.empty());
}

TEST(Meetup, SearchPagesAndSingleEvents) {
  Parsed p = ParseRecords({ReadFile(Fixture("meetup/keyword_search.json")),
                           ReadFile(Fixture("meetup/single_event.json"))});
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  ASSERT_EQ(p.posts.size(), 3u);
  EXPECT_EQ(p.posts[0].geo.place_name, "Recurse Center, Brooklyn");
  EXPECT_EQ(p.posts[0].geo.country_code, "US");
  EXPECT_EQ(p.posts[0].channel, "nyc-systems");
  EXPECT_EQ(p.posts[0].cashtags.size(), 2u);
  EXPECT_EQ(p.posts[1].id, "309877555");         // node.result
  EXPECT_FALSE(p.posts[1].geo.lat.has_value());  // the 0,0 placeholder venue
  EXPECT_EQ(p.posts[1].geo.place_name, "Online event");
  EXPECT_EQ(p.posts[2].id, "276754274");
  EXPECT_EQ(p.posts[2].text, "API test\n\nAPI test description");
  EXPECT_EQ(model::FormatTimestamp(p.posts[2].created_at), "2021-03-15T00:52:53.000Z");
  EXPECT_EQ(p.posts[2].channel, "api-testers-tokyo");
}

TEST(Meetup, ErrorsAreOneControlMessageNotPostsNorDeadLetters) {
  Parsed p = ParseRecords({ReadFile(Fixture("meetup/errors.json")),
                           ReadFile(Fixture("meetup/errors_no_data.json")),
                           R"({"data":null,"errors":[{"message":"Too many requests"}]})"});
  ASSERT_EQ(p.errors, 0) << p.reasons[0];
  EXPECT_TRUE(p.posts.empty());
  ASSERT_EQ(p.controls.size(), 3u);
  EXPECT_EQ(p.controls[0].kind, "graphql-error");
  EXPECT_EQ(p.controls[0].detail, "Group not found: no-such-group");
  EXPECT_EQ(p.controls[1].kind, "graphql-error");
  EXPECT_EQ(p.controls[1].detail,
            "Cannot query field \"titel\" on type \"Event\". Did you mean \"title\"?");
  EXPECT_EQ(p.controls[2].detail, "Too many requests");
  // Malformed GraphQL pages are dead letters.
  for (
      const char* bad : {
          R"({"data":{}})",
          R"({"data":{"groupByUrlname":5}})",
          R"({"data":{"groupByUrlname":{"events":{"edges":[{"node":{"id":"1"}}]}}}})",
          R"({"data":{"groupByUrlname":{"events":{"edges":[{"node":{"title":"no id"}}]}}}})",
          R"({"data":{"groupByUrlname":{"events":{"edges":[{"node":{"id":"1","title":"t","dateTime":"soon"}}]}}}})",
          R"({"data":{"groupByUrlname":{"events":{"edges":{"node":{}}}}}})",
      }) {
    Parsed b = ParseRecords({bad});
    EXPECT_EQ(b.errors, 1) << bad;
    EXPECT_TRUE(b.posts.empty()) << bad;
  }
  // An empty page is nothing, as an empty X page is.
  Parsed empty = ParseRecords({R"({"data":{"groupByUrlname":{"events":{"edges":[]}}}})"});
  EXPECT_EQ(empty.errors, 0);
  EXPECT_TRUE(empty.posts.empty());
  EXPECT_TRUE(empty.controls.empty());
}

// ---- all providers ------------------------------------------------------------

std::vector<Post> OnePostOfEach() {
  std::vector<Post> out;
  Parsed g = ParseRecords({ReadFile(Data("simdjson/github_events.json"))});
  out.push_back(g.posts.at(0));
  Parsed b = ParseRecords(Lines(Data("bluesky-jetstream/corpus/expected_v1.jsonl")));
  for (const Post& p : b.posts) {
    if (p.id.ends_with("3mptbypfywk2v")) out.push_back(p);
  }
  Parsed m = ParseRecords({Status("1", kLinkContent)});
  out.push_back(m.posts.at(0));
  Parsed e = ParseRecords({ReadFile(Fixture("meetup/group_events.json"))});
  out.push_back(e.posts.at(0));
  return out;
}

TEST(ProviderPosts, NormalizedJsonReadsBackToTheSamePost) {
  const std::vector<Post> posts = OnePostOfEach();
  ASSERT_EQ(posts.size(), 4u);
  PostParser parser;
  for (const Post& post : posts) {
    std::string json;
    model::AppendPostJson(post, &json, {.include_raw = true});
    std::vector<Post> back;
    std::vector<ControlMessage> controls;
    ASSERT_TRUE(parser.Parse(json, &back, &controls).ok()) << json.substr(0, 300);
    ASSERT_EQ(back.size(), 1u);
    EXPECT_TRUE(back[0].SameContent(post)) << json.substr(0, 300);
    EXPECT_EQ(back[0].kind, post.kind);
    EXPECT_EQ(back[0].channel, post.channel);
    EXPECT_EQ(back[0].raw, post.raw);
    EXPECT_EQ(back[0].source_format, post.source_format);
    EXPECT_EQ(back[0].entities_extracted, post.entities_extracted);
  }
  // The channel is written only when there is one.
  std::string json;
  model::AppendPostJson(posts[1], &json);
  EXPECT_EQ(json.find("\"channel\""), std::string::npos);
  json.clear();
  model::AppendPostJson(posts[0], &json);
  EXPECT_NE(json.find(R"("channel":"jathanism/trigger")"), std::string::npos);
}

TEST(ProviderPosts, FormatOptionAndProjection) {
  EXPECT_EQ(*FormatFromName("github"), Format::kGitHub);
  EXPECT_EQ(*FormatFromName("bluesky"), Format::kBluesky);
  EXPECT_EQ(*FormatFromName("mastodon"), Format::kMastodon);
  EXPECT_EQ(*FormatFromName("meetup"), Format::kMeetup);
  ParseOptions o;
  o.format = Format::kXV2;
  Parsed wrong = ParseRecords({ReadFile(Data("simdjson/github_events.json"))}, o);
  EXPECT_EQ(wrong.errors, 1);
  o.format = Format::kGitHub;
  Parsed right = ParseRecords({ReadFile(Data("simdjson/github_events.json"))}, o);
  EXPECT_EQ(right.errors, 0);
  EXPECT_EQ(right.posts.size(), 30u);
  // A projection leaves what it does not ask for at its default; the kind of
  // a provider activity and the channel are always there.
  ParseOptions proj;
  proj.fields = Fields{Fields::kHashtags};
  Parsed b = ParseRecords(Lines(Data("bluesky-jetstream/corpus/expected_v1.jsonl")), proj);
  ASSERT_EQ(b.errors, 0);
  for (const Post& p : b.posts) {
    EXPECT_TRUE(p.text.empty());
    EXPECT_TRUE(p.references.empty());
    EXPECT_EQ(p.kind, PostKind::kPost);
  }
  Parsed g = ParseRecords({ReadFile(Data("simdjson/github_events.json"))}, proj);
  EXPECT_EQ(g.posts[0].channel, "jathanism/trigger");
  EXPECT_EQ(g.posts[0].kind, PostKind::kPush);
  EXPECT_TRUE(g.posts[0].text.empty());
}

TEST(ProviderPosts, ViewParsingGivesTheSamePosts) {
  PostParser parser;
  std::vector<const Post*> view;
  std::vector<ControlMessage> controls;
  const std::string page = ReadFile(Data("mastodon-py/bodies/test_public_tl__2.body.json"));
  ASSERT_TRUE(parser.ParseView(page, &view, &controls).ok());
  Parsed p = ParseRecords({page});
  ASSERT_EQ(view.size(), p.posts.size());
  for (std::size_t i = 0; i < view.size(); ++i) {
    EXPECT_TRUE(view[i]->SameContent(p.posts[i]));
    EXPECT_EQ(view[i]->raw, p.posts[i].raw);
  }
}

}  // namespace
}  // namespace starling::parse
