// File: dataflow/ingest.cc
#include "dataflow/ingest.h"

namespace starling::dataflow {

Result<IngestStats> RunIngest(source::RecordSource& source, const std::vector<sink::PostSink*>& sinks,
                              DeadLetterWriter& dead_letters, const IngestOptions& options) {
  IngestStats stats;
  parse::PostParser parser(options.parse);
  std::vector<model::Post> posts;
  std::vector<parse::ControlMessage> controls;
  Clock& clock = *options.clock;
  const auto t0 = clock.Steady();
  auto next_progress = t0 + options.progress_interval;
  auto next_flush = t0 + options.flush_interval;
  const double pace = source.pace();
  model::TimestampUs first_event = 0;
  bool have_first_event = false;
  std::uint64_t checks = 0;

  auto finish = [&]() -> Result<IngestStats> {
    for (auto* s : sinks) STARLING_RETURN_IF_ERROR(s->Flush());
    STARLING_RETURN_IF_ERROR(dead_letters.Flush());
    stats.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock.Steady() - t0);
    if (options.on_progress) options.on_progress(stats);
    return stats;
  };

  source::Record rec;
  for (;;) {
    if (options.stop != nullptr && options.stop->load(std::memory_order_relaxed)) break;
    if (options.limit != 0 && stats.posts >= options.limit) break;
    // Reading the clock per record is cheap enough; keep it to every 64 to be sure.
    if ((++checks & 63) == 0 || pace > 0) {
      auto now = clock.Steady();
      if (options.duration.count() > 0 && now - t0 >= options.duration) break;
      if (now >= next_progress && options.on_progress) {
        stats.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - t0);
        options.on_progress(stats);
        next_progress = now + options.progress_interval;
      }
      if (now >= next_flush) {
        for (auto* s : sinks) STARLING_RETURN_IF_ERROR(s->Flush());
        next_flush = now + options.flush_interval;
      }
    }
    auto more = source.Next(&rec);
    if (!more.ok()) return more.status();
    if (!*more) break;
    stats.bytes += rec.bytes.size();
    posts.clear();
    controls.clear();
    Status st = parser.Parse(rec.bytes, &posts, &controls, rec.padding);
    if (!st.ok()) {
      ++stats.records;
      ++stats.dead_letters;
      STARLING_RETURN_IF_ERROR(
          dead_letters.Write(rec.bytes, st.ToString(), rec.origin, rec.line, rec.offset));
      continue;
    }
    if (posts.empty() && controls.empty()) continue;  // blank line or empty page
    ++stats.records;
    for (auto& c : controls) {
      ++stats.controls;
      ++stats.controls_by_kind[c.kind];
    }
    for (const auto& p : posts) {
      if (options.limit != 0 && stats.posts >= options.limit) break;
      if (pace > 0) {
        if (!have_first_event) {
          have_first_event = true;
          first_event = p.created_at;
        }
        auto offset = std::chrono::microseconds(
            static_cast<std::int64_t>(static_cast<double>(p.created_at - first_event) / pace));
        if (offset.count() > 0) clock.SleepUntil(t0 + offset);
      }
      for (auto* s : sinks) STARLING_RETURN_IF_ERROR(s->Write(p));
      ++stats.posts;
    }
  }
  return finish();
}

}  // namespace starling::dataflow
