// The Kafka source (source/connectors/kafka_source.cc) against librdkafka's
// mock cluster (tests/support/kafka_mock.h): bounded and live reads, resume
// from a position (with and without a consumer group), offsets committed
// after a durable checkpoint, a small prefetch queue kept fetching (the
// fetch waker), and faults: a broker down and up, request errors, a leader
// change. Every wait has a deadline.
#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "source/kafka/fetch_waker.h"
#include "source/kafka/offsets.h"
#include "source/registry.h"
#include "support/kafka_mock.h"

namespace starling::source {
namespace {

using testing::KafkaMockCluster;
using testing::ProduceAll;
using Clock = std::chrono::steady_clock;

struct Got {
  std::int32_t partition;
  std::uint64_t offset;
  std::string bytes;
  std::string origin;
};

// Reads until the source ends, `max` records came, or `within` passed.
std::vector<Got> Read(RecordSource& s, std::size_t max = SIZE_MAX,
                      std::chrono::milliseconds within = std::chrono::seconds(20),
                      bool* ended = nullptr) {
  std::vector<Got> out;
  const auto deadline = Clock::now() + within;
  if (ended != nullptr) *ended = false;
  while (out.size() < max && Clock::now() < deadline) {
    Record r;
    Result<bool> more = s.Next(&r);
    if (!more.ok()) {
      EXPECT_EQ(more.status().code(), StatusCode::kTryAgain) << more.status().ToString();
      if (more.status().code() != StatusCode::kTryAgain) break;
      continue;
    }
    if (!*more) {
      if (ended != nullptr) *ended = true;
      break;
    }
    out.push_back({r.partition, r.offset, std::string(r.bytes), std::string(r.origin)});
  }
  return out;
}

std::vector<std::pair<std::string, std::string>> Messages(int n, int from = 0) {
  std::vector<std::pair<std::string, std::string>> out;
  for (int i = from; i < from + n; ++i) {
    out.emplace_back("k" + std::to_string(i), R"({"id":")" + std::to_string(i) + R"("})");
  }
  return out;
}

// Each message's value, which must come exactly once.
std::multiset<std::string> Values(const std::vector<Got>& got) {
  std::multiset<std::string> out;
  for (const Got& g : got) out.insert(g.bytes);
  return out;
}

std::multiset<std::string> Expected(int n) {
  std::multiset<std::string> out;
  for (const auto& [k, v] : Messages(n)) out.insert(v);
  return out;
}

std::unique_ptr<RecordSource> Open(const std::string& spec) {
  auto s = OpenSource(spec);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(*s) : nullptr;
}

TEST(KafkaPosition, RoundTripsAndRefusesWhatItDidNotWrite) {
  kafka::Position p{"posts;odd=name", {{0, 15}, {2, 0}, {7, 9223372036854775807}}};
  const std::string token = kafka::FormatPosition(p);
  auto back = kafka::ParsePosition(token);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->topic, p.topic);
  EXPECT_EQ(back->offsets, p.offsets);
  EXPECT_TRUE(kafka::ParsePosition("kafka;topic=t;offsets=").ok());
  for (const char* bad :
       {"", "x-stream;upto=3", "kafka;offsets=0:1", "kafka;topic=t;offsets=0:1,0:2",
        "kafka;topic=t;offsets=-1:5", "kafka;topic=t;offsets=0:-5", "kafka;topic=t;offsets=0:1,",
        "kafka;topic=t;offsets=a:1", "kafka;topic=t;offsets=2147483648:1",
        "kafka;topic=t;offsets=0:9223372036854775808", "kafka;topic=t;offsets=0"}) {
    EXPECT_EQ(kafka::ParsePosition(bad).status().code(), StatusCode::kMalformedInput) << bad;
  }
}

TEST(KafkaSource, RefusesBadSpecsClearly) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("posts", 3);
  // (The mock creates a topic a client asks for; this one it says is unknown.)
  rd_kafka_mock_topic_set_error(cluster.get(), "nosuch", RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  auto missing = OpenSource(cluster.Spec("nosuch", "timeout=5s"));
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("topic 'nosuch'"), std::string::npos)
      << missing.status().ToString();
  EXPECT_FALSE(OpenSource(cluster.Spec("posts", "start=middle")).ok());
  EXPECT_FALSE(OpenSource(cluster.Spec("posts", "stop=never")).ok());
  EXPECT_FALSE(OpenSource("kafka://" + cluster.bootstraps()).ok());  // no topic
  auto reserved = OpenSource(cluster.Spec("posts", "rdkafka.enable.auto.commit=true"));
  ASSERT_FALSE(reserved.ok());
  EXPECT_NE(reserved.status().message().find("set by Starling"), std::string::npos);
  auto unknown = OpenSource(cluster.Spec("posts", "rdkafka.no.such.property=1"));
  EXPECT_FALSE(unknown.ok());
  // A secret passed through is never shown.
  auto s = Open(cluster.Spec("posts", "stop=end&rdkafka.sasl.password=hunter2"));
  ASSERT_NE(s, nullptr);
  EXPECT_EQ(s->Describe().find("hunter2"), std::string::npos) << s->Describe();
  EXPECT_EQ(s->Health()->source.find("hunter2"), std::string::npos);
}

