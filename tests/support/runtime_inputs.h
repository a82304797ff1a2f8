// Shared by the runtime tests: generated inputs, the pipelines they run,
// one run into a collecting sink, and the comparison of two runs.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <string>
#include <vector>

#include "dataflow/runtime.h"
#include "model/post_json.h"
#include "support/collecting_results.h"
#include "support/memory_source.h"

namespace starling::dataflow::runtime_test {

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
inline Input MakeInput(std::uint64_t seed, int n, std::int64_t step, std::int64_t jitter) {
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

inline PipelineSpec Spec() {
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
inline PipelineSpec FullSpec() {
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

// The semantics, computed the slow way: walk the input in order, keep the
// watermark, and count each post into each of its windows that was still
// open when it arrived.
using NaiveResults = std::map<std::pair<std::string, Window>, std::map<std::string, std::int64_t>>;

inline NaiveResults Naive(const PipelineSpec& spec, const Input& in, std::uint64_t* late_posts,
                          std::uint64_t* late_items = nullptr) {
  NaiveResults out;
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

// The engine's counts equal the naive ones, window by window, and it has
// no other window with rows.
inline void ExpectNaiveCounts(const std::map<CollectingResults::Key, model::WindowResult>& engine,
                              const NaiveResults& naive, const std::string& label) {
  std::size_t compared = 0;
  for (const auto& [key, counts] : naive) {
    if (counts.empty()) continue;
    const auto it = engine.find({key.first, key.second.start, key.second.end});
    ASSERT_NE(it, engine.end()) << label << " " << key.first << " window " << key.second.start;
    std::map<std::string, std::int64_t> got;
    for (const auto& row : it->second.rows) got[row.key] = row.count;
    EXPECT_EQ(got, counts) << label << " " << key.first << " " << key.second.start;
    ++compared;
  }
  std::size_t nonempty = 0;
  for (const auto& [key, r] : engine) nonempty += r.rows.empty() ? 0 : 1;
  EXPECT_EQ(nonempty, compared) << label;
}

// Same windows, same rows, analysis by analysis.
inline void ExpectSameResults(const std::map<CollectingResults::Key, model::WindowResult>& got,
                              const std::map<CollectingResults::Key, model::WindowResult>& want,
                              const std::string& label) {
  for (const auto& [key, r] : want) {
    if (!got.contains(key))
      ADD_FAILURE() << label << ": missing " << std::get<0>(key) << " window [" << std::get<1>(key)
                    << ", " << std::get<2>(key) << ")";
  }
  for (const auto& [key, r] : got) {
    if (!want.contains(key))
      ADD_FAILURE() << label << ": extra " << std::get<0>(key) << " window [" << std::get<1>(key)
                    << ", " << std::get<2>(key) << ")";
  }
  ASSERT_EQ(got.size(), want.size()) << label;
  for (const auto& [key, r] : want) {
    const auto it = got.find(key);
    ASSERT_NE(it, got.end()) << label << " " << std::get<0>(key);
    EXPECT_EQ(it->second.rows, r.rows) << label << " " << std::get<0>(key);
  }
}

// One run of `source` into a collecting sink: every result final.
inline std::map<CollectingResults::Key, model::WindowResult> RunSource(
    const PipelineSpec& spec, source::RecordSource& source, RunOptions options,
    RunStats* stats_out = nullptr) {
  CollectingResults results;
  options.result_sinks = {&results};
  auto stats = RunPipeline(spec, source, options);
  EXPECT_TRUE(stats.ok()) << stats.status().ToString();
  if (stats_out != nullptr && stats.ok()) *stats_out = *stats;
  for (const auto& [key, r] : results.latest) EXPECT_TRUE(r.final) << std::get<0>(key);
  return results.latest;
}

inline std::map<CollectingResults::Key, model::WindowResult> RunOnce(
    const PipelineSpec& spec, const Input& in, RunOptions options, std::size_t idle_every = 0,
    RunStats* stats_out = nullptr) {
  MemorySource source(in.lines, idle_every);
  return RunSource(spec, source, std::move(options), stats_out);
}
}  // namespace starling::dataflow::runtime_test
