// Tests for sink/csv_format.h and sink/csv_sink.h: RFC 4180 quoting and the
// write -> ReadCsvPosts round trip.
#include "sink/csv_format.h"

#include <gtest/gtest.h>

#include <fstream>

#include "sink/csv_sink.h"
#include "sink/post_fixtures.h"

namespace starling::sink {
namespace {

using testing::ReadFile;
using testing::SamplePosts;
using testing::TempPath;

// What a post looks like after a trip through CSV (see ReadCsvPosts).
model::Post CsvProjection(model::Post p) {
  for (auto& h : p.hashtags) h.range = {};
  for (auto& c : p.cashtags) c.range = {};
  for (auto& m : p.mentions) {
    m.range = {};
    m.user_id.clear();
  }
  for (auto& u : p.urls) {
    const std::string v = u.expanded_url.empty() ? u.url : u.expanded_url;
    u = {v, v, "", "", {}};
  }
  return p;
}

std::vector<model::Post> ReadAll(const std::string& path, Status* st) {
  std::vector<model::Post> out;
  *st = ReadCsvPosts(path, [&](model::Post&& p) {
    out.push_back(std::move(p));
    return Status::Ok();
  });
  return out;
}

TEST(AppendCsvField, QuotesOnlyWhenNeeded) {
  auto f = [](std::string_view s) {
    std::string out;
    AppendCsvField(s, &out);
    return out;
  };
  EXPECT_EQ(f("plain text"), "plain text");
  EXPECT_EQ(f("a,b"), "\"a,b\"");
  EXPECT_EQ(f("say \"hi\""), "\"say \"\"hi\"\"\"");
  EXPECT_EQ(f("two\nlines"), "\"two\nlines\"");
  EXPECT_EQ(f("cr\r"), "\"cr\r\"");
  EXPECT_EQ(f(""), "");
}

TEST(CsvSink, HeaderListsTheDocumentedColumns) {
  std::string header;
  AppendCsvHeader(&header);
  EXPECT_EQ(header,
            "id,created_at,author_id,author.username,author.name,text,lang,type,"
            "referenced_tweets.replied_to.id,referenced_tweets.retweeted.id,"
            "referenced_tweets.quoted.id,entities.hashtags,entities.mentions,entities.urls,"
            "entities.cashtags,public_metrics.retweet_count,public_metrics.reply_count,"
            "public_metrics.like_count,public_metrics.quote_count,"
            "public_metrics.impression_count,geo.coordinates.lon,geo.coordinates.lat,"
            "geo.place_id,geo.full_name,geo.country_code,matching_rules,provider,channel\n");
}

TEST(CsvSink, RowRendersListsAndRules) {
  std::string row;
  AppendCsvRow(SamplePosts()[0], &row);
  EXPECT_NE(row.find(",1377649934414049282:dogs%3A%20and%20cats 42:,x,\n"), std::string::npos)
      << row;
  EXPECT_NE(row.find(",quote,111,,1377640162566496258,Dogs,Manie_DS,"
                     "https://twitter.com/x/status/1/photo/1,TSLA,0,2,12345678901,3,,"
                     "-86.58216981,34.75192228,a0583a9994e6bf1b,\"Huntsville, AL\",US,"),
            std::string::npos)
      << row;
}

TEST(CsvSink, RoundTripKeepsContent) {
  const std::string path = TempPath(".csv");
  const auto posts = SamplePosts();
  {
    auto sink = CsvSink::Open({path});
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    for (const auto& p : posts) ASSERT_TRUE((*sink)->Write(p).ok());
    ASSERT_TRUE((*sink)->Close().ok());
  }
  Status st;
  const auto back = ReadAll(path, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(back.size(), posts.size());
  for (std::size_t i = 0; i < posts.size(); ++i) {
    const model::Post want = CsvProjection(posts[i]);
    EXPECT_TRUE(back[i].SameContent(want)) << "post " << i << " text: " << back[i].text;
    EXPECT_EQ(back[i].text, posts[i].text);
    EXPECT_EQ(back[i].author.name, posts[i].author.name);
    EXPECT_EQ(back[i].matching_rules, posts[i].matching_rules);
    EXPECT_EQ(back[i].source_format, "csv");
    EXPECT_TRUE(back[i].raw.empty());
  }
}

TEST(CsvSink, ChannelAndActivityKindsRoundTrip) {
  const std::string path = TempPath(".csv");
  {
    std::string out;
    AppendCsvHeader(&out);
    for (const auto& p : testing::ChannelPosts()) AppendCsvRow(p, &out);
    std::ofstream(path, std::ios::binary) << out;
    EXPECT_NE(out.find(",push,"), std::string::npos);
    EXPECT_NE(out.find(",github,jathanism/trigger\n"), std::string::npos);
  }
  Status st;
  const auto back = ReadAll(path, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  const auto want = testing::ChannelPosts();
  ASSERT_EQ(back.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_TRUE(back[i].SameContent(CsvProjection(want[i]))) << want[i].id;
    EXPECT_EQ(back[i].channel, want[i].channel);
    EXPECT_EQ(back[i].kind, want[i].kind);
  }
  // A file written before the channel column reads with an empty channel.
  std::ofstream(path, std::ios::binary) << "id,type,provider\n7,star,github\n";
  const auto old = ReadAll(path, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(old.size(), 1u);
  EXPECT_EQ(old[0].kind, model::PostKind::kStar);
  EXPECT_EQ(old[0].channel, "");
}

TEST(ReadCsvPosts, AcceptsCrlfReorderedColumnsAndBom) {
  const std::string path = TempPath(".csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "\xEF\xBB\xBFtext,extra,id,created_at,entities.hashtags\r\n"
        << "\"multi\r\nline, \"\"q\"\"\",zzz,42,2021-04-01T15:52:31.000Z,a  b\r\n"
        << "\r\n"
        << "x,,43,,\r\n";
  }
  Status st;
  const auto back = ReadAll(path, &st);
  ASSERT_TRUE(st.ok()) << st.ToString();
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back[0].id, "42");
  EXPECT_EQ(back[0].text, "multi\r\nline, \"q\"");
  EXPECT_EQ(back[0].created_at, 1617292351000000LL);
  ASSERT_EQ(back[0].hashtags.size(), 2u);
  EXPECT_EQ(back[0].hashtags[1].tag, "b");
  EXPECT_EQ(back[1].id, "43");
}

TEST(ReadCsvPosts, ReportsErrors) {
  Status st;
  ReadAll(TempPath(".csv"), &st);
  EXPECT_EQ(st.code(), StatusCode::kNotFound);

  const std::string path = TempPath(".csv");
  {
    std::ofstream out(path, std::ios::binary);
    out << "id,text\n1,ok\n2,\"never closed\n";
  }
  const auto back = ReadAll(path, &st);
  EXPECT_EQ(back.size(), 1u);
  EXPECT_EQ(st.code(), StatusCode::kMalformedInput);
  EXPECT_NE(st.message().find(":3"), std::string::npos) << st.message();

  {
    std::ofstream out(path, std::ios::binary);
    out << "id,public_metrics.like_count\n1,many\n";
  }
  ReadAll(path, &st);
  EXPECT_EQ(st.code(), StatusCode::kMalformedInput);

  {
    std::ofstream out(path, std::ios::binary);
    out << "text\nhello\n";
  }
  ReadAll(path, &st);
  EXPECT_EQ(st.code(), StatusCode::kMalformedInput);
}

TEST(ReadCsvPosts, StopsWhenCallbackFails) {
  const std::string path = TempPath(".csv");
  {
    auto sink = CsvSink::Open({path});
    ASSERT_TRUE(sink.ok());
    for (const auto& p : SamplePosts()) ASSERT_TRUE((*sink)->Write(p).ok());
  }  // destructor closes
  int calls = 0;
  Status st = ReadCsvPosts(path, [&](model::Post&&) {
    ++calls;
    return Internal("stop");
  });
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(st.message(), "stop");
}

}  // namespace
}  // namespace starling::sink
