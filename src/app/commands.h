// File: app/commands.h
// The subcommands of `starling`. Each returns the process exit code:
// 0 success, 1 the run failed (I/O, bad data that stops the run), 2 usage error.
#pragma once

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
  bool with_raw = false;
  CommonInput in;
};
int RunNormalize(const NormalizeArgs& args);

struct CollectArgs {
  std::string source;
  std::vector<std::string> sinks;
  std::uint64_t limit = 0;
  std::string duration;
  CommonInput in;
};
int RunCollect(const CollectArgs& args);

struct ConvertArgs {
  std::string src;
  std::string dst;
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

struct DemoArgs {
  std::string duration = "30s";
  std::string db = "starling-demo.db";
  double rate = 2000;
  std::string program = "starling";  // how the user ran us, for the hints printed at the end
};
int RunDemo(const DemoArgs& args);

}  // namespace starling::app
