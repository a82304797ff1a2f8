// File: dataflow/internal/router.h
// The router: one thread, chunks in input order. It computes each post's
// watermark and whether the post is late for every window it falls in, so
// that results depend on the input order only (not on workers or chunking).
//
// A partitioned source (Kafka: RecordSource::PartitionEpoch) gets a
// watermark per partition. A post is judged late by its own partition's
// watermark, which depends only on that partition's order (a log's order),
// so the lateness of every post, and with it every result, is the same
// however the partitions' records interleave, and however many processes
// share them. Windows close on the pipeline's watermark: the minimum over
// the partitions the source holds, never going back. A partition with no
// record for `idle_timeout` (processing time) stops holding it back until
// its next record; a partition that joins (assigned, or back from idle)
// starts at the pipeline's watermark, so no window closes twice.
#pragma once

#include <algorithm>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <vector>

#include "common/codec.h"
#include "dataflow/internal/chunk.h"
#include "dataflow/pipeline.h"
#include "dataflow/window.h"
#include "model/post.h"

namespace starling::dataflow::internal {

class Router {
 public:
  explicit Router(const PipelineSpec& spec) : spec_(spec) {}

  // Fills c.watermark, c.late and c.watermark_after (and c.closing for a
  // partitioned source). Chunks must come in input order; the end marker
  // (c.end) moves the watermark to the end of time.
  // Defined here, so that it stays inlinable into the runtime's routing of
  // each chunk (one call per record with one worker).
  void Run(Chunk& c) {
    if (!partitioned_ && c.partition_changes.empty()) {
      RunOne(c);
      return;
    }
    RunPartitioned(c);
  }

  // The pipeline's watermark.
  model::TimestampUs watermark() const { return watermark_; }
  // Partitions known, for /api/v1/stats and tests: their watermarks.
  struct PartitionClock {
    model::TimestampUs watermark = kMinTime;
    model::TimestampUs max_seen = kMinTime;
    bool held = false;  // the source holds it now
    bool idle = false;  // held, but no record for idle_timeout
    std::chrono::steady_clock::time_point last_record{};
  };
  const std::map<std::int32_t, PartitionClock>& partitions() const { return parts_; }

  void Save(ByteWriter& w) const {
    w.PutSigned(watermark_);
    w.PutSigned(max_seen_);
    if (!partitioned_) return;  // as before partitions existed
    w.PutVarint(parts_.size());
    for (const auto& [p, clock] : parts_) {
      w.PutSigned(p);
      w.PutSigned(clock.watermark);
      w.PutSigned(clock.max_seen);
    }
  }
  bool Load(ByteReader& r) {
    if (!r.GetSigned(&watermark_) || !r.GetSigned(&max_seen_)) return false;
    if (r.done()) return true;
    std::uint64_t n = 0;
    if (!r.GetVarint(&n)) return false;
    partitioned_ = true;
    for (std::uint64_t i = 0; i < n; ++i) {
      std::int64_t p = 0;
      PartitionClock clock;
      if (!r.GetSigned(&p) || !r.GetSigned(&clock.watermark) || !r.GetSigned(&clock.max_seen)) {
        return false;
      }
      // Held again only when the resumed source says so.
      parts_[static_cast<std::int32_t>(p)] = clock;
    }
    return true;
  }

 private:
  // Whether a post at t is late for all its windows under watermark wm.
  bool LateUnder(model::TimestampUs t, model::TimestampUs wm) const {
    if (spec_.analyses.empty()) return false;
    model::TimestampUs latest_end = kMinTime;
    for (const AnalysisSpec& a : spec_.analyses) {
      latest_end = std::max(latest_end, LatestWindowEnd(a.window, t));
    }
    return SaturatingAdd(latest_end, spec_.allowed_lateness.count()) <= wm;
  }

  // One input order (a file, a socket, a generator): one watermark.
  void RunOne(Chunk& c) {
    c.watermark.resize(c.post_count);
    c.late.resize(c.post_count);
    const std::int64_t bound = spec_.watermark_bound.count();
    for (std::size_t i = 0; i < c.post_count; ++i) {
      const model::TimestampUs t = c.times[i];
      c.watermark[i] = watermark_;
      const bool late = LateUnder(t, watermark_);
      c.late[i] = late ? 1 : 0;
      if (!late && t > max_seen_) {
        max_seen_ = t;
        watermark_ = std::max(watermark_, SaturatingAdd(max_seen_, -bound));
      }
    }
    if (spec_.time == TimeMode::kProcessing && c.arrival != 0) {
      watermark_ = std::max(watermark_, SaturatingAdd(c.arrival, -bound));
    }
    if (c.end) watermark_ = kMaxTime;
    c.watermark_after = watermark_;
  }

