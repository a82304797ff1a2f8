// File: serve/dashboard_state.h
// What the dashboard server shows, fed by a running pipeline (or a stored
// run): the pipeline's analyses, its latest statistics, the recent window
// results (through a ResultBus) and the most recent posts. Every method is
// thread-safe: the engine's collector thread writes, the server reads.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dataflow/pipeline.h"
#include "dataflow/result_bus.h"
#include "dataflow/runtime.h"
#include "model/post.h"
#include "sink/sink.h"
#include "source/record_source.h"

namespace starling::serve {

struct AnalysisInfo {
  std::string name;
  model::ResultKind kind = model::ResultKind::kCount;
  std::string by;       // "hashtag", "lang", ... (may be empty)
  std::string window;   // "5s", "sliding 10m 1m", ... (may be empty)
  std::uint64_t k = 0;  // as model::AnalysisMeta::k (0: none, or every key)
  std::string of;       // distinct: what is counted (else empty)
};

// A point-in-time copy of the pipeline's statistics, plus what the API
// derives from them.
struct StatsSnapshot {
  dataflow::RunStats stats;
  bool running = false;
  bool has_stats = false;
  double posts_per_second = 0;  // over the last update interval
  std::string source;           // the source's description
};

// A post as the feed shows it: its normalized JSON (without raw) and what
// the filters look at, lower-cased.
struct FeedPost {
  std::string json;
  std::string text_lower;
  std::vector<std::string> hashtags;  // lower-cased, without '#'
  std::vector<std::string> mentions;  // lower-cased, without '@'
  std::string lang;
};

struct PostQuery {
  std::string text;     // substring of the text, case-insensitive (ASCII folding)
  std::string hashtag;  // without '#', any case
  std::string mention;  // without '@', any case
  std::string lang;
  std::size_t limit = 50;
};

class DashboardState {
 public:
  // keep_posts: how many recent posts the feed keeps.
  explicit DashboardState(std::size_t keep_posts = 2000, std::size_t keep_windows = 240);
  ~DashboardState();
  DashboardState(const DashboardState&) = delete;
  DashboardState& operator=(const DashboardState&) = delete;

  // The pipeline being shown (its analyses become AnalysisInfo).
  void SetPipeline(const dataflow::PipelineSpec& spec, std::string source);
  // For a stored run: the pipeline's name and analyses as found in the store.
  void SetPipeline(std::string name, std::vector<AnalysisInfo> analyses, std::string source);
  std::string pipeline() const;
  std::vector<AnalysisInfo> analyses() const;
  std::optional<AnalysisInfo> FindAnalysis(std::string_view name) const;
  // The first analysis of `kind` whose `by` is `by` (any `by` when empty).
  std::optional<AnalysisInfo> FirstOf(model::ResultKind kind, std::string_view by = {}) const;

  // Called with every progress report of the run (RunOptions::on_progress).
  void UpdateStats(const dataflow::RunStats& stats);
  // Where the source's health comes from when it is asked for (a provider
  // source's RecordSource::Health, which is thread-safe): read at each
  // stats() rather than at the last progress report, which an idle or
  // reconnecting source does not trigger. The source must outlive the server.
  void SetSourceHealth(std::function<std::optional<source::SourceHealth>()> probe);
  void SetRunning(bool running);
  StatsSnapshot stats() const;

  // Window results: publish them here (RunOptions::on_result).
  dataflow::ResultBus& bus() { return bus_; }
  const dataflow::ResultBus& bus() const { return bus_; }

  // Recent posts for the feed.
  void AddPost(const model::Post& post);
  // Newest first.
  std::vector<std::string> FindPosts(const PostQuery& query) const;
  std::size_t post_count() const;

  // A PostSink that feeds AddPost (for RunOptions::post_sinks). Owned by
  // the state; valid as long as it is.
  sink::PostSink* post_sink();

 private:
  class FeedSink;

  mutable std::mutex mu_;
  std::function<std::optional<source::SourceHealth>()> health_probe_;
  std::string pipeline_;
  std::string source_;
  std::vector<AnalysisInfo> analyses_;
  StatsSnapshot stats_;
  std::chrono::steady_clock::time_point last_update_{};
  dataflow::ResultBus bus_;
  std::size_t keep_posts_;
  std::deque<FeedPost> posts_;  // newest at the back
  std::unique_ptr<FeedSink> feed_sink_;
};

}  // namespace starling::serve
