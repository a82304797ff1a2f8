// File: dataflow/runtime.h
// Runs a pipeline over a source. The stages and their threads:
//
//   reader ──chunks──▶ parse workers (N) ──▶ router ──broadcast──▶ partitions (N) ──▶ collector
//   (source)           parse, transforms,    watermark,             keyed window       merge
//   partials,
//                      features, keys        late side output,      state, hash(key)   sinks,
//                      checkpoints,
//                                            checkpoint barriers    % N                subscribers
//
// With one worker every stage runs inline on the calling thread. Queues are
// bounded and chunks come from a fixed pool, so a slow sink slows the source
// instead of growing memory. Results do not depend on the number of workers,
// on the processing model, or on how the input was cut into chunks: the
// watermark and the lateness of each post are functions of the input order.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "dataflow/dead_letters.h"
#include "dataflow/pipeline.h"
#include "model/window_result.h"
#include "parse/post_parser.h"
#include "sink/result_sink.h"
#include "sink/sink.h"
#include "source/file_blocks.h"
#include "source/record_source.h"

namespace starling::dataflow {

struct RunStats {
  std::uint64_t records = 0;  // records read (blank lines excluded)
  std::uint64_t posts = 0;    // posts after transforms
  std::uint64_t bytes = 0;
  std::uint64_t dead_letters = 0;
  std::uint64_t controls = 0;
  std::uint64_t late_posts = 0;  // posts too late for every window (side output)
  // Items an analysis dropped because their window had closed, from posts on
  // time for another analysis (a 1 s window closes before a 1 h one).
  std::uint64_t late_items = 0;
  std::uint64_t results = 0;  // window results emitted (previews and finals)
  std::uint64_t final_results = 0;
  std::uint64_t checkpoints = 0;
  std::uint64_t resumed_records = 0;  // records a --resume did not read again
  bool resumed_by_seek = false;       // ... because the source moved to the position
  std::size_t open_windows = 0;
  model::TimestampUs watermark = 0;
  std::chrono::microseconds elapsed{0};
  std::chrono::microseconds last_checkpoint_age{0};
  // From reading a record to its chunk's window updates being emitted to the
  // sinks (record mode: per post; micro-batch: includes the batch wait).
  std::chrono::microseconds latency_p50{0};
  std::chrono::microseconds latency_p99{0};
  std::chrono::microseconds latency_max{0};
  // A provider source's connection (RecordSource::Health), at the last
  // progress report; unset for files, the generator and the like.
  std::optional<source::SourceHealth> source_health;
};

// A window still open (RunOptions::on_idle): the latest partial of each
// keyed partition of the engine (nullptr where one has none).
struct OpenWindow {
  std::uint32_t analysis = 0;
  model::TimestampUs start = 0;
  model::TimestampUs end = 0;
  std::vector<const Partial*> partials;
};

struct RunOptions {
  int workers = 1;  // >= 1; the default of the CLI is the number of cores
  parse::ParseOptions parse;
  Clock* clock = &RealClock::Instance();
  const std::atomic<bool>* stop = nullptr;  // set (e.g. by SIGINT) to stop cleanly
  std::uint64_t limit = 0;                  // stop after this many records (0: none)
  std::chrono::microseconds duration{0};    // stop after this long (0: none)
  // Outputs. All are used from one thread (the collector); none is owned.
  std::vector<sink::PostSink*> post_sinks;      // every post that passed the transforms
  std::vector<sink::ResultSink*> result_sinks;  // window results
  sink::PostSink* late_sink = nullptr;          // posts too late for all their windows
  DeadLetterWriter* dead_letters = nullptr;     // records that could not be parsed
  // The in-process subscription: called on the collector thread for every
  // emitted result (after the sinks got it). Must not block for long.
  std::function<void(const model::WindowResult&)> on_result;
  std::function<void(const RunStats&)> on_progress;
  std::chrono::milliseconds progress_interval{500};
  // Scale-out (dataflow/scale_out.h): a final window's partials, as the
  // keyed stage made them (every key its state kept, with sketches), go
  // here instead of being merged into a result for the result sinks; no
  // preview is emitted, and the keyed stage makes none either, but when its
  // partition goes idle (its windows emit when they close, or then:
  // AnalysisState::FinalsOnly). Called on the
  // collector's thread, in window-end order, for the analysis numbered
  // `analysis`.
  std::function<Status(std::uint32_t analysis, model::TimestampUs start, model::TimestampUs end,
                       const std::vector<const Partial*>& partials)>
      on_final_partials;
  // Called on the collector's thread after a chunk whose watermark moved
  // (and after the partials it closed), with the new watermark.
  std::function<Status(model::TimestampUs watermark)> on_watermark;
  // Scale-out, with on_final_partials: called on the collector's thread
  // when every partition a partitioned source holds has become idle (no
  // post for the pipeline's idle_timeout, as the router judges it), with
  // every window still open and its partials as they stand (after the
  // finals and the watermark of that chunk): what this input holds of
  // them for as long as it stays idle. Called with idle false (and no
  // windows) before the results of the chunk in which a partition has a
  // post again. A quiet source in record mode gets an empty chunk every
  // idle_timeout, so that idleness is noticed without a record.
  std::function<Status(bool idle, const std::vector<OpenWindow>& open)> on_idle;
  // Early results: every this often (processing time; 0: never) windows
  // still open are emitted as previews, so a live view need not wait for a
  // window to end. Finals are unchanged.
  std::chrono::milliseconds early_results{0};
  std::chrono::milliseconds flush_interval{1000};
  // Checkpoints: a consistent snapshot of all state and the source position,
  // written atomically to checkpoint_dir every checkpoint_interval and when
  // the run stops. resume: start from the one found there.
  std::string checkpoint_dir;
  std::chrono::milliseconds checkpoint_interval{10000};
  bool resume = false;
  // Record mode with several workers: records per chunk (latency vs
  // overhead). A chunk that fills without the source making it wait (a
  // backlog: a topic, a file read in order) doubles the next one, up to
  // max_chunk_records and about a MiB; a chunk cut short starts over at
  // chunk_records, so a live source keeps its latency. Not with
  // checkpoints: a resumed run must cut the input where the first did
  // (previews of the windows a chunk changed come at its end).
  std::size_t chunk_records = 64;
  std::size_t max_chunk_records = 1024;
  // One worker: records per chunk. 1 (the default): each record goes
  // through every stage before the next is read, the lowest latency. More
  // spreads the per-chunk work (routing, the windows' emits, the
  // collector, the clock) over a backlog; a chunk is still cut as soon as
  // the source would make it wait. A scale-out partition's engine uses 64.
  std::size_t inline_chunk_records = 1;
  // Chunks in flight (bounds memory); 0: 4 per worker + 4 (2 per worker
  // for a parallel scan, whose chunks are blocks of a MiB).
  std::size_t max_chunks = 0;
  // The input as blocks of plain JSONL files, for a parallel scan: the
  // parse workers read the blocks themselves (pread), in parallel, instead
  // of one reader thread reading `source`, which is then not read. Same
  // records, results and dead letters (with their line numbers). Used only
  // by a run without checkpoints, resume, limit or early results, in record
  // mode; any other run reads `source`, which must then be the same input.
  // Not owned.
  const source::FileBlocks* blocks = nullptr;
  // Threads for the keyed stage (window state) with several workers.
  // 0: the collector's thread runs every partition in turn, after routing
  // (fewer threads and wakeups: the better choice while parsing dominates,
  // as on a small machine); -1: automatic (one per worker from 4 workers
  // on, else 0); N: up to N threads, each running partitions p % N.
  int partition_threads = -1;
};

// Runs until the source ends, the limit or duration is reached, or *stop is
// set; then every open window is closed and emitted as final. Errors: an
// invalid spec, a source I/O error, a sink that cannot write, a checkpoint
// that cannot be written or (on resume) read.
Result<RunStats> RunPipeline(const PipelineSpec& spec, source::RecordSource& source,
                             const RunOptions& options);

}  // namespace starling::dataflow
