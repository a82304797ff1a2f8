// File: app/scale_out_command.cc
// `starling run PIPELINE --scale-out --source 'kafka://.../TOPIC?group=G'`:
// one of several processes that share a topic (dataflow/scale_out_runtime.h).

#include <string>
#include <vector>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "app/commands.h"
#include "common/log.h"
#include "dataflow/pipeline_yaml.h"
#include "dataflow/scale_out_runtime.h"
#include "sink/registry.h"

namespace starling::app {

int RunScaleOutFile(const RunArgs& args, const std::string& source,
                    const dataflow::PipelineFile& f) {
  if (f.checkpoint_dir.empty()) {
    return Fail(InvalidArgument(
        "--scale-out needs --checkpoint-dir (a local folder for its partitions' checkpoints)"));
  }
  if (!f.post_sinks.empty() || !f.late_sink.empty() || args.serve.enabled || args.limit > 0 ||
      !args.duration.empty() || !args.record.empty()) {
    return Fail(InvalidArgument(
        "--scale-out writes window results only: no post or late sinks, --serve, --limit, "
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
  dataflow::ScaleOutOptions o;
  o.source = source;
  o.work_dir = f.checkpoint_dir;
  o.checkpoint_interval = f.checkpoint_interval;
  o.parse = *po;
  o.result_sinks = results;
  o.stop = InstallStopHandler();
  o.on_progress = [name = f.spec.name](const dataflow::ScaleOutStatus& s) {
    std::string held;
    for (std::int32_t p : s.partitions) held += (held.empty() ? "" : ",") + std::to_string(p);
    log::Debug("{}: partitions [{}]{}, {} records, {} rebalances, {} windows merged", name, held,
               s.merging ? " + merger" : "", s.records, s.rebalances, s.merger.windows);
  };
  log::Info("{}: scale-out on {} ({} analyses)", f.spec.name, spec::Redact(source),
            f.spec.analyses.size());
  auto status = dataflow::RunScaleOut(f.spec, o);
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
