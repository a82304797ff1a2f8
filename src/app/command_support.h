// File: app/command_support.h
// Helpers the subcommands share (defined in commands.cc and engine_support.cc).
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "app/commands.h"
#include "common/status.h"
#include "parse/post_parser.h"
#include "source/file_blocks.h"
#include "source/record_source.h"

namespace starling::dataflow {
struct RunStats;
}  // namespace starling::dataflow

namespace starling::app {

// Logs the error and returns the exit code (2 for usage errors, else 1).
int Fail(const Status& st);
Result<parse::ParseOptions> MakeParseOptions(const CommonInput& in);
// What every source of a command is opened with: a record longer than
// --max-record-size is cut there while it is read and the rest of it
// skipped, so memory stays bounded however long a line is (its dead letter
// keeps the first bytes and its position).
source::SourceOptions MakeSourceOptions(const CommonInput& in);
// Files, '-' or source specs, read one after the other (stdin when empty).
Result<std::unique_ptr<source::RecordSource>> OpenInputs(const std::vector<std::string>& inputs,
                                                         const source::SourceOptions& so);
// The same inputs for a parallel scan (RunOptions::blocks) when every one
// is a plain JSONL file; nullptr when not (stdin, a stream, compressed,
// JSON documents), and the run reads OpenInputs' source.
Result<std::unique_ptr<source::FileBlocks>> OpenInputBlocks(const std::vector<std::string>& inputs,
                                                            const source::SourceOptions& so);
std::string DefaultDeadLetterPath(const std::string& sink_spec);

// What the engine commands (run, top, demo) share (engine_support.cc): the
// default worker count (the cores, at most 64), the progress line on stderr
// (nullptr under -q) and the closing summary of a run.
int DefaultWorkers();
std::function<void(const dataflow::RunStats&)> EngineProgress(std::string label);
void PrintRunSummary(const dataflow::RunStats& s, const std::string& dead_letters);
// Refuses an output spec (post or result sink, or a plain path) that names a
// file one of the source specs reads, however it is reached (same inode:
// symlinks and hard links too): opening it would truncate the input.
Status CheckNotReadingOutput(const std::vector<std::string>& sources,
                             const std::vector<std::string>& outputs);

}  // namespace starling::app

namespace starling::serve {
class DashboardServer;
class DashboardState;
}  // namespace starling::serve

namespace starling::app {

// Starts the dashboard server (docs/api.md) over `state` and prints
// "dashboard: http://ADDR:PORT/" on stdout. The token comes from the
// arguments or STARLING_AUTH_TOKEN; the page from --web-root or
// STARLING_WEB_ROOT on disk when given, else the one compiled into the
// binary (serve/embedded_page.h). Errors as DashboardServer::Start.
Result<std::unique_ptr<serve::DashboardServer>> StartDashboard(const ServeArgs& args,
                                                               serve::DashboardState& state);

}  // namespace starling::app