  void RunPartitioned(Chunk& c) {
    partitioned_ = true;
    c.watermark.resize(c.post_count);
    c.closing.resize(c.post_count);
    c.late.resize(c.post_count);
    const std::int64_t bound = spec_.watermark_bound.count();
    const auto now = c.read_at;
    std::size_t change = 0;
    bool adds_done = false;  // c.partition_changes[change]'s additions applied
    // Applies the changes due before record j.
    auto changes_before = [&](std::uint32_t j) {
      while (change < c.partition_changes.size()) {
        const PartitionChange& pc = c.partition_changes[change];
        const std::uint32_t adds_at = pc.record;
        const std::uint32_t drops_at = pc.after_record ? pc.record : pc.record + 1;
        if (drops_at <= j) {
          Hold(pc.held, now, /*drop=*/true);
          ++change;
          adds_done = false;
          continue;
        }
        if (adds_at <= j && !adds_done) {
          Hold(pc.held, now, /*drop=*/false);
          adds_done = true;
        }
        break;
      }
    };
    for (std::size_t i = 0; i < c.post_count; ++i) {
      const std::uint32_t j = c.post_record[i];
      changes_before(j);
      const model::TimestampUs t = c.times[i];
      const std::int32_t p = c.records[j].partition;
      PartitionClock& clock = Join(p, now);
      if (clock.idle) {
        // Back from idle: it counts again, from the pipeline's watermark.
        clock.idle = false;
        clock.watermark = std::max(clock.watermark, watermark_);
        Advance();
      }
      clock.last_record = now;
      c.watermark[i] = clock.watermark;
      c.closing[i] = watermark_;
      const bool late = LateUnder(t, clock.watermark);
      c.late[i] = late ? 1 : 0;
      if (!late && t > clock.max_seen) {
        clock.max_seen = t;
        max_seen_ = std::max(max_seen_, t);
        const model::TimestampUs before = clock.watermark;
        clock.watermark = std::max(clock.watermark, SaturatingAdd(t, -bound));
        // Only the slowest partition moving can move the minimum (min_ is
        // kMaxTime while none counts: then any does).
        if ((before == min_ || min_ == kMaxTime) && clock.watermark != before) Advance();
      }
    }
    changes_before(UINT32_MAX);
    if (now != std::chrono::steady_clock::time_point{}) MarkIdle(now);
    if (spec_.time == TimeMode::kProcessing && c.arrival != 0) {
      // The clock moves every partition alike.
      for (auto& [p, clock] : parts_) {
        clock.watermark = std::max(clock.watermark, SaturatingAdd(c.arrival, -bound));
      }
      Advance();
    }
    if (c.end) watermark_ = kMaxTime;
    c.watermark_after = watermark_;
    c.idle = !c.end && AllIdle();
  }

  // Every held partition is idle (and one is held at least).
  bool AllIdle() const {
    bool any = false;
    for (const auto& [p, clock] : parts_) {
      if (!clock.held) continue;
      if (!clock.idle) return false;
      any = true;
    }
    return any;
  }

  // The clock of partition p, made held if it was not (a record from a
  // partition the source did not name yet). advance: recompute the
  // pipeline's watermark (Hold does once, after all its partitions joined).
  PartitionClock& Join(std::int32_t p, std::chrono::steady_clock::time_point now,
                       bool advance = true) {
    PartitionClock& clock = parts_[p];
    if (!clock.held) {
      clock.held = true;
      clock.idle = false;
      clock.last_record = now;
      clock.watermark = std::max(clock.watermark, watermark_);
      if (advance) Advance();
    }
    return clock;
  }

  // The source holds `held` (sorted) now: new partitions join, and with
  // drop those missing leave.
  void Hold(const std::vector<std::int32_t>& held, std::chrono::steady_clock::time_point now,
            bool drop) {
    for (std::int32_t p : held) Join(p, now, /*advance=*/false);
    if (drop) {
      for (auto& [p, clock] : parts_) {
        if (clock.held && !std::binary_search(held.begin(), held.end(), p)) clock.held = false;
      }
    }
    Advance();
  }

  // A held partition without a record for idle_timeout stops holding the
  // watermark back (Flink's withIdleness). Measured on the reader's clock
  // (Chunk::read_at) at every chunk: a partition is found idle at the first
  // chunk after its timeout, which in event time comes with the next record
  // of another partition (when every partition is quiet, nothing is due).
  void MarkIdle(std::chrono::steady_clock::time_point now) {
    if (spec_.idle_timeout.count() <= 0) return;
    bool any = false;
    for (auto& [p, clock] : parts_) {
      if (clock.held && !clock.idle && now - clock.last_record >= spec_.idle_timeout) {
        clock.idle = true;
        any = true;
      }
    }
    if (any) Advance();
  }

  // The pipeline's watermark: the minimum over the held partitions that
  // are not idle; unchanged when there is none (every partition idle, or
  // none held between a revocation and an assignment).
  void Advance() {
    model::TimestampUs lowest = kMaxTime;
    bool any = false;
    for (const auto& [p, clock] : parts_) {
      if (!clock.held || clock.idle) continue;
      lowest = std::min(lowest, clock.watermark);
      any = true;
    }
    min_ = any ? lowest : kMaxTime;
    if (any) watermark_ = std::max(watermark_, lowest);
  }

  const PipelineSpec& spec_;
  model::TimestampUs watermark_ = kMinTime;
  model::TimestampUs max_seen_ = kMinTime;
  bool partitioned_ = false;
  std::map<std::int32_t, PartitionClock> parts_;
  model::TimestampUs min_ = kMaxTime;  // the minimum Advance found
};

}  // namespace starling::dataflow::internal
