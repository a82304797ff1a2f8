// File: dataflow/internal/reader.cc
#include "dataflow/internal/reader.h"

#include <algorithm>
#include <string>

#include "parse/post_parser.h"

namespace starling::dataflow::internal {
namespace {

constexpr std::size_t kMaxBatchRecords = 65536;
// A micro-batch travels as chunks of at most this many records, so that the
// parse workers share a batch and a chunk stays cache-sized.
constexpr std::size_t kBatchChunkRecords = 4096;

}  // namespace

Reader::Reader(const PipelineSpec& spec, source::RecordSource& source, const RunOptions& options)
    : spec_(spec), source_(source), options_(options), clock_(*options.clock) {
  t0_ = clock_.Steady();
  deadline_ = options.duration.count() > 0 ? t0_ + options.duration
                                           : std::chrono::steady_clock::time_point::max();
  // A two-phase output (a Kafka transaction) commits at checkpoints, and
  // the brokers abort a transaction left open too long: a quiet source
  // still gets its checkpoints.
  auto two_phase = [](const auto* s) { return s != nullptr && s->TwoPhase(); };
  commit_when_quiet_ =
      !options.checkpoint_dir.empty() &&
      (std::any_of(options.result_sinks.begin(), options.result_sinks.end(), two_phase) ||
       std::any_of(options.post_sinks.begin(), options.post_sinks.end(), two_phase) ||
       two_phase(options.late_sink));
}

Result<bool> Reader::Resume(std::uint64_t records, std::string_view position) {
  if (!position.empty()) {
    Result<bool> moved = source_.Seek(position);
    if (!moved.ok()) return moved.status();
    if (*moved) {
      consumed_ = records;
      return true;
    }
  }
  STARLING_RETURN_IF_ERROR(Skip(records));
  return false;
}

Status Reader::Skip(std::uint64_t records) {
  source::Record rec;
  while (consumed_ < records) {
    Result<bool> more = source_.Next(&rec);
    if (!more.ok()) {
      if (more.status().code() == StatusCode::kTryAgain) continue;
      return more.status();
    }
    if (!*more) {
      return InvalidArgument("cannot resume: the source has " + std::to_string(consumed_) +
                             " records, the checkpoint is at record " + std::to_string(records));
    }
    ++consumed_;
  }
  return Status::Ok();
}

Result<bool> Reader::Fill(Chunk& c, std::size_t max_records) {
  c.Reset();
  const auto started = clock_.Steady();
  if (last_cut_ == std::chrono::steady_clock::time_point{}) last_cut_ = started;
  const bool batch = spec_.mode == ProcessingMode::kMicroBatch;
  if (batch && !batch_open_) {
    batch_open_ = true;
    batch_deadline_ = started + spec_.batch_interval;
    batch_records_ = 0;
  }
  const auto batch_end = batch_deadline_;
  if (batch) max_records = kBatchChunkRecords;
  bool batch_over = false;
  std::size_t viewed = 0;  // bytes of records held as views
  while (true) {
    if (Stopping()) break;
    if (c.records.size() >= max_records) break;
    // A micro-batch also ends at kMaxBatchRecords (Spark's
    // maxOffsetsPerTrigger): an unpaced source would otherwise fill one
    // batch with everything it can read in the interval.
    if (batch && (batch_records_ >= kMaxBatchRecords || clock_.Steady() >= batch_end)) {
      batch_over = true;
      break;
    }
    source::Record rec;
    Result<bool> more = source_.Next(&rec);
    // A partitioned source's held partitions, seen after every call: one
    // virtual call that answers 0 for every other source.
    const std::uint64_t epoch = source_.PartitionEpoch();
    const bool changed = epoch != partition_epoch_;
    if (changed) {
      partition_epoch_ = epoch;
      c.partition_changes.push_back({static_cast<std::uint32_t>(c.records.size()),
                                     /*after_record=*/true, source_.HeldPartitions()});
    }
    if (!more.ok()) {
      if (more.status().code() != StatusCode::kTryAgain) return more.status();
      // An idle live source is slow to call: look at the clock every time.
      if (Stopping(/*every_call=*/true)) break;
      // Idle live source: in record mode hand over what we have, or in
      // processing time an empty chunk every 10 ms so the watermark follows
      // the clock; else wait a little.
      if (!batch && !c.records.empty()) break;
      if (!batch && spec_.time == TimeMode::kProcessing &&
          clock_.Steady() - started >= std::chrono::milliseconds(10)) {
        break;
      }
      // A two-phase output's transaction: an empty chunk every checkpoint
      // interval, at which the runtime checkpoints and commits.
      if (!batch && commit_when_quiet_ &&
          clock_.Steady() - started >= options_.checkpoint_interval) {
        break;
      }
      // RunOptions::on_idle: a quiet partitioned source gets an empty
      // chunk every idle_timeout, at which the router finds it idle.
      if (!batch && options_.on_idle && partition_epoch_ != 0 && spec_.idle_timeout.count() > 0 &&
          clock_.Steady() - last_cut_ >= spec_.idle_timeout) {
        break;
      }
      auto wake = clock_.Steady() + std::chrono::milliseconds(1);
      if (batch) wake = std::min(wake, batch_end);
      clock_.SleepUntil(wake);
      continue;
    }
    if (!*more) {
      done_ = true;
      break;
    }
    ++consumed_;  // the source position counts every record, blank or not
    // A blank line is no record: not counted, not parsed, not a dead letter
    // (as in ingest; FillFromBlock drops them too).
    if (parse::IsBlankRecord(rec.bytes)) continue;
    // The record this Next() returned: what it added holds from it on.
    if (changed) c.partition_changes.back().after_record = false;
    ++counted_;
    ++batch_records_;
    if (options_.limit > 0 && counted_ >= options_.limit) limit_hit_ = true;
    RawRecord r;
    r.offset = static_cast<std::uint32_t>(c.raw.size());
    r.size = static_cast<std::uint32_t>(rec.bytes.size());
    r.line = rec.line;
    r.source_offset = rec.offset;
    r.partition = rec.partition;
    r.truncated = rec.truncated;
    r.full_size = rec.full_size;
    if (c.origins.empty() || c.origins.back() != rec.origin) c.origins.emplace_back(rec.origin);
    r.origin = static_cast<std::uint32_t>(c.origins.size() - 1);
    if (c.records.empty()) c.first_read = clock_.Steady();
    if (batch_records_ == 1 || !batch) batch_first_read_ = c.first_read;
    if (views_ && max_records == 1 && !batch &&
        rec.padding >= parse::PostParser::kPaddingForInPlace) {
      r.view = rec.bytes.data();  // valid until the next Fill, which is enough
    } else if (rec.keep != nullptr && rec.padding >= parse::PostParser::kPaddingForInPlace) {
      r.view = rec.bytes.data();  // valid while the chunk keeps its buffer
      if (c.keeps.empty() || c.keeps.back() != *rec.keep) c.keeps.push_back(*rec.keep);
      viewed += rec.bytes.size();
    } else {
      c.raw.append(rec.bytes);
      c.raw.append(parse::PostParser::kPaddingForInPlace, '\0');
    }
    c.records.push_back(r);
    // Keep one chunk's memory sane, copied or held in source buffers.
    if (c.raw.size() + viewed > (256u << 20)) break;
    // Record mode: records go on as soon as the source would make the next
    // one wait (a paced or live source); a busy source fills the chunk.
    if (!batch && max_records > 1 && source_.WouldWait()) break;
  }
  if (spec_.time == TimeMode::kProcessing) {  // only processing time reads it
    c.arrival =
        std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch())
            .count();
  }
  c.position = consumed_;
  if (partition_epoch_ != 0) c.read_at = last_cut_ = clock_.Steady();
  if (!options_.checkpoint_dir.empty()) c.source_position = source_.Position();
  if (options_.early_results.count() > 0 && (!batch || batch_over || done_)) {
    const auto now = clock_.Steady();
    if (now - last_early_ >= options_.early_results) {
      c.early = true;
      last_early_ = now;
    }
  }
  c.batch_first_read = batch_first_read_;
  const bool more = !(done_ || Stopping());
  if (batch) {
    c.batch_end = batch_over || !more;
    if (c.batch_end) batch_open_ = false;
  }
  return more;
}

