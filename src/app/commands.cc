// File: app/commands.cc
// Wiring of sources, parser, sinks and dead letters for each subcommand.
#include "app/commands.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "common/log.h"
#include "common/spec.h"
#include "dataflow/ingest.h"
#include "model/post_json.h"
#include "sink/csv_format.h"
#include "sink/jsonl_sink.h"
#include "sink/registry.h"
#include "source/generator.h"
#include "source/record_source.h"
#include "source/record_tap.h"
#include "source/registry.h"
#include "text/extract.h"

namespace starling::app {

int Fail(const Status& st) {
  EndProgressLine();
  log::Error("{}", st.ToString());
  if (st.code() == StatusCode::kOutputClosed) return kExitOutputClosed;
  return st.code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailed;
}

Result<parse::ParseOptions> MakeParseOptions(const CommonInput& in) {
  auto f = parse::FormatFromName(in.format);
  if (!f.ok()) return f.status();
  parse::ParseOptions o;
  o.format = *f;
  o.include_referenced = in.include_referenced;
  o.extract_missing_entities = !in.no_extract;
  o.max_record_bytes = in.max_record_bytes;
  o.keep_raw = in.keep_raw;
  return o;
}

source::SourceOptions MakeSourceOptions(const CommonInput& in) {
  source::SourceOptions so;
  // One byte more than the largest record the parser takes: a record of
  // exactly the limit is still delivered whole.
  so.hard_max_record_bytes = static_cast<std::size_t>(
      std::min<std::uint64_t>(in.max_record_bytes, so.hard_max_record_bytes - 1) + 1);
  return so;
}

// True when both paths name the same existing file.
bool SameFile(const std::string& a, const std::string& b) {
  struct stat sa {};
  struct stat sb {};
  return !a.empty() && !b.empty() && ::stat(a.c_str(), &sa) == 0 && ::stat(b.c_str(), &sb) == 0 &&
         sa.st_dev == sb.st_dev && sa.st_ino == sb.st_ino;
}

Status CheckNotReadingOutput(const std::vector<std::string>& sources,
                             const std::vector<std::string>& outputs) {
  for (const auto& source : sources) {
    // A source's file, or a store's (convert reads CSV and SQLite back).
    std::optional<std::string> in = source::InputFile(source);
    if (!in) in = sink::OutputFile(source);
    if (!in) continue;
    for (const auto& spec : outputs) {
      // A spec no sink takes is a plain path (dead letters).
      const std::string out = sink::OutputFile(spec).value_or(spec);
      if (SameFile(*in, out)) {
        return InvalidArgument("'" + spec::Redact(spec) + "' is the input file itself (" + *in +
                               "); writing it would destroy it");
      }
    }
  }
  return Status::Ok();
}

std::string DefaultDeadLetterPath(const std::string& sink_spec) {
  const std::optional<std::string> p = sink::OutputFile(sink_spec);
  if (!p) return "starling-dead-letters.jsonl";
  return *p + ".dead-letters.jsonl";
}

int Ingest(source::RecordSource& src, const std::vector<sink::PostSink*>& sinks,
           const CommonInput& in, const std::string& first_sink_spec, std::uint64_t limit,
           std::chrono::microseconds duration, const std::string& label) {
  auto po = MakeParseOptions(in);
  if (!po.ok()) return Fail(po.status());
  std::string dl_path =
      in.dead_letter.empty() ? DefaultDeadLetterPath(first_sink_spec) : in.dead_letter;
  dataflow::DeadLetterWriter dead_letters(dl_path);
  dataflow::IngestOptions io;
  io.parse = *po;
  io.limit = limit;
  io.duration = duration;
  io.stop = InstallStopHandler();
  io.on_progress = ProgressLine(label);
  auto stats = dataflow::RunIngest(src, sinks, dead_letters, io);
  for (auto* s : sinks) {
    Status st = s->Close();
    if (!st.ok()) return Fail(st);
  }
  if (!stats.ok()) return Fail(stats.status());
  PrintSummary(*stats, dead_letters.count() > 0 ? dl_path : "");
  return 0;
}

Result<std::unique_ptr<source::RecordSource>> OpenInputs(const std::vector<std::string>& inputs,
                                                         const source::SourceOptions& so) {
  std::vector<std::unique_ptr<source::RecordSource>> sources;
  if (inputs.empty()) {
    auto s = source::OpenSource("-", so);
    if (!s.ok()) return s.status();
    sources.push_back(std::move(*s));
  }
  for (const auto& in : inputs) {
    auto s = source::OpenSource(in, so);
    if (!s.ok()) return s.status();
    sources.push_back(std::move(*s));
  }
  return source::Concat(std::move(sources));
}

Result<std::unique_ptr<source::FileBlocks>> OpenInputBlocks(const std::vector<std::string>& inputs,
                                                            const source::SourceOptions& so) {
  std::vector<std::string> paths;
  for (const auto& in : inputs) {
    std::optional<std::string> path = source::PlainFilePath(in);
    if (!path) return std::unique_ptr<source::FileBlocks>();
    paths.push_back(std::move(*path));
  }
  if (paths.empty()) return std::unique_ptr<source::FileBlocks>();  // stdin
  return source::FileBlocks::Open(paths, source::FileBlocks::kDefaultBlockBytes, so);
}

void AppendStringArray(std::string_view key, const std::vector<text::Entity>& ents,
                       std::string* out) {
  out->push_back('"');
  out->append(key);
  out->append("\":[");
  for (std::size_t i = 0; i < ents.size(); ++i) {
    if (i) out->push_back(',');
    model::AppendJsonString(ents[i].value, out);
  }
  out->push_back(']');
}

// key: [{"<field>":value,["list":slug,]"start":S,"end":E},...] (code-point offsets).
void AppendEntityArray(std::string_view key, std::string_view field,
                       const std::vector<text::Entity>& ents, std::string* out) {
  out->push_back('"');
  out->append(key);
  out->append("\":[");
  for (std::size_t i = 0; i < ents.size(); ++i) {
    if (i) out->push_back(',');
    out->append("{\"");
    out->append(field);
    out->append("\":");
    model::AppendJsonString(ents[i].value, out);
    if (!ents[i].list_slug.empty()) {
      out->append(",\"list\":");
      model::AppendJsonString(ents[i].list_slug, out);
    }
    out->append(",\"start\":");
    out->append(std::to_string(ents[i].start));
    out->append(",\"end\":");
    out->append(std::to_string(ents[i].end));
    out->push_back('}');
  }
  out->push_back(']');
}

int NormalizeText(const NormalizeArgs& args) {
  source::SourceOptions so = MakeSourceOptions(args.in);
  so.detect_documents = false;
  auto src = OpenInputs(args.inputs, so);
  if (!src.ok()) return Fail(src.status());
  std::string out;
  source::Record rec;
  for (;;) {
    auto more = (*src)->Next(&rec);
    if (!more.ok()) return Fail(more.status());
    if (!*more) break;
    std::string_view line = rec.bytes;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    out += '{';
    if (args.indices) {
      AppendEntityArray("hashtags", "tag", text::ExtractHashtags(line), &out);
      out += ',';
      AppendEntityArray("mentions", "handle", text::ExtractMentionsOrLists(line), &out);
      out += ',';
      AppendEntityArray("urls", "url", text::ExtractUrls(line), &out);
      out += ',';
      AppendEntityArray("cashtags", "tag", text::ExtractCashtags(line), &out);
    } else {
      AppendStringArray("hashtags", text::ExtractHashtags(line), &out);
      out += ',';
      AppendStringArray("mentions", text::ExtractMentions(line), &out);
      out += ',';
      AppendStringArray("urls", text::ExtractUrls(line), &out);
      out += ',';
      AppendStringArray("cashtags", text::ExtractCashtags(line), &out);
    }
    out += "}\n";
    if (out.size() > (1u << 16)) {
      Status w = WriteStdout(out);
      if (!w.ok()) return Fail(w);
      out.clear();
    }
  }
  Status w = WriteStdout(out);
  if (w.ok()) w = FlushStdout();
  if (!w.ok()) return Fail(w);
  return 0;
}

int RunNormalize(const NormalizeArgs& args) {
  if (args.text) return NormalizeText(args);
  auto src = OpenInputs(args.inputs, MakeSourceOptions(args.in));
  if (!src.ok()) return Fail(src.status());
  sink::JsonlSinkOptions jo;
  jo.path = "-";
  jo.json.include_raw = args.with_raw;
  auto out = sink::JsonlSink::Open(jo);
  if (!out.ok()) return Fail(out.status());
  std::vector<sink::PostSink*> sinks{out->get()};
  CommonInput in = args.in;
  in.keep_raw = args.with_raw;
  return Ingest(**src, sinks, in, "-", 0, std::chrono::microseconds(0), "normalize");
}

int RunCollect(const CollectArgs& args) {
  std::vector<std::string> specs = args.sinks.empty() ? std::vector<std::string>{"-"} : args.sinks;
  std::vector<std::string> outputs = specs;
  if (!args.record.empty()) outputs.push_back(args.record);
  Status same = CheckNotReadingOutput({args.source}, outputs);
  if (!same.ok()) return Fail(same);
  auto src = source::OpenSource(args.source, MakeSourceOptions(args.in));
  if (!src.ok()) return Fail(src.status());
  if (!args.record.empty()) {
    auto tapped = source::RecordTo(std::move(*src), args.record, /*resume=*/false);
    if (!tapped.ok()) return Fail(tapped.status());
    src = std::move(*tapped);
  }
  std::vector<std::unique_ptr<sink::PostSink>> owned;
  std::vector<sink::PostSink*> sinks;
  for (const auto& spec : specs) {
    auto s = sink::OpenSink(spec, {.replace = args.replace});
    if (!s.ok()) return Fail(s.status());
    sinks.push_back(s->get());
    owned.push_back(std::move(*s));
  }
  std::chrono::microseconds duration{0};
  if (!args.duration.empty()) {
    auto d = ParseDuration(args.duration);
    if (!d.ok()) return Fail(d.status());
    duration = *d;
  }
  if (!GlobalUi().quiet) {
    std::string to;
    for (auto* s : sinks) to += (to.empty() ? "" : ", ") + s->Describe();
    log::Info("collecting from {} into {}", (*src)->Describe(), to);
  }
  return Ingest(**src, sinks, args.in, specs.front(), args.limit, duration, "collect");
}

int RunConvert(const ConvertArgs& args) {
  // The input is checked and opened before the output, which truncates.
  Status same = CheckNotReadingOutput({args.src}, {args.dst});
  if (!same.ok()) return Fail(same);
  // A store that reads its posts back (CSV, SQLite, HDF5) does; anything else is a source.
  auto store = sink::ResolvePostSink(args.src);
  if (!store.ok() || !store->kind->open_post_store) {
    auto src = source::OpenSource(args.src, MakeSourceOptions(args.in));
    if (!src.ok()) return Fail(src.status());
    auto dst = sink::OpenSink(args.dst, {.replace = args.replace});
    if (!dst.ok()) return Fail(dst.status());
    std::vector<sink::PostSink*> sinks{dst->get()};
    return Ingest(**src, sinks, args.in, args.dst, 0, std::chrono::microseconds(0), "convert");
  }
  const std::string& path = store->spec.path;
  if (!store->kind->info.takes_hosts && ::access(path.c_str(), R_OK) != 0) {
    return Fail(NotFound("cannot read " + path + ": " + std::strerror(errno)));
  }
  auto posts = store->kind->open_post_store(store->spec, store->params, {});
  if (!posts.ok()) return Fail(posts.status());
  auto dst = sink::OpenSink(args.dst, {.replace = args.replace});
  if (!dst.ok()) return Fail(dst.status());
  dataflow::IngestStats stats;
  auto t0 = std::chrono::steady_clock::now();
  auto on_post = [&](model::Post&& p) -> Status {
    ++stats.posts;
    ++stats.records;
    return (*dst)->Write(p);
  };
  Status st = (*posts)->ReadAll(on_post);
  if (!st.ok()) return Fail(st);
  st = (*dst)->Close();
  if (!st.ok()) return Fail(st);
  stats.elapsed =
      std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - t0);
  PrintSummary(stats, "");
  return 0;
}

