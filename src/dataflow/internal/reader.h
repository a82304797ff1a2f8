// File: dataflow/internal/reader.h
// The start of the engine: the reader cuts the source's records into chunks
// (record mode: up to a chunk's worth, sooner when the source would make it
// wait; micro-batch: the batch interval, in chunks of kBatchChunkRecords),
// decides when the run stops (limit, --duration, stop flag) and moves a
// resumed run past what its checkpoint covers. For a parallel scan,
// BlockClaims hands blocks of the input to the parse workers instead, and
// FillFromBlock reads one into a chunk.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string_view>

#include "common/clock.h"
#include "common/status.h"
#include "dataflow/internal/chunk.h"
#include "dataflow/pipeline.h"
#include "dataflow/runtime.h"
#include "model/post.h"
#include "source/file_blocks.h"
#include "source/record_source.h"

namespace starling::dataflow::internal {

// The record count of a reader's next chunk (RunOptions::chunk_records),
// after `c` was filled with at most `now`: a chunk that filled doubles it,
// up to `last` and while the chunk stays within about a MiB (bigger records
// shrink it, never below `first`); any other chunk (the source would have
// waited, or the run stops) starts over at `first`.
std::size_t NextChunkRecords(const Chunk& c, std::size_t now, std::size_t first, std::size_t last);

// Used by one thread at a time, except Stopping (see BlockClaims).
class Reader {
 public:
  // spec, source and options must outlive it.
  Reader(const PipelineSpec& spec, source::RecordSource& source, const RunOptions& options);

  // Continues after the records a checkpoint covers: moves the source to its
  // saved position when it can seek, else reads and drops that many records.
  // Returns whether it moved.
  Result<bool> Resume(std::uint64_t records, std::string_view position);
  // A chunk's position completed for a checkpoint (the collector's thread:
  // RecordSource::SealPosition only reads the input by offset).
  std::string SealPosition(std::string_view position) const {
    return source_.SealPosition(position);
  }
  // A checkpoint of this sealed position is written (the collector's
  // thread; RecordSource::CheckpointDurable is thread-safe).
  void CheckpointDurable(std::string_view position) { source_.CheckpointDurable(position); }

  // Reads and drops records until `records` were consumed. InvalidArgument
  // when the source ends first.
  Status Skip(std::uint64_t records);

  // Fills the next chunk. Returns false when the input (or the run) is over
  // and the chunk is the end marker.
  Result<bool> Fill(Chunk& c, std::size_t max_records);

  // Whether the run is over (limit, stop flag, --duration). Called for every
  // record. every_call: read the clock each time (once per block of a
  // parallel scan, where a call stands for many records).
  bool Stopping(bool every_call = false) {
    if (limit_hit_) return true;
    if (options_.stop != nullptr && options_.stop->load(std::memory_order_relaxed)) return true;
    // The clock is read only with a --duration, and then every 64th call
    // (a clock read costs more than a small record).
    if (deadline_ == std::chrono::steady_clock::time_point::max()) return false;
    if (!every_call && (++stop_checks_ & 63) != 0 && !deadline_passed_) return false;
    deadline_passed_ = deadline_passed_ || clock_.Steady() >= deadline_;
    return deadline_passed_;
  }
  std::uint64_t consumed() const { return consumed_; }
  // The caller is done with a one-record chunk before it calls Fill again:
  // such a record may stay a view into the source's buffer (no copy).
  void KeepViews() { views_ = true; }
  // Chunks go to other threads: records stay views into the source's
  // buffers where the source can share them (Record::keep), else are copied.
  void ShareViews() { source_.ShareBuffers(); }
  // The source's connection state (thread-safe; see RecordSource::Health).
  std::optional<source::SourceHealth> Health() const { return source_.Health(); }
  // The input ended (as opposed to a stop by limit, duration or signal).
  bool exhausted() const { return done_; }

 private:
  const PipelineSpec& spec_;
  source::RecordSource& source_;
  const RunOptions& options_;
  Clock& clock_;
  std::chrono::steady_clock::time_point t0_;
  std::chrono::steady_clock::time_point deadline_;
  std::uint64_t consumed_ = 0;
  std::uint64_t partition_epoch_ = 0;  // RecordSource::PartitionEpoch last seen
  // Records this run read itself (not those a resumed run skipped), blank
  // lines left out: what the limit counts.
  std::uint64_t counted_ = 0;
  bool done_ = false;
  bool limit_hit_ = false;
  std::uint64_t stop_checks_ = 0;
  bool deadline_passed_ = false;
  bool batch_open_ = false;  // micro-batch: a batch spans several chunks
  std::chrono::steady_clock::time_point batch_deadline_{};
  std::size_t batch_records_ = 0;
  std::chrono::steady_clock::time_point batch_first_read_{};
  bool views_ = false;
  std::chrono::steady_clock::time_point last_early_{};
  std::chrono::steady_clock::time_point last_cut_{};  // the last chunk's read_at
  bool commit_when_quiet_ = false;  // a two-phase output: empty chunks while quiet
};

// The parallel scan (RunOptions::blocks): parse workers claim the blocks
// of the input in order and read them themselves, so the kernel's copy of
// the file runs on every worker instead of on one reader thread. Sequence
// numbers are block indexes, then one more for the end marker, handed out
// once: after the last block, or as soon as the run is stopping (signal,
// --duration). Thread-safe; the reader is asked only whether to stop.
class BlockClaims {
 public:
  struct Claim {
    std::uint64_t seq = 0;
    bool end = false;  // the end marker, not a block
    // When it was claimed: in input order, as a sequential reader's reads.
    std::chrono::steady_clock::time_point read_at{};
    model::TimestampUs arrival = 0;  // wall clock (processing time only)
  };

  BlockClaims(const source::FileBlocks& blocks, Reader& reader, Clock& clock, bool stamp_arrival)
      : blocks_(blocks), reader_(reader), clock_(clock), stamp_arrival_(stamp_arrival) {}

  // nullopt once the end marker was handed out.
  std::optional<Claim> Next();

 private:
  const source::FileBlocks& blocks_;
  Reader& reader_;
  Clock& clock_;
  const bool stamp_arrival_;
  std::mutex mu_;
  std::uint64_t next_ = 0;
  bool ended_ = false;
};

// Fills c with block claim.seq of `blocks` (read here, on the caller's
// thread, into `block`), or makes it the end marker. Blank lines are
// dropped, as Reader::Fill does; the records' lines count from the block's
// start.
Status FillFromBlock(const source::FileBlocks& blocks, const BlockClaims::Claim& claim,
                     source::FileBlocks::Block& block, Chunk& c);

}  // namespace starling::dataflow::internal
