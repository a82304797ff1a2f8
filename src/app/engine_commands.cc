// File: app/engine_commands.cc
// The subcommands that run the windowed engine: run (a pipeline file), top
// (the quick answer), sentiment (per post), and the engine part of demo.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <map>
#include <thread>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "app/commands.h"
#include "common/log.h"
#include "dataflow/builder.h"
#include "dataflow/pipeline_yaml.h"
#include "dataflow/projection.h"
#include "dataflow/runtime.h"
#include "model/post_json.h"
#include "serve/dashboard_state.h"
#include "serve/http_server.h"
#include "sink/registry.h"
#include "source/generator.h"
#include "text/sentiment.h"

namespace starling::app {

namespace {

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
  std::vector<std::unique_ptr<sink::ResultSink>> results_owned;
  std::vector<sink::ResultSink*> results;
  std::vector<std::unique_ptr<sink::PostSink>> posts_owned;
  std::vector<sink::PostSink*> posts;
  // A resumed run keeps what its file sinks hold; the engine then cuts each
  // back to the checkpoint (exactly-once output). --append keeps it too.
  const sink::OpenOptions how{.resume = args.resume || args.append};
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
  if (server) {
    if (stats.ok()) dashboard.UpdateStats(*stats);
    dashboard.SetRunning(false);
    // The input ended: the results stay on view until Ctrl-C.
    if (stats.ok() && !o.stop->load()) {
      EndProgressLine();
      log::Info("{}: the pipeline finished; the dashboard stays up at {} until Ctrl-C", f.spec.name,
                server->url());
      StopSignalEndsNormally();
      while (!o.stop->load()) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    server->Stop();
  }
  for (auto* s : results) {
    Status c = s->Close();
    if (!c.ok() && stats.ok()) return Fail(c);
  }
  for (auto* s : posts) {
    Status c = s->Close();
    if (!c.ok() && stats.ok()) return Fail(c);
  }
  if (late) (void)late->Close();
  if (!stats.ok()) return Fail(stats.status());
  PrintRunSummary(*stats, dead_letters.count() > 0 ? dl_path : "");
  if (!GlobalUi().quiet) {
    for (const auto& s : results_owned) {
      std::fprintf(stderr, "results: %s\n", s->Describe().c_str());
    }
  }
  return 0;
}

namespace {

std::string WindowLabel(const model::WindowResult& r) {
  if (r.window_start == INT64_MIN) return "all";
  return model::FormatTimestamp(r.window_start) + " .. " + model::FormatTimestamp(r.window_end);
}

// Terminal columns of UTF-8 text: East Asian wide characters and emoji
// take two (enough for aligned tables; not a full wcwidth).
std::size_t DisplayWidth(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xF0 && i + 3 < s.size()) {
      len = 4;
      cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
    } else if (c >= 0xE0 && i + 2 < s.size()) {
      len = 3;
      cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      len = 2;
      cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    }
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
                      (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
    i += len;
  }
  return width;
}

std::string PadRight(const std::string& s, std::size_t width) {
  const std::size_t w = DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

void PrintTable(const model::WindowResult& r, const std::string& dim, bool windowed) {
  if (windowed) std::printf("%s\n", WindowLabel(r).c_str());
  std::size_t width = dim.size();
  for (const auto& row : r.rows) width = std::max(width, DisplayWidth(row.key));
  width = std::min<std::size_t>(width, 60);
  std::printf("%4s  %s  %12s\n", "rank", PadRight(dim, width).c_str(), "count");
  for (const auto& row : r.rows) {
    std::string count = Grouped(static_cast<std::uint64_t>(row.count));
    if (row.error > 0) count += " (±" + Grouped(row.error) + ")";
    std::printf("%4d  %s  %12s\n", row.rank, PadRight(row.key, width).c_str(), count.c_str());
  }
  std::printf(
      "(%s %ss counted%s)\n", Grouped(r.total).c_str(), dim.c_str(),
      r.error_bound > 0 ? (", Space-Saving error bound " + Grouped(r.error_bound)).c_str() : "");
}

}  // namespace

int RunTop(const TopArgs& args) {
  auto dim = dataflow::ParseDimension(args.by);
  if (!dim.ok()) return Fail(dim.status());
  if (args.k == 0) return Fail(InvalidArgument("-k must be at least 1"));
  dataflow::AnalysisSpec a;
  a.name = "top";
  a.kind = model::ResultKind::kTopK;
  a.by = *dim;
  a.k = args.k;
  a.space_saving = args.approximate;
  a.capacity = std::max<std::size_t>(10000, args.k * 10);
  if (!args.window.empty()) {
    auto w = dataflow::ParseWindowSpec(args.window);
    if (!w.ok()) return Fail(w.status());
    a.window = *w;
  }
  dataflow::PipelineSpec spec;
  spec.name = "top";
  spec.analyses.push_back(a);
  // Windowed answers wait for stragglers a little; the whole-input answer never needs to.
  spec.watermark_bound = std::chrono::seconds(args.window.empty() ? 0 : 5);
  Status st = spec.Validate();
  if (!st.ok()) return Fail(st);

  CommonInput in = args.in;
  in.keep_raw = false;
  auto po = MakeParseOptions(in);
  if (!po.ok()) return Fail(po.status());
  // Only what the analysis reads is decoded (for --by hashtag: the hashtags).
  po->fields = dataflow::FieldsNeeded(spec);
  // Every record is validated whole (a bad one goes to dead letters) unless
  // the user vouches for the input.
  po->read_whole_record = !args.trust_input;
  auto src = OpenInputs(args.inputs, MakeSourceOptions(args.in));
  if (!src.ok()) return Fail(src.status());
  auto blocks = OpenInputBlocks(args.inputs, MakeSourceOptions(args.in));
  if (!blocks.ok()) return Fail(blocks.status());
  auto duration = args.duration.empty()
                      ? Result<std::chrono::microseconds>(std::chrono::microseconds(0))
                      : ParseDuration(args.duration);
  if (!duration.ok()) return Fail(duration.status());
  const std::string dl_path = args.in.dead_letter;  // empty: counted, not kept
  dataflow::DeadLetterWriter dead_letters(dl_path);

  const bool windowed = !args.window.empty();
  const std::string dim_name = dataflow::DimensionName(*dim);
  std::vector<model::WindowResult> finals;
  dataflow::RunOptions o;
  // The reader looks at the clock several times per record (~6% of a
  // whole-file top with the precise clock); top needs time only for
  // --duration and the progress line.
  o.clock = &CoarseClock::Instance();
  o.workers = args.workers > 0 ? args.workers : DefaultWorkers();
  o.parse = *po;
  o.blocks = blocks->get();
  o.stop = InstallStopHandler();
  o.limit = args.limit;
  o.duration = *duration;
  o.dead_letters = &dead_letters;
  o.on_progress = EngineProgress("top");
  o.on_result = [&](const model::WindowResult& r) {
    if (!r.final) return;
    if (!windowed) {
      finals.push_back(r);
      return;
    }
    // Live: print each window as it closes.
    EndProgressLine();
    if (args.format == "tsv") {
      for (const auto& row : r.rows) {
        std::printf("%s\t%s\t%" PRId64 "\n", model::FormatTimestamp(r.window_start).c_str(),
                    row.key.c_str(), row.count);
      }
    } else if (args.format == "json") {
      std::string line;
      model::AppendResultJson(r, &line);
      std::printf("%s\n", line.c_str());
    } else {
      PrintTable(r, dim_name, true);
      std::printf("\n");
    }
    std::fflush(stdout);
  };
  auto stats = dataflow::RunPipeline(spec, **src, o);
  EndProgressLine();
  if (!stats.ok()) return Fail(stats.status());
  for (const model::WindowResult& r : finals) {
    if (args.format == "tsv") {
      for (const auto& row : r.rows) std::printf("%s\t%" PRId64 "\n", row.key.c_str(), row.count);
    } else if (args.format == "json") {
      std::string line;
      model::AppendResultJson(r, &line);
      std::printf("%s\n", line.c_str());
    } else {
      PrintTable(r, dim_name, false);
    }
  }
  if (!windowed && finals.empty() && args.format == "table") {
    std::printf("(no %ss in %s posts)\n", dim_name.c_str(), Grouped(stats->posts).c_str());
  }
  if (Status w = FlushStdout(); !w.ok()) return Fail(w);
  if (stats->dead_letters > 0 && !GlobalUi().quiet) {
    std::fprintf(
        stderr, "%s records could not be parsed%s%s\n", Grouped(stats->dead_letters).c_str(),
        dl_path.empty() ? " (use --dead-letter FILE to keep them)" : "; kept in ", dl_path.c_str());
  }
  return 0;
}

namespace {

// Python's repr of a float rounded as VADER rounds it.
void AppendScore(double v, int decimals, std::string* out) {
  const double scale = std::pow(10.0, decimals);
  double r = std::round(v * scale) / scale;
  if (r == 0) r = 0;  // no "-0"
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.*g", 15, r);
  out->append(buf);
  if (std::string_view(buf).find_first_of(".e") == std::string_view::npos) out->append(".0");
}

void AppendSentiment(const text::SentimentScores& s, std::string* out) {
  out->append("\"sentiment\":{\"compound\":");
  AppendScore(s.compound, 4, out);
  out->append(",\"pos\":");
  AppendScore(s.pos, 3, out);
  out->append(",\"neu\":");
  AppendScore(s.neu, 3, out);
  out->append(",\"neg\":");
  AppendScore(s.neg, 3, out);
  out->append("}}\n");
}

}  // namespace

int RunSentiment(const SentimentArgs& args) {
  const text::SentimentAnalyzer& vader = text::SentimentAnalyzer::Default();
  source::SourceOptions so = MakeSourceOptions(args.in);
  so.detect_documents = !args.text;
  auto src = OpenInputs(args.inputs, so);
  if (!src.ok()) return Fail(src.status());
  CommonInput in = args.in;
  in.keep_raw = false;
  auto po = MakeParseOptions(in);
  if (!po.ok()) return Fail(po.status());
  parse::PostParser parser(*po);
  const std::string dl_path = args.in.dead_letter.empty() ? "" : args.in.dead_letter;
  dataflow::DeadLetterWriter dead_letters(dl_path);
  std::vector<const model::Post*> posts;
  std::vector<parse::ControlMessage> controls;
  std::string out;
  source::Record rec;
  std::uint64_t n = 0;
  for (;;) {
    auto more = (*src)->Next(&rec);
    if (!more.ok()) {
      if (more.status().code() == StatusCode::kTryAgain) continue;
      return Fail(more.status());
    }
    if (!*more) break;
    if (args.text) {
      std::string_view line = rec.bytes;
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      out += "{\"line\":" + std::to_string(rec.line) + ",";
      AppendSentiment(vader.Score(line), &out);
    } else {
      Status st = parser.ParseView(rec.bytes, &posts, &controls, rec.padding);
      if (!st.ok()) {
        Status w = dead_letters.Write(rec.bytes, st.ToString(), rec.origin, rec.line, rec.offset);
        if (!w.ok()) return Fail(w);
        continue;
      }
      for (const model::Post* p : posts) {
        out += '{';
        if (!p->id.empty()) {
          out += "\"id\":";
          model::AppendJsonString(p->id, &out);
          out += ',';
        }
        AppendSentiment(vader.Score(p->text), &out);
      }
    }
    if (out.size() > (1u << 16)) {
      Status w = WriteStdout(out);
      if (!w.ok()) return Fail(w);
      out.clear();
    }
    ++n;
  }
  if (Status w = WriteStdout(out); !w.ok() || !(w = FlushStdout()).ok()) return Fail(w);
  Status st = dead_letters.Flush();
  if (!st.ok()) return Fail(st);
  if (dead_letters.count() > 0 && !GlobalUi().quiet) {
    std::fprintf(
        stderr, "%s records could not be parsed%s%s\n", Grouped(dead_letters.count()).c_str(),
        dl_path.empty() ? " (use --dead-letter FILE to keep them)" : "; kept in ", dl_path.c_str());
  }
  return 0;
}

}  // namespace starling::app

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
  source::GeneratorOptions go;
  go.rate = args.rate;
  go.start = 0;  // now
  auto src = source::OpenGenerator(go, 0, /*pace=*/true);
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
  if (duration->count() > 0) {
    log::Info(
        "demo: about {} posts/s for {} through {} analyses ({} worker(s)); Ctrl-C stops earlier",
        static_cast<std::uint64_t>(args.rate), duration_text, spec.analyses.size(), o.workers);
  } else {
    log::Info("demo: about {} posts/s through {} analyses ({} worker(s)) until Ctrl-C",
              static_cast<std::uint64_t>(args.rate), spec.analyses.size(), o.workers);
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