int RunGenerate(const GenerateArgs& args) {
  source::GeneratorOptions go;
  go.rate = args.rate;
  go.seed = args.seed;
  go.start = 0;  // now
  if (!args.start.empty()) {
    auto t = model::ParseTimestamp(args.start);
    if (!t.ok()) return Fail(InvalidArgument("--start: " + t.status().message()));
    go.start = *t;
  }
  auto src = source::OpenGenerator(go, args.count, !args.no_pace);
  if (!src.ok()) return Fail(src.status());
  const std::atomic<bool>* stop = InstallStopHandler();
  std::string out;
  source::Record rec;
  while (!stop->load()) {
    auto more = (*src)->Next(&rec);
    if (!more.ok() && more.status().code() == StatusCode::kTryAgain) continue;  // pacing
    if (!more.ok()) return Fail(more.status());
    if (!*more) break;
    out.append(rec.bytes);
    out.push_back('\n');
    if (out.size() > (1u << 16) || !args.no_pace) {
      Status w = WriteStdout(out);
      if (w.ok() && !args.no_pace) w = FlushStdout();
      if (!w.ok()) return Fail(w);
      out.clear();
    }
  }
  Status w = WriteStdout(out);
  if (w.ok()) w = FlushStdout();
  if (!w.ok()) return Fail(w);
  return 0;
}

}  // namespace starling::app
