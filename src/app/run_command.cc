// File: app/run_command.cc
// `starling run`: a pipeline file over its sources, into its sinks.

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <thread>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "app/commands.h"
#include "common/log.h"
#include "dataflow/pipeline_yaml.h"
#include "dataflow/projection.h"
#include "dataflow/runtime.h"
#include "model/post_json.h"
#include "serve/dashboard_state.h"
#include "serve/http_server.h"
#include "sink/registry.h"
#include "source/record_tap.h"

namespace starling::app {

namespace {

// Opens a sink list; the pointers stay owned by *owned.
template <typename Sink, typename Open>
Status OpenAll(const std::vector<std::string>& specs, Open open, const sink::OpenOptions& how,
               std::vector<std::unique_ptr<Sink>>* owned, std::vector<Sink*>* raw) {
  for (const std::string& spec : specs) {
    auto s = open(spec, how);
    if (!s.ok()) return s.status();
    raw->push_back(s->get());
    owned->push_back(std::move(*s));
  }
  return Status::Ok();
}

// Refuses file outputs that already hold something (a rerun would mix two
// runs, or a torn earlier one), unless told to replace them or write on;
// --overwrite removes what it replaces here (dead letters are appended to).
// Stores that replace by key (SQLite) are always fine.
Status CheckFreshOutputs(const std::vector<std::string>& outputs, bool overwrite, bool append) {
  std::string held;
  for (const std::string& spec : outputs) {
    if (spec.empty() || sink::ReplacesByKey(spec)) continue;
    const std::string path = sink::OutputFile(spec).value_or(spec);
    if (path == "-") continue;
    // The file, and the files a rotating JSONL sink went on in (PATH.1, ...).
    std::vector<std::string> files;
    std::error_code ec;
    if (std::filesystem::is_regular_file(path, ec) && std::filesystem::file_size(path, ec) > 0) {
      files.push_back(path);
    }
    bool rotated = false;
    for (int n = 1; std::filesystem::exists(path + "." + std::to_string(n), ec); ++n) {
      files.push_back(path + "." + std::to_string(n));
      rotated = true;
    }
    if (files.empty()) continue;
    if (overwrite) {
      for (const std::string& f : files) {
        if (!std::filesystem::remove(f, ec)) {
          return IoError("cannot remove " + f + " (--overwrite): " + ec.message());
        }
      }
      continue;
    }
    if (append && rotated) {
      return InvalidArgument("--append cannot go on in a rotated output (" + path +
                             ".1 exists): pass --overwrite, or write to another path");
    }
    if (!append)
      held += (held.empty() ? "" : ", ") + path + (rotated ? " (and its rotated files)" : "");
  }
  if (!held.empty()) {
    return InvalidArgument("outputs already hold data: " + held +
                           "; pass --overwrite to replace them, --append to write on at their "
                           "end, or --resume (with --checkpoint-dir) to go on from a checkpoint");
  }
  return Status::Ok();
}

}  // namespace

int RunPipelineFile(const RunArgs& args) {
  auto file = dataflow::LoadPipelineFile(args.pipeline);
  if (!file.ok()) return Fail(file.status());
  dataflow::PipelineFile& f = *file;
  if (!args.mode.empty()) {
    f.spec.mode = args.mode == "record" ? dataflow::ProcessingMode::kRecord
                                        : dataflow::ProcessingMode::kMicroBatch;
  }
  if (!args.sources.empty()) f.sources = args.sources;
  if (f.sources.empty()) {
    return Fail(InvalidArgument(args.pipeline + ": no source (set 'source:' or pass --source)"));
  }
  if (!args.results.empty()) f.result_sinks = args.results;
  if (!args.checkpoint_dir.empty()) f.checkpoint_dir = args.checkpoint_dir;
  if (args.scale_out) {
    if (f.sources.size() != 1) {
      return Fail(InvalidArgument("--scale-out reads one Kafka source (got " +
                                  std::to_string(f.sources.size()) + " sources)"));
    }
    return RunScaleOutFile(args, f.sources.front(), f);
  }
  const int workers = args.workers > 0 ? args.workers
                      : f.workers > 0  ? f.workers
                                       : DefaultWorkers();
  auto duration = args.duration.empty()
                      ? Result<std::chrono::microseconds>(std::chrono::microseconds(0))
                      : ParseDuration(args.duration);
  if (!duration.ok()) return Fail(duration.status());

  CommonInput in = args.in;
  in.keep_raw = false;
  for (const std::string& s : f.post_sinks) {
    if (sink::NeedsRaw(s)) in.keep_raw = true;
  }
  auto po = MakeParseOptions(in);
  if (!po.ok()) return Fail(po.status());
  auto src = OpenInputs(f.sources, MakeSourceOptions(args.in));
  if (!src.ok()) return Fail(src.status());
  auto blocks = OpenInputBlocks(f.sources, MakeSourceOptions(args.in));
  if (!blocks.ok()) return Fail(blocks.status());

  {
    std::vector<std::string> outputs = f.result_sinks;
    outputs.insert(outputs.end(), f.post_sinks.begin(), f.post_sinks.end());
    if (!f.late_sink.empty()) outputs.push_back(f.late_sink);
    if (!args.record.empty()) outputs.push_back(args.record);
    outputs.push_back(!args.in.dead_letter.empty() ? args.in.dead_letter
                      : !f.dead_letters.empty()    ? f.dead_letters
                                                   : f.spec.name + ".dead-letters.jsonl");
    Status same = CheckNotReadingOutput(f.sources, outputs);
    if (!same.ok()) return Fail(same);
    if (!args.resume) {
      Status fresh = CheckFreshOutputs(outputs, args.overwrite, args.append);
      if (!fresh.ok()) return Fail(fresh);
    }
  }
  // Opened (and, on a fresh run, emptied) only once the checks above passed.
  if (!args.record.empty()) {
    // Every record goes through the tap: no parallel scan around it.
    blocks->reset();
    auto tapped = source::RecordTo(std::move(*src), args.record, args.resume);
    if (!tapped.ok()) return Fail(tapped.status());
    src = std::move(*tapped);
  }
  std::vector<std::unique_ptr<sink::ResultSink>> results_owned;
  std::vector<sink::ResultSink*> results;
  std::vector<std::unique_ptr<sink::PostSink>> posts_owned;
  std::vector<sink::PostSink*> posts;
  // A resumed run keeps what its file sinks hold; the engine then cuts each
  // back to the checkpoint (exactly-once output). --append keeps it too.
  const sink::OpenOptions how{.resume = args.resume || args.append,
                              .checkpoints = !f.checkpoint_dir.empty()};
  Status st = OpenAll<sink::ResultSink>(f.result_sinks, sink::OpenResultSink, how, &results_owned,
                                        &results);
  if (st.ok()) {
    st = OpenAll<sink::PostSink>(f.post_sinks, sink::OpenSink, how, &posts_owned, &posts);
  }
  if (!st.ok()) return Fail(st);
  std::unique_ptr<sink::PostSink> late;
  if (!f.late_sink.empty()) {
    auto l = sink::OpenSink(f.late_sink, how);
    if (!l.ok()) return Fail(l.status());
    late = std::move(*l);
  }
  std::unique_ptr<sink::ResultSink> printer;
  if (args.print_results || results.empty()) {
    auto p = sink::OpenResultSink("-");
    if (!p.ok()) return Fail(p.status());
    printer = std::move(*p);
    results.push_back(printer.get());
  }
  const std::string dl_path = !args.in.dead_letter.empty() ? args.in.dead_letter
                              : !f.dead_letters.empty()    ? f.dead_letters
                                                           : f.spec.name + ".dead-letters.jsonl";
  dataflow::DeadLetterWriter dead_letters(dl_path);

  // --serve: the dashboard watches the run (its feed needs whole posts).
  serve::DashboardState dashboard;
  std::unique_ptr<serve::DashboardServer> server;
  if (args.serve.enabled) {
    dashboard.SetPipeline(f.spec, (*src)->Describe());
    dashboard.SetSourceHealth([s = src->get()] { return s->Health(); });
    auto started = StartDashboard(args.serve, dashboard);
    if (!started.ok()) return Fail(started.status());
    server = std::move(*started);
    posts.push_back(dashboard.post_sink());
  }

  dataflow::RunOptions o;
  o.workers = workers;
  o.parse = *po;
  // No post leaves the engine: decode only what the analyses read.
  if (posts.empty() && !late) o.parse.fields = dataflow::FieldsNeeded(f.spec);
  o.blocks = blocks->get();  // plain files: read in parallel when the run allows
  o.stop = InstallStopHandler();
  o.limit = args.limit;
  o.duration = *duration;
  o.post_sinks = posts;
  o.result_sinks = results;
  o.late_sink = late.get();
  o.dead_letters = &dead_letters;
  o.checkpoint_dir = f.checkpoint_dir;
  o.checkpoint_interval = f.checkpoint_interval;
  o.resume = args.resume;
  o.on_progress = EngineProgress(f.spec.name);
  if (server) {
    o.on_progress = [progress = o.on_progress, &dashboard](const dataflow::RunStats& s) {
      if (progress) progress(s);  // none when stderr is not a terminal
      dashboard.UpdateStats(s);
    };
    o.on_result = [&dashboard](const model::WindowResult& r) { dashboard.bus().Publish(r); };
    o.early_results = std::chrono::seconds(1);  // the page shows windows in progress
    dashboard.SetRunning(true);
  }
  log::Info("{}: {} analyses, {} mode, {} worker(s), source {}", f.spec.name,
            f.spec.analyses.size(), dataflow::ProcessingModeName(f.spec.mode), workers,
            (*src)->Describe());
  auto stats = dataflow::RunPipeline(f.spec, **src, o);
  // The outputs close as the run ends, before the dashboard's wait (a
  // Kafka transaction commits now, not at Ctrl-C). A two-phase output
  // closes last, so that nothing fails after its commit, and not at all
  // after a failure (closing would commit): its transaction is aborted,
  // and --resume writes it again.
  Status closed = Status::Ok();
  for (const bool two_phase : {false, true}) {
    auto close = [&](auto* s) {
      if (s->TwoPhase() != two_phase) return;
      if (two_phase && (!stats.ok() || !closed.ok())) return;
      Status c = s->Close();
      if (closed.ok()) closed = c;
    };
    for (auto* s : results) close(s);
    for (auto* s : posts) close(s);
    if (late) close(late.get());
  }
  if (server) {
    if (stats.ok()) dashboard.UpdateStats(*stats);
    dashboard.SetRunning(false);
    // The input ended: the results stay on view until Ctrl-C.
    if (stats.ok() && closed.ok() && !o.stop->load()) {
      EndProgressLine();
      StopSignalEndsNormally();
      log::Info("{}: the pipeline finished; the dashboard stays up at {} until Ctrl-C", f.spec.name,
                server->url());
      while (!o.stop->load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    server->Stop();
  }
  if (stats.ok() && !closed.ok()) return Fail(closed);
  if (!stats.ok()) return Fail(stats.status());
  PrintRunSummary(*stats, dead_letters.count() > 0 ? dl_path : "");
  if (!GlobalUi().quiet) {
    for (const auto& s : results_owned) {
      std::fprintf(stderr, "results: %s\n", s->Describe().c_str());
    }
  }
  return 0;
}

}  // namespace starling::app
