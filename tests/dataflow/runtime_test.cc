// The engine against a naive recompute, against itself under other processing
// models / worker counts / chunkings, and across a checkpoint and resume.
#include "dataflow/runtime.h"

#include <gtest/gtest.h>
#include <sys/resource.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "model/post_json.h"
#include "sink/registry.h"
#include "source/file_blocks.h"
#include "source/generator.h"
#include "source/record_source.h"
#include "source/registry.h"
#include "support/collecting_results.h"
#include "support/collecting_sink.h"
#include "support/memory_source.h"

namespace starling::dataflow {
namespace {

using model::Post;
using model::ResultKind;
using model::TimestampUs;
using testing::CollectingResults;
using testing::MemorySource;

constexpr TimestampUs kBase = 1617235200000000;  // 2021-04-01T00:00:00Z
constexpr std::int64_t kSecond = 1000000;

struct Input {
  std::vector<Post> posts;
  std::vector<std::string> lines;
};

// Posts one every `step` microseconds, each displaced by up to +-jitter, so
// the stream is out of order; a few stragglers are much later than that.
Input MakeInput(std::uint64_t seed, int n, std::int64_t step, std::int64_t jitter) {
  std::mt19937_64 rng(seed);
  const char* tags[] = {"Alpha", "beta", "gamma", "delta", "ALPHA", "eps", "zeta", "eta"};
  const char* langs[] = {"en", "es", "ja", "fr"};
  const char* texts[] = {
      "I love this, great day", "this is terrible and sad", "just a post",
      "VERY GOOD news!!!",      "not bad at all",           "worst thing ever :("};
  Input in;
  for (int i = 0; i < n; ++i) {
    Post p;
    p.id = std::to_string(1000 + i);
    p.provider = model::Provider::kX;
    std::int64_t t =
        kBase + i * step + static_cast<std::int64_t>(rng() % (2 * jitter + 1)) - jitter;
    if (rng() % 50 == 0) t -= 20 * kSecond;  // a straggler
    p.created_at = t;
    p.author.id = std::to_string(rng() % 40);
    p.author.handle = "user" + p.author.id;
    p.lang = langs[rng() % 4];
    p.text = texts[rng() % 6];
    const int ntags = static_cast<int>(rng() % 4);
    for (int h = 0; h < ntags; ++h) {
      // Skewed: low indexes more often.
      const std::size_t k = std::min<std::size_t>(rng() % 8, rng() % 8);
      p.hashtags.push_back({tags[k], {}});
      p.text += std::string(" #") + tags[k];
    }
    std::string line;
    model::AppendPostJson(p, &line);
    in.lines.push_back(line);
    in.posts.push_back(std::move(p));
  }
  return in;
}

PipelineSpec Spec() {
  PipelineSpec s;
  s.name = "test";
  s.watermark_bound = std::chrono::seconds(3);
  s.allowed_lateness = std::chrono::seconds(4);
  AnalysisSpec top;
  top.name = "tags";
  top.kind = ResultKind::kTopK;
  top.by = {Dimension::kHashtag, {}};
  top.k = 1000;
  top.window = ParseWindowSpec("10s").value();
  s.analyses.push_back(top);
  AnalysisSpec langs;
  langs.name = "langs";
  langs.kind = ResultKind::kCount;
  langs.by = {Dimension::kLang, {}};
  langs.k = 0;
  langs.window = ParseWindowSpec("sliding 20s 5s").value();
  s.analyses.push_back(langs);
  return s;
}

// Everything the engine offers, for the runs compared with each other.
PipelineSpec FullSpec() {
  PipelineSpec s = Spec();
  AnalysisSpec a;
  a.name = "authors";
  a.kind = ResultKind::kDistinct;
  a.by = {Dimension::kLang, {}};
  a.k = 0;
  a.window = ParseWindowSpec("10s").value();
  s.analyses.push_back(a);
  a = {};
  a.name = "mood";
  a.kind = ResultKind::kSentiment;
  a.by = {Dimension::kHashtag, {}};
  a.window = ParseWindowSpec("10s").value();
  s.analyses.push_back(a);
  a = {};
  a.name = "bursts";
  a.kind = ResultKind::kBurst;
  a.by = {Dimension::kHashtag, {}};
  a.bursts.min_count = 2;
  a.bursts.warmup_windows = 1;
  a.window = ParseWindowSpec("5s").value();
  s.analyses.push_back(a);
  a = {};
  a.name = "sessions";
  a.kind = ResultKind::kSession;
  a.by = {Dimension::kAuthor, {}};
  a.k = 0;
  a.window = ParseWindowSpec("session 3s").value();
  s.analyses.push_back(a);
  a = {};
  a.name = "pairs";
  a.kind = ResultKind::kCooccurrence;
  a.k = 5;
  a.window = ParseWindowSpec("10s").value();
  s.analyses.push_back(a);
  a = {};
  a.name = "topics";
  a.kind = ResultKind::kCluster;
  a.kmeans.k = 3;
  a.kmeans.dims = 1024;
  a.tfidf.dims = 1024;
  a.kmeans_batch = 50;
  a.window = ParseWindowSpec("20s").value();
  s.analyses.push_back(a);
  return s;
}

// Same windows, same rows, analysis by analysis.
void ExpectSameResults(const std::map<CollectingResults::Key, model::WindowResult>& got,
                       const std::map<CollectingResults::Key, model::WindowResult>& want,
                       const std::string& label) {
  ASSERT_EQ(got.size(), want.size()) << label;
  for (const auto& [key, r] : want) {
    const auto it = got.find(key);
    ASSERT_NE(it, got.end()) << label << " " << std::get<0>(key);
    EXPECT_EQ(it->second.rows, r.rows) << label << " " << std::get<0>(key);
  }
}

std::map<CollectingResults::Key, model::WindowResult> RunOnce(const PipelineSpec& spec,
                                                              const Input& in, RunOptions options,
                                                              std::size_t idle_every = 0,
                                                              RunStats* stats_out = nullptr) {
  MemorySource source(in.lines, idle_every);
  CollectingResults results;
  options.result_sinks = {&results};
  auto stats = RunPipeline(spec, source, options);
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  if (stats_out != nullptr && stats.ok()) *stats_out = *stats;
  for (const auto& [key, r] : results.latest) EXPECT_TRUE(r.final) << std::get<0>(key);
  return results.latest;
}

// The semantics, computed the slow way: walk the input in order, keep the
// watermark, and count each post into each of its windows that was still
// open when it arrived.
std::map<std::pair<std::string, Window>, std::map<std::string, std::int64_t>> Naive(
    const PipelineSpec& spec, const Input& in, std::uint64_t* late_posts,
    std::uint64_t* late_items = nullptr) {
  std::map<std::pair<std::string, Window>, std::map<std::string, std::int64_t>> out;
  TimestampUs wm = kMinTime, max_seen = kMinTime;
  const std::int64_t lateness = spec.allowed_lateness.count();
  *late_posts = 0;
  std::uint64_t dropped_items = 0;
  for (const Post& p : in.posts) {
    const TimestampUs t = p.created_at;
    TimestampUs latest = kMinTime;
    for (const AnalysisSpec& a : spec.analyses)
      latest = std::max(latest, LatestWindowEnd(a.window, t));
    if (latest + lateness <= wm) {
      ++*late_posts;
      continue;
    }
    for (const AnalysisSpec& a : spec.analyses) {
      std::vector<Window> windows;
      AssignWindows(a.window, t, &windows);
      const bool all_closed = std::all_of(windows.begin(), windows.end(),
                                          [&](const Window& w) { return w.end + lateness <= wm; });
      if (all_closed) {  // on time for another analysis, late for this one
        std::set<std::string> tags;
        for (const auto& h : p.hashtags) {
          std::string lower;
          LowerInto(h.tag, &lower);
          tags.insert(lower);
        }
        dropped_items += a.by.dim == Dimension::kLang ? 1 : tags.size();
      }
      for (const Window& w : windows) {
        if (w.end + lateness <= wm) continue;
        auto& counts = out[{a.name, w}];
        if (a.by.dim == Dimension::kLang) {
          ++counts[p.lang];
        } else {
          std::set<std::string> seen;
          for (const auto& h : p.hashtags) {
            std::string lower;
            LowerInto(h.tag, &lower);
            if (seen.insert(lower).second) ++counts[lower];
          }
          if (seen.empty()) out[{a.name, w}];  // the window exists, empty
        }
      }
    }
    if (t > max_seen) {
      max_seen = t;
      wm = std::max(wm, max_seen - spec.watermark_bound.count());
    }
  }
  if (late_items != nullptr) *late_items = dropped_items;
  return out;
}

TEST(Runtime, IncrementalWindowsMatchNaiveRecomputeOnDisorderedInput) {
  for (std::uint64_t seed : {1u, 2u, 3u, 4u, 5u}) {
    const Input in = MakeInput(seed, 3000, 50000, 6 * kSecond);
    const PipelineSpec spec = Spec();
    RunStats stats;
    auto engine = RunOnce(spec, in, RunOptions{}, 0, &stats);
    std::uint64_t late = 0, late_items = 0;
    auto naive = Naive(spec, in, &late, &late_items);
    EXPECT_EQ(stats.late_posts, late) << "seed " << seed;
    EXPECT_GT(late, 0u) << "the input should have late posts";
    EXPECT_EQ(stats.late_items, late_items) << "seed " << seed;
    EXPECT_GT(late_items, 0u) << "some posts should be late for the 10 s windows only";
    std::size_t compared = 0;
    for (const auto& [key, counts] : naive) {
      if (counts.empty()) continue;
      const auto it = engine.find({key.first, key.second.start, key.second.end});
      ASSERT_NE(it, engine.end()) << key.first << " window " << key.second.start;
      std::map<std::string, std::int64_t> got;
      for (const auto& row : it->second.rows) got[row.key] = row.count;
      EXPECT_EQ(got, counts) << "seed " << seed << " " << key.first << " " << key.second.start;
      ++compared;
    }
    std::size_t nonempty = 0;
    for (const auto& [key, r] : engine) nonempty += r.rows.empty() ? 0 : 1;
    EXPECT_EQ(nonempty, compared);
  }
}

TEST(Runtime, RecordAndMicroBatchAndWorkersGiveIdenticalResults) {
  const Input in = MakeInput(11, 4000, 40000, 5 * kSecond);
  PipelineSpec spec = FullSpec();
  auto reference = RunOnce(spec, in, RunOptions{});
  ASSERT_FALSE(reference.empty());
  std::set<std::string> kinds;
  for (const auto& [key, r] : reference) {
    if (!r.rows.empty()) kinds.insert(std::string(model::ResultKindName(r.kind)));
  }
  EXPECT_EQ(kinds.size(), 8u) << "every kind of analysis produced rows";

  struct Variant {
    ProcessingMode mode;
    int workers;
    std::size_t idle_every;
    std::size_t chunk;
    int partition_threads = -1;  // RunOptions::partition_threads
  };
  for (const Variant v :
       {Variant{ProcessingMode::kMicroBatch, 1, 0, 0},
        Variant{ProcessingMode::kMicroBatch, 1, 97, 0}, Variant{ProcessingMode::kRecord, 2, 0, 64},
        Variant{ProcessingMode::kRecord, 2, 0, 64, 2}, Variant{ProcessingMode::kRecord, 3, 31, 7},
        Variant{ProcessingMode::kRecord, 3, 31, 7, 3}, Variant{ProcessingMode::kRecord, 4, 0, 16},
        Variant{ProcessingMode::kMicroBatch, 2, 53, 0},
        Variant{ProcessingMode::kMicroBatch, 3, 53, 0, 2}}) {
    PipelineSpec s = spec;
    s.mode = v.mode;
    s.batch_interval = std::chrono::milliseconds(1);
    RunOptions options;
    options.workers = v.workers;
    options.partition_threads = v.partition_threads;
    if (v.chunk > 0) options.chunk_records = v.chunk;
    auto got = RunOnce(s, in, options, v.idle_every);
    ExpectSameResults(got, reference,
                      std::string(ProcessingModeName(v.mode)) + " workers " +
                          std::to_string(v.workers) + " partition threads " +
                          std::to_string(v.partition_threads));
  }
}

TEST(Runtime, ResumeFromCheckpointGivesTheUninterruptedResult) {
  const Input in = MakeInput(21, 3000, 40000, 5 * kSecond);
  const PipelineSpec spec = FullSpec();
  for (int workers : {1, 2}) {
    RunOptions plain;
    plain.workers = workers;
    auto reference = RunOnce(spec, in, plain);

    const std::string dir = std::string(STARLING_TEST_TMP) + "/ckpt-" + std::to_string(workers);
    std::filesystem::remove_all(dir);
    CollectingResults store;  // outlives the runs, like a database
    std::uint64_t stop_at = 0;
    for (std::uint64_t limit : {700u, 1500u, 2200u, 0u}) {
      MemorySource source(in.lines);
      RunOptions options;
      options.workers = workers;
      options.result_sinks = {&store};
      options.checkpoint_dir = dir;
      options.checkpoint_interval = std::chrono::milliseconds(5);
      options.resume = stop_at > 0;
      options.limit = limit == 0 ? 0 : limit - stop_at;
      auto stats = RunPipeline(spec, source, options);
      ASSERT_TRUE(stats.ok()) << stats.status().ToString();
      if (limit > 0) {
        EXPECT_EQ(stats->records, limit);
      }
      stop_at = limit;
    }
    ExpectSameResults(store.latest, reference, "resumed, workers " + std::to_string(workers));
  }
}

// A checkpoint keeps its keyed state in as many partitions as the run that
// took it had workers; a resume with any other --workers runs those
// partitions (several per worker, or some workers only parsing) and gives
// the uninterrupted result.
TEST(Runtime, ResumeWithAnotherWorkerCountGivesTheUninterruptedResult) {
  const Input in = MakeInput(22, 3000, 40000, 5 * kSecond);
  const PipelineSpec spec = FullSpec();
  auto reference = RunOnce(spec, in, RunOptions{});
  for (const std::vector<int>& workers :
       {std::vector<int>{2, 1, 3, 2}, std::vector<int>{3, 2, 1, 4}}) {
    std::string label = "workers";
    for (int w : workers) label += " " + std::to_string(w);
    const std::string dir = std::string(STARLING_TEST_TMP) + "/ckpt-rescale";
    std::filesystem::remove_all(dir);
    CollectingResults store;
    std::uint64_t stop_at = 0;
    const std::uint64_t limits[] = {700, 1500, 2200, 0};
    for (std::size_t i = 0; i < 4; ++i) {
      MemorySource source(in.lines);
      RunOptions options;
      options.workers = workers[i];
      options.partition_threads = i % 2 == 0 ? -1 : workers[i];  // both keyed-stage layouts
      options.result_sinks = {&store};
      options.checkpoint_dir = dir;
      options.checkpoint_interval = std::chrono::milliseconds(5);
      options.resume = stop_at > 0;
      options.limit = limits[i] == 0 ? 0 : limits[i] - stop_at;
      auto stats = RunPipeline(spec, source, options);
      ASSERT_TRUE(stats.ok()) << label << ": " << stats.status().ToString();
      stop_at = limits[i];
    }
    ExpectSameResults(store.latest, reference, "resumed, " + label);
  }
}

TEST(Runtime, ResumeMovesAFileSourceToItsCheckpointedOffset) {
  const Input in = MakeInput(23, 2000, 40000, 5 * kSecond);
  const PipelineSpec spec = FullSpec();
  const std::string path = std::string(STARLING_TEST_TMP) + "/resume-seek.jsonl";
  std::string bytes;
  for (const std::string& line : in.lines) bytes += line + "\n";
  auto write = [&] {
    std::ofstream f(path, std::ios::binary);
    f << bytes;
  };
  write();
  for (int workers : {1, 2}) {
    RunOptions plain;
    plain.workers = workers;
    auto reference = RunOnce(spec, in, plain);
    const std::string dir =
        std::string(STARLING_TEST_TMP) + "/ckpt-seek-" + std::to_string(workers);
    std::filesystem::remove_all(dir);
    CollectingResults store;
    RunOptions options;
    options.workers = workers;
    options.result_sinks = {&store};
    options.checkpoint_dir = dir;
    options.limit = 1200;
    {
      auto source = source::OpenSource(path);
      ASSERT_TRUE(source.ok());
      auto stats = RunPipeline(spec, **source, options);
      ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    }
    // Blank out the part of the file the checkpoint covers, newlines too: a
    // resume that re-read and counted records would now go wrong; one that
    // seeks never looks there. (The first 4 KiB and the 64 KiB before the
    // offset stay: the checkpoint's fingerprint of the input checks those.)
    std::size_t covered = 0;
    for (std::size_t i = 0; i < 1200; ++i) covered += in.lines[i].size() + 1;
    ASSERT_GT(covered, std::size_t{200} << 10);
    std::string blanked = bytes;
    std::fill(blanked.begin() + (4 << 10),
              blanked.begin() + static_cast<std::ptrdiff_t>(covered - (64 << 10)), ' ');
    std::swap(bytes, blanked);
    write();
    options.limit = 0;
    options.resume = true;
    auto source = source::OpenSource(path);
    ASSERT_TRUE(source.ok());
    auto stats = RunPipeline(spec, **source, options);
    std::swap(bytes, blanked);
    write();
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    EXPECT_TRUE(stats->resumed_by_seek);
    EXPECT_EQ(stats->resumed_records, 1200u);
    EXPECT_EQ(stats->records, in.lines.size());
    EXPECT_EQ(stats->dead_letters, 0u);
    ExpectSameResults(store.latest, reference, "seek-resumed, workers " + std::to_string(workers));
  }
}

// A resume refuses an input that is not the one its checkpoint read (cut
// short, or edited before the offset) and reads on in one that only grew.
TEST(Runtime, ResumeRefusesAChangedInput) {
  const Input in = MakeInput(24, 1500, 40000, 5 * kSecond);
  const PipelineSpec spec = FullSpec();
  const std::string path = std::string(STARLING_TEST_TMP) + "/resume-changed.jsonl";
  std::string bytes;
  for (std::size_t i = 0; i < 1000; ++i) bytes += in.lines[i] + "\n";
  std::string more;
  for (std::size_t i = 1000; i < in.lines.size(); ++i) more += in.lines[i] + "\n";
  auto write = [&](const std::string& b) {
    std::ofstream f(path, std::ios::binary | std::ios::trunc);
    f << b;
  };
  const std::string dir = std::string(STARLING_TEST_TMP) + "/ckpt-changed";
  auto run = [&](bool resume, std::uint64_t limit) {
    CollectingResults store;
    RunOptions options;
    options.result_sinks = {&store};
    options.checkpoint_dir = dir;
    options.limit = limit;
    options.resume = resume;
    auto source = source::OpenSource(path);
    EXPECT_TRUE(source.ok());
    return RunPipeline(spec, **source, options);
  };
  std::size_t covered = 0;
  for (std::size_t i = 0; i < 600; ++i) covered += in.lines[i].size() + 1;
  struct Case {
    std::string name;
    std::string content;
    std::string message;  // empty: the resume goes on
  } cases[] = {
      {"cut", bytes.substr(0, covered / 2), "shorter than at the checkpoint"},
      {"edited",
       [&] {
         std::string b = bytes;
         b[covered - 10] = b[covered - 10] == 'a' ? 'b' : 'a';
         return b;
       }(),
       "the input changed since the checkpoint"},
      {"edited head",
       [&] {
         std::string b = bytes;
         b[5] = b[5] == 'a' ? 'b' : 'a';
         return b;
       }(),
       "the input changed since the checkpoint"},
      {"grown", bytes + more, ""},
  };
  for (const Case& c : cases) {
    std::filesystem::remove_all(dir);
    write(bytes);
    auto first = run(false, 600);
    ASSERT_TRUE(first.ok()) << first.status().ToString();
    write(c.content);
    auto again = run(true, 0);
    if (c.message.empty()) {
      ASSERT_TRUE(again.ok()) << c.name << ": " << again.status().ToString();
      EXPECT_TRUE(again->resumed_by_seek) << c.name;
      EXPECT_EQ(again->records, in.lines.size()) << c.name;
    } else {
      ASSERT_FALSE(again.ok()) << c.name;
      EXPECT_EQ(again.status().code(), StatusCode::kInvalidArgument) << c.name;
      EXPECT_NE(again.status().message().find(c.message), std::string::npos)
          << c.name << ": " << again.status().message();
    }
  }
}

// A checkpoint that cannot be written (here: past a file-size limit, as on a
// full disk) fails the run with the cause and leaves no checkpoint.bin.tmp.
TEST(Runtime, AFailedCheckpointWriteLeavesNoTemporaryFile) {
  const Input in = MakeInput(25, 2000, 40000, 5 * kSecond);
  const std::string dir = std::string(STARLING_TEST_TMP) + "/ckpt-full";
  std::filesystem::remove_all(dir);
  MemorySource source(in.lines);
  RunOptions options;
  options.checkpoint_dir = dir;
  options.checkpoint_interval = std::chrono::milliseconds(1);
  struct rlimit old {};
  ASSERT_EQ(::getrlimit(RLIMIT_FSIZE, &old), 0);
  auto* previous = std::signal(SIGXFSZ, SIG_IGN);
  struct rlimit small = old;
  small.rlim_cur = 512;
  ASSERT_EQ(::setrlimit(RLIMIT_FSIZE, &small), 0);
  auto stats = RunPipeline(FullSpec(), source, options);
  ::setrlimit(RLIMIT_FSIZE, &old);
  std::signal(SIGXFSZ, previous);
  ASSERT_FALSE(stats.ok());
  EXPECT_NE(stats.status().message().find("File too large"), std::string::npos)
      << stats.status().message();
  EXPECT_FALSE(std::filesystem::exists(dir + "/checkpoint.bin.tmp"));
  EXPECT_FALSE(std::filesystem::exists(dir + "/checkpoint.bin"));
}

// The generator's start defaults to now; a resumed run must generate the
// posts the first one did (the start is kept in the checkpoint).
TEST(Runtime, ResumedGeneratorWithoutAStartGivesTheSamePosts) {
  const PipelineSpec spec = FullSpec();
  const std::string dir = std::string(STARLING_TEST_TMP) + "/ckpt-generator";
  std::filesystem::remove_all(dir);
  const std::string gen = "generate:?count=3000&pace=0&seed=9&rate=200";
  ManualClock clock;
  clock.Advance(std::chrono::hours(24 * 365 * 55));  // "now" is in 2025
  auto run = [&](bool resume, std::uint64_t limit, std::vector<std::string>* ids) {
    testing::CollectingSink posts;
    RunOptions options;
    options.checkpoint_dir = dir;
    options.limit = limit;
    options.resume = resume;
    options.post_sinks = {&posts};
    source::SourceOptions so;
    so.clock = &clock;
    auto source = source::OpenSource(gen, so);
    ASSERT_TRUE(source.ok()) << source.status().ToString();
    auto stats = RunPipeline(spec, **source, options);
    EXPECT_TRUE(stats.ok()) << stats.status().ToString();
    for (const auto& p : posts.posts) ids->push_back(p.id);
  };
  std::vector<std::string> all, resumed;
  run(false, 0, &all);
  std::filesystem::remove_all(dir);
  run(false, 1000, &resumed);
  clock.Advance(std::chrono::hours(1));  // "now" has moved: only the checkpoint knows the start
  run(true, 0, &resumed);
  ASSERT_EQ(all.size(), 3000u);
  EXPECT_EQ(resumed, all);
}

// A source whose records arrive 1 ms apart on a manual clock.
class TickingSource final : public source::RecordSource {
 public:
  TickingSource(std::vector<std::string> lines, ManualClock* clock)
      : inner_(std::move(lines)), clock_(clock) {}
  Result<bool> Next(source::Record* out) override {
    clock_->Advance(std::chrono::milliseconds(1));
    return inner_.Next(out);
  }
  std::string Describe() const override { return "ticking"; }