TEST(KafkaSource, BoundedReadGivesEveryMessageOnceWithItsPartitionAndOffset) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("posts", 3);
  ProduceAll(cluster.bootstraps(), "posts", Messages(90));
  auto s = Open(cluster.Spec("posts", "stop=end"));
  ASSERT_NE(s, nullptr);
  bool ended = false;
  const std::vector<Got> got = Read(*s, SIZE_MAX, std::chrono::seconds(20), &ended);
  EXPECT_TRUE(ended);
  EXPECT_EQ(Values(got), Expected(90));
  std::map<std::int32_t, std::uint64_t> next;  // offsets within a partition: 0, 1, 2, ...
  for (const Got& g : got) {
    ASSERT_GE(g.partition, 0);
    ASSERT_LT(g.partition, 3);
    EXPECT_EQ(g.offset, next[g.partition]++);
    EXPECT_EQ(g.origin, "kafka:posts/" + std::to_string(g.partition));
  }
  EXPECT_EQ(next.size(), 3u) << "keys spread over every partition";
  auto position = kafka::ParsePosition(s->Position());
  ASSERT_TRUE(position.ok());
  EXPECT_EQ(position->offsets, (kafka::Offsets{{0, static_cast<std::int64_t>(next[0])},
                                               {1, static_cast<std::int64_t>(next[1])},
                                               {2, static_cast<std::int64_t>(next[2])}}));
  const auto health = s->Health();
  ASSERT_TRUE(health.has_value());
  EXPECT_TRUE(health->connected);
  EXPECT_EQ(health->brokers, 3u);
  ASSERT_EQ(health->partitions.size(), 3u);
  for (const auto& p : health->partitions) {
    EXPECT_EQ(p.next_offset, static_cast<std::int64_t>(next[p.partition]));
    EXPECT_EQ(p.lag, 0) << "partition " << p.partition;
  }
  // Messages produced after the start are past the end of a bounded read.
  ProduceAll(cluster.bootstraps(), "posts", Messages(5, 1000));
  Record r;
  auto more = s->Next(&r);
  ASSERT_TRUE(more.ok());
  EXPECT_FALSE(*more);
}

TEST(KafkaFetchWaker, WakesOnceEachTimeAFullQueueFallsBackUnderHalf) {
  using L = kafka::QueueLevel;
  kafka::WakeRule rule(L{.messages = 100, .bytes = 0});
  EXPECT_FALSE(rule.Observe({40, 0}, {10, 0})) << "never over half: the broker is not held back";
  EXPECT_FALSE(rule.Observe({50, 0}, {50, 0})) << "half is not over half";
  EXPECT_FALSE(rule.Observe({90, 0}, {60, 0})) << "over half, still over half now";
  EXPECT_FALSE(rule.Observe({60, 0}, {55, 0}));
  EXPECT_TRUE(rule.Observe({55, 0}, {50, 0})) << "back under half after being over it";
  EXPECT_FALSE(rule.Observe({50, 0}, {0, 0})) << "one wake per fill";
  EXPECT_FALSE(rule.Observe({30, 0}, {0, 0}));
  // Over half and drained within one look (a batch read took it all).
  EXPECT_TRUE(rule.Observe({100, 0}, {0, 0}));
  // The byte limit alone.
  kafka::WakeRule bytes(L{.messages = 1000000, .bytes = 1000});
  EXPECT_FALSE(bytes.Observe({20, 400}, {10, 200}));
  EXPECT_FALSE(bytes.Observe({20, 600}, {20, 600})) << "600 bytes, over half of 1000";
  EXPECT_TRUE(bytes.Observe({20, 600}, {10, 300})) << "300 bytes";
  // Limits not known (0) are never reached.
  kafka::WakeRule unknown(L{});
  EXPECT_FALSE(unknown.Observe({1u << 30, 1u << 30}, {0, 0}));
}

