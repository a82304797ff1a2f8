// File: dataflow/ingest.h
// The linear pipeline of the foundation: records from a source are parsed
// into posts and handed to every sink; bad records go to dead letters and the
// stream goes on. (The windowed engine builds on this.)
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "dataflow/dead_letters.h"
#include "parse/post_parser.h"
#include "sink/sink.h"
#include "source/record_source.h"

namespace starling::dataflow {

struct IngestStats {
  std::uint64_t records = 0;       // records read (blank lines excluded)
  std::uint64_t posts = 0;         // posts written to the sinks
  std::uint64_t bytes = 0;         // record bytes read
  std::uint64_t dead_letters = 0;  // records that could not be parsed
  std::uint64_t controls = 0;      // control messages (delete, limit, disconnect, ...)
  std::map<std::string, std::uint64_t> controls_by_kind;
  std::chrono::microseconds elapsed{0};
};

struct IngestOptions {
  parse::ParseOptions parse;
  std::uint64_t limit = 0;                // stop after this many posts (0: no limit)
  std::chrono::microseconds duration{0};  // stop after this much time (0: no limit)
  Clock* clock = &RealClock::Instance();
  const std::atomic<bool>* stop = nullptr;  // set from a signal handler to stop cleanly
  // Called about every progress_interval with the running totals.
  std::function<void(const IngestStats&)> on_progress;
  std::chrono::milliseconds progress_interval{500};
  // Commit sinks at least this often so a live run is visible while it runs.
  std::chrono::milliseconds flush_interval{1000};
};

// Runs until the source ends, the limit or duration is reached, or *stop is
// set. Sinks are flushed (not closed) at the end. Returns an error only for
// failures that must stop the run: a source I/O error, a sink that cannot
// write, a dead-letter file that cannot be written.
Result<IngestStats> RunIngest(source::RecordSource& source,
                              const std::vector<sink::PostSink*>& sinks,
                              DeadLetterWriter& dead_letters, const IngestOptions& options);

}  // namespace starling::dataflow
