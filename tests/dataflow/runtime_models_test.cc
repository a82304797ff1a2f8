// The engine across processing models on real and generated data: the
// parallel file scan against the sequential reader, processing-time windows
// under an injected clock, the generator's bursts found, and one stream in
// every model giving identical results.
#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "dataflow/runtime.h"
#include "model/post_json.h"
#include "sink/registry.h"
#include "source/file_blocks.h"
#include "source/generator.h"
#include "source/record_source.h"
#include "source/registry.h"
#include "support/collecting_results.h"
#include "support/collecting_sink.h"
#include "support/memory_source.h"
#include "support/runtime_inputs.h"

namespace starling::dataflow {
namespace {

using namespace runtime_test;  // NOLINT(google-build-using-namespace): the shared helpers
using model::Post;
using model::ResultKind;
using model::TimestampUs;
using testing::CollectingResults;

// The parallel scan (RunOptions::blocks) against the sequential reader on
// the same file: same results, stats and dead letters (bytes, line, offset,
// order), with bad lines, empty lines and CRLF among good ones, whatever
// the block size and worker count.
TEST(Runtime, ParallelFileScanGivesTheSequentialResultsAndDeadLetters) {
  const Input in = MakeInput(21, 3000, 40000, 5 * kSecond);
  const std::string path = std::string(STARLING_TEST_TMP) + "/parallel-scan.jsonl";
  {
    std::ofstream f(path, std::ios::binary);
    for (std::size_t i = 0; i < in.lines.size(); ++i) {
      f << in.lines[i] << (i % 17 == 0 ? "\r\n" : "\n");
      if (i % 97 == 5) f << "{\"data\": {\"id\": \"cut here\n";  // malformed
      if (i % 131 == 7) f << "\n";                               // empty line
    }
    f << "{\"not\": \"a post\", \"unfinished\": [";  // last line, no line break
  }
  const PipelineSpec spec = FullSpec();
  auto run = [&](const source::FileBlocks* blocks, int workers, const std::string& dead,
                 RunStats* stats_out) {
    std::filesystem::remove(dead);
    auto src = source::OpenSource(path);
    EXPECT_TRUE(src.ok());
    CollectingResults results;
    DeadLetterWriter dead_letters(dead);
    RunOptions options;
    options.workers = workers;
    options.blocks = blocks;
    options.result_sinks = {&results};
    options.dead_letters = &dead_letters;
    auto stats = RunPipeline(spec, **src, options);
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    EXPECT_TRUE(dead_letters.Flush().ok());
    if (stats.ok()) *stats_out = *stats;
    return results.latest;
  };
  // Dead letters without their "time" (when each was written).
  auto read_dead = [](const std::string& file) {
    std::ifstream f(file);
    std::string line, all;
    while (std::getline(f, line)) {
      const std::size_t reason = line.find(",\"reason\"");
      all += (reason == std::string::npos ? line : "{" + line.substr(reason + 1)) + "\n";
    }
    return all;
  };
  const std::string want_dead_path = std::string(STARLING_TEST_TMP) + "/parallel-scan-dead-seq";
  RunStats want_stats;
  const auto want = run(nullptr, 1, want_dead_path, &want_stats);
  const std::string want_dead = read_dead(want_dead_path);
  EXPECT_EQ(want_stats.dead_letters, 32u);
  EXPECT_NE(want_dead.find("\"line\":"), std::string::npos);
  for (std::size_t block : {997u, 64u << 10}) {
    auto blocks = source::FileBlocks::Open({path}, block);
    ASSERT_TRUE(blocks.ok());
    ASSERT_NE(*blocks, nullptr);
    for (int workers : {1, 2, 3}) {
      const std::string label =
          "block " + std::to_string(block) + " workers " + std::to_string(workers);
      const std::string dead = std::string(STARLING_TEST_TMP) + "/parallel-scan-dead";
      RunStats stats;
      const auto got = run(blocks->get(), workers, dead, &stats);
      ExpectSameResults(got, want, label);
      EXPECT_EQ(stats.records, want_stats.records) << label;
      EXPECT_EQ(stats.posts, want_stats.posts) << label;
      EXPECT_EQ(stats.bytes, want_stats.bytes) << label;
      EXPECT_EQ(stats.late_posts, want_stats.late_posts) << label;
      EXPECT_EQ(read_dead(dead), want_dead) << label;
    }
  }
}

// Runs the scan cannot serve read the source instead: a limit counts
// records of the sequential reader.
TEST(Runtime, ParallelFileScanLeavesALimitedRunToTheReader) {
  const Input in = MakeInput(22, 500, 40000, kSecond);
  const std::string path = std::string(STARLING_TEST_TMP) + "/parallel-scan-limit.jsonl";
  {
    std::ofstream f(path, std::ios::binary);
    for (const std::string& line : in.lines) f << line << "\n";
  }
  auto blocks = source::FileBlocks::Open({path}, 4096);
  ASSERT_TRUE(blocks.ok());
  for (int workers : {1, 2}) {
    auto src = source::OpenSource(path);
    ASSERT_TRUE(src.ok());
    RunOptions options;
    options.workers = workers;
    options.blocks = blocks->get();
    options.limit = 123;
    auto stats = RunPipeline(Spec(), **src, options);
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->records, 123u);
    std::atomic<bool> stop{true};  // stopped before the first block: nothing read
    options.limit = 0;
    options.stop = &stop;
    stats = RunPipeline(Spec(), **src, options);
    ASSERT_TRUE(stats.ok());
    EXPECT_EQ(stats->records, 0u);
  }
}

// Real recorded X traffic (search pages and stream lines from twarc's test
// data): the same invariance as above on data no one here wrote.
TEST(Runtime, RealDataGivesIdenticalResultsInEveryModel) {
  Input in;
  const std::string dir = std::string(STARLING_SHARED_DATA) + "/twarc-csv/";
  for (const char* name :
       {"kpop.jsonl", "brexit.jsonl", "cashtags.jsonl", "geo_tweets.jsonl", "many_urls.jsonl",
        "mentions_tweet.jsonl", "streaming_output.jsonl", "streaming_output_with_error.jsonl",
        "../twarc-hashtags/tweets1.jsonl"}) {
    std::FILE* f = std::fopen((dir + name).c_str(), "rb");
    ASSERT_NE(f, nullptr) << dir << name;
    std::string line;
    for (int c = std::fgetc(f); c != EOF; c = std::fgetc(f)) {
      if (c == '\n') {
        if (!line.empty()) in.lines.push_back(std::move(line));
        line.clear();
      } else {
        line.push_back(static_cast<char>(c));
      }
    }
    if (!line.empty()) in.lines.push_back(std::move(line));
    std::fclose(f);
  }
  PipelineSpec spec = FullSpec();
  for (AnalysisSpec& a : spec.analyses) {
    if (a.window.type == WindowType::kTumbling) a.window = ParseWindowSpec("6h").value();
    if (a.window.type == WindowType::kSliding) a.window = ParseWindowSpec("sliding 1d 6h").value();
    if (a.window.type == WindowType::kSession) a.window = ParseWindowSpec("session 1h").value();
  }
  spec.watermark_bound = std::chrono::hours(12);
  spec.allowed_lateness = std::chrono::hours(1);
  RunStats stats;
  auto reference = RunOnce(spec, in, RunOptions{}, 0, &stats);
  EXPECT_GT(stats.posts, 500u);
  EXPECT_EQ(stats.dead_letters, 1u);  // the cut line of streaming_output_with_error
  EXPECT_GT(stats.late_posts, 0u) << "search pages run newest first: much is late";
  std::size_t rows = 0;
  for (const auto& [key, r] : reference) rows += r.rows.size();
  EXPECT_GT(rows, 50u);
  for (int workers : {1, 2}) {
    for (ProcessingMode mode : {ProcessingMode::kRecord, ProcessingMode::kMicroBatch}) {
      PipelineSpec s = spec;
      s.mode = mode;
      s.batch_interval = std::chrono::milliseconds(1);
      RunOptions options;
      options.workers = workers;
      options.chunk_records = options.max_chunk_records = 3;
      auto got = RunOnce(s, in, options, 5);
      ExpectSameResults(
          got, reference,
          std::string(ProcessingModeName(mode)) + " workers " + std::to_string(workers));
    }
  }
}

// A live source whose posts arrive at given moments of a ManualClock, idle
// (TryAgain) in between: processing-time windows with no sleeping.
class ScheduledSource final : public source::RecordSource {
 public:
  ScheduledSource(ManualClock* clock,
                  std::vector<std::pair<std::chrono::milliseconds, std::string>> s)
      : clock_(clock), schedule_(std::move(s)), t0_(clock->Steady()) {
    for (auto& [at, line] : schedule_) line.append(source::kRecordPadding, '\0');
  }
  Result<bool> Next(source::Record* out) override {
    if (next_ >= schedule_.size()) return TryAgain("idle");  // live: never ends by itself
    const auto& [at, line] = schedule_[next_];
    if (clock_->Steady() < t0_ + at) return TryAgain("idle");
    out->bytes = std::string_view(line.data(), line.size() - source::kRecordPadding);
    out->origin = "scheduled";
    out->line = ++next_;
    out->padding = source::kRecordPadding;
    return true;
  }
  std::string Describe() const override { return "scheduled"; }

