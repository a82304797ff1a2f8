// Scale-out's core (dataflow/scale_out.h): every partition of an input run
// on its own engine, their partials and watermarks carried as messages in
// any interleaving, with replays, to one merger, must give exactly the
// results of one process reading all the partitions.
#include "dataflow/scale_out.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <memory>
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

// What the runtime's work for one partition (scale_out_runtime.cc) sends
// of its engine's output: final windows' partials, watermark markers, and,
// once idle, the open windows' partials and an idle marker.
void SendMessages(RunOptions* options, std::int32_t partition,
                  std::function<void(std::string)> send) {
  auto watermark = std::make_shared<model::TimestampUs>(kMinTime);
  auto window = [partition](PartialsMessage::Type type, std::uint32_t analysis,
                            model::TimestampUs start, model::TimestampUs end,
                            const std::vector<const Partial*>& partials) {
    PartialsMessage m;
    m.type = type;
    m.partition = partition;
    m.analysis = analysis;
    m.start = start;
    m.end = end;
    for (const Partial* p : partials) {
      if (p != nullptr) m.partials.push_back(*p);
    }
    return EncodeMessage(m);
  };
  options->on_final_partials = [=](std::uint32_t analysis, model::TimestampUs start,
                                   model::TimestampUs end,
                                   const std::vector<const Partial*>& partials) {
    send(window(PartialsMessage::Type::kWindow, analysis, start, end, partials));
    return Status::Ok();
  };
  auto marker = [=](bool idle) {
    PartialsMessage m;
    m.type = PartialsMessage::Type::kWatermark;
    m.partition = partition;
    m.watermark = *watermark;
    m.idle = idle;
    send(EncodeMessage(m));
  };
  options->on_watermark = [=](model::TimestampUs wm) {
    *watermark = wm;
    marker(false);
    return Status::Ok();
  };
  options->on_idle = [=](bool idle, const std::vector<OpenWindow>& open) {
    for (const OpenWindow& w : open) {
      send(window(PartialsMessage::Type::kIdleWindow, w.analysis, w.start, w.end, w.partials));
    }
    marker(idle);
    return Status::Ok();
  };
}

