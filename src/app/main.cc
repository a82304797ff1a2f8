// File: app/main.cc
// `starling`: the command line. Only wiring lives here; the work is in the
// layers under src/.
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>

#include "app/cli_util.h"
#include "app/commands.h"
#include "common/credentials.h"
#include "common/log.h"
#include "common/spec.h"
#include "sink/registry.h"
#include "source/registry.h"

namespace {

// `top` and `sentiment` use --format for their output, so their input format is --input-format.
void AddInputOptions(CLI::App* cmd, starling::app::CommonInput* in,
                     const char* format_flag = "--format") {
  cmd->add_option(format_flag, in->format,
                  "Input format: auto (detected per record), x-v2, x-v11, starling")
      ->capture_default_str();
  cmd->add_flag("--include-referenced", in->include_referenced,
                "Also emit retweeted, quoted and included tweets as records of their own");
  cmd->add_flag("--no-extract", in->no_extract,
                "Do not extract entities from the text when the provider gives none");
  cmd->add_option("--dead-letter", in->dead_letter,
                  "Where malformed records go (JSONL; default: beside the output, created on "
                  "the first bad record)");
  // Sizes as in every spec: 16M, 512K, 1G or a byte count (common/spec.h).
  cmd->add_option_function<std::string>(
         "--max-record-size",
         [in](const std::string& text) {
           auto n = starling::spec::ParseSize(text);
           if (!n.ok() || *n == 0) {
             throw CLI::ValidationError(
                 "--max-record-size",
                 "must be " + (n.ok() ? std::string("more than 0") : n.status().message()) +
                     ", got '" + text + "'");
           }
           in->max_record_bytes = *n;
         },
         "Records larger than this go to dead letters (16M, 512K, 1G or bytes)")
      ->default_str("16M");
}

// The dashboard server's options (docs/api.md).
void AddServeOptions(CLI::App* cmd, starling::app::ServeArgs* serve) {
  cmd->add_option("--port", serve->port, "Dashboard port (0: any free port)")
      ->capture_default_str()
      ->check(CLI::Range(0, 65535));
  cmd->add_option("--bind", serve->bind,
                  "Dashboard address; anything but loopback needs --auth-token or --insecure")
      ->capture_default_str();
  cmd->add_option("--auth-token", serve->auth_token,
                  "Require 'Authorization: Bearer TOKEN' (or ?token=) on every request "
                  "(default: $STARLING_AUTH_TOKEN)");
  cmd->add_flag("--insecure", serve->insecure,
                "Allow a non-loopback --bind without a token (anyone who reaches it can read)");
  cmd->add_option("--web-root", serve->web_root,
                  "Serve the dashboard page from this folder (a web/dist build) instead of "
                  "the one built into starling (default: $STARLING_WEB_ROOT)");
}

}  // namespace

