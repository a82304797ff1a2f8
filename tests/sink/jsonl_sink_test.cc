// Tests for sink/jsonl_sink.h: normalized and raw lines, rotation.
#include "sink/jsonl_sink.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <sys/resource.h>

#include <csignal>
#include <filesystem>

#include "sink/buffered_file.h"
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
  // A folder that cannot be made: its parent is a file.
  auto sink = JsonlSink::Open({.path = "/dev/null/no/x.jsonl"});
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kIoError);
  EXPECT_NE(sink.status().message().find("cannot create the folder /dev/null/no"),
            std::string::npos)
      << sink.status().message();
}

TEST(JsonlSink, CreatesMissingFolders) {
  const std::string dir = std::string(STARLING_TEST_TMP) + "/jsonl_sink_new/a/b";
  std::filesystem::remove_all(std::string(STARLING_TEST_TMP) + "/jsonl_sink_new");
  auto sink = JsonlSink::Open({.path = dir + "/x.jsonl"});
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  EXPECT_TRUE((*sink)->Close().ok());
  EXPECT_TRUE(std::filesystem::exists(dir + "/x.jsonl"));
}

// A write cut short by a file-size limit (as by a full disk) is cut back to
// the last whole line: the file never ends torn.
TEST(BufferedFile, AShortWriteIsCutBackToTheLastWholeLine) {
  const std::string path = std::string(STARLING_TEST_TMP) + "/buffered_file_limit.jsonl";
  std::remove(path.c_str());
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 1000;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  Status st;
  {
    BufferedFile file;
    ASSERT_TRUE(file.Open(path, 16).ok());
    const std::string line = std::string(299, 'x') + "\n";
    for (int i = 0; i < 5 && st.ok(); ++i) st = file.Append(line);
    EXPECT_FALSE(file.Append(line).ok());  // sticky
    (void)file.Close();
  }
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("File too large"), std::string::npos) << st.message();
  const std::string got = ReadFile(path);
  EXPECT_EQ(got.size(), 900u);  // three whole lines; the fourth was cut at 1000 bytes, then back
  EXPECT_EQ(got.back(), '\n');
  std::remove(path.c_str());
}

// A write that fails (here: the disk is full) leaves the file ending in a
// whole line, and every later write fails with the same error.
TEST(JsonlSink, AFailedWriteLeavesNoTornLine) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full on this machine";
  BufferedFile file;
  ASSERT_TRUE(file.Open("/dev/full", 16).ok());
  Status st = file.Append("0123456789abcdefghij\n");  // larger than the buffer: written at once
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), StatusCode::kResourceExhausted);
  EXPECT_NE(st.message().find("No space left on device"), std::string::npos) << st.message();
  EXPECT_EQ(file.Append("x\n").code(), StatusCode::kResourceExhausted);
  EXPECT_FALSE(file.Flush().ok());
}

}  // namespace
}  // namespace starling::sink