TEST(KafkaFetchWaker, CallsOnItsOwnThreadAndCoalescesWakes) {
  std::mutex mu;
  std::condition_variable cv;
  int calls = 0;
  bool release = false;
  std::thread::id caller;
  {
    kafka::FetchWaker waker([&] {
      std::unique_lock lock(mu);
      caller = std::this_thread::get_id();
      ++calls;
      cv.notify_all();
      cv.wait_for(lock, std::chrono::seconds(10), [&] { return release; });
    });
    waker.Wake();
    {
      std::unique_lock lock(mu);
      ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls == 1; }));
    }
    // While a call runs, any number of wakes make one more call.
    for (int i = 0; i < 50; ++i) waker.Wake();
    {
      std::lock_guard lock(mu);
      release = true;
    }
    cv.notify_all();
    std::unique_lock lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return calls == 2; }));
  }  // the destructor waits for the thread
  EXPECT_EQ(calls, 2);
  EXPECT_NE(caller, std::this_thread::get_id());
}

// librdkafka 2.0.2 stops fetching once its queue passes
// queued.max.messages.kbytes and looks again after a fixed second unless
// woken. Here every fetch fills the 8 kB queue (batches of 8 messages of a
// kB), and the reader is slower than the fetches (a millisecond's pause
// every 8 messages), so the queue is full whenever the reader comes back
// for more. With the fetch waker 2,000 messages take about a second
// (without it, 12 to 16 a second came: over two minutes); without and with
// a consumer group (which reads a message per poll).
TEST(KafkaSource, ASmallPrefetchQueueKeepsFetching) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("posts", 1);
  std::vector<std::pair<std::string, std::string>> messages;
  for (int i = 0; i < 2000; ++i) {
    messages.emplace_back(
        "k", R"({"id":")" + std::to_string(i) + R"(","pad":")" + std::string(1000, 'x') + R"("})");
  }
  ProduceAll(cluster.bootstraps(), "posts", messages, 0, /*flush_every=*/8);
  for (const std::string group : {"", "group=small-queue&"}) {
    auto s = Open(cluster.Spec("posts", group + "stop=end&rdkafka.queued.max.messages.kbytes=8&"
                                                "rdkafka.max.partition.fetch.bytes=4096"));
    ASSERT_NE(s, nullptr);
    std::vector<std::string> got;
    bool ended = false;
    Clock::time_point first{};  // from the first message (a group's join takes 3 s)
    const auto deadline = Clock::now() + std::chrono::seconds(60);
    while (!ended && Clock::now() < deadline) {
      Record r;
      Result<bool> more = s->Next(&r);
      if (!more.ok()) {
        ASSERT_EQ(more.status().code(), StatusCode::kTryAgain) << more.status().ToString();
        continue;
      }
      if (!*more) {
        ended = true;
        break;
      }
      if (got.empty()) first = Clock::now();
      got.emplace_back(r.bytes);
      if (got.size() % 8 == 0) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const auto took = std::chrono::duration_cast<std::chrono::seconds>(Clock::now() - first);
    EXPECT_TRUE(ended) << "[" << group << "] " << got.size() << " of 2000 messages in 60 s";
    // A bound far from both: about 1 s with the waker, minutes without.
    EXPECT_LT(took.count(), 30) << "[" << group << "] the queue waited for librdkafka's second";
    ASSERT_EQ(got.size(), messages.size()) << "[" << group << "]";
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], messages[i].second);
  }
}

