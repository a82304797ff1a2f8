// File: app/cli_util.h
// Small pieces the subcommands share: durations, the live progress line,
// Ctrl-C handling, the end-of-run summary.
#pragma once

#include <atomic>
#include <chrono>
#include <string>
#include <string_view>

#include "common/duration.h"
#include "common/number_format.h"
#include "common/status.h"
#include "dataflow/ingest.h"

namespace starling::app {

// Durations: "90", "90s", "500ms", "1.5s", "5m", "2h", "1d" (common/duration.h).
using starling::ParseDuration;

// Global output settings (from --quiet / --verbose / --log-format).
struct Ui {
  bool quiet = false;
  bool verbose = false;
  bool progress = false;  // stderr is a terminal and not quiet
};
Ui& GlobalUi();

// Installs SIGINT/SIGTERM handlers that set the returned flag; a second
// signal exits at once.
const std::atomic<bool>* InstallStopHandler();
// The signal that asked the program to stop (SIGINT, SIGTERM), or 0.
int StopSignal();

// The program's exit code (docs/cli.md): 0 done, 1 failed, 2 usage error,
// 128 + the signal when a signal stopped it early (130 for Ctrl-C, 143 for
// SIGTERM; outputs closed cleanly), 141 when the reader of standard output
// went away (a broken pipe; other outputs closed cleanly).
inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitOutputClosed = 141;
// What a command's own code becomes: a clean end after a stop signal says so.
int FinalExitCode(int command_code);
// For a command whose natural end is Ctrl-C (serve, the demo without
// --duration, a dashboard left up after its run): a stop signal from now on
// ends it with 0, not 128 + the signal.
void StopSignalEndsNormally();

// Writes to standard output: OutputClosed when its reader went away (EPIPE,
// with SIGPIPE ignored), IoError for any other failure.
Status WriteStdout(std::string_view bytes);
// Flushes standard output after printf-style writes; errors as WriteStdout.
Status FlushStdout();

// Returns a progress callback that redraws one line on stderr (only on a terminal).
std::function<void(const dataflow::IngestStats&)> ProgressLine(std::string label);
// Ends the progress line (newline) if one was drawn.
void EndProgressLine();

// Prints the end-of-run summary to stderr (unless quiet).
void PrintSummary(const dataflow::IngestStats& stats, const std::string& dead_letter_path);

}  // namespace starling::app
