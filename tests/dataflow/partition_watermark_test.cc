// Event time over a partitioned source (Kafka): a watermark per partition,
// lateness judged by a post's own partition, windows closed by the minimum
// over the held partitions, idle partitions let go after idle_timeout
// (dataflow/internal/router.h). Checked against a naive recompute per
// partition, against itself over many interleavings of the same partitions,
// and across a checkpoint and resume.
#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "dataflow/runtime.h"
#include "source/record_source.h"
#include "support/collecting_results.h"
#include "support/partitioned_source.h"
#include "support/runtime_inputs.h"

namespace starling::dataflow {
namespace {

using namespace runtime_test;  // NOLINT(google-build-using-namespace): the shared helpers

TEST(PartitionWatermarks, CountsEqualANaiveRecomputePerPartition) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const Input in = MakeInput(seed, 3000, 50000, 6 * kSecond);
    const std::vector<Input> parts = Split(in, 3);
    const PipelineSpec spec = Spec();
    // Each partition on its own: its lateness, its counts; summed.
    NaiveResults naive;
    std::uint64_t late = 0, late_items = 0;
    for (const Input& p : parts) {
      std::uint64_t l = 0, li = 0;
      for (const auto& [key, counts] : Naive(spec, p, &l, &li)) {
        auto& into = naive[key];
        for (const auto& [k, n] : counts) into[k] += n;
      }
      late += l;
      late_items += li;
    }
    EXPECT_GT(late, 0u) << "the input should have late posts";
    for (std::uint64_t order : {seed, seed + 100}) {
      RunStats stats;
      auto engine = RunPartitioned(spec, parts, order, RunOptions{}, &stats);
      EXPECT_EQ(stats.late_posts, late) << "seed " << seed << " order " << order;
      EXPECT_EQ(stats.late_items, late_items) << "seed " << seed << " order " << order;
      ExpectNaiveCounts(engine, naive, "seed " + std::to_string(seed));
    }
  }
}

// However the partitions interleave, and whatever the model, worker count
// or chunking: the same results, for every kind of analysis that does not
// depend on the order of posts across partitions (clusters do: k-means
// learns in arrival order).
TEST(PartitionWatermarks, EveryInterleavingGivesTheSameResults) {
  const Input in = MakeInput(41, 4000, 40000, 5 * kSecond);
  const std::vector<Input> parts = Split(in, 4);
  PipelineSpec spec = FullSpec();
  std::erase_if(spec.analyses,
                [](const AnalysisSpec& a) { return a.kind == ResultKind::kCluster; });
  auto reference = RunPartitioned(spec, parts, 1, RunOptions{});
  ASSERT_FALSE(reference.empty());
  struct Variant {
    std::uint64_t order;
    ProcessingMode mode;
    int workers;
    std::size_t chunk;
  };
  for (const Variant v :
       {Variant{2, ProcessingMode::kRecord, 1, 0}, Variant{3, ProcessingMode::kRecord, 3, 7},
        Variant{4, ProcessingMode::kMicroBatch, 2, 0},
        Variant{5, ProcessingMode::kRecord, 2, 64}}) {
    PipelineSpec s = spec;
    s.mode = v.mode;
    s.batch_interval = std::chrono::milliseconds(1);
    RunOptions options;
    options.workers = v.workers;
    if (v.chunk > 0) options.chunk_records = options.max_chunk_records = v.chunk;
    ExpectSameResults(RunPartitioned(s, parts, v.order, options), reference,
                      "order " + std::to_string(v.order) + " workers " + std::to_string(v.workers));
  }
}

// One partition is one input order: the results of the same records from
// a plain source.
TEST(PartitionWatermarks, OnePartitionIsAPlainInput) {
  const Input in = MakeInput(42, 3000, 40000, 5 * kSecond);
  const PipelineSpec spec = FullSpec();
  RunStats plain_stats, stats;
  auto plain = RunOnce(spec, in, RunOptions{}, 0, &plain_stats);
  auto one = RunPartitioned(spec, {in}, 7, RunOptions{}, &stats);
  ExpectSameResults(one, plain, "one partition");
  EXPECT_EQ(stats.late_posts, plain_stats.late_posts);
  EXPECT_GT(stats.late_posts, 0u);
}

