// File: app/engine_support.cc
// What the engine commands share: worker count, progress lines and the
// closing summary of a run.
#include <algorithm>
#include <cinttypes>
#include <cstdio>
#include <thread>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "app/commands.h"
#include "common/log.h"
#include "dataflow/runtime.h"
#include "model/post_json.h"

namespace starling::app {

int DefaultWorkers() {
  const unsigned n = std::thread::hardware_concurrency();
  return n == 0 ? 1 : static_cast<int>(std::min(n, 64u));
}

std::function<void(const dataflow::RunStats&)> EngineProgress(std::string label) {
  if (!GlobalUi().progress) return nullptr;
  return [label](const dataflow::RunStats& s) {
    const double secs = std::max(1e-6, static_cast<double>(s.elapsed.count()) / 1e6);
    std::string wm = s.watermark > 0 && s.watermark < INT64_MAX
                         ? model::FormatTimestamp(s.watermark).substr(11, 8)
                         : "-";
    std::fprintf(stderr,
                 "\r\033[K%s: %s records, %s posts (%.0f/s), %s results, %s late, %s dead, "
                 "watermark %s",
                 label.c_str(), Grouped(s.records).c_str(), Grouped(s.posts).c_str(),
                 static_cast<double>(s.posts) / secs, Grouped(s.results).c_str(),
                 Grouped(s.late_posts).c_str(), Grouped(s.dead_letters).c_str(), wm.c_str());
  };
}

void PrintRunSummary(const dataflow::RunStats& s, const std::string& dead_letters) {
  EndProgressLine();
  if (GlobalUi().quiet) return;
  const double secs = std::max(1e-6, static_cast<double>(s.elapsed.count()) / 1e6);
  std::fprintf(
      stderr,
      "done: %s records, %s posts in %.2fs (%s posts/s); %s window results (%s final); "
      "%s late posts%s; %s dead letters%s%s; %s checkpoints; latency p50 %.3f ms, p99 "
      "%.3f ms\n",
      Grouped(s.records).c_str(), Grouped(s.posts).c_str(), secs,
      Grouped(static_cast<std::uint64_t>(static_cast<double>(s.posts) / secs)).c_str(),
      Grouped(s.results).c_str(), Grouped(s.final_results).c_str(), Grouped(s.late_posts).c_str(),
      s.late_items == 0
          ? ""
          : (" (and " + Grouped(s.late_items) + " late items in single analyses)").c_str(),
      Grouped(s.dead_letters).c_str(), dead_letters.empty() ? "" : " in ", dead_letters.c_str(),
      Grouped(s.checkpoints).c_str(), static_cast<double>(s.latency_p50.count()) / 1e3,
      static_cast<double>(s.latency_p99.count()) / 1e3);
}

}  // namespace starling::app