// One partition's engine: the messages it sends, in order. One worker
// reads `inline_chunk` records per chunk (the scale-out runtime: 64).
std::vector<std::string> RunPartition(const PipelineSpec& spec, const Input& part,
                                      std::int32_t partition, int workers,
                                      std::size_t inline_chunk = 1) {
  const PipelineSpec own = PartitionSpec(spec);
  std::vector<std::string> out;
  MemorySource source(part.lines);
  RunOptions options;
  options.workers = workers;
  options.inline_chunk_records = inline_chunk;
  SendMessages(&options, partition, [&](std::string m) { out.push_back(std::move(m)); });
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
    if (m.ok()) {
      EXPECT_TRUE(merger.Add(*m).ok());
    }
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
      // One worker record by record, or in chunks of 64 as the runtime's
      // partitions read; or two workers.
      const int workers = p % 3 == 2 ? 2 : 1;
      streams.push_back(
          RunPartition(spec, parts[p], static_cast<std::int32_t>(p), workers, p % 3 == 1 ? 64 : 1));
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

// The records of two partitions on one timeline, a step each, 10 ms a step
// on a manual clock (a live read: both partitions held throughout). With
// `only`, what that partition's own engine reads: the other partition's
// steps are quiet moments of the same length.
class TimelineSource final : public source::RecordSource {
 public:
  TimelineSource(const std::vector<std::pair<std::int32_t, std::string>>& script,
                 ManualClock* clock, std::int32_t only = -1)
      : clock_(clock), only_(only) {
    for (const auto& [p, line] : script) {
      script_.emplace_back(p, line + std::string(source::kRecordPadding, '\0'));
    }
  }
  Result<bool> Next(source::Record* out) override {
    if (next_ >= script_.size()) return false;
    const auto& [p, l] = script_[next_++];
    if (only_ >= 0 && p != only_) {
      clock_->Advance(std::chrono::milliseconds(9));  // and the reader's 1 ms nap
      return TryAgain("quiet");
    }
    clock_->Advance(std::chrono::milliseconds(10));
    out->bytes = std::string_view(l.data(), l.size() - source::kRecordPadding);
    out->origin = "timeline";
    out->line = next_;
    out->offset = next_;
    out->partition = p;
    out->padding = source::kRecordPadding;
    return true;
  }
  std::string Describe() const override { return "timeline"; }
  std::uint64_t PartitionEpoch() const override { return 1; }
  std::vector<std::int32_t> HeldPartitions() const override {
    if (only_ >= 0) return {only_};
    return {0, 1};
  }
  std::size_t step() const { return next_; }

 private:
  std::vector<std::pair<std::int32_t, std::string>> script_;
  ManualClock* clock_;
  std::int32_t only_;
  std::size_t next_ = 0;
};

// Partition 1 goes quiet with windows open (its own watermark has not
// closed them), long enough to be let go (idle_timeout), while partition 0
// goes on; then it has posts again, some late. One process closes the
// windows partition 0 moves past with partition 1's posts in them, and
// judges partition 1's posts after its return by the pipeline's watermark.
// The merged partitions must give exactly its results: with the idle
// partials, and (the check that this test can fail) not without them.
void MergeWithAnIdlePartition(std::uint64_t seed, ProcessingMode mode, std::size_t inline_chunk) {
  SCOPED_TRACE("seed " + std::to_string(seed) +
               (mode == ProcessingMode::kMicroBatch ? ", micro-batches" : ", records") +
               ", chunks of " + std::to_string(inline_chunk));
  PipelineSpec spec = ScalableSpec();
  spec.idle_timeout = std::chrono::seconds(2);
  spec.mode = mode;
  spec.batch_interval = std::chrono::milliseconds(50);
  const Input in = MakeInput(seed, 3500, 40000, 2 * kSecond);
  std::vector<std::pair<std::int32_t, std::string>> script;
  for (std::size_t i = 0; i < in.lines.size(); ++i) {
    // Partition 1 quiet for 10 s (posts 1000 to 2000), and for 2.5 s (2500
    // to 2750: let go after 2 s, back before partition 0 closed all of its
    // windows). Just before the first quiet, a run of its own posts (read
    // in chunks of more than one when chunks are bigger).
    const bool quiet = (i >= 1000 && i < 2000) || (i >= 2500 && i < 2750);
    const bool own_run = i >= 900 && i < 1000;
    script.emplace_back(quiet ? 0 : own_run ? 1 : static_cast<std::int32_t>(i % 2), in.lines[i]);
  }
  ManualClock clock;
  TimelineSource one(script, &clock);
  RunOptions options;
  options.clock = &clock;
  RunStats stats;
  const auto reference = RunSource(spec, one, options, &stats);
  ASSERT_FALSE(reference.empty());
  EXPECT_GT(stats.late_posts, 0u) << "stragglers, and posts late after the return";

  // Each partition's engine on the same timeline, its messages stamped
  // with the step at which it sent them; merged in the timeline's order.
  struct Sent {
    std::size_t step;
    std::string bytes;
  };
  std::vector<Sent> sent;
  for (std::int32_t p : {0, 1}) {
    ManualClock own_clock;
    TimelineSource source(script, &own_clock, p);
    RunOptions o;
    o.clock = &own_clock;
    o.inline_chunk_records = inline_chunk;
    SendMessages(&o, p, [&](std::string m) { sent.push_back({source.step(), std::move(m)}); });
    auto st = RunPipeline(PartitionSpec(spec), source, o);
    ASSERT_TRUE(st.ok()) << st.status().ToString();
  }
  std::stable_sort(sent.begin(), sent.end(),
                   [](const Sent& a, const Sent& b) { return a.step < b.step; });
  std::vector<std::string> messages, without_idle_partials;
  std::size_t idle_markers = 0;
  for (const Sent& s : sent) {
    messages.push_back(s.bytes);
    const PartialsMessage m = *DecodeMessage(s.bytes);
    if (m.type == PartialsMessage::Type::kWatermark && m.idle) ++idle_markers;
    if (m.type != PartialsMessage::Type::kIdleWindow) without_idle_partials.push_back(s.bytes);
  }
  EXPECT_EQ(idle_markers, 2u) << "partition 1 went idle twice";
  ASSERT_GT(messages.size(), without_idle_partials.size()) << "it had windows open";
  MergerStats merged_stats;
  ExpectSameResults(Merge(spec, 2, messages, &merged_stats), reference, "idle partials");
  EXPECT_GT(merged_stats.late, 0u) << "partition 1's partials of windows written while idle";

  // Without them (as before they existed): windows partition 1 held open
  // are written without its posts.
  const auto lacking = Merge(spec, 2, without_idle_partials);
  std::size_t differ = 0;
  for (const auto& [key, r] : reference) {
    const auto it = lacking.find(key);
    if (it == lacking.end() || it->second.rows != r.rows) ++differ;
  }
  EXPECT_GT(differ, 0u) << "the check would have failed without idle partials";

  // A merger saved and restored while partition 1 is idle (its idle
  // partials in the state) goes on alike.
  std::size_t half = 0;
  for (std::size_t i = 0; i < messages.size(); ++i) {
    const PartialsMessage m = *DecodeMessage(messages[i]);
    if (m.type == PartialsMessage::Type::kWatermark && m.idle) {
      half = i + 1;
      break;
    }
  }
  CollectingResults results;
  std::string state;
  {
    Merger merger(spec, {0, 1}, {&results});
    for (std::size_t i = 0; i < half; ++i)
      ASSERT_TRUE(merger.Add(*DecodeMessage(messages[i])).ok());
    ByteWriter w(&state);
    merger.Save(w);
  }
  Merger restored(spec, {0, 1}, {&results});
  ByteReader r(state);
  ASSERT_TRUE(restored.Load(r).ok());
  EXPECT_TRUE(r.done());
  for (std::size_t i = half; i < messages.size(); ++i) {
    ASSERT_TRUE(restored.Add(*DecodeMessage(messages[i])).ok());
  }
  ExpectSameResults(results.latest, reference, "restored while idle");
}

TEST(ScaleOut, AnIdlePartitionsOpenWindowsAreMergedAsOneProcessCountsThem) {
  for (std::uint64_t seed : {63u, 64u, 65u, 66u}) {
    MergeWithAnIdlePartition(seed, ProcessingMode::kRecord, 1);
    MergeWithAnIdlePartition(seed, ProcessingMode::kRecord, 64);
    MergeWithAnIdlePartition(seed, ProcessingMode::kMicroBatch, 1);
  }
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
  // Markers and windows are written as version 1 (before idle partials:
  // an older merger reads them); a version 2 marker decodes too.
  std::string v2 = EncodeMessage(m);
  ASSERT_EQ(v2.substr(0, 4), "SPM1");
  v2.replace(0, 4, "SPM2");
  back = DecodeMessage(v2);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->watermark, 123456);
  EXPECT_EQ(EncodeMessage(*back), EncodeMessage(m));
  PartialsMessage open;
  open.type = PartialsMessage::Type::kIdleWindow;
  open.partition = 2;
  open.analysis = 1;
  open.start = 10;
  open.end = 20;
  open.partials.emplace_back().result.rows.push_back({});
  const std::string bytes = EncodeMessage(open);
  back = DecodeMessage(bytes);
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->type, PartialsMessage::Type::kIdleWindow);
  EXPECT_EQ(back->end, 20);
  EXPECT_EQ(back->partials.size(), 1u);
  EXPECT_EQ(EncodeMessage(*back), bytes);
  EXPECT_EQ(bytes.substr(0, 4), "SPM2");  // only an idle window needs version 2
  std::string old = bytes;
  old.replace(0, 4, "SPM1");
  EXPECT_EQ(DecodeMessage(old).status().code(), StatusCode::kMalformedInput);
}

}  // namespace
}  // namespace starling::dataflow::scale_out
