// File: app/commands.h
// The subcommands of `starling`. Each returns the process exit code:
// 0 success, 1 the run failed (I/O, bad data that stops the run), 2 usage error.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace starling::app {

struct CommonInput {
  std::string format = "auto";
  bool include_referenced = false;
  bool no_extract = false;
  std::string dead_letter;  // empty: default beside the output
  std::uint64_t max_record_bytes = 16u << 20;
  bool keep_raw = true;  // not a flag: set by commands whose output never shows raw
};

struct NormalizeArgs {
  std::vector<std::string> inputs;  // files, "-" or source specs; empty = stdin
  bool text = false;
  bool indices = false;  // with text: entities as objects with code-point offsets
  bool with_raw = false;
  CommonInput in;
};
int RunNormalize(const NormalizeArgs& args);

struct CollectArgs {
  std::string source;
  std::vector<std::string> sinks;
  std::string record;  // --record FILE: the source's records as they came
  std::uint64_t limit = 0;
  std::string duration;
  bool replace = false;  // --replace: stores start empty (sink::OpenOptions::replace)
  CommonInput in;
};
int RunCollect(const CollectArgs& args);

struct ConvertArgs {
  std::string src;
  std::string dst;
  bool replace = false;  // --replace: a store output starts empty
  CommonInput in;
};
int RunConvert(const ConvertArgs& args);

struct GenerateArgs {
  double rate = 1000;
  std::uint64_t count = 0;
  std::uint64_t seed = 7;
  bool no_pace = false;
  std::string start;  // ISO-8601; empty = now
};
int RunGenerate(const GenerateArgs& args);

// The dashboard server's options (docs/api.md), shared by demo, run and serve.
struct ServeArgs {
  bool enabled = false;
  int port = 8080;  // 0: a free port
  std::string bind = "127.0.0.1";
  std::string auth_token;  // or STARLING_AUTH_TOKEN
  bool insecure = false;
  std::string web_root;  // default: STARLING_WEB_ROOT, else the page built into the binary
};

struct DemoArgs {
  ServeArgs serve{.enabled = true};
  std::string duration;                 // empty: until Ctrl-C when serving, else 30s
  std::string db = "starling-demo.db";  // window results; posts go to <db stem>-posts.db
  double rate = 2000;
  std::string source;  // empty: the generator at `rate`
  int workers = 0;
  std::string program = "starling";  // how the user ran us, for the hints printed at the end
};
int RunDemo(const DemoArgs& args);

// `starling query` (query_command.cc, docs/query.md).
struct QueryArgs {
  std::string on;     // a store spec or a file of posts
  std::string query;  // the query text; empty with no --file: the REPL
  std::string file;   // --file: the query from this file
  std::string format = "table";
  bool explain = false;
};
int RunQuery(const QueryArgs& args);

}  // namespace starling::app

namespace starling::dataflow {
struct PipelineFile;
}  // namespace starling::dataflow

namespace starling::app {

struct RunArgs {
  std::string pipeline;              // YAML file
  std::vector<std::string> sources;  // override the file's sources
  std::string checkpoint_dir;
  bool resume = false;
  std::string record;  // --record FILE: the source's records as they came
  // File outputs (JSONL, CSV, dead letters) that already hold something:
  // refused unless one of these says what to do with them.
  bool overwrite = false;  // start them afresh
  bool append = false;     // write on at their end
  std::string mode;        // "", record, microbatch
  int workers = 0;         // 0: the file's, else the number of cores
  std::uint64_t limit = 0;
  std::string duration;
  std::vector<std::string> results;  // override sinks.results
  bool print_results = false;        // also print results as JSON lines on stdout
  bool scale_out = false;  // one of several processes on a Kafka group (docs/scale-out.md)
  CommonInput in;
  ServeArgs serve;  // --serve: the dashboard while the pipeline runs
};
int RunPipelineFile(const RunArgs& args);
// `run --scale-out` (scale_out_command.cc), once RunPipelineFile read the file.
int RunScaleOutFile(const RunArgs& args, const std::string& source,
                    const dataflow::PipelineFile& f);

// `starling serve --db sqlite:FILE`: the dashboard over a stored run.
struct ServeCommandArgs {
  ServeArgs serve{.enabled = true};
  std::string db;             // results: sqlite:PATH or PATH
  std::string posts;          // optional posts database (sqlite:PATH or PATH)
  std::string pipeline;       // which pipeline of the database (default: the one with most windows)
  std::size_t windows = 240;  // recent windows loaded per analysis
};
int RunServe(const ServeCommandArgs& args);

// `starling report --db sqlite:FILE --out report.html`: a stored run as one
// self-contained HTML file.
struct ReportArgs {
  std::string db;        // results: sqlite:PATH or PATH
  std::string posts;     // optional posts database
  std::string pipeline;  // default: the one with most windows
  std::string out = "report.html";
  std::string title;
  std::size_t windows = 1000;  // recent windows per analysis
};
int RunReport(const ReportArgs& args);

// `starling specs [--markdown]`: the registered connectors and their parameters.
struct SpecsArgs {
  bool markdown = false;
  bool result_tables = false;  // the result tables (docs/formats/results.md) instead
};
int RunSpecs(const SpecsArgs& args);

struct TopArgs {
  std::vector<std::string> inputs;  // files, '-' or source specs; empty = stdin
  std::string by = "hashtag";
  std::size_t k = 10;
  std::string window;  // empty: the whole input
  std::string format = "table";
  int workers = 0;
  std::uint64_t limit = 0;
  std::string duration;
  bool approximate = false;
  bool trust_input = false;  // read X v2 lines no further than their `data`
  CommonInput in;
};
int RunTop(const TopArgs& args);

struct SentimentArgs {
  std::vector<std::string> inputs;
  bool text = false;
  CommonInput in;
};
int RunSentiment(const SentimentArgs& args);

// `starling configure`: the providers' tokens in the 0600 credentials file.
struct ConfigureArgs {
  std::vector<std::string> names;  // read each one's value from stdin (hidden on a terminal)
  std::vector<std::string> unset;
  bool path = false;
};
int RunConfigure(const ConfigureArgs& args);

// `starling rules`: the X filtered stream's rules.
struct RulesArgs {
  std::string action;               // list, add, delete, sync
  std::vector<std::string> values;  // add: rule values; delete: ids; sync: the file
  std::string tag;
  bool all = false;
  bool dry_run = false;
  bool json = false;
  std::string api_base;
};
int RunRules(const RulesArgs& args);

}  // namespace starling::app
