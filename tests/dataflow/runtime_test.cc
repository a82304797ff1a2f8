// The engine against a naive recompute, against itself under other processing
// models / worker counts / chunkings, and across a checkpoint and resume
// (runtime_models_test.cc: real and generated data, the parallel scan).
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

#include "dataflow/internal/reader.h"
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
using testing::MemorySource;

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
    ExpectNaiveCounts(engine, naive, "seed " + std::to_string(seed));
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
    bool grow = false;           // chunks grow past `chunk` (else they keep it)
  };
  for (const Variant v :
       {Variant{ProcessingMode::kMicroBatch, 1, 0, 0},
        Variant{ProcessingMode::kMicroBatch, 1, 97, 0}, Variant{ProcessingMode::kRecord, 2, 0, 64},
        Variant{ProcessingMode::kRecord, 2, 0, 64, 2}, Variant{ProcessingMode::kRecord, 3, 31, 7},
        Variant{ProcessingMode::kRecord, 3, 31, 7, 3}, Variant{ProcessingMode::kRecord, 4, 0, 16},
        Variant{ProcessingMode::kRecord, 2, 0, 16, -1, true},
        Variant{ProcessingMode::kRecord, 3, 31, 16, -1, true},
        Variant{ProcessingMode::kMicroBatch, 2, 53, 0},
        Variant{ProcessingMode::kMicroBatch, 3, 53, 0, 2}}) {
    PipelineSpec s = spec;
    s.mode = v.mode;
    s.batch_interval = std::chrono::milliseconds(1);
    RunOptions options;
    options.workers = v.workers;
    options.partition_threads = v.partition_threads;
    if (v.chunk > 0) {
      options.chunk_records = v.chunk;
      options.max_chunk_records = v.grow ? 1024 : v.chunk;
    }
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

// A two-phase output in memory, as a Kafka transaction: what is written
// goes to `pending`, is visible (in `log->committed`) only once a prepared
// transaction commits, and a new sink aborts what an earlier one left
// pending. `log` outlives the runs, as the brokers do. fail_at = N makes the
// first CheckpointComplete from the N-th on whose transaction holds results
// fail, before the commit (`commit_first` false: the run "dies" with its
// transaction open) or after it (true: it dies between the commit and the
// checkpoint's rename).
struct TransactionLog {
  std::vector<model::WindowResult> committed;
  std::uint64_t sequence = 0;  // the marker of the last transaction committed
};

class TransactionalResults final : public sink::ResultSink {
 public:
  TransactionalResults(TransactionLog* log, int fail_at, bool commit_first)
      : log_(log), fail_at_(fail_at), commit_first_(commit_first), next_(log->sequence) {}
  Status Write(const model::WindowResult& r) override {
    pending_.push_back(r);
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  Status Close() override {  // the end of a run commits the last transaction
    prepared_ = ++next_;
    return Commit();
  }
  std::string Describe() const override { return "transactions in memory"; }
  std::string CommitName() const override { return "memory-transactions"; }
  bool TwoPhase() const override { return true; }
  Result<std::string> CheckpointCommit() override {
    prepared_ = ++next_;
    return std::to_string(prepared_);
  }
  Status CheckpointComplete() override {
    ++completes_;
    const bool fail = fail_at_ > 0 && completes_ >= fail_at_ && !pending_.empty();
    if (fail) failed_at_ = completes_;
    if (fail && !commit_first_) return Unavailable("died before the commit");
    STARLING_RETURN_IF_ERROR(Commit());
    if (fail) return Unavailable("died after the commit");
    return Status::Ok();
  }
  Result<bool> CheckpointCompleted(std::string_view token) override {
    ++asked_;
    return log_->sequence == std::stoull(std::string(token));
  }
  Status RestoreCommit(std::string_view token) override {
    if (log_->sequence != std::stoull(std::string(token))) {
      return InvalidArgument("the checkpoint's transaction is not the last committed");
    }
    return Status::Ok();
  }
  int asked() const { return asked_; }
  int failed_at() const { return failed_at_; }

 private:
  Status Commit() {
    for (auto& r : pending_) log_->committed.push_back(std::move(r));
    pending_.clear();
    log_->sequence = prepared_;
    return Status::Ok();
  }

  TransactionLog* log_;
  int fail_at_;
  bool commit_first_;
  std::uint64_t next_;
  std::uint64_t prepared_ = 0;
  int completes_ = 0;
  int asked_ = 0;
  int failed_at_ = 0;
  std::vector<model::WindowResult> pending_;
};

// Killed around a two-phase output's commit, a run resumes from the
// checkpoint the output holds (the candidate when the commit happened, the
// one before when it did not): every result is committed exactly once, as
// in an uninterrupted run; and resuming the finished run is refused.
TEST(Runtime, TwoPhaseOutputIsExactlyOnceAroundItsCommit) {
  const Input in = MakeInput(5, 3000, 40000, 5 * kSecond);
  const PipelineSpec spec = FullSpec();
  for (int workers : {1, 2}) {
    CollectingResults uninterrupted;
    {
      // With checkpoints too: they keep the chunks' size (RunOptions::
      // chunk_records), and the previews compared here (the open windows
      // a chunk changed) come at the end of each chunk.
      const std::string dir = std::string(STARLING_TEST_TMP) + "/ckpt-two-phase-uninterrupted";
      std::filesystem::remove_all(dir);
      MemorySource source(in.lines);
      RunOptions plain;
      plain.workers = workers;
      plain.checkpoint_dir = dir;
      plain.result_sinks = {&uninterrupted};
      ASSERT_TRUE(RunPipeline(spec, source, plain).ok());
    }
    ASSERT_GT(uninterrupted.all.size(), 10u);
    for (bool commit_first : {false, true}) {
      const std::string label = std::string(commit_first ? "after" : "before") +
                                " the commit, workers " + std::to_string(workers);
      const std::string dir = std::string(STARLING_TEST_TMP) + "/ckpt-two-phase";
      std::filesystem::remove_all(dir);
      TransactionLog log;
      RunOptions options;
      options.workers = workers;
      options.checkpoint_dir = dir;
      options.checkpoint_interval = std::chrono::milliseconds(2);  // many, each cheap
      {
        MemorySource source(in.lines);
        TransactionalResults sink(&log, /*fail_at=*/3, commit_first);
        options.result_sinks = {&sink};
        auto stats = RunPipeline(spec, source, options);
        ASSERT_FALSE(stats.ok()) << label;  // "killed" at a checkpoint with results
        ASSERT_GE(sink.failed_at(), 3) << label;
        ASSERT_TRUE(std::filesystem::exists(dir + "/checkpoint.next.bin")) << label;
        ASSERT_TRUE(std::filesystem::exists(dir + "/checkpoint.bin")) << label;
        EXPECT_EQ(log.sequence,
                  static_cast<std::uint64_t>(sink.failed_at() - (commit_first ? 0 : 1)))
            << label;
      }
      {
        MemorySource source(in.lines);
        TransactionalResults sink(&log, 0, false);
        options.result_sinks = {&sink};
        options.resume = true;
        auto stats = RunPipeline(spec, source, options);
        ASSERT_TRUE(stats.ok()) << label << ": " << stats.status().ToString();
        EXPECT_EQ(sink.asked(), 1) << label;
        ASSERT_TRUE(sink.Close().ok());
        EXPECT_FALSE(std::filesystem::exists(dir + "/checkpoint.next.bin")) << label;
      }
      // Each result once: the same multiset as the uninterrupted run's.
      auto key = [](const model::WindowResult& r) {
        std::string k = r.analysis + "|" + std::to_string(r.window_start) + "|" +
                        std::to_string(r.window_end) + "|" + (r.final ? "f" : "p");
        for (const auto& row : r.rows) k += "|" + row.key + "=" + std::to_string(row.count);
        return k;
      };
      std::multiset<std::string> want, got;
      for (const auto& r : uninterrupted.all) want.insert(key(r));
      for (const auto& r : log.committed) got.insert(key(r));
      EXPECT_EQ(got, want) << label << ": " << got.size() << " committed, " << want.size()
                           << " in the uninterrupted run";
      {
        MemorySource source(in.lines);
        TransactionalResults sink(&log, 0, false);
        options.result_sinks = {&sink};
        auto stats = RunPipeline(spec, source, options);
        EXPECT_EQ(stats.status().code(), StatusCode::kInvalidArgument) << label;
      }
    }
  }
}

// A source that goes quiet for `quiet` calls (TryAgain; the reader then
// sleeps on the manual clock) after its first `before` records.
class QuietSource final : public source::RecordSource {
 public:
  QuietSource(std::vector<std::string> lines, std::size_t before, int quiet)
      : inner_(std::move(lines)), before_(before), quiet_(quiet) {}
  Result<bool> Next(source::Record* out) override {
    if (handed_ == before_ && quiet_ > 0) {
      if (on_quiet) on_quiet(/*starts=*/quiet_ == initial_quiet_);
      if (--quiet_ == 0 && on_quiet) on_quiet(false);
      return TryAgain("quiet");
    }
    ++handed_;
    return inner_.Next(out);
  }
  std::string Describe() const override { return "quiet"; }
  std::function<void(bool starts)> on_quiet;

 private:
  MemorySource inner_;
  std::size_t before_;
  int quiet_;
  const int initial_quiet_ = quiet_;
  std::size_t handed_ = 0;
};

// A two-phase output's transaction must not stay open while the source is
// quiet (the brokers would abort it): in record mode the engine still
// checkpoints, and so commits, every interval.
TEST(Runtime, AQuietSourceStillCheckpointsForATwoPhaseOutput) {
  const Input in = MakeInput(9, 400, 40000, kSecond);
  const PipelineSpec spec = FullSpec();
  const std::string dir = std::string(STARLING_TEST_TMP) + "/ckpt-quiet";
  std::filesystem::remove_all(dir);
  ManualClock clock;
  TransactionLog log;
  TransactionalResults sink(&log, 0, false);
  QuietSource source(in.lines, 200, 3000);  // 3 s of the manual clock
  std::uint64_t at_start = 0, at_end = 0;
  source.on_quiet = [&](bool starts) { (starts ? at_start : at_end) = log.sequence; };
  RunOptions options;
  options.clock = &clock;
  options.result_sinks = {&sink};
  options.checkpoint_dir = dir;
  options.checkpoint_interval = std::chrono::milliseconds(100);
  auto stats = RunPipeline(spec, source, options);
  ASSERT_TRUE(stats.ok()) << stats.status().ToString();
  // About one commit per 100 ms of the 3 s: 30 (at least 10 however the
  // chunks fall).
  EXPECT_GE(at_end - at_start, 10u) << "commits while quiet: from " << at_start << " to " << at_end;
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

// A reader's chunks (RunOptions::chunk_records): a full chunk doubles the
// next up to the limit and about a MiB, bigger records shrink it, a chunk
// cut short starts over.
TEST(ChunkRecords, GrowWhileFullShrinkForBigRecordsAndStartOverWhenCutShort) {
  internal::Chunk c;
  auto fill = [&](std::size_t n, std::uint32_t size) {
    c.Reset();
    for (std::size_t i = 0; i < n; ++i) {
      internal::RawRecord r;
      r.size = size;
      c.records.push_back(r);
    }
  };
  fill(64, 500);
  EXPECT_EQ(internal::NextChunkRecords(c, 64, 64, 1024), 128u);
  fill(512, 500);
  EXPECT_EQ(internal::NextChunkRecords(c, 512, 64, 1024), 1024u);
  fill(1024, 500);
  EXPECT_EQ(internal::NextChunkRecords(c, 1024, 64, 1024), 1024u) << "at the limit";
  fill(64, 10);
  EXPECT_EQ(internal::NextChunkRecords(c, 64, 64, 100), 100u) << "never past the limit";
  fill(1024, 800);  // 800 KB: another doubling would pass a MiB
  EXPECT_EQ(internal::NextChunkRecords(c, 1024, 64, 1024), 1024u);
  fill(1024, 4096);  // 4 MiB: back to about a MiB
  EXPECT_EQ(internal::NextChunkRecords(c, 1024, 64, 1024), 256u);
  fill(64, 100000);  // never below the first size
  EXPECT_EQ(internal::NextChunkRecords(c, 64, 64, 1024), 64u);
  fill(10, 500);  // the source would have waited: cut short
  EXPECT_EQ(internal::NextChunkRecords(c, 1024, 64, 1024), 64u);
  fill(0, 0);
  EXPECT_EQ(internal::NextChunkRecords(c, 256, 64, 1024), 64u);
}

}  // namespace
}  // namespace starling::dataflow
