// File: dataflow/ingest.cc
#include "dataflow/ingest.h"

#include <algorithm>

namespace starling::dataflow {
namespace {

// Longest single sleep while pacing a replay, so that a stop request or the
// end of --duration is noticed promptly.
constexpr std::chrono::milliseconds kMaxSleepSlice{100};

}  // namespace

Result<IngestStats> RunIngest(source::RecordSource& source,
                              const std::vector<sink::PostSink*>& sinks,
                              DeadLetterWriter& dead_letters, const IngestOptions& options) {
  IngestStats stats;
  parse::PostParser parser(options.parse);
  // Views of the posts of the current record, owned by the parser (see
  // PostParser::ParseView): no post is copied or moved on the way to the sinks.
  std::vector<const model::Post*> posts;
  std::vector<parse::ControlMessage> controls;
  Clock& clock = *options.clock;
  const auto t0 = clock.Steady();
  const auto deadline = options.duration.count() > 0 ? t0 + options.duration
                                                     : std::chrono::steady_clock::time_point::max();
  auto next_progress = t0 + options.progress_interval;
  auto next_flush = t0 + options.flush_interval;
  const double pace = source.pace();
  model::TimestampUs first_event = 0;
  bool have_first_event = false;

  auto stopped = [&] {
    return options.stop != nullptr && options.stop->load(std::memory_order_relaxed);
  };
  // Periodic work, run before every record and whenever the source is idle.
  // Returns false when the run should end (duration reached).
  auto tick = [&]() -> Result<bool> {
    auto now = clock.Steady();
    if (now >= deadline) return false;
    if (now >= next_progress && options.on_progress) {
      stats.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - t0);
      options.on_progress(stats);
      next_progress = now + options.progress_interval;
    }
    if (now >= next_flush) {
      for (auto* s : sinks) STARLING_RETURN_IF_ERROR(s->Flush());
      next_flush = now + options.flush_interval;
    }
    return true;
  };
  // Sleeps until t in short slices; false if a stop or the deadline came first.
  auto sleep_until = [&](std::chrono::steady_clock::time_point t) {
    for (;;) {
      if (stopped()) return false;
      auto now = clock.Steady();
      if (now >= deadline) return false;
      if (now >= t) return true;
      clock.SleepUntil(std::min({t, deadline, now + kMaxSleepSlice}));
    }
  };

  source::Record rec;
  bool running = true;
  while (running) {
    if (stopped()) break;
    if (options.limit != 0 && stats.posts >= options.limit) break;
    auto go_on = tick();
    if (!go_on.ok()) return go_on.status();
    if (!*go_on) break;
    auto more = source.Next(&rec);
    if (!more.ok()) {
      if (more.status().code() == StatusCode::kTryAgain) continue;  // idle live source
      return more.status();
    }
    if (!*more) break;
    stats.bytes += rec.bytes.size();
    // A blank line is no record (as in the engine, runtime.cc); an empty
    // page is one, without posts.
    if (parse::IsBlankRecord(rec.bytes)) continue;
    posts.clear();
    controls.clear();
    Status st = rec.truncated ? ResourceExhausted(CutRecordReason(rec.full_size, rec.bytes.size()))
                              : parser.ParseView(rec.bytes, &posts, &controls, rec.padding);
    if (!st.ok()) {
      ++stats.records;
      ++stats.dead_letters;
      STARLING_RETURN_IF_ERROR(dead_letters.Write(rec.bytes, st.ToString(), rec.origin, rec.line,
                                                  rec.offset, rec.partition));
      continue;
    }
    ++stats.records;
    for (auto& c : controls) {
      ++stats.controls;
      ++stats.controls_by_kind[c.kind];
    }
    for (const model::Post* p : posts) {
      if (options.limit != 0 && stats.posts >= options.limit) break;
      if (pace > 0) {
        if (!have_first_event) {
          have_first_event = true;
          first_event = p->created_at;
        }
        auto offset = std::chrono::microseconds(
            static_cast<std::int64_t>(static_cast<double>(p->created_at - first_event) / pace));
        if (offset.count() > 0 && !sleep_until(t0 + offset)) {
          running = false;
          break;
        }
      }
      for (auto* s : sinks) STARLING_RETURN_IF_ERROR(s->Write(*p));
      ++stats.posts;
    }
  }
  for (auto* s : sinks) STARLING_RETURN_IF_ERROR(s->Flush());
  STARLING_RETURN_IF_ERROR(dead_letters.Flush());
  stats.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock.Steady() - t0);
  if (options.on_progress) options.on_progress(stats);
  return stats;
}

}  // namespace starling::dataflow
