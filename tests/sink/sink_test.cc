// Tests for OpenSink (sink/sink.h): the spec grammar and its error messages.
#include "sink/sink.h"

#include <gtest/gtest.h>

#include <filesystem>

#include "sink/post_fixtures.h"

namespace starling::sink {
namespace {

using testing::TempPath;

TEST(OpenSink, OpensEachScheme) {
  const std::string jsonl = TempPath(".jsonl"), csv = TempPath(".csv"), db = TempPath(".db");
  struct Case {
    std::string spec;
    std::string describe;
  } cases[] = {
      {"jsonl:" + jsonl + "?raw=0&rotate=64M", jsonl + " (JSON lines)"},
      {"csv:" + csv, csv + " (CSV)"},
      {"sqlite:" + db + "?batch=10", db + " (SQLite)"},
      {jsonl + "?raw=1", jsonl + " (JSON lines, raw)"},  // bare path typed by extension
      {csv, csv + " (CSV)"},
      {db, db + " (SQLite)"},
      {"-", "stdout (JSON lines)"},
      {"jsonl:-", "stdout (JSON lines)"},
  };
  for (const auto& c : cases) {
    auto sink = OpenSink(c.spec);
    ASSERT_TRUE(sink.ok()) << c.spec << ": " << sink.status().ToString();
    EXPECT_EQ((*sink)->Describe(), c.describe);
    EXPECT_TRUE((*sink)->Close().ok());
  }
  EXPECT_TRUE(std::filesystem::exists(jsonl));
  EXPECT_TRUE(std::filesystem::exists(csv));
  EXPECT_TRUE(std::filesystem::exists(db));
}

TEST(OpenSink, RejectsBadSpecsWithClearMessages) {
  const std::string dir = STARLING_TEST_TMP;
  struct Case {
    std::string spec;
    std::string message_part;
  } cases[] = {
      {"", "valid schemes: jsonl"},
      {"parquet:out.parquet", "unknown sink scheme 'parquet'"},
      {"kafka://broker/topic", "valid schemes: jsonl"},
      {dir + "/out.txt", "cannot tell the sink type"},
      {"jsonl:", "has no path"},
      {"jsonl:" + dir + "/a.jsonl?rotate=lots", "rotate must be a size"},
      {"jsonl:" + dir + "/a.jsonl?rotate=0", "rotate must be a size"},
      {"jsonl:" + dir + "/a.jsonl?raw=maybe", "raw must be 0 or 1"},
      {"jsonl:" + dir + "/a.jsonl?gzip=1",
       "unknown parameter 'gzip' for jsonl (valid: raw, rotate)"},
      {"jsonl:" + dir + "/a.jsonl?raw", "is not key=value"},
      {"-?rotate=1M", "rotate needs a file"},
      {"sqlite:" + dir + "/a.db?batch=0", "batch must be a positive integer"},
      {"sqlite:" + dir + "/a.db?batch=10x", "batch must be a positive integer"},
      {"csv:" + dir + "/a.csv?raw=1", "unknown parameter 'raw' for csv"},
  };
  for (const auto& c : cases) {
    auto sink = OpenSink(c.spec);
    ASSERT_FALSE(sink.ok()) << c.spec;
    EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument) << c.spec;
    EXPECT_NE(sink.status().message().find(c.message_part), std::string::npos)
        << c.spec << " -> " << sink.status().message();
  }
}

TEST(OpenSink, UnwritablePathIsAnIoError) {
  auto sink = OpenSink("csv:" + std::string(STARLING_TEST_TMP) + "/no/such/dir/a.csv");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kIoError);
}

TEST(OpenSink, RotationSizeSuffixes) {
  const std::string path = TempPath(".jsonl");
  for (const char* size : {"1", "512K", "64M", "64MiB", "64mb", "1G"}) {
    auto sink = OpenSink("jsonl:" + path + "?rotate=" + size);
    EXPECT_TRUE(sink.ok()) << size << ": " << sink.status().ToString();
  }
}

}  // namespace
}  // namespace starling::sink
