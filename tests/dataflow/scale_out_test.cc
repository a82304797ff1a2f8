// Scale-out's core (dataflow/scale_out.h): every partition of an input run
// on its own engine, their partials and watermarks carried as messages in
// any interleaving, with replays, to one merger, must give exactly the
// results of one process reading all the partitions.
#include "dataflow/scale_out.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "dataflow/runtime.h"
#include "support/collecting_results.h"
#include "support/memory_source.h"
#include "support/partitioned_source.h"
#include "support/runtime_inputs.h"

namespace starling::dataflow::scale_out {
namespace {

using namespace runtime_test;  // NOLINT(google-build-using-namespace): the shared helpers
using testing::CollectingResults;
using testing::MemorySource;

// Every analysis that adds up over partitions (not sessions, not clusters).
PipelineSpec ScalableSpec() {
  PipelineSpec spec = FullSpec();
  std::erase_if(spec.analyses, [](const AnalysisSpec& a) {
    return a.kind == ResultKind::kCluster || a.kind == ResultKind::kSession;
  });
  return spec;
}

// One partition's engine: the messages it sends, in order.
std::vector<std::string> RunPartition(const PipelineSpec& spec, const Input& part,
                                      std::int32_t partition, int workers) {
  const PipelineSpec own = PartitionSpec(spec);
  std::vector<std::string> out;
  MemorySource source(part.lines);
  RunOptions options;
  options.workers = workers;
  options.on_final_partials = [&](std::uint32_t analysis, model::TimestampUs start,
                                  model::TimestampUs end,
                                  const std::vector<const Partial*>& partials) {
    PartialsMessage m;
    m.partition = partition;
    m.analysis = analysis;
    m.start = start;
    m.end = end;
    for (const Partial* p : partials) {
      if (p != nullptr) m.partials.push_back(*p);
    }
    out.push_back(EncodeMessage(m));
    return Status::Ok();
  };
  options.on_watermark = [&](model::TimestampUs wm) {
    PartialsMessage m;
    m.type = PartialsMessage::Type::kWatermark;
    m.partition = partition;
    m.watermark = wm;
    out.push_back(EncodeMessage(m));
    return Status::Ok();
  };
  auto stats = RunPipeline(own, source, options);
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  return out;
}

// The partitions' messages interleaved at random, each partition's in its
// order; with `replays`, a partition now and then sends again a run of
// messages it sent before (its next owner resumed from a checkpoint).
std::vector<std::string> Interleave(const std::vector<std::vector<std::string>>& streams,
                                    std::uint64_t seed, bool replays) {
  std::mt19937_64 rng(seed);
  std::vector<std::size_t> next(streams.size(), 0);
  std::vector<std::string> out;
  for (;;) {
    std::vector<std::size_t> open;
    for (std::size_t p = 0; p < streams.size(); ++p) {
      if (next[p] < streams[p].size()) open.push_back(p);
    }
    if (open.empty()) break;
    const std::size_t p = open[rng() % open.size()];
    out.push_back(streams[p][next[p]++]);
    if (replays && rng() % 25 == 0) next[p] -= std::min<std::size_t>(next[p], 1 + rng() % 12);
  }
  return out;
}

std::map<CollectingResults::Key, model::WindowResult> Merge(
    const PipelineSpec& spec, std::size_t partitions, const std::vector<std::string>& messages,
    MergerStats* stats = nullptr) {
  CollectingResults results;
  std::vector<std::int32_t> ids;
  for (std::size_t p = 0; p < partitions; ++p) ids.push_back(static_cast<std::int32_t>(p));
  Merger merger(spec, ids, {&results});
  for (const std::string& bytes : messages) {
    auto m = DecodeMessage(bytes);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    if (m.ok()) EXPECT_TRUE(merger.Add(*m).ok());
  }
  EXPECT_EQ(merger.watermark(), kMaxTime) << "every partition ended";
  for (const auto& r : results.all) EXPECT_TRUE(r.final);
  if (stats != nullptr) *stats = merger.stats();
  return results.latest;
}

TEST(ScaleOut, PartitionsMergedGiveTheResultsOfOneProcess) {
  const PipelineSpec spec = ScalableSpec();
  ASSERT_TRUE(CheckScalable(spec).ok());
  for (std::size_t n : {1u, 2u, 3u, 5u}) {
    const Input in = MakeInput(50 + n, 4000, 40000, 5 * kSecond);
    const std::vector<Input> parts = Split(in, n);
    auto reference = RunPartitioned(spec, parts, 1, RunOptions{});
    ASSERT_FALSE(reference.empty());
    std::vector<std::vector<std::string>> streams;
    for (std::size_t p = 0; p < n; ++p) {
      streams.push_back(RunPartition(spec, parts[p], static_cast<std::int32_t>(p), 1 + p % 2));
    }
    for (std::uint64_t seed : {1u, 2u}) {
      MergerStats stats;
      auto merged = Merge(spec, n, Interleave(streams, seed, /*replays=*/seed == 2), &stats);
      ExpectSameResults(merged, reference,
                        std::to_string(n) + " partitions, order " + std::to_string(seed));
      if (seed == 2 && n > 1) {
        EXPECT_GT(stats.duplicates + stats.late, 0u) << "the replays were seen and dropped";
      }
    }
  }
}

TEST(ScaleOut, AMergerRestoredFromItsStateGoesOnAlike) {
  const PipelineSpec spec = ScalableSpec();
  const Input in = MakeInput(61, 3000, 40000, 5 * kSecond);
  const std::vector<Input> parts = Split(in, 3);
  std::vector<std::vector<std::string>> streams;
  for (std::size_t p = 0; p < 3; ++p) {
    streams.push_back(RunPartition(spec, parts[p], static_cast<std::int32_t>(p), 1));
  }
  const std::vector<std::string> messages = Interleave(streams, 3, true);
  auto reference = Merge(spec, 3, messages);
  CollectingResults results;
  std::string state;
  {
    Merger merger(spec, {0, 1, 2}, {&results});
    for (std::size_t i = 0; i < messages.size() / 2; ++i) {
      ASSERT_TRUE(merger.Add(*DecodeMessage(messages[i])).ok());
    }
    ByteWriter w(&state);
    merger.Save(w);
  }
  Merger restored(spec, {0, 1, 2}, {&results});
  ByteReader r(state);
  ASSERT_TRUE(restored.Load(r).ok());
  EXPECT_TRUE(r.done());
  for (std::size_t i = messages.size() / 2; i < messages.size(); ++i) {
    ASSERT_TRUE(restored.Add(*DecodeMessage(messages[i])).ok());
  }
  ExpectSameResults(results.latest, reference, "restored merger");
}

TEST(ScaleOut, ASilentPartitionHoldsWindowsUntilIdleOrEnded) {
  const PipelineSpec spec = ScalableSpec();
  const Input in = MakeInput(62, 1000, 40000, 5 * kSecond);
  const std::vector<std::string> stream = RunPartition(spec, in, 0, 1);
  CollectingResults results;
  Merger merger(spec, {0, 1}, {&results});
  for (const std::string& bytes : stream) ASSERT_TRUE(merger.Add(*DecodeMessage(bytes)).ok());
  EXPECT_TRUE(results.all.empty()) << "partition 1 said nothing: every window waits";
  PartialsMessage idle;
  idle.type = PartialsMessage::Type::kWatermark;
  idle.partition = 1;
  idle.idle = true;
  ASSERT_TRUE(merger.Add(idle).ok());
  EXPECT_FALSE(results.all.empty()) << "an idle partition no longer holds windows back";
  // A partition added to the topic after the start: counted, left out.
  PartialsMessage unknown = idle;
  unknown.partition = 7;
  EXPECT_TRUE(merger.Add(unknown).ok());
  EXPECT_EQ(merger.stats().unknown, 1u);
}

TEST(ScaleOut, AnalysesThatDoNotAddUpAreRefused) {
  PipelineSpec spec = FullSpec();
  Status s = CheckScalable(spec);
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("sessions"), std::string::npos) << s.message();
  spec = ScalableSpec();
  spec.analyses[0].space_saving = true;
  s = CheckScalable(spec);
  EXPECT_NE(s.message().find("Space-Saving"), std::string::npos) << s.message();
  spec = ScalableSpec();
  spec.time = TimeMode::kProcessing;
  s = CheckScalable(spec);
  EXPECT_NE(s.message().find("processing-time"), std::string::npos) << s.message();
}

TEST(ScaleOut, MessagesRoundTripAndGarbageIsRefused) {
  PartialsMessage m;
  m.type = PartialsMessage::Type::kWatermark;
  m.partition = 4;
  m.watermark = 123456;
  m.idle = true;
  auto back = DecodeMessage(EncodeMessage(m));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->partition, 4);
  EXPECT_EQ(back->watermark, 123456);
  EXPECT_TRUE(back->idle);
  for (std::string_view bad : {"", "SPM1", "SPM1\x09", "{\"id\":1}", "SPM1\x01\x02\x00"}) {
    EXPECT_EQ(DecodeMessage(bad).status().code(), StatusCode::kMalformedInput) << bad;
  }
  std::string cut = EncodeMessage(m);
  cut.pop_back();
  EXPECT_FALSE(DecodeMessage(cut).ok());
}

}  // namespace
}  // namespace starling::dataflow::scale_out
