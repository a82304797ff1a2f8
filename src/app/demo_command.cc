// File: app/demo_command.cc
// `starling demo`: the generator through the demo pipeline into SQLite,
// with the dashboard and a line per window.

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <filesystem>
#include <map>
#include <thread>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "app/commands.h"
#include "common/log.h"
#include "dataflow/builder.h"
#include "dataflow/runtime.h"
#include "model/post_json.h"
#include "serve/dashboard_state.h"
#include "serve/http_server.h"
#include "sink/registry.h"
#include "source/generator.h"
#include "source/registry.h"

namespace starling::app {

namespace {

// The demo's pipeline, built with the C++ API (the YAML twin is
// examples/firehose.yaml).
dataflow::PipelineSpec DemoPipeline() {
  using namespace std::chrono_literals;
  analytics::BurstOptions bursts;
  bursts.warmup_windows = 3;
  return dataflow::PipelineBuilder("demo")
      .EventTime(2s)
      .AllowedLateness(5s)
      .Window("5s")
      .Count("posts", "all")
      .Count("languages", "lang")
      .Count("kinds", "kind")
      .Count("providers", "provider")
      .Sentiment("sentiment", "hashtag", 10)
      .Window("30s")
      .Top("hashtags", "hashtag", 10)
      .Top("mentions", "mention", 10)
      .Top("words", "word", 10)
      .Distinct("authors", "author")
      .Cooccurrence("pairs", 10)
      .Window("10s")
      .Bursts("bursts", "hashtag", bursts)
      .Window("1m")
      .Clusters("topics", 8)
      .Build();
}

std::string Percent(std::int64_t part, std::int64_t whole) {
  if (whole <= 0) return "0%";
  return std::to_string((part * 100 + whole / 2) / whole) + "%";
}

// Prints one line per closed 5-second window: volume, sentiment, and the
// latest trending hashtags and bursts.
class DemoTicker {
 public:
  void OnResult(const model::WindowResult& r) {
    if (!r.final) return;
    if (r.analysis == "hashtags") {
      trending_.clear();
      for (std::size_t i = 0; i < r.rows.size() && i < 5; ++i) {
        trending_ += (i ? " " : "") + ("#" + r.rows[i].key);
      }
    } else if (r.analysis == "bursts" && !r.rows.empty()) {
      EndProgressLine();
      for (const auto& row : r.rows) {
        std::printf("  burst: #%s %s posts in %s (baseline %.1f, z %.1f)\n", row.key.c_str(),
                    Grouped(static_cast<std::uint64_t>(row.count)).c_str(),
                    model::FormatTimestamp(r.window_start).substr(11, 8).c_str(), row.value,
                    row.value2);
      }
    } else if (r.analysis == "sentiment" && !r.rows.empty() && r.rows[0].key == "*") {
      const auto& s = r.rows[0];
      EndProgressLine();
      std::printf("%s  %7s posts  sentiment %+.2f (%s+ %s= %s-)  trending: %s\n",
                  model::FormatTimestamp(r.window_start).substr(11, 8).c_str(),
                  Grouped(static_cast<std::uint64_t>(s.count)).c_str(), s.value,
                  Percent(s.pos, s.count).c_str(), Percent(s.neu, s.count).c_str(),
                  Percent(s.neg, s.count).c_str(),
                  trending_.empty() ? "(first 30 s window pending)" : trending_.c_str());
      std::fflush(stdout);
    }
  }

