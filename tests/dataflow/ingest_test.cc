// Tests for dataflow/ingest.h and dataflow/dead_letters.h on real recorded data.
#include "dataflow/ingest.h"

#include <gtest/gtest.h>
#include <simdjson.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "model/time.h"
#include "source/registry.h"
#include "support/collecting_sink.h"

namespace starling::dataflow {
namespace {

std::string Data(const std::string& rel) { return std::string(STARLING_SHARED_DATA) + "/" + rel; }
std::string Tmp(const std::string& name) {
  return std::string(STARLING_TEST_TMP) + "/ingest_" + name;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

std::string Base64Decode(std::string_view in) {
  std::string out;
  int val = 0, bits = -8;
  for (char c : in) {
    const char* alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    const char* p = std::strchr(alphabet, c);
    if (c == '=' || p == nullptr) break;
    val = (val << 6) + static_cast<int>(p - alphabet);
    bits += 6;
    if (bits >= 0) {
      out.push_back(static_cast<char>((val >> bits) & 0xFF));
      bits -= 8;
    }
  }
  return out;
}

TEST(Ingest, TruncatedLastLineIsOneDeadLetterAndSevenPosts) {
  std::string dl = Tmp("dead1.jsonl");
  std::remove(dl.c_str());
  auto src = source::OpenSource(Data("twarc-csv/streaming_output_with_error.jsonl"));
  ASSERT_TRUE(src.ok());
  testing::CollectingSink out;
  DeadLetterWriter dead(dl);
  auto stats = RunIngest(**src, {&out}, dead, {});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->posts, 7u);
  EXPECT_EQ(out.posts.size(), 7u);
  EXPECT_EQ(stats->dead_letters, 1u);
  // The dead letter holds the original bytes exactly, with reason and position.
  auto dl_lines = Lines(ReadFile(dl));
  ASSERT_EQ(dl_lines.size(), 1u);
  simdjson::dom::parser p;
  simdjson::dom::element e;
  ASSERT_EQ(p.parse(dl_lines[0]).get(e), simdjson::SUCCESS);
  std::string_view bytes, reason, origin;
  std::uint64_t line = 0;
  ASSERT_EQ(e["bytes"].get(bytes), simdjson::SUCCESS);
  ASSERT_EQ(e["reason"].get(reason), simdjson::SUCCESS);
  ASSERT_EQ(e["origin"].get(origin), simdjson::SUCCESS);
  ASSERT_EQ(e["line"].get(line), simdjson::SUCCESS);
  auto input_lines = Lines(ReadFile(Data("twarc-csv/streaming_output_with_error.jsonl")));
  EXPECT_EQ(bytes, input_lines.back());
  EXPECT_EQ(line, 8u);
  EXPECT_NE(reason.find("malformed input"), std::string_view::npos);
  std::string_view time;
  ASSERT_EQ(e["time"].get(time), simdjson::SUCCESS);
  EXPECT_TRUE(model::ParseTimestamp(time).ok()) << time;
  EXPECT_NE(origin.find("streaming_output_with_error.jsonl"), std::string_view::npos);
}

TEST(Ingest, BadBytesAreKeptExactlyAndTheStreamGoesOn) {
  std::string in = Tmp("bad.jsonl");
  std::string good = Lines(ReadFile(Data("twarc-csv/streaming_output.jsonl")))[0];
  std::string invalid = "{\"data\": {\"id\": \"1\", \"text\": \"\xc3\x28\"}}";
  std::string wrong_type = R"({"data": {"id": "2", "text": 42}})";
  {
    std::ofstream f(in, std::ios::binary);
    f << good << "\n" << invalid << "\n" << wrong_type << "\n\n" << good << "\n";
  }
  std::string dl = Tmp("dead2.jsonl");
  std::remove(dl.c_str());
  auto src = source::OpenSource(in);
  ASSERT_TRUE(src.ok());
  testing::CollectingSink out;
  DeadLetterWriter dead(dl);
  auto stats = RunIngest(**src, {&out}, dead, {});
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->posts, 2u);
  EXPECT_EQ(stats->dead_letters, 2u);
  auto dl_lines = Lines(ReadFile(dl));
  ASSERT_EQ(dl_lines.size(), 2u);
  simdjson::dom::parser p;
  simdjson::dom::element e;
  ASSERT_EQ(p.parse(dl_lines[0]).get(e), simdjson::SUCCESS);
  std::string_view b64;
  ASSERT_EQ(e["bytes_base64"].get(b64), simdjson::SUCCESS);
  EXPECT_EQ(Base64Decode(b64), invalid);
  ASSERT_EQ(p.parse(dl_lines[1]).get(e), simdjson::SUCCESS);
  std::string_view bytes;
  ASSERT_EQ(e["bytes"].get(bytes), simdjson::SUCCESS);
  EXPECT_EQ(bytes, wrong_type);
}

TEST(Ingest, AFiftyMegabyteLineIsADeadLetterAndTheStreamGoesOn) {
  std::string in = Tmp("huge.jsonl");
  std::string good = Lines(ReadFile(Data("twarc-csv/streaming_output.jsonl")))[2];
  // Valid JSON, but 50 MB: over the 16 MiB record limit.
  std::string huge = R"({"data": {"id": "1", "text": ")" + std::string(50u << 20, 'a') + "\"}}";
  {
    std::ofstream f(in, std::ios::binary);
    f << good << "\n" << huge << "\n" << good << "\n";
  }
  std::string dl = Tmp("dead3.jsonl");
  std::remove(dl.c_str());
  auto src = source::OpenSource(in);
  ASSERT_TRUE(src.ok());
  testing::CollectingSink out;
  DeadLetterWriter dead(dl);
  auto stats = RunIngest(**src, {&out}, dead, {});
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->posts, 2u);
  EXPECT_EQ(stats->dead_letters, 1u);
  std::string kept = ReadFile(dl);
  EXPECT_NE(kept.find("resource exhausted"), std::string::npos);
  EXPECT_NE(kept.find("\"line\":2"), std::string::npos);
  simdjson::dom::parser p;
  simdjson::dom::element e;
  ASSERT_EQ(p.parse(kept).get(e), simdjson::SUCCESS);
  std::string_view bytes;
  ASSERT_EQ(e["bytes"].get(bytes), simdjson::SUCCESS);
  EXPECT_EQ(bytes, huge);
  std::remove(in.c_str());
  std::remove(dl.c_str());
}

