// File: app/main.cc
// `starling`: the command line. Only wiring lives here; the work is in the
// layers under src/.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>

#include "app/cli_util.h"
#include "app/commands.h"
#include "common/log.h"

namespace {

constexpr const char* kSourceHelp =
    "Source specs:\n"
    "  file:PATH | PATH        JSONL, or one JSON document (e.g. a v1.1 search page);\n"
    "                          .gz and .zst are decompressed transparently\n"
    "  -                       standard input\n"
    "  tcp://HOST:PORT         connect and read lines (like Spark's socketTextStream)\n"
    "  replay:PATH?speed=N     replay a file at its original pace (by created_at), N times faster\n"
    "  generate:?rate=N&seed=S&count=N&pace=0&start=ISO\n"
    "                          the built-in realistic X v2 firehose\n";

constexpr const char* kSinkHelp =
    "Sink specs:\n"
    "  jsonl:PATH[?raw=1&rotate=64M]  normalized posts as JSON lines (raw=1: provider JSON)\n"
    "  csv:PATH                       one row per post, twarc-csv style columns\n"
    "  sqlite:PATH[?batch=N]          posts + entity tables (WAL, upsert by id)\n"
    "  -                              normalized JSON lines on stdout\n"
    "A bare path is typed by its extension (.jsonl .json .csv .db .sqlite).\n";

void AddInputOptions(CLI::App* cmd, starling::app::CommonInput* in) {
  cmd->add_option("--format", in->format,
                  "Input format: auto (detected per record), x-v2, x-v11, starling")
      ->capture_default_str();
  cmd->add_flag("--include-referenced", in->include_referenced,
                "Also emit retweeted, quoted and included tweets as records of their own");
  cmd->add_flag("--no-extract", in->no_extract,
                "Do not extract entities from the text when the provider gives none");
  cmd->add_option("--dead-letter", in->dead_letter,
                  "Where malformed records go (JSONL; default: beside the output, created on "
                  "the first bad record)");
  cmd->add_option("--max-record-size", in->max_record_bytes,
                  "Records larger than this many bytes go to dead letters")
      ->capture_default_str();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace starling;
  CLI::App app{
      "Starling: real-time social-stream analytics.\n"
      "Turns X/Twitter data (API v2 and v1.1) into clean, queryable records, fast."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "starling 0.1.0");
  app.footer(std::string("\n") + kSourceHelp + "\n" + kSinkHelp +
             "\nRun 'starling SUBCOMMAND --help' for the options of each subcommand.");
  bool quiet = false, verbose = false;
  std::string log_format = "text";
  app.add_flag("-q,--quiet", quiet, "No progress line and no summary");
  app.add_flag("-v,--verbose", verbose, "More detail (per control-message counts, debug logs)");
  app.add_option("--log-format", log_format, "Diagnostics on stderr as text or json")
      ->check(CLI::IsMember({"text", "json"}))
      ->capture_default_str();

  app::NormalizeArgs norm;
  auto* normalize = app.add_subcommand(
      "normalize", "Print normalized posts as JSON lines (see docs/formats/post.md)");
  normalize->add_option("inputs", norm.inputs,
                        "Files, '-' for stdin, or source specs (default: stdin)");
  normalize->add_flag("--text", norm.text,
                      "Each input line is plain text: print its hashtags, mentions, urls and "
                      "cashtags (twitter-text rules)");
  normalize->add_flag("--with-raw", norm.with_raw, "Add the provider JSON as a 'raw' string");
  AddInputOptions(normalize, &norm.in);
  normalize->footer(kSourceHelp);

  app::CollectArgs col;
  auto* collect = app.add_subcommand("collect", "Read a source and write its posts to sinks");
  collect->add_option("--source,-s", col.source, "Source spec (see below)")->required();
  collect->add_option("--sink,-o", col.sinks, "Sink spec; repeat for several (default: stdout)");
  collect->add_option("--limit,-n", col.limit, "Stop after N posts");
  collect->add_option("--duration,-d", col.duration, "Stop after this long (30s, 5m, 2h)");
  AddInputOptions(collect, &col.in);
  collect->footer(std::string(kSourceHelp) + "\n" + kSinkHelp);

  app::ConvertArgs conv;
  auto* convert = app.add_subcommand(
      "convert", "Convert posts between JSONL, CSV and SQLite (SRC and DST are specs or paths)");
  convert->add_option("src", conv.src, "Input: .jsonl/.json (any supported format), .csv, .db")
      ->required();
  convert->add_option("dst", conv.dst, "Output sink spec or path")->required();
  AddInputOptions(convert, &conv.in);
  convert->footer(kSinkHelp);

  app::GenerateArgs gen;
  auto* generate =
      app.add_subcommand("generate", "Write a realistic, seeded X API v2 firehose to stdout");
  generate->add_option("--rate,-r", gen.rate, "Mean posts per second")->capture_default_str();
  generate->add_option("--count,-n", gen.count, "Stop after N posts (default: run until Ctrl-C)");
  generate->add_option("--seed", gen.seed, "Random seed (same seed, same output)")
      ->capture_default_str();
  generate->add_flag("--no-pace", gen.no_pace,
                     "Write as fast as possible (event times still follow --rate)");
  generate->add_option("--start", gen.start,
                       "Event time of the first post (ISO-8601; default now)");

  app::DemoArgs demo_args;
  auto* demo =
      app.add_subcommand("demo", "Run the generator into SQLite and show where the data is");
  demo->add_option("--duration,-d", demo_args.duration, "How long to run (Ctrl-C stops earlier)")
      ->capture_default_str();
  demo->add_option("--db", demo_args.db, "SQLite file to write")->capture_default_str();
  demo->add_option("--rate,-r", demo_args.rate, "Posts per second")->capture_default_str();

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    // --help and --version exit 0; every usage error exits 2.
    return app.exit(e) == 0 ? 0 : 2;
  }

  app::Ui& ui = app::GlobalUi();
  ui.quiet = quiet;
  ui.verbose = verbose;
  ui.progress = !quiet && ::isatty(STDERR_FILENO) == 1;
  log::Configure(verbose ? log::Level::kDebug
                 : quiet ? log::Level::kWarn
                         : log::Level::kInfo,
                 log_format == "json" ? log::Format::kJson : log::Format::kText);

  if (*normalize) return app::RunNormalize(norm);
  if (*collect) return app::RunCollect(col);
  if (*convert) return app::RunConvert(conv);
  if (*generate) return app::RunGenerate(gen);
  if (*demo) {
    demo_args.program = argv[0];
    return app::RunDemo(demo_args);
  }
  return 2;
}
