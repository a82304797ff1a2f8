// File: dataflow/internal/chunk.h
// The unit of work of the engine (dataflow/runtime): a chunk of raw records
// as the reader cut them, filled in by each stage in turn (parsed posts and
// their keys, then the router's watermark and lateness), and what a
// partition hands the collector for it. Chunks come from a fixed pool and are
// reused: Reset() keeps the buffers' capacity.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "dataflow/analysis.h"
#include "dataflow/keys.h"
#include "dataflow/window.h"
#include "model/post.h"

namespace starling::dataflow::internal {

struct RawRecord {
  const char* view = nullptr;  // the bytes, still in the source's buffer; or
  std::uint32_t offset = 0;    // (view == nullptr) where they are in Chunk::raw
  std::uint32_t size = 0;
  std::uint64_t line = 0;
  std::uint64_t source_offset = 0;
  std::uint32_t origin = 0;     // index in Chunk::origins
  std::int32_t partition = -1;  // source::Record::partition
  bool truncated = false;
  std::uint64_t full_size = 0;  // truncated: the record's whole size
};

// A record's bytes, followed by at least kPaddingForInPlace readable bytes.
inline std::string_view RecordBytes(const std::string& raw, const RawRecord& r) {
  return {r.view != nullptr ? r.view : raw.data() + r.offset, r.size};
}

// A partitioned source's held partitions changed (RecordSource::
// PartitionEpoch) while the reader read record `record`: the partitions it
// adds hold from that record on, those it drops from the next one
// (`record` == the chunk's record count: both after every record).
struct PartitionChange {
  std::uint32_t record = 0;
  bool after_record = false;  // set by a Next() that returned no record
  std::vector<std::int32_t> held;
};

struct DeadRecord {
  std::uint32_t record = 0;
  std::string reason;
};

struct Chunk {
  std::uint64_t seq = 0;
  // Read by the reader.
  std::string raw;  // records, each followed by padding
  std::vector<RawRecord> records;
  // The source buffers that records with a `view` point into.
  std::vector<std::shared_ptr<const void>> keeps;
  std::vector<std::string> origins;
  model::TimestampUs arrival = 0;
  // When the first record of the chunk was read (steady clock): the start
  // of the latency the collector measures once the chunk's windows changed.
  std::chrono::steady_clock::time_point first_read{};
  // When the first record of the chunk's micro-batch was read (= first_read
  // in record mode): results of a batch wait for its end.
  std::chrono::steady_clock::time_point batch_first_read{};
  std::uint64_t position = 0;   // records consumed from the source after this chunk
  std::string source_position;  // the source's own token there (checkpoints only)
  bool end = false;             // no more input: close every window
  // A partitioned source: its held partitions' changes, and when the chunk
  // was cut (the reader's steady clock: idle partitions are timed on it).
  std::vector<PartitionChange> partition_changes;
  std::chrono::steady_clock::time_point read_at{};
  bool force_checkpoint = false;
  // A block of a parallel scan (RunOptions::blocks): its file, and the line
  // breaks among its bytes. Its records' lines count from the block's start
  // until PlaceBlockLines, in input order, adds the earlier blocks'.
  std::int64_t block_file = -1;
  std::uint64_t block_newlines = 0;
  bool early = false;  // partitions emit open windows that changed (early results)
  // The last chunk of a micro-batch (always true in record mode): results
  // are emitted, and checkpoints taken, only after such a chunk.
  bool batch_end = true;
  // The parse stage (ParseStage).
  std::vector<model::Post> posts;
  std::size_t post_count = 0;
  std::vector<PostFeatures> features;
  std::vector<model::TimestampUs> times;
  std::vector<std::uint32_t> post_record;  // the record post i came from
  std::vector<std::uint32_t> item_end;     // items of post i: [item_end[i-1], item_end[i])
  std::vector<Item> items;
  std::string arena;
  std::vector<DeadRecord> dead;
  std::uint64_t controls = 0;
  std::uint64_t bytes = 0;
  // Router.
  // Before post i: its partition's watermark, which judges whether it is
  // late; and, only for a partitioned source, the pipeline's watermark
  // (the minimum over the partitions), which closes windows. Without
  // partitions the two are one (`closing` stays empty).
  std::vector<model::TimestampUs> watermark;
  std::vector<model::TimestampUs> closing;
  std::vector<std::uint8_t> late;
  model::TimestampUs watermark_after = kMinTime;
  std::uint64_t checkpoint = 0;  // id, when the chunk ends with a checkpoint barrier
  // A partitioned source: every partition it holds is idle after the chunk
  // (none had a post for idle_timeout; never with the end marker).
  bool idle = false;
  // Set with `idle` for RunOptions::on_idle (at the end of a micro-batch):
  // partitions emit every open window that changed, so that the collector
  // holds every open window's partials as they stand.
  bool emit_open = false;

  // Called for every chunk (every record with one worker): kept inline.
  void Reset() {
    early = false;
    source_position.clear();
    raw.clear();
    records.clear();
    keeps.clear();
    origins.clear();
    arrival = 0;
    first_read = {};
    batch_first_read = {};
    position = 0;
    end = false;
    partition_changes.clear();
    read_at = {};
    force_checkpoint = false;
    block_file = -1;
    block_newlines = 0;
    batch_end = true;
    post_count = 0;
    item_end.clear();
    items.clear();
    arena.clear();
    dead.clear();
    controls = 0;
    bytes = 0;
    watermark.clear();
    closing.clear();
    late.clear();
    watermark_after = kMinTime;
    checkpoint = 0;
    idle = false;
    emit_open = false;
  }
};

// What one partition made of one chunk.
struct PartitionOutput {
  std::uint64_t seq = 0;
  std::vector<Partial> partials;
  std::string snapshot;  // state at the chunk's checkpoint barrier
  std::uint64_t late_items = 0;
  std::size_t open_windows = 0;
};

// Chunks back in input order (by seq) as parse workers finish them. Used by
// one thread (the router's).
class InOrder {
 public:
  void Add(Chunk* c) { waiting_[c->seq] = c; }
  // The next chunk in input order, or nullptr while it is still being parsed.
  Chunk* Next() {
    if (waiting_.empty() || waiting_.begin()->first != next_) return nullptr;
    Chunk* c = waiting_.begin()->second;
    waiting_.erase(waiting_.begin());
    ++next_;
    return c;
  }

 private:
  std::map<std::uint64_t, Chunk*> waiting_;
  std::uint64_t next_ = 0;
};

}  // namespace starling::dataflow::internal