// A partition held by the source but silent holds every window open, until
// idle_timeout lets it go.
TEST(PartitionWatermarks, AnIdlePartitionHoldsWindowsBackOnlyForTheIdleTimeout) {
  const Input in = MakeInput(43, 2000, 40000, 5 * kSecond);
  PipelineSpec spec = Spec();
  for (auto timeout : {std::chrono::seconds(0), std::chrono::seconds(2)}) {
    spec.idle_timeout = timeout;
    ManualClock clock;
    // Partition 1 is held (a live read) and never has a record.
    PartitionedSource source({in.lines, {}}, 9, /*bounded=*/false, &clock);
    // Finals emitted while records were still coming (not by the stop).
    struct Counting final : sink::ResultSink {
      Status Write(const model::WindowResult& r) override {
        if (r.final && source->delivered() < total) ++finals_before_end;
        return Status::Ok();
      }
      Status Flush() override { return Status::Ok(); }
      Status Close() override { return Status::Ok(); }
      std::string Describe() const override { return "counting"; }
      const PartitionedSource* source = nullptr;
      std::size_t total = 0;
      int finals_before_end = 0;
    } results;
    results.source = &source;
    results.total = in.lines.size();
    RunOptions options;
    options.clock = &clock;
    options.result_sinks = {&results};
    options.limit = in.lines.size();  // the run stops here, windows left open
    auto stats = RunPipeline(spec, source, options);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    if (timeout.count() == 0) {
      EXPECT_EQ(results.finals_before_end, 0) << "the silent partition holds every window";
    } else {
      // 10 ms a record: the silent partition is let go after about 200 records.
      EXPECT_GT(results.finals_before_end, 10) << "the silent partition was let go";
    }
  }
}

// Records in a fixed order over two held partitions, 10 ms apart on a
// manual clock (a live read: both partitions held throughout).
class ScriptedSource final : public source::RecordSource {
 public:
  ScriptedSource(std::vector<std::pair<std::int32_t, std::string>> script, ManualClock* clock)
      : clock_(clock) {
    for (auto& [p, line] : script)
      script_.emplace_back(p, line + std::string(source::kRecordPadding, '\0'));
  }
  Result<bool> Next(source::Record* out) override {
    clock_->Advance(std::chrono::milliseconds(10));
    if (next_ >= script_.size()) return false;
    if (script_[next_].first < 0) {  // a quiet moment: 100 ms with nothing
      ++next_;
      clock_->Advance(std::chrono::milliseconds(100));
      return TryAgain("quiet");
    }
    const auto& [p, l] = script_[next_++];
    out->bytes = std::string_view(l.data(), l.size() - source::kRecordPadding);
    out->origin = "scripted";
    out->line = next_;
    out->partition = p;
    out->padding = source::kRecordPadding;
    return true;
  }
  std::string Describe() const override { return "scripted"; }
  std::uint64_t PartitionEpoch() const override { return 1; }
  std::vector<std::int32_t> HeldPartitions() const override { return held_; }
  std::vector<std::int32_t> held_ = {0, 1};
  std::size_t delivered() const { return next_; }

 private:
  std::vector<std::pair<std::int32_t, std::string>> script_;
  ManualClock* clock_;
  std::size_t next_ = 0;
};