std::size_t NextChunkRecords(const Chunk& c, std::size_t now, std::size_t first, std::size_t last) {
  if (c.records.size() < now) return first;
  constexpr std::size_t kChunkBytes = std::size_t{1} << 20;
  std::size_t bytes = 0;
  for (const RawRecord& r : c.records) bytes += r.size;
  if (bytes > kChunkBytes) return std::max(first, now * kChunkBytes / bytes);
  if (2 * bytes > kChunkBytes) return now;
  return std::min(2 * now, last);
}

std::optional<BlockClaims::Claim> BlockClaims::Next() {
  std::lock_guard lock(mu_);
  if (ended_) return std::nullopt;
  Claim c;
  // The clock is read under the lock, so that later blocks never get an
  // earlier arrival (processing-time windows would drop them as late).
  c.read_at = clock_.Steady();
  if (stamp_arrival_) {
    c.arrival =
        std::chrono::duration_cast<std::chrono::microseconds>(clock_.Now().time_since_epoch())
            .count();
  }
  if (next_ == blocks_.size() || reader_.Stopping(/*every_call=*/true)) {
    ended_ = true;
    c.seq = next_;
    c.end = true;
    return c;
  }
  c.seq = next_++;
  return c;
}

Status FillFromBlock(const source::FileBlocks& blocks, const BlockClaims::Claim& claim,
                     source::FileBlocks::Block& block, Chunk& c) {
  c.Reset();
  c.seq = claim.seq;
  c.first_read = c.batch_first_read = claim.read_at;
  c.arrival = claim.arrival;
  if (claim.end) {
    c.end = true;
    return Status::Ok();
  }
  STARLING_RETURN_IF_ERROR(blocks.Read(claim.seq, &block));
  c.block_file = block.file;
  c.block_newlines = block.newlines;
  if (block.records.empty()) return Status::Ok();
  c.origins.emplace_back(block.records.front().origin);
  c.keeps.push_back(block.keep);
  c.records.reserve(block.records.size());
  for (const source::Record& rec : block.records) {
    if (parse::IsBlankRecord(rec.bytes)) continue;  // as Reader::Fill
    RawRecord& r = c.records.emplace_back();
    r.view = rec.bytes.data();
    r.size = static_cast<std::uint32_t>(rec.bytes.size());
    r.line = rec.line;
    r.source_offset = rec.offset;
    r.partition = rec.partition;
    r.truncated = rec.truncated;
    r.full_size = rec.full_size;
  }
  return Status::Ok();
}

}  // namespace starling::dataflow::internal