TEST(Ingest, ControlMessagesAreCountedByKind) {
  auto src = source::OpenSource(Data("twitter4j/streamingapi-testcase.json"));
  ASSERT_TRUE(src.ok());
  testing::CollectingSink out;
  DeadLetterWriter dead("");
  auto stats = RunIngest(**src, {&out}, dead, {});
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(stats->posts, 3u);
  EXPECT_EQ(stats->controls, 3u);
  EXPECT_EQ(stats->controls_by_kind.at("limit"), 1u);
  EXPECT_EQ(stats->dead_letters, 0u);
}

TEST(Ingest, LimitStopsAfterNPosts) {
  auto src = source::OpenSource(Data("twarc-csv/kpop.jsonl"));
  ASSERT_TRUE(src.ok());
  testing::CollectingSink out;
  DeadLetterWriter dead("");
  IngestOptions o;
  o.limit = 42;
  auto stats = RunIngest(**src, {&out}, dead, o);
  ASSERT_TRUE(stats.ok());
  EXPECT_EQ(out.posts.size(), 42u);
}

TEST(Ingest, ReplayKeepsTheRecordedPaceScaled) {
  ManualClock clock;
  source::SourceOptions so;
  so.clock = &clock;
  auto src =
      source::OpenSource("replay:" + Data("twarc-csv/streaming_output.jsonl") + "?speed=10", so);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  testing::CollectingSink out;
  DeadLetterWriter dead("");
  IngestOptions o;
  o.clock = &clock;
  auto t0 = clock.Steady();
  auto stats = RunIngest(**src, {&out}, dead, o);
  ASSERT_TRUE(stats.ok());
  ASSERT_EQ(out.posts.size(), 8u);
  double span_s =
      static_cast<double>(out.posts.back().created_at - out.posts.front().created_at) / 1e6;
  double waited = std::chrono::duration<double>(clock.Steady() - t0).count();
  EXPECT_GT(span_s, 10);
  EXPECT_NEAR(waited, span_s / 10, 0.01);
}

TEST(Ingest, DurationAndStopWorkWhileTheLiveSourceIsIdle) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::string line = Lines(ReadFile(Data("twarc-csv/streaming_output.jsonl")))[0] + "\n";
  ASSERT_EQ(::write(fds[1], line.data(), line.size()), static_cast<ssize_t>(line.size()));
  auto src = source::LineSource(source::AutoDecompress(source::FdByteStream(fds[0])), "pipe");
  testing::CollectingSink out;
  DeadLetterWriter dead("");
  IngestOptions o;
  o.duration = std::chrono::milliseconds(400);  // the pipe stays open and silent
  auto stats = RunIngest(*src, {&out}, dead, o);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(out.posts.size(), 1u);
  EXPECT_GE(out.flushes, 1);  // committed while idle, not only at the end
  ::close(fds[1]);
}

TEST(Ingest, StopFlagEndsTheRunCleanly) {
  auto src = source::OpenSource("generate:?pace=0&seed=1");
  ASSERT_TRUE(src.ok());
  testing::CollectingSink out;
  DeadLetterWriter dead("");
  std::atomic<bool> stop{false};
  IngestOptions o;
  o.stop = &stop;
  o.on_progress = [&](const IngestStats& s) {
    if (s.posts > 0) stop = true;
  };
  o.progress_interval = std::chrono::milliseconds(0);
  auto stats = RunIngest(**src, {&out}, dead, o);
  ASSERT_TRUE(stats.ok());
  EXPECT_GT(out.posts.size(), 0u);
  EXPECT_LT(out.posts.size(), 1000u);
  EXPECT_GE(out.flushes, 1);
}

}  // namespace
}  // namespace starling::dataflow