// Partition 1 goes quiet (idle after 2 s), then comes back: windows go on
// closing all along, also after it is back.
TEST(PartitionWatermarks, APartitionBackFromIdleCountsAgain) {
  const Input in = MakeInput(45, 3000, 40000, 0);  // in order: nothing late
  std::vector<std::pair<std::int32_t, std::string>> script;
  for (std::size_t i = 0; i < in.lines.size(); ++i) {
    // Posts 500 to 1500 all on partition 0 (10 s of quiet for partition 1).
    const bool quiet = i >= 500 && i < 1500;
    script.emplace_back(quiet ? 0 : static_cast<std::int32_t>(i % 2), in.lines[i]);
  }
  PipelineSpec spec = Spec();
  spec.idle_timeout = std::chrono::seconds(2);
  ManualClock clock;
  ScriptedSource source(script, &clock);
  struct Finals final : sink::ResultSink {
    Status Write(const model::WindowResult& r) override {
      if (r.final) {
        if (source->delivered() < 1500) ++before_back;
        if (source->delivered() >= 1600 && source->delivered() < script_size) ++after_back;
      }
      return Status::Ok();
    }
    Status Flush() override { return Status::Ok(); }
    Status Close() override { return Status::Ok(); }
    std::string Describe() const override { return "finals"; }
    const ScriptedSource* source = nullptr;
    std::size_t script_size = 0;
    int before_back = 0, after_back = 0;
  } finals;
  finals.source = &source;
  finals.script_size = script.size();
  RunOptions options;
  options.clock = &clock;
  options.result_sinks = {&finals};
  auto stats = RunPipeline(spec, source, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_GT(finals.before_back, 0) << "windows closed while partition 1 was idle";
  EXPECT_GT(finals.after_back, 0) << "windows close again once partition 1 is back";
  EXPECT_EQ(stats->late_posts, 0u);
}

// The only partition goes idle (micro-batches go on being cut while it is
// quiet), then comes back: its windows must go on closing.
TEST(PartitionWatermarks, TheOnlyPartitionBackFromIdleMovesTheWatermarkAgain) {
  const Input in = MakeInput(46, 2000, 40000, 0);
  std::vector<std::pair<std::int32_t, std::string>> script;
  for (std::size_t i = 0; i < in.lines.size(); ++i) {
    if (i == 1000) {
      for (int q = 0; q < 40; ++q) script.emplace_back(-1, "");  // 4 s of quiet
    }
    script.emplace_back(0, in.lines[i]);
  }
  PipelineSpec spec = Spec();
  spec.idle_timeout = std::chrono::seconds(2);
  spec.mode = ProcessingMode::kMicroBatch;
  spec.batch_interval = std::chrono::milliseconds(50);
  ManualClock clock;
  ScriptedSource source(script, &clock);
  source.held_ = {0};
  struct Finals final : sink::ResultSink {
    Status Write(const model::WindowResult& r) override {
      if (r.final && source->delivered() > 1200 && source->delivered() < total) ++after_back;
      return Status::Ok();
    }
    Status Flush() override { return Status::Ok(); }
    Status Close() override { return Status::Ok(); }
    std::string Describe() const override { return "finals"; }
    const ScriptedSource* source = nullptr;
    std::size_t total = 0;
    int after_back = 0;
  } finals;
  finals.source = &source;
  finals.total = script.size();
  RunOptions options;
  options.clock = &clock;
  options.result_sinks = {&finals};
  auto stats = RunPipeline(spec, source, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  EXPECT_GT(finals.after_back, 0) << "windows close again after the quiet";
}

TEST(PartitionWatermarks, ResumeGivesTheUninterruptedResult) {
  const Input in = MakeInput(44, 3000, 40000, 5 * kSecond);
  const std::vector<Input> parts = Split(in, 3);
  PipelineSpec spec = FullSpec();
  std::erase_if(spec.analyses,
                [](const AnalysisSpec& a) { return a.kind == ResultKind::kCluster; });
  spec.idle_timeout = std::chrono::seconds(0);
  auto reference = RunPartitioned(spec, parts, 5, RunOptions{});
  for (int workers : {1, 2}) {
    const std::string dir =
        std::string(STARLING_TEST_TMP) + "/ckpt-partitions-" + std::to_string(workers);
    std::filesystem::remove_all(dir);
    CollectingResults store;
    std::uint64_t stop_at = 0;
    for (std::uint64_t limit : {700u, 1500u, 2200u, 0u}) {
      // Resumed by skipping: the same order (seed) reads the same records.
      PartitionedSource source(Lines(parts), 5);
      RunOptions options;
      options.workers = workers;
      options.result_sinks = {&store};
      options.checkpoint_dir = dir;
      options.checkpoint_interval = std::chrono::milliseconds(5);
      options.resume = stop_at > 0;
      options.limit = limit == 0 ? 0 : limit - stop_at;
      auto stats = RunPipeline(spec, source, options);
      ASSERT_TRUE(stats.ok()) << stats.status().ToString();
      stop_at = limit;
    }
    ExpectSameResults(store.latest, reference, "resumed, workers " + std::to_string(workers));
  }
}

}  // namespace
}  // namespace starling::dataflow
