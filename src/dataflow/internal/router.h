// File: dataflow/internal/router.h
// The router: one thread, chunks in input order. It computes each post's
// watermark and whether the post is late for every window it falls in, so
// that results depend on the input order only (not on workers or chunking).
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>

#include "common/codec.h"
#include "dataflow/internal/chunk.h"
#include "dataflow/pipeline.h"
#include "dataflow/window.h"
#include "model/post.h"

namespace starling::dataflow::internal {

class Router {
 public:
  explicit Router(const PipelineSpec& spec) : spec_(spec) {}

  // Fills c.watermark, c.late and c.watermark_after. Chunks must come in
  // input order; the end marker (c.end) moves the watermark to the end of time.
  // Defined here, so that it stays inlinable into the runtime's routing of
  // each chunk (one call per record with one worker).
  void Run(Chunk& c) {
    c.watermark.resize(c.post_count);
    c.late.resize(c.post_count);
    const std::int64_t bound = spec_.watermark_bound.count();
    const std::int64_t lateness = spec_.allowed_lateness.count();
    for (std::size_t i = 0; i < c.post_count; ++i) {
      const model::TimestampUs t = c.times[i];
      c.watermark[i] = watermark_;
      bool late = false;
      if (!spec_.analyses.empty()) {
        model::TimestampUs latest_end = kMinTime;
        for (const AnalysisSpec& a : spec_.analyses) {
          latest_end = std::max(latest_end, LatestWindowEnd(a.window, t));
        }
        late = SaturatingAdd(latest_end, lateness) <= watermark_;
      }
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

  model::TimestampUs watermark() const { return watermark_; }
  void Save(ByteWriter& w) const {
    w.PutSigned(watermark_);
    w.PutSigned(max_seen_);
  }
  bool Load(ByteReader& r) { return r.GetSigned(&watermark_) && r.GetSigned(&max_seen_); }

 private:
  const PipelineSpec& spec_;
  model::TimestampUs watermark_ = kMinTime;
  model::TimestampUs max_seen_ = kMinTime;
};

}  // namespace starling::dataflow::internal