 private:
  ManualClock* clock_;
  std::vector<std::pair<std::chrono::milliseconds, std::string>> schedule_;
  std::chrono::steady_clock::time_point t0_;
  std::size_t next_ = 0;
};

TEST(Runtime, ProcessingTimeWindowsFollowTheInjectedClock) {
  using std::chrono::milliseconds;
  ManualClock clock;
  auto line = [](const char* id) {
    Post p;
    p.id = id;
    p.provider = model::Provider::kX;
    p.created_at = kBase;  // ignored in processing time
    p.lang = "en";
    std::string out;
    model::AppendPostJson(p, &out);
    return out;
  };
  const TimestampUs now0 = clock.Now().time_since_epoch().count();
  // Arrivals relative to the first whole second after now0.
  const std::int64_t phase = (1000000 - now0 % 1000000) / 1000;
  ScheduledSource source(&clock, {{milliseconds(phase + 100), line("a")},
                                  {milliseconds(phase + 500), line("b")},
                                  {milliseconds(phase + 1200), line("c")},
                                  {milliseconds(phase + 2500), line("d")}});
  PipelineSpec spec;
  spec.name = "pt";
  spec.time = TimeMode::kProcessing;
  spec.watermark_bound = std::chrono::microseconds(0);
  AnalysisSpec a;
  a.name = "posts";
  a.kind = ResultKind::kCount;
  a.k = 0;
  a.window = ParseWindowSpec("1s").value();
  spec.analyses.push_back(a);
  CollectingResults results;
  RunOptions options;
  options.clock = &clock;
  options.duration = std::chrono::seconds(5);
  options.result_sinks = {&results};
  const auto t0 = clock.Steady();
  std::vector<milliseconds> emitted_at;
  options.on_result = [&](const model::WindowResult&) {
    emitted_at.push_back(std::chrono::duration_cast<milliseconds>(clock.Steady() - t0));
  };
  auto stats = RunPipeline(spec, source, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  std::vector<std::int64_t> counts;
  for (const auto& [key, r] : results.latest) {
    ASSERT_EQ(r.rows.size(), 1u);
    counts.push_back(r.rows[0].count);
  }
  EXPECT_EQ(counts, (std::vector<std::int64_t>{2, 1, 1}));
  // Each window closed on the clock while the source was idle, within the
  // 10 ms watermark tick of its end, long before the run ended at 5 s.
  ASSERT_EQ(emitted_at.size(), 3u);
  for (int i = 0; i < 3; ++i) {
    const milliseconds end(phase + 1000 * (i + 1));
    EXPECT_GE(emitted_at[static_cast<std::size_t>(i)], end);
    EXPECT_LE(emitted_at[static_cast<std::size_t>(i)], end + milliseconds(20));
  }
}

// The generator injects bursts (ground truth from PostGenerator::bursts());
// the engine's bursts analysis must flag each of them.
TEST(Runtime, FindsTheGeneratorsInjectedBursts) {
  source::GeneratorOptions g;
  g.seed = 9;
  g.rate = 10;
  g.start = kBase;
  const std::uint64_t count = 2 * 3600 * 10;  // two hours of event time
  source::PostGenerator truth(g);
  std::string scratch;
  for (std::uint64_t i = 0; i < count; ++i) {
    scratch.clear();
    truth.Next(&scratch);
  }
  const std::vector<source::InjectedBurst> injected = truth.bursts();
  ASSERT_GE(injected.size(), 10u);

  PipelineSpec spec;
  spec.name = "bursts";
  AnalysisSpec a;
  a.name = "bursts";
  a.kind = ResultKind::kBurst;
  a.by = {Dimension::kHashtag, {}};
  a.window = ParseWindowSpec("1m").value();
  spec.analyses.push_back(a);
  auto src = source::OpenGenerator(g, count, /*pace=*/false);
  ASSERT_TRUE(src.ok());
  CollectingResults results;
  RunOptions options;
  options.workers = 2;
  options.result_sinks = {&results};
  ASSERT_TRUE(RunPipeline(spec, **src, options).ok());

  std::size_t found = 0;
  std::set<std::string> flagged_terms;
  for (const auto& [key, r] : results.latest) {
    for (const auto& row : r.rows) flagged_terms.insert(row.key);
  }
  for (const source::InjectedBurst& b : injected) {
    std::string tag;
    LowerInto(b.hashtag, &tag);
    bool hit = false;
    for (const auto& [key, r] : results.latest) {
      if (r.window_end <= b.start || r.window_start >= b.end) continue;
      for (const auto& row : r.rows) hit |= row.key == tag;
    }
    found += hit ? 1 : 0;
    EXPECT_TRUE(hit) << "burst #" << b.hashtag << " at " << model::FormatTimestamp(b.start);
  }
  EXPECT_EQ(found, injected.size());
  // Few false alarms: flagged terms are mostly the injected ones.
  std::set<std::string> injected_tags;
  for (const auto& b : injected) {
    std::string tag;
    LowerInto(b.hashtag, &tag);
    injected_tags.insert(tag);
  }
  std::size_t others = 0;
  for (const std::string& t : flagged_terms) others += injected_tags.count(t) ? 0 : 1;
  EXPECT_LE(others, 6u) << "false alarms";
}

// The built-in generator's stream (v2 lines, bursts, many languages), with
// neighbouring records swapped now and then for disorder: every model and
// worker count must agree.
TEST(Runtime, GeneratorStreamGivesIdenticalResultsInEveryModel) {
  source::GeneratorOptions g;
  g.seed = 4;
  g.rate = 40;
  g.start = kBase;
  g.burst_every_s = 120;
  g.burst_duration_s = 30;
  source::PostGenerator gen(g);
  Input in;
  std::mt19937_64 rng(4);
  for (int i = 0; i < 6000; ++i) {
    std::string line;
    gen.Next(&line);
    in.lines.push_back(std::move(line));
    if (i > 0 && rng() % 5 == 0)
      std::swap(in.lines[in.lines.size() - 1], in.lines[in.lines.size() - 2]);
  }
  PipelineSpec spec = FullSpec();
  spec.watermark_bound = std::chrono::seconds(1);
  spec.allowed_lateness = std::chrono::seconds(0);
  RunStats stats;
  auto reference = RunOnce(spec, in, RunOptions{}, 0, &stats);
  EXPECT_EQ(stats.posts, 6000u);
  for (int workers : {1, 3}) {
    for (ProcessingMode mode : {ProcessingMode::kRecord, ProcessingMode::kMicroBatch}) {
      if (workers == 1 && mode == ProcessingMode::kRecord) continue;
      PipelineSpec s = spec;
      s.mode = mode;
      s.batch_interval = std::chrono::milliseconds(2);
      RunOptions options;
      options.workers = workers;
      options.chunk_records = options.max_chunk_records = 17;
      auto got = RunOnce(s, in, options, 41);
      ExpectSameResults(
          got, reference,
          std::string(ProcessingModeName(mode)) + " workers " + std::to_string(workers));
    }
  }
}

}  // namespace
}  // namespace starling::dataflow
