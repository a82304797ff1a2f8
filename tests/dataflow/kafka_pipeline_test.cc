// The Kafka source and sink inside the engine, on librdkafka's mock cluster:
// dead letters name topic, partition and offset (collect's ingest loop and
// the windowed runtime); offsets are committed to Kafka only as a durable
// checkpoint holds them; a sink that cannot get its messages acknowledged
// stops the run before any checkpoint passes them.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "dataflow/dead_letters.h"
#include "dataflow/ingest.h"
#include "dataflow/internal/checkpoint_format.h"
#include "dataflow/runtime.h"
#include "sink/registry.h"
#include "source/kafka/offsets.h"
#include "source/registry.h"
#include "support/collecting_results.h"
#include "support/kafka_mock.h"
#include "support/runtime_inputs.h"

namespace starling::dataflow {
namespace {

using testing::KafkaMockCluster;
using testing::ProduceAll;

std::string TempDir(const std::string& name) {
  const std::string dir =
      std::string(STARLING_TEST_TMP) + "/kafka-" + name + "-" + std::to_string(::getpid());
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Normalized posts as messages: (id, JSON).
std::vector<std::pair<std::string, std::string>> PostMessages(int n) {
  const runtime_test::Input in = runtime_test::MakeInput(7, n, 200000, 100000);
  std::vector<std::pair<std::string, std::string>> out;
  for (std::size_t i = 0; i < in.lines.size(); ++i) out.emplace_back(in.posts[i].id, in.lines[i]);
  return out;
}

// Three good posts and a malformed one at offset 2 of partition 1.
void ProduceWithOneBad(const KafkaMockCluster& cluster) {
  auto messages = PostMessages(4);
  messages[2].second = R"({"id": "cut in the middle)";
  ProduceAll(cluster.bootstraps(), "posts", messages, /*partition=*/1);
}

void ExpectOneDeadLetterAtPartition1Offset2(const std::string& path) {
  const std::string text = ReadFile(path);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_NE(text.find(R"("origin":"kafka:posts/1")"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("offset":2,"partition":1)"), std::string::npos) << text;
  EXPECT_NE(text.find(R"("bytes":"{\"id\": \"cut in the middle")"), std::string::npos) << text;
}

TEST(KafkaPipeline, DeadLettersNameTopicPartitionAndOffsetInCollect) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("posts", 3);
  ProduceWithOneBad(cluster);
  auto source = source::OpenSource(cluster.Spec("posts", "stop=end"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const std::string dir = TempDir("collect");
  DeadLetterWriter dead(dir + "/dead.jsonl");
  auto stats = RunIngest(**source, {}, dead, IngestOptions{});
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->posts, 3u);
  EXPECT_EQ(stats->dead_letters, 1u);
  ExpectOneDeadLetterAtPartition1Offset2(dir + "/dead.jsonl");
}

TEST(KafkaPipeline, DeadLettersNameTopicPartitionAndOffsetInRun) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("posts", 3);
  ProduceWithOneBad(cluster);
  auto source = source::OpenSource(cluster.Spec("posts", "stop=end"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  const std::string dir = TempDir("run");
  DeadLetterWriter dead(dir + "/dead.jsonl");
  testing::CollectingResults results;
  RunOptions options;
  options.result_sinks = {&results};
  options.dead_letters = &dead;
  auto stats = RunPipeline(runtime_test::Spec(), **source, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->posts, 3u);
  ASSERT_TRUE(dead.Flush().ok());
  ExpectOneDeadLetterAtPartition1Offset2(dir + "/dead.jsonl");
}

// A group reads a topic into a Kafka results topic with checkpoints: the
// offsets committed to Kafka are the last durable checkpoint's.
TEST(KafkaPipeline, CommittedOffsetsAreTheLastCheckpointsOffsets) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("posts", 3);
  cluster.CreateTopic("results", 3);
  ProduceAll(cluster.bootstraps(), "posts", PostMessages(300));
  auto source = source::OpenSource(
      cluster.Spec("posts", "group=analysts&stop=end&rdkafka.session.timeout.ms=6000"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto results = sink::OpenResultSink(cluster.Spec("results", "timeout=10s"));
  ASSERT_TRUE(results.ok()) << results.status().ToString();
  const std::string dir = TempDir("checkpoints");
  RunOptions options;
  options.result_sinks = {results->get()};
  options.checkpoint_dir = dir;
  options.checkpoint_interval = std::chrono::milliseconds(1);
  auto stats = RunPipeline(runtime_test::Spec(), **source, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_EQ(stats->posts, 300u);
  EXPECT_GE(stats->checkpoints, 2u);
  ASSERT_TRUE((*results)->Close().ok());
  source->reset();  // leaves the group; its last commits are sent first

  auto checkpoint = internal::ReadCheckpoint(dir);
  ASSERT_TRUE(checkpoint.ok()) << checkpoint.status().ToString();
  auto position = source::kafka::ParsePosition(checkpoint->source_position);
  ASSERT_TRUE(position.ok()) << checkpoint->source_position;
  std::vector<std::int64_t> want(3, RD_KAFKA_OFFSET_INVALID);
  std::int64_t total = 0;
  for (const auto& [p, o] : position->offsets) {
    want[static_cast<std::size_t>(p)] = o;
    total += o;
  }
  EXPECT_GT(total, 0);
  EXPECT_EQ(testing::CommittedOffsets(cluster.bootstraps(), "analysts", "posts", 3), want);
}

// The runtime flushes its sinks before it writes a checkpoint (runtime.cc,
// AfterChunk): a Kafka sink whose messages are not acknowledged within its
// timeout stops the run, and no checkpoint is written past them.
TEST(KafkaPipeline, UnacknowledgedOutputStopsTheRunBeforeItsCheckpoint) {
  KafkaMockCluster cluster, output;
  cluster.CreateTopic("posts", 3);
  output.CreateTopic("copy", 3);
  ProduceAll(cluster.bootstraps(), "posts", PostMessages(50));
  auto source = source::OpenSource(cluster.Spec("posts", "stop=end"));
  ASSERT_TRUE(source.ok()) << source.status().ToString();
  auto copy = sink::OpenSink(output.Spec("copy", "timeout=1s"));
  ASSERT_TRUE(copy.ok()) << copy.status().ToString();
  output.AllDown();  // the output's cluster, not the input's
  const std::string dir = TempDir("stopped");
  RunOptions options;
  options.post_sinks = {copy->get()};
  options.checkpoint_dir = dir;
  options.checkpoint_interval = std::chrono::milliseconds(1);
  testing::CollectingResults results;
  options.result_sinks = {&results};
  auto stats = RunPipeline(runtime_test::Spec(), **source, options);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("not acknowledged"), std::string::npos)
      << stats.status().ToString();
  EXPECT_EQ(internal::ReadCheckpoint(dir).status().code(), StatusCode::kNotFound);
  output.AllUp();
}

}  // namespace
}  // namespace starling::dataflow
