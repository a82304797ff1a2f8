// File: dataflow/internal/checkpoint_format.h
// The checkpoint file of the engine: checkpoint.bin in --checkpoint-dir, one
// consistent snapshot of a run (pipeline fingerprint, source position, the
// router's, every partition's and the collector's state as opaque blobs, the
// run's counters and each file output's commit token).
//
// Layout (integers LEB128 varints, strings length-prefixed; common/codec.h):
//   magic      "STARLING-CHECKPOINT-5" (the trailing number is the format
//              version; a file of another version is refused, not read)
//   checksum   fixed64, XXH3 (analytics::Hash64) of the body
//   size       fixed64, the body's length in bytes
//   body       fingerprint, partitions, position, source_position, id,
//              router, partition_states[partitions], collector,
//              stats (SaveStats), sinks count, (name, token) per sink
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/codec.h"
#include "common/status.h"
#include "dataflow/runtime.h"
#include "model/window_result.h"

namespace starling::dataflow::internal {

inline constexpr std::string_view kCheckpointMagic = "STARLING-CHECKPOINT-5";
inline constexpr std::string_view kCheckpointFile = "checkpoint.bin";
// A run with a two-phase output (sink::PostSink::TwoPhase) writes each
// checkpoint here first, completes the output, then renames it to
// checkpoint.bin; a resume that finds it asks the output which one holds.
inline constexpr std::string_view kCandidateFile = "checkpoint.next.bin";

struct CheckpointData {
  std::string fingerprint;  // PipelineSpec::Fingerprint() of the run
  std::uint32_t partitions = 0;
  std::uint64_t position = 0;   // records consumed from the source
  std::string source_position;  // the source's own token there (may be empty)
  std::uint64_t id = 0;
  std::string router;
  std::vector<std::string> partition_states;  // one per partition
  std::string collector;
  RunStats stats;  // only the counters SaveStats keeps
  // Each file output at the checkpoint: (CommitName, Commit token).
  std::vector<std::pair<std::string, std::string>> sinks;
};

// A window result (with its rows), inside a checkpoint's collector state
// or a scale-out partials message (dataflow/scale_out.h).
void SaveResult(ByteWriter& w, const model::WindowResult& r);
bool LoadResult(ByteReader& r, model::WindowResult* out);

// The run's counters in a checkpoint: records, posts, bytes, dead_letters,
// controls, late_posts, results, final_results, checkpoints (in this order);
// the other fields of RunStats are not kept.
void SaveStats(ByteWriter& w, const RunStats& s);
bool LoadStats(ByteReader& r, RunStats* s);

// The bytes of a checkpoint file. d.partition_states must hold d.partitions
// entries (1 to 4096).
std::string EncodeCheckpoint(const CheckpointData& d);

// Reads the bytes of a checkpoint file; `path` names it in the errors:
//   InvalidArgument  "... was written by another version of starling ...":
//                    the magic of another format version
//   MalformedInput   "checkpoint PATH is corrupt (not a checkpoint)": no magic;
//                    "... (truncated)": the file is shorter or longer than its
//                    header says; "... (checksum mismatch)"; "... (trailing
//                    bytes)": bytes after the last field of the body; and
//                    "checkpoint PATH is corrupt" for a garbled body.
// Accepts what EncodeCheckpoint writes; varints are read as ByteReader reads
// them (an over-long encoding of a number is accepted).
Result<CheckpointData> DecodeCheckpoint(std::string_view file, const std::string& path);

// Writes dir/checkpoint.bin atomically: a temporary file, fsync, rename, fsync
// of the directory (created if missing). A failed write removes the
// temporary file and keeps the previous checkpoint; the error names the cause
// (ResourceExhausted on a full disk, else IoError).
// `file` names it in dir (kCandidateFile for a candidate).
Status WriteCheckpoint(const std::string& dir, const CheckpointData& d,
                       std::string_view file = kCheckpointFile);

// Reads dir/checkpoint.bin (or `file`): NotFound when there is none, else
// as DecodeCheckpoint.
Result<CheckpointData> ReadCheckpoint(const std::string& dir,
                                      std::string_view file = kCheckpointFile);

// The candidate becomes dir/checkpoint.bin (rename, then fsync of dir).
Status PromoteCandidate(const std::string& dir);
// Removes dir's candidate, if any.
Status RemoveCandidate(const std::string& dir);

}  // namespace starling::dataflow::internal
