// File: serve/stored_run.cc
#include "serve/stored_run.h"

#include <algorithm>
#include <vector>

namespace starling::serve {

Status LoadStoredResults(sink::ResultStore& store, const std::string& pipeline, std::size_t windows,
                         DashboardState* state) {
  const std::string& path = store.Name();
  STARLING_ASSIGN_OR_RETURN(std::vector<sink::StoredPipeline> found, store.Pipelines());
  if (found.empty()) return NotFound(path + " holds no window results yet");
  std::string name = pipeline;
  if (name.empty()) {
    name = found.front().name;
  } else if (std::none_of(found.begin(), found.end(),
                          [&](const sink::StoredPipeline& p) { return p.name == name; })) {
    std::string list;
    for (const auto& f : found) list += (list.empty() ? "" : ", ") + f.name;
    return NotFound("no pipeline '" + name + "' in " + path + " (it holds: " + list + ")");
  }
  STARLING_ASSIGN_OR_RETURN(std::vector<model::AnalysisMeta> metas, store.Analyses(name));
  std::vector<AnalysisInfo> analyses;
  for (const model::AnalysisMeta& m : metas) {
    analyses.push_back({m.analysis, m.kind, m.by, m.window, m.k, m.of});
  }
  dataflow::RunStats stats;
  for (const model::AnalysisMeta& a : metas) {
    STARLING_ASSIGN_OR_RETURN(std::vector<model::WindowResult> loaded,
                              store.RecentWindows(a, windows));
    for (auto it = loaded.rbegin(); it != loaded.rend(); ++it) {
      ++stats.results;
      if (it->final) ++stats.final_results;
      stats.watermark = std::max(stats.watermark, it->window_end == INT64_MAX ? 0 : it->window_end);
      state->bus().Publish(*it);
    }
  }
  state->SetPipeline(name, std::move(analyses), "stored: " + path);
  state->UpdateStats(stats);
  state->SetRunning(false);
  return Status::Ok();
}

Status LoadStoredPosts(sink::PostStore& store, std::size_t limit, DashboardState* state) {
  STARLING_ASSIGN_OR_RETURN(std::vector<model::Post> posts, store.RecentPosts(limit));
  for (const model::Post& p : posts) state->AddPost(p);
  return Status::Ok();
}

}  // namespace starling::serve
