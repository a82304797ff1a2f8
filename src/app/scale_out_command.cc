// File: app/scale_out_command.cc
// `starling run PIPELINE --scale-out --source 'kafka://.../TOPIC?group=G'`:
// one of several processes that share a topic (dataflow/scale_out_runtime.h).

#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "app/commands.h"
#include "common/log.h"
#include "dataflow/pipeline_yaml.h"
#include "dataflow/scale_out_runtime.h"
#include "serve/dashboard_state.h"
#include "serve/http_server.h"
#include "sink/registry.h"

namespace starling::app {
namespace {

// The merger's windows, to the dashboard's page (besides the stores).
class DashboardResults final : public sink::ResultSink {
 public:
  explicit DashboardResults(serve::DashboardState* dashboard) : dashboard_(dashboard) {}
  Status Write(const model::WindowResult& r) override {
    dashboard_->bus().Publish(r);
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  std::string Describe() const override { return "the dashboard"; }

 private:
  serve::DashboardState* dashboard_;
};

// What the dashboard's counters show for a scale-out process: the records
// its partitions read and the windows its merger wrote.
dataflow::RunStats StatsOf(const dataflow::ScaleOutStatus& s,
                           std::chrono::steady_clock::duration elapsed) {
  dataflow::RunStats r;
  r.records = s.records;
  r.posts = s.records;
  r.results = s.merger.windows;
  r.final_results = s.merger.windows;
  r.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(elapsed);
  r.source_health = s.source_health;
  return r;
}

}  // namespace

int RunScaleOutFile(const RunArgs& args, const std::string& source,
                    const dataflow::PipelineFile& f) {
  if (f.checkpoint_dir.empty()) {
    return Fail(InvalidArgument(
        "--scale-out needs --checkpoint-dir (a local folder for its partitions' checkpoints)"));
  }
  if (!f.post_sinks.empty() || !f.late_sink.empty() || args.limit > 0 || !args.duration.empty() ||
      !args.record.empty()) {
    return Fail(
        InvalidArgument("--scale-out writes window results only: no post or late sinks, --limit, "
                        "--duration or --record yet (docs/scale-out.md)"));
  }
  auto po = MakeParseOptions(args.in);
  if (!po.ok()) return Fail(po.status());
  // Only the merger writes, and by key: stores that replace a window whole.
  std::vector<std::unique_ptr<sink::ResultSink>> owned;
  std::vector<sink::ResultSink*> results;
  for (const std::string& spec : f.result_sinks) {
    if (!sink::ReplacesByKey(spec)) {
      return Fail(
          InvalidArgument("--scale-out writes results to a store that replaces a window "
                          "whole (sqlite:, postgres:, ...), not '" +
                          spec::Redact(spec) + "'"));
    }
    auto s = sink::OpenResultSink(spec, {.resume = true});
    if (!s.ok()) return Fail(s.status());
    results.push_back(s->get());
    owned.push_back(std::move(*s));
  }
  if (results.empty()) return Fail(InvalidArgument("--scale-out needs a result store (--results)"));
  // --serve: this process's partitions, their lag and the group's
  // rebalances, and the windows its merger writes (while it holds it).
  serve::DashboardState dashboard;
  std::unique_ptr<serve::DashboardServer> server;
  DashboardResults shown(&dashboard);
  std::mutex health_mu;
  source::SourceHealth health;
  if (args.serve.enabled) {
    dashboard.SetPipeline(f.spec, spec::Redact(source));
    dashboard.SetSourceHealth([&]() -> std::optional<source::SourceHealth> {
      std::lock_guard lock(health_mu);
      return health;
    });
    auto started = StartDashboard(args.serve, dashboard);
    if (!started.ok()) return Fail(started.status());
    server = std::move(*started);
    results.push_back(&shown);
    dashboard.SetRunning(true);
  }
  const auto t0 = std::chrono::steady_clock::now();
  dataflow::ScaleOutOptions o;
  o.source = source;
  o.work_dir = f.checkpoint_dir;
  o.checkpoint_interval = f.checkpoint_interval;
  o.parse = *po;
  o.result_sinks = results;
  o.stop = InstallStopHandler();
  o.on_progress = [&, name = f.spec.name](const dataflow::ScaleOutStatus& s) {
    std::string held;
    for (std::int32_t p : s.partitions) held += (held.empty() ? "" : ",") + std::to_string(p);
    log::Debug("{}: partitions [{}]{}, {} records, {} rebalances, {} windows merged", name, held,
               s.merging ? " + merger" : "", s.records, s.rebalances, s.merger.windows);
    if (!server) return;
    {
      std::lock_guard lock(health_mu);
      health = s.source_health;
    }
    dashboard.UpdateStats(StatsOf(s, std::chrono::steady_clock::now() - t0));
  };
  log::Info("{}: scale-out on {} ({} analyses)", f.spec.name, spec::Redact(source),
            f.spec.analyses.size());
  auto status = dataflow::RunScaleOut(f.spec, o);
  if (server) {
    if (status.ok()) dashboard.UpdateStats(StatsOf(*status, std::chrono::steady_clock::now() - t0));
    dashboard.SetRunning(false);
    if (status.ok() && !o.stop->load()) {
      StopSignalEndsNormally();
      log::Info("{}: this process is done; the dashboard stays up at {} until Ctrl-C", f.spec.name,
                server->url());
      while (!o.stop->load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    server->Stop();
  }
  for (auto* s : results) {
    Status c = s->Close();
    if (!c.ok() && status.ok()) return Fail(c);
  }
  if (!status.ok()) return Fail(status.status());
  log::Info(
      "{}: done; {} records read here, {} rebalances, {} windows merged here, {} replayed "
      "partials dropped",
      f.spec.name, status->records, status->rebalances, status->merger.windows,
      status->merger.duplicates + status->merger.late);
  return 0;
}

}  // namespace starling::app