 private:
  std::string trending_;
};

using Tally = std::map<std::string, std::int64_t>;

// One line of the demo's closing summary: `label` and up to `limit` pairs
// of `rows`, the largest value first; ties keep the order of `rows`.
void PrintTally(const char* label, std::vector<std::pair<std::string, std::int64_t>> rows,
                std::size_t limit) {
  std::stable_sort(rows.begin(), rows.end(),
                   [](const auto& a, const auto& b) { return a.second > b.second; });
  std::string line;
  for (std::size_t i = 0; i < rows.size() && i < limit; ++i) {
    line += (line.empty() ? "" : ", ") + rows[i].first + " (" +
            Grouped(static_cast<std::uint64_t>(rows[i].second)) + ")";
  }
  if (!line.empty()) std::printf("  %-16s %s\n", label, line.c_str());
}

void PrintTally(const char* label, const Tally& tally, std::size_t limit) {
  PrintTally(label, std::vector<std::pair<std::string, std::int64_t>>(tally.begin(), tally.end()),
             limit);
}

// "What the stream said": totals over every stored window of the demo's
// analyses, read back through its result store.
void PrintDemoSummary(const std::string& path) {
  // The writers are closed: read it as a finished store (no files left behind).
  auto store = sink::OpenResultStore("sqlite:" + path, {.finished = true});
  if (!store.ok()) return;
  auto pipelines = (*store)->Pipelines();  // none when it holds no results tables
  if (!pipelines.ok()) pipelines = std::vector<sink::StoredPipeline>();
  Tally hashtags, languages, kinds, pairs, bursts;  // by label, sums (bursts: maxima)
  std::vector<model::WindowResult> clusters;
  for (const sink::StoredPipeline& p : *pipelines) {
    auto analyses = (*store)->Analyses(p.name);
    if (!analyses.ok()) continue;
    for (const model::AnalysisMeta& a : *analyses) {
      auto windows = (*store)->RecentWindows(a, SIZE_MAX);
      if (!windows.ok()) continue;
      for (model::WindowResult& w : *windows) {
        for (const model::ResultRow& row : w.rows) {
          if (a.kind == model::ResultKind::kTopK && a.analysis == "hashtags") {
            hashtags["#" + row.key] += row.count;
          } else if (a.kind == model::ResultKind::kCount && a.analysis == "languages") {
            languages[row.key] += row.count;
          } else if (a.kind == model::ResultKind::kCount && a.analysis == "kinds") {
            kinds[row.key] += row.count;
          } else if (a.kind == model::ResultKind::kCooccurrence) {
            pairs["#" + row.key + " + #" + row.key2] += row.count;
          } else if (a.kind == model::ResultKind::kBurst) {
            auto [it, fresh] = bursts.emplace("#" + row.key, row.count);
            if (!fresh) it->second = std::max(it->second, row.count);
          }
        }
        if (a.kind == model::ResultKind::kCluster) clusters.push_back(std::move(w));
      }
    }
  }
  // Topic terms: the clusters of the latest window, the most posts first (a
  // global window, stored without bounds, counts as the earliest).
  auto end_of = [](const model::WindowResult& w) {
    return w.window_end == INT64_MAX ? INT64_MIN : w.window_end;
  };
  std::vector<std::pair<std::string, std::int64_t>> topics;
  if (!clusters.empty()) {
    model::TimestampUs last = INT64_MIN;
    for (const model::WindowResult& w : clusters) last = std::max(last, end_of(w));
    for (const model::WindowResult& w : clusters) {
      if (end_of(w) != last) continue;
      for (const model::ResultRow& row : w.rows) topics.emplace_back(row.text, row.count);
    }
  }
  std::printf("\nWhat the stream said (from %s):\n", path.c_str());
  PrintTally("hashtags:", hashtags, 6);
  PrintTally("languages:", languages, 6);
  PrintTally("post kinds:", kinds, SIZE_MAX);
  PrintTally("hashtag pairs:", pairs, 3);
  PrintTally("bursts:", bursts, 5);
  PrintTally("topic terms:", std::move(topics), 3);
}

std::string PostsDbFor(const std::string& db) {
  const std::filesystem::path p(db);
  return (p.parent_path() / (p.stem().string() + "-posts" + p.extension().string())).string();
}

}  // namespace

int RunDemo(const DemoArgs& args) {
  // Serving, the demo runs until Ctrl-C unless told otherwise.
  const std::string duration_text = !args.duration.empty() ? args.duration
                                    : args.serve.enabled   ? "0s"
                                                           : "30s";
  auto duration = ParseDuration(duration_text);
  if (!duration.ok()) return Fail(duration.status());
  if (duration->count() == 0) StopSignalEndsNormally();  // until Ctrl-C: that is its end
  // The generator, unless --source names another (a provider: x:sample,
  // bluesky:jetstream, ...); the demo stays offline by default.
  Result<std::unique_ptr<source::RecordSource>> src = Internal("no source");
  if (args.source.empty()) {
    source::GeneratorOptions go;
    go.rate = args.rate;
    go.start = 0;  // now
    src = source::OpenGenerator(go, 0, /*pace=*/true);
  } else {
    src = source::OpenSource(args.source);
  }
  if (!src.ok()) return Fail(src.status());
  if (const auto dir = std::filesystem::path(args.db).parent_path(); !dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
  }
  // The demo's databases hold one run (its closing summary reads them all):
  // a previous run's go first. A file there that is not a SQLite database is
  // left alone, and the demo refuses to start.
  const std::string posts_db = PostsDbFor(args.db);
  auto results = sink::OpenResultSink("sqlite:" + args.db, {.replace = true});
  if (!results.ok()) return Fail(results.status());
  auto posts = sink::OpenSink("sqlite:" + posts_db, {.replace = true});
  if (!posts.ok()) return Fail(posts.status());

  const dataflow::PipelineSpec spec = DemoPipeline();
  DemoTicker ticker;
  dataflow::DeadLetterWriter dead_letters("");
  serve::DashboardState dashboard;
  dashboard.SetPipeline(spec, (*src)->Describe());
  dashboard.SetSourceHealth([s = src->get()] { return s->Health(); });
  std::unique_ptr<serve::DashboardServer> server;
  if (args.serve.enabled) {
    auto started = StartDashboard(args.serve, dashboard);
    if (!started.ok()) return Fail(started.status());
    server = std::move(*started);
  }
  dataflow::RunOptions o;
  o.workers = args.workers > 0 ? args.workers : DefaultWorkers();
  o.parse.keep_raw = true;
  o.stop = InstallStopHandler();
  o.duration = *duration;
  o.post_sinks = {posts->get()};
  if (server) o.post_sinks.push_back(dashboard.post_sink());
  o.result_sinks = {results->get()};
  o.dead_letters = &dead_letters;
  o.on_result = [&](const model::WindowResult& r) {
    ticker.OnResult(r);
    dashboard.bus().Publish(r);
  };
  o.on_progress = [&](const dataflow::RunStats& s) { dashboard.UpdateStats(s); };
  if (server) o.early_results = std::chrono::seconds(1);  // windows in progress, live
  dashboard.SetRunning(true);
  const std::string what =
      args.source.empty()
          ? "about " + std::to_string(static_cast<std::uint64_t>(args.rate)) + " posts/s"
          : (*src)->Describe();
  if (duration->count() > 0) {
    log::Info("demo: {} for {} through {} analyses ({} worker(s)); Ctrl-C stops earlier", what,
              duration_text, spec.analyses.size(), o.workers);
  } else {
    log::Info("demo: {} through {} analyses ({} worker(s)) until Ctrl-C", what,
              spec.analyses.size(), o.workers);
  }
  auto stats = dataflow::RunPipeline(spec, **src, o);
  dashboard.SetRunning(false);
  if (server) server->Stop();
  Status closed = (*results)->Close();
  Status closed_posts = (*posts)->Close();
  if (!stats.ok()) return Fail(stats.status());
  if (!closed.ok()) return Fail(closed);
  if (!closed_posts.ok()) return Fail(closed_posts);
  PrintRunSummary(*stats, "");
  PrintDemoSummary(args.db);
  const std::string abs = std::filesystem::absolute(args.db).string();
  std::printf(
      "\nWindow results are in %s (SQLite; tables: docs/formats/results.md),\n"
      "the posts themselves in %s (docs/formats/sqlite.md). Try:\n",
      abs.c_str(), posts_db.c_str());
  // How to query the store with its own tools, as it suggests.
  if (auto r = sink::ResolveResultSink("sqlite:" + args.db); r.ok() && r->kind->demo_queries) {
    for (const std::string& query : r->kind->demo_queries(r->spec)) {
      std::printf("  %s\n", query.c_str());
    }
  }
  std::printf("  %s run examples/firehose.yaml      # the same analyses from a pipeline file\n",
              args.program.c_str());
  return 0;
}

}  // namespace starling::app