TEST(KafkaSource, EmptyTopicEndsAtOnceAndLatestStartsAtTheEnd) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("empty", 2);
  cluster.CreateTopic("posts", 2);
  ProduceAll(cluster.bootstraps(), "posts", Messages(10));
  const auto t0 = Clock::now();
  auto empty = Open(cluster.Spec("empty", "stop=end"));
  ASSERT_NE(empty, nullptr);
  bool ended = false;
  EXPECT_TRUE(Read(*empty, SIZE_MAX, std::chrono::seconds(10), &ended).empty());
  EXPECT_TRUE(ended);
  auto latest = Open(cluster.Spec("posts", "stop=end&start=latest"));
  ASSERT_NE(latest, nullptr);
  EXPECT_TRUE(Read(*latest, SIZE_MAX, std::chrono::seconds(10), &ended).empty());
  EXPECT_TRUE(ended);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(5));
}

TEST(KafkaSource, LiveSourceWaitsWithoutBlockingAndGoesOn) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("live", 2);
  ProduceAll(cluster.bootstraps(), "live", Messages(10));
  auto s = Open(cluster.Spec("live"));
  ASSERT_NE(s, nullptr);
  std::vector<Got> got = Read(*s, 10);
  ASSERT_EQ(got.size(), 10u);
  // Nothing more now: TryAgain (never false, never a long block).
  const auto t0 = Clock::now();
  Record r;
  auto more = s->Next(&r);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), StatusCode::kTryAgain);
  EXPECT_LT(Clock::now() - t0, std::chrono::seconds(1));
  EXPECT_TRUE(s->WouldWait());
  ProduceAll(cluster.bootstraps(), "live", Messages(5, 10));
  std::vector<Got> rest = Read(*s, 5);
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(Values(got), Expected(15));
}

TEST(KafkaSource, ResumesFromAPositionWithNothingLostOrDoubled) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("posts", 3);
  ProduceAll(cluster.bootstraps(), "posts", Messages(120));
  std::vector<Got> got;
  std::string position;
  {
    auto first = Open(cluster.Spec("posts", "stop=end"));
    ASSERT_NE(first, nullptr);
    got = Read(*first, 47);
    ASSERT_EQ(got.size(), 47u);
    position = first->SealPosition(first->Position());
  }
  auto second = Open(cluster.Spec("posts", "stop=end"));
  ASSERT_NE(second, nullptr);
  auto moved = second->Seek(position);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_TRUE(*moved);
  std::vector<Got> rest = Read(*second);
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(Values(got), Expected(120));
  // A position of another topic is refused.
  cluster.CreateTopic("other", 3);
  auto other = Open(cluster.Spec("other", "stop=end"));
  ASSERT_NE(other, nullptr);
  EXPECT_EQ(other->Seek(position).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(other->Seek("kafka;topic=other;offsets=9:0").status().code(),
            StatusCode::kInvalidArgument);
}

// The mock drops a member that left only after its session timeout:
// lowered here so that the second consumer is not kept waiting 45 s.
constexpr const char* kGroupParams =
    "group=g1&stop=end&rdkafka.session.timeout.ms=6000&rdkafka.heartbeat.interval.ms=500";