 private:
  MemorySource inner_;
  ManualClock* clock_;
};

TEST(Runtime, EarlyResultsPreviewOpenWindowsAndLeaveFinalsAlone) {
  const Input in = MakeInput(31, 3000, 40000, 5 * kSecond);
  const PipelineSpec spec = FullSpec();
  for (int workers : {1, 2}) {
    auto run = [&](std::chrono::milliseconds early, CollectingResults* results) {
      ManualClock clock;
      TickingSource source(in.lines, &clock);
      RunOptions options;
      options.workers = workers;
      options.clock = &clock;
      options.early_results = early;
      options.result_sinks = {results};
      auto stats = RunPipeline(spec, source, options);
      ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    };
    CollectingResults plain, early;
    run(std::chrono::milliseconds(0), &plain);
    run(std::chrono::milliseconds(20), &early);  // every ~20 records
    const std::string label = "early results, workers " + std::to_string(workers);
    ExpectSameResults(early.latest, plain.latest, label);
    auto previews = [](const CollectingResults& r) {
      return std::count_if(r.all.begin(), r.all.end(), [](const auto& x) { return !x.final; });
    };
    EXPECT_GT(previews(early), previews(plain) + 50) << label;
    // A window's previews grow as its posts arrive, before the window ends.
    std::map<CollectingResults::Key, std::vector<std::uint64_t>> totals;
    for (const auto& r : early.all) {
      if (r.analysis == "tags")
        totals[{r.analysis, r.window_start, r.window_end}].push_back(r.total);
    }
    std::size_t growing = 0;
    for (const auto& [key, t] : totals) {
      if (t.size() >= 3 && std::is_sorted(t.begin(), t.end()) && t.front() < t.back()) ++growing;
    }
    EXPECT_GT(growing, 0u) << label;
  }
}

// File outputs through a crash: a run with a rotating JSONL post sink stops
// at a checkpoint; what a crashed run would have written after it (more
// lines, a further rotated file) is there when the run resumes with the sink
// reopened for resuming. The files must equal an uninterrupted run's.
TEST(Runtime, ResumeCutsRotatedJsonlOutputsBackToTheCheckpoint) {
  const Input in = MakeInput(24, 1500, 40000, 5 * kSecond);
  const PipelineSpec spec = FullSpec();
  const std::string dir = std::string(STARLING_TEST_TMP) + "/resume-jsonl";
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  const std::string spec_of = "?rotate=64K";
  auto run = [&](const std::string& path, std::uint64_t limit, bool resume, int workers,
                 const std::string& checkpoints) {
    auto sink = sink::OpenSink("jsonl:" + path + spec_of, {.resume = resume});
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    MemorySource source(in.lines);
    RunOptions options;
    options.workers = workers;
    options.post_sinks = {sink->get()};
    options.checkpoint_dir = checkpoints;
    options.checkpoint_interval = std::chrono::milliseconds(5);
    options.resume = resume;
    options.limit = limit;
    auto stats = RunPipeline(spec, source, options);
    ASSERT_TRUE(stats.ok()) << stats.status().ToString();
    ASSERT_TRUE((*sink)->Close().ok());
  };
  auto files = [](const std::string& path) {
    std::string all;
    for (int i = 0;; ++i) {
      const std::string f = i == 0 ? path : path + "." + std::to_string(i);
      if (!std::filesystem::exists(f)) break;
      std::ifstream in(f, std::ios::binary);
      all += std::string(std::istreambuf_iterator<char>(in), {}) + "|";
    }
    return all;
  };
  const std::string ref = dir + "/ref.jsonl";
  run(ref, 0, false, 2, dir + "/ck-ref");
  ASSERT_TRUE(std::filesystem::exists(ref + ".3")) << "the output rotates several times";
  for (int workers : {1, 2}) {
    const std::string out = dir + "/out-" + std::to_string(workers) + ".jsonl";
    const std::string ck = dir + "/ck-" + std::to_string(workers);
    run(out, 700, false, workers, ck);
    // The crashed run's tail: lines after the checkpoint, and a later file.
    int last = 0;
    while (std::filesystem::exists(out + "." + std::to_string(last + 1))) ++last;
    const std::string current = last == 0 ? out : out + "." + std::to_string(last);
    std::ofstream(current, std::ios::app) << "{\"written\":\"after the checkpoint\"}\n";
    std::ofstream(out + "." + std::to_string(last + 1)) << "{\"rotated\":\"after it\"}\n";
    run(out, 0, true, 3 - workers, ck);  // and with the other worker count
    EXPECT_EQ(files(out), files(ref)) << "workers " << workers;
  }
}

// Dead letters are appended to; a resume cuts the file back to the
// checkpoint's size, or removes it when it did not exist then.
TEST(DeadLetterWriter, RestoresTheFileOfTheCheckpoint) {
  const std::string path = std::string(STARLING_TEST_TMP) + "/dead-restore.jsonl";
  std::remove(path.c_str());
  std::string none, one;
  {
    DeadLetterWriter w(path);
    none = w.CheckpointCommit().value();
    ASSERT_TRUE(w.Write("{bad", "reason 1", "in", 1, 0).ok());
    one = w.CheckpointCommit().value();
    ASSERT_TRUE(w.Write("{worse", "reason 2", "in", 2, 5).ok());
    ASSERT_TRUE(w.Flush().ok());
  }
  EXPECT_EQ(none, "none");
  const auto size_of = [&] { return std::filesystem::file_size(path); };
  const auto two_size = size_of();
  {
    DeadLetterWriter w(path);
    ASSERT_TRUE(w.RestoreCommit(one).ok());
    EXPECT_EQ(std::to_string(size_of()), one);
    EXPECT_LT(size_of(), two_size);
    EXPECT_EQ(w.RestoreCommit(std::to_string(two_size + 10)).code(), StatusCode::kInvalidArgument);
    ASSERT_TRUE(w.RestoreCommit(none).ok());
    EXPECT_FALSE(std::filesystem::exists(path));
  }
  DeadLetterWriter unkept("");
  EXPECT_TRUE(unkept.CommitName().empty());
  EXPECT_TRUE(unkept.CheckpointCommit().value().empty());
  EXPECT_TRUE(unkept.RestoreCommit("12").ok());
}

TEST(Runtime, RefusesACheckpointOfAnotherPipeline) {
  const Input in = MakeInput(3, 200, 40000, kSecond);
  const std::string dir = std::string(STARLING_TEST_TMP) + "/ckpt-other";
  std::filesystem::remove_all(dir);
  RunOptions options;
  options.checkpoint_dir = dir;
  MemorySource first(in.lines);
  ASSERT_TRUE(RunPipeline(Spec(), first, options).ok());
  PipelineSpec other = Spec();
  other.analyses[0].window = ParseWindowSpec("1m").value();
  options.resume = true;
  MemorySource second(in.lines);
  auto r = RunPipeline(other, second, options);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("different pipeline"), std::string::npos);
  // A damaged file is refused, not half-loaded.
  std::string path = dir + "/checkpoint.bin";
  {
    std::FILE* f = std::fopen(path.c_str(), "r+b");
    ASSERT_NE(f, nullptr);
    std::fseek(f, 40, SEEK_SET);
    std::fputc('X', f);
    std::fclose(f);
  }
  MemorySource third(in.lines);
  auto bad = RunPipeline(Spec(), third, options);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), StatusCode::kMalformedInput) << bad.status().ToString();
  // One from another version of the format says so.
  {
    std::FILE* f = std::fopen(path.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    std::fputs("STARLING-CHECKPOINT-1 and the rest of an old file", f);
    std::fclose(f);
  }
  MemorySource fourth(in.lines);
  auto old = RunPipeline(Spec(), fourth, options);
  ASSERT_FALSE(old.ok());
  EXPECT_NE(old.status().message().find("another version of starling"), std::string::npos)
      << old.status().ToString();
}

