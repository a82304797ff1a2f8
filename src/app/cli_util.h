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

// Returns a progress callback that redraws one line on stderr (only on a terminal).
std::function<void(const dataflow::IngestStats&)> ProgressLine(std::string label);
// Ends the progress line (newline) if one was drawn.
void EndProgressLine();

// Prints the end-of-run summary to stderr (unless quiet).
void PrintSummary(const dataflow::IngestStats& stats, const std::string& dead_letter_path);

}  // namespace starling::app