// Group mode: cooperative-sticky, offsets from the position on assignment,
// and committed to Kafka (for monitoring) only when a checkpoint is durable.
TEST(KafkaSource, GroupResumesFromAPositionAndCommitsDurableCheckpoints) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("posts", 3);
  ProduceAll(cluster.bootstraps(), "posts", Messages(60));
  std::vector<Got> got;
  std::string position;
  {
    auto first = Open(cluster.Spec("posts", kGroupParams));
    ASSERT_NE(first, nullptr);
    got = Read(*first, 25);  // the mock's first join takes ~3 s
    ASSERT_EQ(got.size(), 25u);
    position = first->SealPosition(first->Position());
    // Nothing is committed while reading (enable.auto.commit=false) ...
    EXPECT_EQ(testing::CommittedOffsets(cluster.bootstraps(), "g1", "posts", 3),
              (std::vector<std::int64_t>(3, RD_KAFKA_OFFSET_INVALID)));
    // ... only once a checkpoint holding the position is durable.
    first->CheckpointDurable(position);
    auto parsed = kafka::ParsePosition(position);
    ASSERT_TRUE(parsed.ok());
    std::vector<std::int64_t> want(3, RD_KAFKA_OFFSET_INVALID);
    for (const auto& [p, o] : parsed->offsets) want[static_cast<std::size_t>(p)] = o;
    std::vector<std::int64_t> committed;
    const auto deadline = Clock::now() + std::chrono::seconds(10);
    do {
      (void)first->WouldWait();  // serves the commit's answer
      committed = testing::CommittedOffsets(cluster.bootstraps(), "g1", "posts", 3);
    } while (committed != want && Clock::now() < deadline);
    EXPECT_EQ(committed, want);
    const auto health = first->Health();
    EXPECT_GE(health->rebalances, 1u);
    EXPECT_EQ(health->partitions.size(), 3u);
  }
  auto second = Open(cluster.Spec("posts", kGroupParams));
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(second->Seek(position).ok());
  bool ended = false;
  std::vector<Got> rest = Read(*second, SIZE_MAX, std::chrono::seconds(20), &ended);
  EXPECT_TRUE(ended) << second->Health()->last_error << " rebalances "
                     << second->Health()->rebalances << " partitions "
                     << second->Health()->partitions.size() << " position " << second->Position();
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(Values(got), Expected(60));
}

// Faults hit a live read between batches: each batch is produced after the
// source read the one before, so it must be fetched through the fault.
TEST(KafkaSource, BrokerDownThenUpMidReadLosesNothing) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("posts", 3);
  ProduceAll(cluster.bootstraps(), "posts", Messages(60));
  auto s = Open(cluster.Spec("posts"));
  ASSERT_NE(s, nullptr);
  std::vector<Got> got = Read(*s, 60);
  ASSERT_EQ(got.size(), 60u);
  cluster.SetDown(1);
  cluster.SetDown(2);
  // Produced while two brokers are down: acknowledged once they are back.
  std::thread producer([&] { ProduceAll(cluster.bootstraps(), "posts", Messages(60, 60)); });
  std::vector<Got> during = Read(*s, SIZE_MAX, std::chrono::milliseconds(1000));
  cluster.SetUp(1);
  cluster.SetUp(2);
  producer.join();
  got.insert(got.end(), during.begin(), during.end());
  std::vector<Got> rest = Read(*s, 120 - got.size());
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(Values(got), Expected(120));
  Record r;
  EXPECT_EQ(s->Next(&r).status().code(), StatusCode::kTryAgain) << "nothing more";
}

TEST(KafkaSource, RequestErrorsAndALeaderChangeMidReadLoseNothing) {
  KafkaMockCluster cluster;
  cluster.CreateTopic("posts", 3);
  ProduceAll(cluster.bootstraps(), "posts", Messages(60));
  auto s = Open(cluster.Spec("posts"));
  ASSERT_NE(s, nullptr);
  std::vector<Got> got = Read(*s, 60);
  ASSERT_EQ(got.size(), 60u);
  // Fetch (API key 1) answers with errors the client must retry through.
  rd_kafka_mock_push_request_errors(cluster.get(), 1, 4, RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_REQUEST_TIMED_OUT,
                                    RD_KAFKA_RESP_ERR_NOT_LEADER_FOR_PARTITION,
                                    RD_KAFKA_RESP_ERR_UNKNOWN_TOPIC_OR_PART);
  ProduceAll(cluster.bootstraps(), "posts", Messages(60, 60));
  std::vector<Got> more = Read(*s, 60);
  got.insert(got.end(), more.begin(), more.end());
  for (std::int32_t p = 0; p < 3; ++p) {
    rd_kafka_mock_partition_set_leader(cluster.get(), "posts", p, 1 + (p + 1) % 3);
  }
  ProduceAll(cluster.bootstraps(), "posts", Messages(60, 120));
  std::vector<Got> rest = Read(*s, 60);
  got.insert(got.end(), rest.begin(), rest.end());
  EXPECT_EQ(Values(got), Expected(180));
}

}  // namespace
}  // namespace starling::source