TEST(Runtime, LatePostsGoToTheSideOutput) {
  PipelineSpec spec = Spec();
  spec.allowed_lateness = std::chrono::seconds(0);
  spec.watermark_bound = std::chrono::seconds(0);
  Input in;
  for (std::int64_t t : {0LL, 25LL, 3LL, 26LL}) {  // seconds; 3 is late for [0,10) and [0,20)...
    Post p;
    p.id = std::to_string(t);
    p.provider = model::Provider::kX;
    p.created_at = kBase + t * kSecond;
    p.lang = "en";
    std::string line;
    model::AppendPostJson(p, &line);
    in.lines.push_back(line);
    in.posts.push_back(p);
  }
  MemorySource source(in.lines);
  testing::CollectingSink late;
  CollectingResults results;
  RunOptions options;
  options.late_sink = &late;
  options.result_sinks = {&results};
  auto stats = RunPipeline(spec, source, options);
  ASSERT_TRUE(stats.ok());
  // Sliding 20s/5s windows of t=3 end at 5..20; all <= watermark 25: late.
  EXPECT_EQ(stats->late_posts, 1u);
  ASSERT_EQ(late.posts.size(), 1u);
  EXPECT_EQ(late.posts[0].id, "3");
}

}  // namespace
}  // namespace starling::dataflow

namespace starling::dataflow {
namespace {

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
      options.chunk_records = 3;
      auto got = RunOnce(s, in, options, 5);
      ExpectSameResults(
          got, reference,
          std::string(ProcessingModeName(mode)) + " workers " + std::to_string(workers));
    }
  }
}

}  // namespace
}  // namespace starling::dataflow

namespace starling::dataflow {
namespace {

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

}  // namespace
}  // namespace starling::dataflow

namespace starling::dataflow {
namespace {

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

}  // namespace
}  // namespace starling::dataflow

namespace starling::dataflow {
namespace {

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
      options.chunk_records = 17;
      auto got = RunOnce(s, in, options, 41);
      ExpectSameResults(
          got, reference,
          std::string(ProcessingModeName(mode)) + " workers " + std::to_string(workers));
    }
  }
}

}  // namespace
}  // namespace starling::dataflow
