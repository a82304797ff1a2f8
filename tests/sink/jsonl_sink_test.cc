// Tests for sink/jsonl_sink.h: normalized and raw lines, rotation.
#include "sink/jsonl_sink.h"

#include <gtest/gtest.h>
#include <simdjson.h>

#include <filesystem>

#include "sink/post_fixtures.h"

namespace starling::sink {
namespace {

using testing::ReadFile;
using testing::SamplePosts;
using testing::TempPath;

std::vector<std::string> Lines(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  for (std::size_t nl = s.find('\n'); nl != std::string::npos; nl = s.find('\n', start)) {
    out.push_back(s.substr(start, nl - start));
    start = nl + 1;
  }
  EXPECT_EQ(start, s.size()) << "file must end with a newline";
  return out;
}

TEST(JsonlSink, WritesOneParsableObjectPerPost) {
  const std::string path = TempPath(".jsonl");
  auto sink = JsonlSink::Open({.path = path});
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  for (const auto& p : SamplePosts()) ASSERT_TRUE((*sink)->Write(p).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  ASSERT_TRUE((*sink)->Close().ok());  // idempotent
  EXPECT_FALSE((*sink)->Write(SamplePosts()[0]).ok());

  const auto lines = Lines(ReadFile(path));
  ASSERT_EQ(lines.size(), 3u);
  simdjson::dom::parser parser;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    simdjson::dom::element doc;
    ASSERT_EQ(parser.parse(lines[i]).get(doc), simdjson::SUCCESS) << lines[i];
    std::string_view id;
    ASSERT_EQ(doc["id"].get_string().get(id), simdjson::SUCCESS);
    EXPECT_EQ(id, SamplePosts()[i].id);
    EXPECT_TRUE(doc["raw"].error() == simdjson::NO_SUCH_FIELD);
  }
}

TEST(JsonlSink, RawModeWritesProviderBytes) {
  const std::string path = TempPath(".jsonl");
  auto sink = JsonlSink::Open({.path = path, .raw = true});
  ASSERT_TRUE(sink.ok());
  auto posts = SamplePosts();
  ASSERT_TRUE((*sink)->Write(posts[0]).ok());
  ASSERT_TRUE((*sink)->Write(posts[1]).ok());
  Status st = (*sink)->Write(posts[2]);  // no raw
  EXPECT_EQ(st.code(), StatusCode::kMalformedInput);
  model::Post pretty = posts[1];
  pretty.raw = "{\n  \"id\": \"b2\"\r\n}";
  ASSERT_TRUE((*sink)->Write(pretty).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ(ReadFile(path), posts[0].raw + "\n" + posts[1].raw + "\n{   \"id\": \"b2\"  }\n");
}

TEST(JsonlSink, RotatesBySizeWithoutSplittingLines) {
  const std::string path = TempPath(".jsonl");
  std::string one_line;
  model::AppendPostJson(SamplePosts()[0], &one_line);
  one_line.push_back('\n');
  // Room for two lines per file, not three.
  const std::uint64_t limit = one_line.size() * 2 + one_line.size() / 2;
  auto sink = JsonlSink::Open({.path = path, .rotate_bytes = limit, .buffer_bytes = 64});
  ASSERT_TRUE(sink.ok());
  for (int i = 0; i < 7; ++i) ASSERT_TRUE((*sink)->Write(SamplePosts()[0]).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ((*sink)->file_count(), 4);

  std::string all;
  std::size_t lines = 0;
  for (const std::string& p : {path, path + ".1", path + ".2", path + ".3"}) {
    const std::string content = ReadFile(p);
    EXPECT_LE(content.size(), limit) << p;
    lines += Lines(content).size();
    all += content;
  }
  EXPECT_EQ(lines, 7u);
  EXPECT_FALSE(std::filesystem::exists(path + ".4"));
  EXPECT_EQ(ReadFile(path + ".3"), one_line);
  for (const std::string& p : {path, path + ".1", path + ".2", path + ".3"}) std::remove(p.c_str());
}

TEST(JsonlSink, ReportsUnopenableFile) {
  auto sink = JsonlSink::Open({.path = std::string(STARLING_TEST_TMP) + "/no/such/dir/x.jsonl"});
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kIoError);
}

}  // namespace
}  // namespace starling::sink