int main(int argc, char** argv) {
  using namespace starling;
  // The spec lists come from the registries (source/registry.h, sink/registry.h).
  const std::string kSourceHelp = source::SourceHelp();
  const std::string kSinkHelp = sink::SinkHelp();
  const std::string kResultSinkHelp = sink::ResultSinkHelp();
  CLI::App app{
      "Starling: real-time social-stream analytics.\n"
      "Turns X/Twitter data (API v2 and v1.1) into clean, queryable records, fast."};
  app.require_subcommand(1);
  app.set_version_flag("--version", "starling 0.1.0");
  app.footer("\n" + kSourceHelp + "\n" + kSinkHelp + "\n" + kResultSinkHelp +
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
  normalize->add_flag(
      "--indices", norm.indices,
      "With --text: each entity as {tag|handle|url, start, end} (code points, as in "
      "posts); mentions include lists, with their 'list' slug");
  normalize->add_flag("--with-raw", norm.with_raw, "Add the provider JSON as a 'raw' string");
  AddInputOptions(normalize, &norm.in);
  normalize->footer(kSourceHelp);

  app::CollectArgs col;
  auto* collect = app.add_subcommand("collect", "Read a source and write its posts to sinks");
  collect->add_option("--source,-s", col.source, "Source spec (see below)")->required();
  collect->add_option("--sink,-o", col.sinks, "Sink spec; repeat for several (default: stdout)");
  collect->add_option("--limit,-n", col.limit, "Stop after N posts");
  collect->add_option("--record", col.record,
                      "Also write every record as it came from the source (the provider's "
                      "bytes, one a line) to FILE; reading FILE back gives the same posts");
  collect->add_option("--duration,-d", col.duration, "Stop after this long (30s, 5m, 2h)");
  collect->add_flag("--replace", col.replace,
                    "Start stores (SQLite, HDF5) afresh: remove what they hold first");
  AddInputOptions(collect, &col.in);
  collect->footer(kSourceHelp + "\n" + kSinkHelp);

  app::ConvertArgs conv;
  auto* convert = app.add_subcommand(
      "convert",
      "Convert posts between JSONL, CSV, SQLite and HDF5 (SRC and DST are specs or paths)");
  convert->add_option("src", conv.src, "Input: .jsonl/.json (any supported format), .csv, .db, .h5")
      ->required();
  convert->add_option("dst", conv.dst, "Output sink spec or path")->required();
  convert->add_flag("--replace", conv.replace,
                    "Start a store output (SQLite, HDF5) afresh: remove what it holds first");
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
  auto* demo = app.add_subcommand(
      "demo", "Run the generator through every analysis into SQLite, with live summaries");
  demo->add_option("--duration,-d", demo_args.duration,
                   "How long to run (default: until Ctrl-C with the dashboard, else 30s)");
  demo->add_flag(
      "--no-serve", [&demo_args](std::int64_t) { demo_args.serve.enabled = false; },
      "Do not start the dashboard");
  AddServeOptions(demo, &demo_args.serve);
  demo->add_option("--db", demo_args.db,
                   "SQLite file to write (replaced on each run; posts go beside it, in "
                   "NAME-posts.db)")
      ->capture_default_str();
  demo->add_option("--rate,-r", demo_args.rate, "Posts per second")->capture_default_str();
  demo->add_option("--source,-s", demo_args.source,
                   "Another source instead of the generator (x:sample, "
                   "'bluesky:jetstream?collections=app.bsky.feed.post', ...; docs/sources.md)");
  demo->add_option("--workers,-w", demo_args.workers, "Worker threads (default: cores)")
      ->check(CLI::Range(1, 256));

  app::RunArgs run_args;
  auto* run = app.add_subcommand(
      "run", "Run a pipeline file: windowed analytics from a source into result stores");
  run->add_option("pipeline", run_args.pipeline, "Pipeline YAML (see docs/pipelines.md, examples/)")
      ->required();
  run->add_option("--source,-s", run_args.sources, "Source spec(s), replacing the file's");
  run->add_option("--results,-o", run_args.results,
                  "Result sink(s) (sqlite:PATH, jsonl:PATH, -), replacing the file's");
  run->add_flag("--print", run_args.print_results, "Also print every result as JSON on stdout");
  run->add_flag("--serve", run_args.serve.enabled,
                "Serve the live dashboard while the pipeline runs (see --port)");
  AddServeOptions(run, &run_args.serve);
  run->add_option("--checkpoint-dir", run_args.checkpoint_dir,
                  "Write checkpoints here (state + source position, atomically)");
  run->add_flag("--resume", run_args.resume,
                "Go on from the checkpoint in --checkpoint-dir: file outputs are cut back to it "
                "(nothing twice); any --workers");
  auto* overwrite = run->add_flag("--overwrite", run_args.overwrite,
                                  "Replace file outputs (JSONL, CSV, dead letters) that already "
                                  "hold something (default: refuse to run)");
  run->add_flag("--append", run_args.append,
                "Write on at the end of file outputs that already hold something")
      ->excludes(overwrite);
  run->add_flag("--scale-out", run_args.scale_out,
                "One of several processes sharing a Kafka source's partitions (its group=): "
                "together they write the results of one process (docs/scale-out.md); needs "
                "--checkpoint-dir");
  run->add_option("--mode", run_args.mode, "Processing model: record or microbatch")
      ->check(CLI::IsMember({"record", "microbatch"}));
  run->add_option("--workers,-w", run_args.workers,
                  "Worker threads (default: the file's, else cores)")
      ->check(CLI::Range(1, 256));
  run->add_option("--limit,-n", run_args.limit, "Stop after N records");
  run->add_option("--record", run_args.record,
                  "Also write every record as it came from the source to FILE (one a line); "
                  "with checkpoints, --resume cuts it back to the checkpoint");
  run->add_option("--duration,-d", run_args.duration, "Stop after this long (30s, 5m, 2h)");
  AddInputOptions(run, &run_args.in);
  run->footer(kSourceHelp + "\n" + kResultSinkHelp);

  app::TopArgs top_args;
  auto* top = app.add_subcommand(
      "top", "The most frequent hashtags (mentions, urls, ...) of a file or a live source");
  top->add_option("inputs", top_args.inputs,
                  "Files, '-' for stdin, or source specs (default: stdin)");
  top->add_option(
         "--by", top_args.by,
         "hashtag, mention, url, domain, cashtag, word, author, lang, kind, provider, rule, "
         "channel (repo, group)")
      ->capture_default_str();
  top->add_option("-k", top_args.k, "How many")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));
  top->add_option("--window", top_args.window,
                  "Count per event-time window (1m, 'sliding 10m 1m'); default: the whole input");
  top->add_option("--format", top_args.format, "table, tsv (key<TAB>count) or json")
      ->check(CLI::IsMember({"table", "tsv", "json"}))
      ->capture_default_str();
  top->add_flag("--approximate", top_args.approximate,
                "Space-Saving counters (bounded memory; counts carry an error bound)");
  top->add_flag("--trust-input", top_args.trust_input,
                "Faster on X v2 files: read each line no further than its tweet, so a line "
                "malformed after it is counted instead of going to dead letters");
  top->add_option("--workers,-w", top_args.workers,
                  "Worker threads (default: cores); each reads and parses its own blocks of "
                  "plain JSONL files")
      ->check(CLI::Range(1, 256));
  top->add_option("--limit,-n", top_args.limit, "Stop after N records");
  top->add_option("--duration,-d", top_args.duration, "Stop after this long");
  AddInputOptions(top, &top_args.in, "--input-format");
  top->footer(kSourceHelp);

  app::ServeCommandArgs serve_args;
  auto* serve_cmd = app.add_subcommand(
      "serve", "The dashboard over a stored run (the results store of run or demo)");
  serve_cmd
      ->add_option(
          "--db", serve_args.db,
          "Results store: FILE.db, FILE.h5, postgres://, mysql://, clickhouse://, mongodb://")
      ->required();
  serve_cmd->add_option("--posts", serve_args.posts,
                        "Posts store for the feed (e.g. the demo's *-posts.db, or a server store)");
  serve_cmd->add_option("--pipeline", serve_args.pipeline,
                        "Which pipeline of the database (default: the one with most windows)");
  serve_cmd->add_option("--windows", serve_args.windows, "Recent windows loaded per analysis")
      ->capture_default_str()
      ->check(CLI::Range(1, 100000));
  AddServeOptions(serve_cmd, &serve_args.serve);

  app::ReportArgs report_args;
  auto* report = app.add_subcommand(
      "report", "A stored run as one self-contained HTML file (inline charts, no network)");
  report
      ->add_option(
          "--db", report_args.db,
          "Results store: FILE.db, FILE.h5, postgres://, mysql://, clickhouse://, mongodb://")
      ->required();
  report->add_option("--posts", report_args.posts, "Posts database, for the recent posts");
  report->add_option("--out,-o", report_args.out, "The HTML file to write")->capture_default_str();
  report->add_option("--pipeline", report_args.pipeline,
                     "Which pipeline of the database (default: the one with most windows)");
  report->add_option("--title", report_args.title, "Title (default: 'Starling report: PIPELINE')");
  report->add_option("--windows", report_args.windows, "Recent windows read per analysis")
      ->capture_default_str()
      ->check(CLI::Range(1, 1000000));

  app::SentimentArgs senti;
  auto* sentiment = app.add_subcommand(
      "sentiment", "VADER sentiment of each post (or, with --text, each line) as JSON lines");
  sentiment->add_option("inputs", senti.inputs, "Files, '-' or source specs (default: stdin)");
  sentiment->add_flag("--text", senti.text, "Each input line is plain text");
  AddInputOptions(sentiment, &senti.in);

  app::SpecsArgs specs_args;
  auto* specs = app.add_subcommand(
      "specs", "Every source, sink and result-sink spec with its parameters (from the registries)");
  specs->add_flag("--markdown", specs_args.markdown, "As Markdown (what docs/specs.md holds)");
  specs->add_flag("--result-tables", specs_args.result_tables,
                  "The table each analysis kind stores its rows in, as Markdown (what "
                  "docs/formats/results.md holds)");

  app::QueryArgs query_args;
  auto* query = app.add_subcommand(
      "query",
      "Query posts or results with PRQL (docs/query.md): a store runs it as SQL, a file "
      "natively; the same answer everywhere");
  query
      ->add_option("--on", query_args.on,
                   "A store (x.db, postgres://, mysql://, clickhouse://, mongodb://) or a "
                   "file (x.jsonl of any provider, x.csv, .gz/.zst; x.h5 with its results)")
      ->required();
  query->add_option("query", query_args.query,
                    "The query; without it (and --file), a REPL reads queries from stdin");
  query->add_option("--file,-f", query_args.file, "Read the query from this file");
  query->add_option("--format", query_args.format, "table, tsv, csv or jsonl")
      ->capture_default_str();
  query->add_flag("--explain", query_args.explain,
                  "Print the SQL the store would run (or the native plan for a file) instead");
  query->footer(
      "\nExamples:\n"
      "  starling query --on posts.db 'from hashtags | group {tag_lower} (aggregate {n = count "
      "this}) | sort {-n} | take 10'\n"
      "  starling query --on tweets.jsonl --format tsv 'from posts | filter lang == \"en\" | "
      "select {id, author_handle, like_count}'\n"
      "  starling query --on out/demo.db 'from trending | filter analysis == \"top-hashtags\" | "
      "sort {-count} | take 5'\n"
      "  starling query --on posts.db --explain 'from posts | aggregate {n = count this}'\n"
      "  starling query --on posts.db            # a REPL: end a query with a blank line or ;\n"
      "\nTables: posts, hashtags, mentions, urls, cashtags, post_references, matching_rules; "
      "result tables (counts, trending, ...) in a results store (a database, or an .h5 "
      "file `starling run` wrote).\n"
      "Exit codes: 0 done, 2 a bad query or usage (query:LINE:COL: with a caret), 1 a runtime "
      "error.");

  app::ConfigureArgs configure_args;
  auto* configure = app.add_subcommand(
      "configure",
      "Save provider tokens in a 0600 file (" + CredentialsPath() +
          "); the environment variables win. Without NAMEs: which are set, never their values");
  configure->add_option("names", configure_args.names,
                        "Credentials to set, each read from stdin (hidden on a terminal): "
                        "X_BEARER_TOKEN, GITHUB_TOKEN, MASTODON_TOKEN, MEETUP_TOKEN");
  configure->add_option("--unset", configure_args.unset, "Remove a credential from the file");
  configure->add_flag("--path", configure_args.path, "Print the credentials file's path");

  app::RulesArgs rules_args;
  auto* rules = app.add_subcommand(
      "rules", "The X filtered stream's rules (x:stream); their tags become the 'rule' dimension");
  rules->require_subcommand(1);
  auto rules_common = [&](CLI::App* c) {
    c->add_flag("--dry-run", rules_args.dry_run, "Ask the API to check only (?dry_run=true)");
    c->add_flag("--json", rules_args.json, "Print the API's JSON answer");
    c->add_option("--api-base", rules_args.api_base,
                  "The API's address (default https://api.x.com)");
  };
  auto* rules_list = rules->add_subcommand("list", "The stream's rules: id, tag, value");
  rules_common(rules_list);
  auto* rules_add = rules->add_subcommand("add", "Add a rule (X's rule syntax)");
  rules_add->add_option("value", rules_args.values, "The rule, e.g. '#nasa has:images -is:retweet'")
      ->required();
  rules_add->add_option("--tag", rules_args.tag, "Its tag (the 'rule' dimension of analyses)");
  rules_common(rules_add);
  auto* rules_delete = rules->add_subcommand("delete", "Delete rules by id, or --all");
  rules_delete->add_option("ids", rules_args.values, "Rule ids");
  rules_delete->add_flag("--all", rules_args.all, "Delete every rule");
  rules_common(rules_delete);
  auto* rules_sync = rules->add_subcommand(
      "sync", "Make the rules exactly those of FILE (YAML or JSON: a list of {value, tag})");
  rules_sync->add_option("file", rules_args.values, "The rules file")->required();
  rules_common(rules_sync);
  for (auto* c : {rules_list, rules_add, rules_delete, rules_sync}) {
    c->callback([&rules_args, c] { rules_args.action = c->get_name(); });
  }

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

  // A closed standard output is an error each command reports (exit 141), not a silent death.
  std::signal(SIGPIPE, SIG_IGN);
  const int code = [&] {
    if (*normalize) return app::RunNormalize(norm);
    if (*collect) return app::RunCollect(col);
    if (*convert) return app::RunConvert(conv);
    if (*generate) return app::RunGenerate(gen);
    if (*run) return app::RunPipelineFile(run_args);
    if (*top) return app::RunTop(top_args);
    if (*sentiment) return app::RunSentiment(senti);
    if (*serve_cmd) return app::RunServe(serve_args);
    if (*report) return app::RunReport(report_args);
    if (*specs) return app::RunSpecs(specs_args);
    if (*query) return app::RunQuery(query_args);
    if (*configure) return app::RunConfigure(configure_args);
    if (*rules) return app::RunRules(rules_args);
    if (*demo) {
      demo_args.program = argv[0];
      return app::RunDemo(demo_args);
    }
    return app::kExitUsage;
  }();
  return app::FinalExitCode(code);
}
