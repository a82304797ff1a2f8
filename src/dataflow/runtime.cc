#include "dataflow/runtime.h"

#include <algorithm>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <thread>
#include <tuple>

#include "common/codec.h"
#include "common/log.h"
#include "dataflow/internal/checkpoint_format.h"
#include "dataflow/internal/latency.h"
#include "dataflow/internal/queue.h"
#include "source/file_blocks.h"

namespace starling::dataflow {

using model::Post;
using model::WindowResult;

namespace {

using internal::CheckpointData;
using internal::LatencyHistogram;
using internal::ReadCheckpoint;
using internal::WriteCheckpoint;

constexpr std::size_t kMaxBatchRecords = 65536;
// A micro-batch travels as chunks of at most this many records, so that the
// parse workers share a batch and a chunk stays cache-sized.
constexpr std::size_t kBatchChunkRecords = 4096;

// ---------- the unit of work ----------

struct RawRecord {
  const char* view = nullptr;  // the bytes, still in the source's buffer; or
  std::uint32_t offset = 0;    // (view == nullptr) where they are in Chunk::raw
  std::uint32_t size = 0;
  std::uint64_t line = 0;
  std::uint64_t source_offset = 0;
  std::uint32_t origin = 0;  // index in Chunk::origins
  bool truncated = false;
};

// A record's bytes, followed by at least kPaddingForInPlace readable bytes.
std::string_view RecordBytes(const std::string& raw, const RawRecord& r) {
  return {r.view != nullptr ? r.view : raw.data() + r.offset, r.size};
}

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
  // Stage 1.
  std::vector<Post> posts;
  std::size_t post_count = 0;
  std::vector<PostFeatures> features;
  std::vector<model::TimestampUs> times;
  std::vector<std::uint32_t> item_end;  // items of post i: [item_end[i-1], item_end[i])
  std::vector<Item> items;
  std::string arena;
  std::vector<DeadRecord> dead;
  std::uint64_t controls = 0;
  std::uint64_t bytes = 0;
  // Router.
  std::vector<model::TimestampUs> watermark;  // before post i
  std::vector<std::uint8_t> late;
  model::TimestampUs watermark_after = kMinTime;
  std::uint64_t checkpoint = 0;  // id, when the chunk ends with a checkpoint barrier

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
    late.clear();
    watermark_after = kMinTime;
    checkpoint = 0;
  }
};

struct PartitionOutput {
  std::uint64_t seq = 0;
  std::vector<Partial> partials;
  std::string snapshot;  // state at the chunk's checkpoint barrier
  std::uint64_t late_items = 0;
  std::size_t open_windows = 0;
};

// ---------- state encoding ----------

void SaveResult(ByteWriter& w, const WindowResult& r) {
  w.PutString(r.analysis);
  w.PutU8(static_cast<std::uint8_t>(r.kind));
  w.PutSigned(r.window_start);
  w.PutSigned(r.window_end);
  w.PutVarint(r.total);
  w.PutVarint(r.error_bound);
  w.PutVarint(r.rows.size());
  for (const model::ResultRow& row : r.rows) {
    w.PutSigned(row.rank);
    w.PutString(row.key);
    w.PutString(row.key2);
    w.PutSigned(row.count);
    w.PutDouble(row.value);
    w.PutDouble(row.value2);
    w.PutSigned(row.pos);
    w.PutSigned(row.neu);
    w.PutSigned(row.neg);
    w.PutVarint(row.error);
    w.PutString(row.text);
  }
}

bool LoadResult(ByteReader& r, WindowResult* out) {
  std::uint8_t kind;
  std::uint64_t n;
  if (!r.GetString(&out->analysis) || !r.GetU8(&kind) || !r.GetSigned(&out->window_start) ||
      !r.GetSigned(&out->window_end) || !r.GetVarint(&out->total) ||
      !r.GetVarint(&out->error_bound) || !r.GetCount(&n, 8)) {
    return false;
  }
  out->kind = static_cast<model::ResultKind>(kind);
  out->rows.resize(n);
  for (model::ResultRow& row : out->rows) {
    std::int64_t rank;
    if (!r.GetSigned(&rank) || !r.GetString(&row.key) || !r.GetString(&row.key2) ||
        !r.GetSigned(&row.count) || !r.GetDouble(&row.value) || !r.GetDouble(&row.value2) ||
        !r.GetSigned(&row.pos) || !r.GetSigned(&row.neu) || !r.GetSigned(&row.neg) ||
        !r.GetVarint(&row.error) || !r.GetString(&row.text)) {
      return false;
    }
    row.rank = static_cast<std::int32_t>(rank);
  }
  return true;
}

// ---------- stage 1: parse, transform, extract ----------

class Stage1 {
 public:
  Stage1(const PipelineSpec& spec, const parse::ParseOptions& parse) : spec_(spec), parser_(parse) {
    for (const AnalysisSpec& a : spec.analyses) needs_.Add(NeedsOf(a));
  }

  void Run(Chunk& c) {
    c.post_count = 0;
    c.item_end.clear();
    c.items.clear();
    c.arena.clear();
    for (std::uint32_t r = 0; r < c.records.size(); ++r) {
      const RawRecord& rec = c.records[r];
      const std::string_view bytes = RecordBytes(c.raw, rec);
      c.bytes += rec.size;
      if (rec.truncated) {
        c.dead.push_back({r,
                          "record longer than the limit on record size (--max-record-size): "
                          "cut there while read, the rest of it skipped; its first " +
                              std::to_string(rec.size) + " bytes are kept"});
        continue;
      }
      views_.clear();
      controls_.clear();
      Status st =
          parser_.ParseView(bytes, &views_, &controls_, parse::PostParser::kPaddingForInPlace);
      if (!st.ok()) {
        c.dead.push_back({r, st.ToString()});
        continue;
      }
      c.controls += controls_.size();
      for (const Post* p : views_) Emit(c, *p, 0);
    }
  }

 private:
  // Runs transforms from `stage` on, then adds the post to the chunk.
  void Emit(Chunk& c, const Post& post, std::size_t stage) {
    for (std::size_t i = stage; i < spec_.transforms.size(); ++i) {
      const Transform& t = spec_.transforms[i];
      if (t.kind == Transform::Kind::kFilter) {
        if (!t.filter(post)) return;
      } else if (t.kind == Transform::Kind::kFlatMap) {
        std::vector<Post> outs;
        t.flat_map(post, outs);
        for (const Post& o : outs) Emit(c, o, i + 1);
        return;
      } else if (t.kind == Transform::Kind::kMap) {
        Post copy = post;
        t.map(copy);
        Emit(c, copy, i + 1);
        return;
      }
    }
    const std::size_t i = c.post_count++;
    if (c.posts.size() <= i) c.posts.emplace_back();
    if (c.features.size() <= i) c.features.emplace_back();
    if (c.times.size() <= i) c.times.push_back(0);
    Assign(post, &c.posts[i]);
    PostFeatures& f = c.features[i];
    f.labels.clear();
    for (const Transform& t : spec_.transforms) {
      if (t.kind == Transform::Kind::kJoin) t.join(c.posts[i], f.labels);
    }
    ComputeFeatures(c.posts[i], needs_, &f);
    c.times[i] = spec_.time == TimeMode::kEvent ? post.created_at : c.arrival;
    for (std::uint32_t a = 0; a < spec_.analyses.size(); ++a) {
      ExtractItems(spec_.analyses[a], a, c.posts[i], f, &c.arena, &c.items);
    }
    c.item_end.push_back(static_cast<std::uint32_t>(c.items.size()));
  }

  // `*to = from`, minus the calls that would copy an empty string or vector
  // over an empty one: the chunk's posts are reused, and most fields of a
  // projected post (parse::Fields) are empty on both sides. A plain copy
  // cost ~800 instructions per post, more than the rest of this stage.
  static void Assign(const Post& from, Post* to) {
#if defined(__x86_64__) && defined(__GLIBCXX__) && !defined(_GLIBCXX_DEBUG)
    static_assert(sizeof(Post) == 640, "Post changed: copy the new field in Stage1::Assign");
#endif
    const auto copy = [](const auto& f, auto& t) {
      if (!f.empty() || !t.empty()) t = f;
    };
    copy(from.id, to->id);
    to->provider = from.provider;
    to->created_at = from.created_at;
    copy(from.author.id, to->author.id);
    copy(from.author.handle, to->author.handle);
    copy(from.author.name, to->author.name);
    copy(from.text, to->text);
    copy(from.lang, to->lang);
    to->kind = from.kind;
    copy(from.references, to->references);
    copy(from.hashtags, to->hashtags);
    copy(from.mentions, to->mentions);
    copy(from.urls, to->urls);
    copy(from.cashtags, to->cashtags);
    to->metrics = from.metrics;
    to->geo.lon = from.geo.lon;
    to->geo.lat = from.geo.lat;
    copy(from.geo.place_id, to->geo.place_id);
    copy(from.geo.place_name, to->geo.place_name);
    copy(from.geo.country_code, to->geo.country_code);
    copy(from.matching_rules, to->matching_rules);
    to->entities_extracted = from.entities_extracted;
    copy(from.raw, to->raw);
    copy(from.source_format, to->source_format);
  }

  const PipelineSpec& spec_;
  parse::PostParser parser_;
  FeatureNeeds needs_;
  std::vector<const Post*> views_;
  std::vector<parse::ControlMessage> controls_;
};

// Chunks back in input order (by seq) as parse workers finish them.
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

// ---------- router: watermark and lateness, in input order ----------

class Router {
 public:
  explicit Router(const PipelineSpec& spec) : spec_(spec) {}

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

// ---------- partition: keyed window state ----------

class Partition {
 public:
  Partition(const PipelineSpec& spec, std::uint32_t index, std::uint32_t count)
      : index_(index), count_(count) {
    for (std::uint32_t a = 0; a < spec.analyses.size(); ++a) {
      states_.push_back(NewAnalysisState(spec.analyses[a], a, spec.allowed_lateness));
    }
  }

  void Run(const Chunk& c, PartitionOutput* out) {
    out->seq = c.seq;
    out->partials.clear();
    out->snapshot.clear();
    std::uint32_t item = 0;
    for (std::size_t i = 0; i < c.post_count; ++i) {
      const std::uint32_t end = c.item_end[i];
      if (c.late[i] != 0) {
        item = end;
        continue;
      }
      const model::TimestampUs wm = c.watermark[i];
      EmitAll(wm, &out->partials);
      for (; item < end; ++item) {
        const Item& it = c.items[item];
        if (it.route % count_ != index_) continue;
        const std::string_view key = std::string_view(c.arena).substr(it.key_offset, it.key_size);
        states_[it.analysis]->Add(c.times[i], key, it, wm);
      }
    }
    EmitAll(c.watermark_after, &out->partials);
    if (c.early) {
      for (auto& s : states_) s->EmitEarly(c.watermark_after, &out->partials);
    }
    out->late_items = 0;
    out->open_windows = 0;
    for (const auto& s : states_) {
      out->late_items += s->late_items();
      out->open_windows += s->open_windows();
    }
    if (c.checkpoint != 0) {
      ByteWriter w(&out->snapshot);
      for (const auto& s : states_) s->Save(w);
    }
  }

  Status Load(std::string_view snapshot) {
    ByteReader r(snapshot);
    for (auto& s : states_) STARLING_RETURN_IF_ERROR(s->Load(r));
    if (!r.done()) return MalformedInput("checkpoint: partition state has trailing bytes");
    return Status::Ok();
  }

 private:
  // Each state returns at once when nothing of it is due.
  void EmitAll(model::TimestampUs wm, std::vector<Partial>* out) {
    for (auto& s : states_) s->Emit(wm, out);
  }

  std::uint32_t index_;
  std::uint32_t count_;
  std::vector<std::unique_ptr<AnalysisState>> states_;
};

// ---------- collector: merge, sinks, checkpoints ----------

class Collector {
 public:
  Collector(const PipelineSpec& spec, const RunOptions& options, std::uint32_t partitions,
            RunStats* stats)
      : spec_(spec), options_(options), partitions_(partitions), stats_(stats) {
    for (const AnalysisSpec& a : spec.analyses) mergers_.push_back(NewAnalysisMerger(a));
  }

  Status Run(Chunk& c, std::vector<PartitionOutput>& outputs) {
    // Dead letters and posts, in input order.
    for (const DeadRecord& d : c.dead) {
      const RawRecord& rec = c.records[d.record];
      ++stats_->dead_letters;
      if (options_.dead_letters != nullptr) {
        STARLING_RETURN_IF_ERROR(options_.dead_letters->Write(
            RecordBytes(c.raw, rec), d.reason, c.origins[rec.origin], rec.line, rec.source_offset));
      }
    }
    stats_->records += c.records.size();
    stats_->bytes += c.bytes;
    stats_->controls += c.controls;
    stats_->posts += c.post_count;
    for (std::size_t i = 0; i < c.post_count; ++i) {
      for (sink::PostSink* s : options_.post_sinks) STARLING_RETURN_IF_ERROR(s->Write(c.posts[i]));
      if (c.late[i] != 0) {
        ++stats_->late_posts;
        if (options_.late_sink != nullptr) {
          STARLING_RETURN_IF_ERROR(options_.late_sink->Write(c.posts[i]));
        }
      }
    }
    // Partials: the latest per (window, analysis) and partition.
    std::vector<OpenKey> changed;
    std::size_t open = 0;
    std::uint64_t late_items = 0;
    for (std::uint32_t p = 0; p < outputs.size(); ++p) {
      open += outputs[p].open_windows;
      late_items += outputs[p].late_items;
      for (Partial& partial : outputs[p].partials) {
        const OpenKey key{partial.result.window_end, partial.result.window_start, partial.analysis};
        auto& slots = open_[key];
        if (slots.empty()) slots.resize(partitions_);
        slots[p] = std::make_unique<Partial>(std::move(partial));
        changed.push_back(key);
      }
    }
    stats_->open_windows = open;
    stats_->late_items = late_items;
    stats_->watermark = c.watermark_after;
    // Within a micro-batch, results wait for its last chunk.
    changed_.insert(changed_.end(), changed.begin(), changed.end());
    if (!c.batch_end) return Status::Ok();
    changed.swap(changed_);
    changed_.clear();
    std::sort(changed.begin(), changed.end());
    changed.erase(std::unique(changed.begin(), changed.end()), changed.end());
    const std::int64_t lateness = spec_.allowed_lateness.count();
    for (const OpenKey& key : changed) {
      if (SaturatingAdd(std::get<0>(key), lateness) <= c.watermark_after) continue;  // final below
      STARLING_RETURN_IF_ERROR(EmitWindow(key, false));
    }
    // Finals, in window-end order (bursts read windows in order).
    while (!open_.empty()) {
      const OpenKey key = open_.begin()->first;
      if (SaturatingAdd(std::get<0>(key), lateness) > c.watermark_after) break;
      STARLING_RETURN_IF_ERROR(EmitWindow(key, true));
      open_.erase(open_.begin());
    }
    return Status::Ok();
  }

  Status Flush() {
    for (sink::PostSink* s : options_.post_sinks) STARLING_RETURN_IF_ERROR(s->Flush());
    for (sink::ResultSink* s : options_.result_sinks) STARLING_RETURN_IF_ERROR(s->Flush());
    if (options_.late_sink != nullptr) STARLING_RETURN_IF_ERROR(options_.late_sink->Flush());
    if (options_.dead_letters != nullptr) STARLING_RETURN_IF_ERROR(options_.dead_letters->Flush());
    return Status::Ok();
  }

  void Save(ByteWriter& w) const {
    w.PutVarint(open_.size());
    for (const auto& [key, slots] : open_) {
      w.PutSigned(std::get<0>(key));
      w.PutSigned(std::get<1>(key));
      w.PutVarint(std::get<2>(key));
      for (const auto& slot : slots) {
        w.PutU8(slot ? 1 : 0);
        if (!slot) continue;
        SaveResult(w, slot->result);
        w.PutVarint(slot->sketches.size());
        for (const std::string& s : slot->sketches) w.PutString(s);
      }
    }
    for (const auto& m : mergers_) m->Save(w);
  }

  Status Load(ByteReader& r) {
    std::uint64_t n;
    if (!r.GetCount(&n)) return r.status("checkpoint collector");
    for (std::uint64_t i = 0; i < n; ++i) {
      std::int64_t end, start;
      std::uint64_t analysis;
      if (!r.GetSigned(&end) || !r.GetSigned(&start) || !r.GetVarint(&analysis) ||
          analysis >= spec_.analyses.size()) {
        return MalformedInput("checkpoint: corrupt collector state");
      }
      auto& slots = open_[OpenKey{end, start, static_cast<std::uint32_t>(analysis)}];
      slots.resize(partitions_);
      for (auto& slot : slots) {
        std::uint8_t present;
        if (!r.GetU8(&present)) return r.status("checkpoint collector");
        if (present == 0) continue;
        slot = std::make_unique<Partial>();
        slot->analysis = static_cast<std::uint32_t>(analysis);
        std::uint64_t sketches;
        if (!LoadResult(r, &slot->result) || !r.GetCount(&sketches)) {
          return MalformedInput("checkpoint: corrupt collector state");
        }
        slot->sketches.resize(sketches);
        for (std::string& s : slot->sketches) {
          if (!r.GetString(&s)) return r.status("checkpoint collector");
        }
      }
    }
    for (auto& m : mergers_) STARLING_RETURN_IF_ERROR(m->Load(r));
    return Status::Ok();
  }

 private:
  using OpenKey = std::tuple<model::TimestampUs, model::TimestampUs, std::uint32_t>;

  Status EmitWindow(const OpenKey& key, bool final) {
    auto it = open_.find(key);
    if (it == open_.end()) return Status::Ok();
    std::vector<const Partial*> partials;
    for (const auto& slot : it->second) partials.push_back(slot.get());
    WindowResult result;
    const std::uint32_t analysis = std::get<2>(key);
    if (!mergers_[analysis]->Merge(partials, final, &result)) return Status::Ok();
    result.pipeline = spec_.name;
    result.analysis = spec_.analyses[analysis].name;
    result.kind = spec_.analyses[analysis].kind;
    result.window_start = std::get<1>(key);
    result.window_end = std::get<0>(key);
    result.final = final;
    ++stats_->results;
    if (final) ++stats_->final_results;
    for (sink::ResultSink* s : options_.result_sinks) STARLING_RETURN_IF_ERROR(s->Write(result));
    if (options_.on_result) options_.on_result(result);
    return Status::Ok();
  }

  const PipelineSpec& spec_;
  const RunOptions& options_;
  std::uint32_t partitions_;
  RunStats* stats_;
  std::vector<std::unique_ptr<AnalysisMerger>> mergers_;
  std::map<OpenKey, std::vector<std::unique_ptr<Partial>>> open_;
  std::vector<OpenKey> changed_;  // windows changed in the micro-batch so far
};

// ---------- reader ----------

class Reader {
 public:
  Reader(const PipelineSpec& spec, source::RecordSource& source, const RunOptions& options)
      : spec_(spec), source_(source), options_(options), clock_(*options.clock) {
    t0_ = clock_.Steady();
    deadline_ = options.duration.count() > 0 ? t0_ + options.duration
                                             : std::chrono::steady_clock::time_point::max();
  }

  // Continues after the records a checkpoint covers: moves the source to its
  // saved position when it can seek, else reads and drops that many records.
  // Returns whether it moved.
  Result<bool> Resume(std::uint64_t records, std::string_view position) {
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

  Status Skip(std::uint64_t records) {
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

  // Fills the next chunk. Returns false when the input (or the run) is over
  // and the chunk is the end marker.
  Result<bool> Fill(Chunk& c, std::size_t max_records) {
    c.Reset();
    const auto started = clock_.Steady();
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
      if (!more.ok()) {
        if (more.status().code() != StatusCode::kTryAgain) return more.status();
        // Idle live source: in record mode hand over what we have, or in
        // processing time an empty chunk every 10 ms so the watermark follows
        // the clock; else wait a little.
        if (!batch && !c.records.empty()) break;
        if (!batch && spec_.time == TimeMode::kProcessing &&
            clock_.Steady() - started >= std::chrono::milliseconds(10)) {
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
      ++counted_;
      ++batch_records_;
      if (options_.limit > 0 && counted_ >= options_.limit) limit_hit_ = true;
      RawRecord r;
      r.offset = static_cast<std::uint32_t>(c.raw.size());
      r.size = static_cast<std::uint32_t>(rec.bytes.size());
      r.line = rec.line;
      r.source_offset = rec.offset;
      r.truncated = rec.truncated;
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

  // every_call: read the clock each time (once per block of a parallel
  // scan, where a call stands for many records).
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
};

// The parallel scan (RunOptions::blocks): parse workers claim the blocks
// of the input in order and read them themselves, so the kernel's copy of
// the file runs on every worker instead of on one reader thread. Sequence
// numbers are block indexes, then one more for the end marker, handed out
// once: after the last block, or as soon as the run is stopping (signal,
// --duration).
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
  std::optional<Claim> Next() {
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

 private:
  const source::FileBlocks& blocks_;
  Reader& reader_;
  Clock& clock_;
  const bool stamp_arrival_;
  std::mutex mu_;
  std::uint64_t next_ = 0;
  bool ended_ = false;
};

// ---------- the run ----------

class Run {
 public:
  Run(const PipelineSpec& spec, source::RecordSource& source, const RunOptions& options)
      : spec_(spec),
        options_(options),
        workers_(static_cast<std::uint32_t>(std::max(1, options.workers))),
        partition_count_(workers_),
        reader_(spec, source, options),
        router_(spec),
        clock_(*options.clock) {
    t0_ = clock_.Steady();
    last_flush_ = last_progress_ = last_checkpoint_ = t0_;
  }

  Result<RunStats> Go() {
    STARLING_RETURN_IF_ERROR(spec_.Validate());
    const std::vector<model::AnalysisMeta> metas = DescribeAnalyses(spec_);
    for (sink::ResultSink* s : options_.result_sinks) {
      STARLING_RETURN_IF_ERROR(s->DeclareAnalyses(metas));
    }
    // Keyed state lives in partition_count_ partitions: one per worker,
    // or as many as the checkpoint being resumed has (any --workers can
    // resume it: workers then share or skip partitions).
    std::optional<CheckpointData> checkpoint;
    if (options_.resume) {
      if (options_.checkpoint_dir.empty()) {
        return InvalidArgument("--resume needs --checkpoint-dir");
      }
      auto d = ReadCheckpoint(options_.checkpoint_dir);
      if (!d.ok()) return d.status();
      checkpoint = std::move(*d);
      partition_count_ = checkpoint->partitions;
    }
    for (std::uint32_t p = 0; p < partition_count_; ++p) {
      partitions_.push_back(std::make_unique<Partition>(spec_, p, partition_count_));
    }
    collector_ = std::make_unique<Collector>(spec_, options_, partition_count_, &stats_);
    if (checkpoint) STARLING_RETURN_IF_ERROR(Resume(*checkpoint));
    Status st = workers_ == 1 ? Inline() : Threaded();
    if (!st.ok()) return st;
    STARLING_RETURN_IF_ERROR(collector_->Flush());
    stats_.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(clock_.Steady() - t0_);
    latency_.Fill(&stats_);
    if (options_.on_progress) options_.on_progress(stats_);
    return stats_;
  }

 private:
  Status Resume(const CheckpointData& checkpoint) {
    const CheckpointData* d = &checkpoint;
    if (d->fingerprint != spec_.Fingerprint()) {
      return InvalidArgument("checkpoint in " + options_.checkpoint_dir +
                             " belongs to a different pipeline (names, analyses or windows "
                             "changed); use another --checkpoint-dir or remove it");
    }
    ByteReader rr(d->router);
    if (!router_.Load(rr)) return MalformedInput("checkpoint: corrupt router state");
    for (std::uint32_t p = 0; p < partition_count_; ++p) {
      STARLING_RETURN_IF_ERROR(partitions_[p]->Load(d->partition_states[p]));
    }
    ByteReader cr(d->collector);
    STARLING_RETURN_IF_ERROR(collector_->Load(cr));
    STARLING_RETURN_IF_ERROR(RestoreSinks(d->sinks));
    stats_ = d->stats;
    checkpoint_id_ = d->id;
    Result<bool> moved = reader_.Resume(d->position, d->source_position);
    if (!moved.ok()) return moved.status();
    stats_.resumed_records = d->position;
    stats_.resumed_by_seek = *moved;
    log::Info("resumed from checkpoint {} at record {} ({})", d->id, d->position,
              *moved ? "the source moved there" : "records read again and skipped");
    if (partition_count_ != workers_) {
      log::Info("the checkpoint keeps its state in {} partitions; {} worker(s) run them{}",
                partition_count_, workers_,
                workers_ > partition_count_ ? " (the extra workers parse)" : "");
    }
    return Status::Ok();
  }

  // Every output that a resume restores: its CommitName, and a callback
  // to Commit it or to restore it.
  struct Output {
    std::string name;
    std::function<Result<std::string>()> commit;
    std::function<Status(std::string_view)> restore;
  };
  std::vector<Output> Outputs() const {
    std::vector<Output> out;
    auto add = [&](auto* s) {
      if (s == nullptr) return;
      std::string name = s->CommitName();
      if (name.empty()) return;
      out.push_back({std::move(name), [s] { return s->CheckpointCommit(); },
                     [s](std::string_view t) { return s->RestoreCommit(t); }});
    };
    for (sink::ResultSink* s : options_.result_sinks) add(s);
    for (sink::PostSink* s : options_.post_sinks) add(s);
    add(options_.late_sink);
    add(options_.dead_letters);
    return out;
  }

  // At a checkpoint: each file output made durable, and where it ends.
  Result<std::vector<std::pair<std::string, std::string>>> CommitSinks() const {
    std::vector<std::pair<std::string, std::string>> tokens;
    for (Output& o : Outputs()) {
      Result<std::string> token = o.commit();
      if (!token.ok()) return token.status();
      if (!token->empty()) tokens.emplace_back(std::move(o.name), std::move(*token));
    }
    return tokens;
  }

  // Cuts every file output back to the checkpoint, so what a crashed run
  // wrote after it is not there twice. A file output the checkpoint does not
  // know (added since) keeps its contents and is appended to.
  Status RestoreSinks(const std::vector<std::pair<std::string, std::string>>& saved) {
    for (const Output& o : Outputs()) {
      const std::string* token = nullptr;
      for (const auto& [name, t] : saved) {
        if (name == o.name) token = &t;
      }
      if (token == nullptr) {
        log::Warn("{} is not in the checkpoint: it is appended to as it is", o.name);
        continue;
      }
      STARLING_RETURN_IF_ERROR(o.restore(*token));
    }
    return Status::Ok();
  }

  // At the end of the input every window closes (its results become final).
  // A run stopped early with checkpoints on leaves them open instead, for
  // --resume to continue: closing them would store results that the resumed
  // run must then replace (and sessions would end where they did not end).
  bool CloseWindowsAtEnd() const { return reader_.exhausted() || options_.checkpoint_dir.empty(); }

  // Called by the router for each chunk in order: sets the checkpoint barrier.
  void MaybeBarrier(Chunk& c) {
    // Never after the end marker: it closes every window, and a resumed run
    // must find them open.
    if (options_.checkpoint_dir.empty() || c.end || !c.batch_end) return;
    const auto now = clock_.Steady();
    if (c.force_checkpoint || now - last_checkpoint_ >= options_.checkpoint_interval) {
      c.checkpoint = ++checkpoint_id_;
      last_checkpoint_ = now;
    }
  }

  // Called by the collector after a chunk's results went to the sinks.
  Status AfterChunk(const Chunk& c, const std::vector<PartitionOutput>& outputs) {
    const auto now = clock_.Steady();
    // Latency counts when results are out: per chunk in record mode, at the
    // end of a micro-batch for all of its records (from its first record).
    batch_latency_records_ += c.records.size();
    if (c.batch_end && batch_latency_records_ > 0) {
      latency_.Add(std::chrono::duration_cast<std::chrono::microseconds>(now - c.batch_first_read),
                   batch_latency_records_);
      batch_latency_records_ = 0;
    }
    if (c.checkpoint != 0) {
      STARLING_RETURN_IF_ERROR(collector_->Flush());
      last_flush_ = now;
      CheckpointData d;
      d.fingerprint = spec_.Fingerprint();
      d.partitions = partition_count_;
      auto committed = CommitSinks();
      if (!committed.ok()) return committed.status();
      d.sinks = std::move(*committed);
      d.position = c.position;
      d.source_position = c.source_position;
      d.id = c.checkpoint;
      {
        std::lock_guard lock(router_mu_);
        d.router = std::move(router_snapshots_[c.seq]);
        router_snapshots_.erase(c.seq);
      }
      for (const PartitionOutput& o : outputs) d.partition_states.push_back(o.snapshot);
      ByteWriter w(&d.collector);
      collector_->Save(w);
      ++stats_.checkpoints;
      d.stats = stats_;
      STARLING_RETURN_IF_ERROR(WriteCheckpoint(options_.checkpoint_dir, d));
      checkpoint_written_ = now;
    } else if (now - last_flush_ >= options_.flush_interval) {
      STARLING_RETURN_IF_ERROR(collector_->Flush());
      last_flush_ = now;
    }
    if (options_.on_progress && now - last_progress_ >= options_.progress_interval) {
      last_progress_ = now;
      stats_.elapsed = std::chrono::duration_cast<std::chrono::microseconds>(now - t0_);
      stats_.last_checkpoint_age =
          std::chrono::duration_cast<std::chrono::microseconds>(now - checkpoint_written_);
      latency_.Fill(&stats_);
      options_.on_progress(stats_);
    }
    return Status::Ok();
  }

  void RouteChunk(Chunk& c) {
    PlaceBlockLines(c);
    router_.Run(c);
    MaybeBarrier(c);
    if (c.checkpoint != 0) {
      std::string snap;
      ByteWriter w(&snap);
      router_.Save(w);
      std::lock_guard lock(router_mu_);
      router_snapshots_[c.seq] = std::move(snap);
    }
  }

  // The parallel scan is for a run that reads its input once, start to
  // end, in record mode: checkpoints need the sequential reader's
  // positions, a limit its record count, micro-batches and early results
  // its clock.
  bool UseBlocks() const {
    return options_.blocks != nullptr && options_.checkpoint_dir.empty() && !options_.resume &&
           options_.limit == 0 && spec_.mode == ProcessingMode::kRecord &&
           options_.early_results.count() == 0;
  }

  // Fills c with block claim.seq (read here, on the caller's thread), or
  // makes it the end marker.
  Status FillFromBlock(const BlockClaims::Claim& claim, source::FileBlocks::Block& block,
                       Chunk& c) {
    c.Reset();
    c.seq = claim.seq;
    c.first_read = c.batch_first_read = claim.read_at;
    c.arrival = claim.arrival;
    if (claim.end) {
      c.end = true;
      return Status::Ok();
    }
    STARLING_RETURN_IF_ERROR(options_.blocks->Read(claim.seq, &block));
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
      r.truncated = rec.truncated;
    }
    return Status::Ok();
  }

  // In input order: a block's lines counted from the file's first line.
  void PlaceBlockLines(Chunk& c) {
    if (c.block_file < 0) return;
    if (c.block_file != block_file_) {
      block_file_ = c.block_file;
      block_line_base_ = 0;
    }
    for (RawRecord& r : c.records) r.line += block_line_base_;
    block_line_base_ += c.block_newlines;
  }

  // One worker: every stage on this thread.
  Status Inline() {
    Stage1 stage1(spec_, options_.parse);
    Chunk c;
    std::vector<PartitionOutput> outputs(partition_count_);
    if (UseBlocks()) {
      BlockClaims claims(*options_.blocks, reader_, clock_, spec_.time == TimeMode::kProcessing);
      source::FileBlocks::Block block;
      while (std::optional<BlockClaims::Claim> claim = claims.Next()) {
        STARLING_RETURN_IF_ERROR(FillFromBlock(*claim, block, c));
        STARLING_RETURN_IF_ERROR(Process(stage1, c, outputs));
      }
      return Status::Ok();
    }
    reader_.KeepViews();              // each chunk is processed before the next Fill
    const std::size_t per_chunk = 1;  // record mode; micro-batches cut their own chunks
    std::uint64_t seq = 0;
    bool more = true;
    while (more) {
      Result<bool> r = reader_.Fill(c, per_chunk);
      if (!r.ok()) return r.status();
      more = *r;
      c.seq = seq++;
      if (!more) {
        // The last records, then the end marker in a chunk of its own.
        c.force_checkpoint = true;
        STARLING_RETURN_IF_ERROR(Process(stage1, c, outputs));
        if (!CloseWindowsAtEnd()) break;
        c.Reset();
        c.seq = seq++;
        c.end = true;
        c.position = reader_.consumed();
      }
      STARLING_RETURN_IF_ERROR(Process(stage1, c, outputs));
    }
    return Status::Ok();
  }

  Status Process(Stage1& stage1, Chunk& c, std::vector<PartitionOutput>& outputs) {
    stage1.Run(c);
    return KeyedStage(c, outputs);
  }

  // A parsed chunk, in input order: route, every partition, collect.
  Status KeyedStage(Chunk& c, std::vector<PartitionOutput>& outputs) {
    RouteChunk(c);
    for (std::uint32_t p = 0; p < partition_count_; ++p) partitions_[p]->Run(c, &outputs[p]);
    STARLING_RETURN_IF_ERROR(collector_->Run(c, outputs));
    return AfterChunk(c, outputs);
  }

  // N workers: reader, parse workers, router, partitions, collector (this
  // thread); or, for a parallel scan, parse workers that read their own
  // blocks, and no reader.
  Status Threaded() {
    // A block of a parallel scan is a big chunk (a MiB): two per worker
    // keep every worker busy, and more buffers only cost page faults.
    const std::size_t pool_size = options_.max_chunks > 0 ? options_.max_chunks
                                  : UseBlocks()           ? 2 * workers_
                                                          : 4 * workers_ + 4;
    std::vector<std::unique_ptr<Chunk>> storage;
    internal::BoundedQueue<Chunk*> free_chunks(pool_size);
    for (std::size_t i = 0; i < pool_size; ++i) {
      storage.push_back(std::make_unique<Chunk>());
      (void)free_chunks.Push(storage.back().get());
    }
    internal::BoundedQueue<Chunk*> to_parse(pool_size);
    internal::BoundedQueue<Chunk*> parsed(pool_size);
    internal::BoundedQueue<Chunk*> to_collect(pool_size);
    // Partition threads: at most one per partition; thread t runs the
    // partitions p with p % threads == t. None: this thread routes and runs
    // every partition itself (RunKeyedHere).
    const std::uint32_t partition_threads = PartitionThreads();
    std::vector<std::unique_ptr<internal::BoundedQueue<Chunk*>>> to_partition;
    std::vector<std::unique_ptr<internal::BoundedQueue<std::unique_ptr<PartitionOutput>>>>
        from_partition;
    for (std::uint32_t t = 0; t < partition_threads; ++t) {
      to_partition.push_back(std::make_unique<internal::BoundedQueue<Chunk*>>(pool_size));
    }
    for (std::uint32_t p = 0; p < partition_count_; ++p) {
      from_partition.push_back(
          std::make_unique<internal::BoundedQueue<std::unique_ptr<PartitionOutput>>>(pool_size));
    }
    std::mutex error_mu;
    Status error;
    auto fail = [&](Status st) {
      std::lock_guard lock(error_mu);
      if (error.ok()) error = std::move(st);
    };
    auto close_all = [&] {
      free_chunks.Close();
      to_parse.Close();
      parsed.Close();
      to_collect.Close();
      for (auto& q : to_partition) q->Close();
      for (auto& q : from_partition) q->Close();
    };
    const std::size_t per_chunk = std::max<std::size_t>(1, options_.chunk_records);

    std::vector<std::thread> threads;
    std::atomic<std::uint32_t> parsers_left{workers_};
    std::optional<BlockClaims> claims;  // outlives the threads
    if (UseBlocks()) {  // parse workers that read their own blocks: no reader thread
      claims.emplace(*options_.blocks, reader_, clock_, spec_.time == TimeMode::kProcessing);
      for (std::uint32_t w = 0; w < workers_; ++w) {
        threads.emplace_back([&] {
          Stage1 stage1(spec_, options_.parse);
          source::FileBlocks::Block block;
          for (;;) {
            // A chunk first, then the claim: a claimed block always has a
            // chunk to go in (the collector waits for it to restore order).
            Chunk* c;
            if (!free_chunks.Pop(&c)) return;
            std::optional<BlockClaims::Claim> claim = claims->Next();
            if (!claim) {
              (void)free_chunks.Push(c);
              break;
            }
            Status st = FillFromBlock(*claim, block, *c);
            if (!st.ok()) {
              fail(st);
              close_all();
              return;
            }
            stage1.Run(*c);
            if (!parsed.Push(c)) return;
          }
          if (parsers_left.fetch_sub(1) == 1) parsed.Close();
        });
      }
    } else {
      reader_.ShareViews();
      threads.emplace_back([&] {  // reader
        std::uint64_t seq = 0;
        bool more = true;
        while (more) {
          Chunk* c;
          if (!free_chunks.Pop(&c)) return;
          Result<bool> r = reader_.Fill(*c, per_chunk);
          if (!r.ok()) {
            fail(r.status());
            close_all();
            return;
          }
          more = *r;
          c->seq = seq++;
          if (!more) {
            c->force_checkpoint = true;
            if (!to_parse.Push(c)) return;
            if (!CloseWindowsAtEnd()) {
              to_parse.Close();
              return;
            }
            if (!free_chunks.Pop(&c)) return;
            c->Reset();
            c->seq = seq++;
            c->end = true;
            c->position = reader_.consumed();
          }
          if (!to_parse.Push(c)) return;
        }
        to_parse.Close();
      });
      for (std::uint32_t w = 0; w < workers_; ++w) {
        threads.emplace_back([&] {  // parse workers
          Stage1 stage1(spec_, options_.parse);
          Chunk* c;
          while (to_parse.Pop(&c)) {
            stage1.Run(*c);
            if (!parsed.Push(c)) return;
          }
          if (parsers_left.fetch_sub(1) == 1) parsed.Close();
        });
      }
    }
    if (partition_threads == 0) {
      Status st = RunKeyedHere(parsed, free_chunks);
      if (!st.ok()) fail(st);
      close_all();
      for (std::thread& t : threads) t.join();
      return error;
    }
    threads.emplace_back([&] {  // router: restores input order
      InOrder order;
      Chunk* c;
      while (parsed.Pop(&c)) {
        order.Add(c);
        while (Chunk* ready = order.Next()) {
          RouteChunk(*ready);
          if (!to_collect.Push(ready)) return;
          for (auto& q : to_partition) {
            if (!q->Push(ready)) return;
          }
        }
      }
      to_collect.Close();
      for (auto& q : to_partition) q->Close();
    });
    for (std::uint32_t t = 0; t < partition_threads; ++t) {
      threads.emplace_back([&, t] {  // partitions
        Chunk* c;
        while (to_partition[t]->Pop(&c)) {
          for (std::uint32_t p = t; p < partition_count_; p += partition_threads) {
            auto out = std::make_unique<PartitionOutput>();
            partitions_[p]->Run(*c, out.get());
            if (!from_partition[p]->Push(std::move(out))) return;
          }
        }
        for (std::uint32_t p = t; p < partition_count_; p += partition_threads) {
          from_partition[p]->Close();
        }
      });
    }
    // Collector, here.
    std::vector<PartitionOutput> outputs(partition_count_);
    Chunk* c;
    while (to_collect.Pop(&c)) {
      bool ok = true;
      for (std::uint32_t p = 0; p < partition_count_ && ok; ++p) {
        std::unique_ptr<PartitionOutput> out;
        ok = from_partition[p]->Pop(&out);
        if (ok) outputs[p] = std::move(*out);
      }
      if (!ok) break;
      Status st = collector_->Run(*c, outputs);
      if (st.ok()) st = AfterChunk(*c, outputs);
      if (!st.ok()) {
        fail(st);
        close_all();
        break;
      }
      c->keeps.clear();  // the source may reuse those buffers now
      (void)free_chunks.Push(c);
    }
    close_all();
    for (std::thread& t : threads) t.join();
    return error;
  }

  std::uint32_t PartitionThreads() const {
    const int asked = options_.partition_threads;
    const std::uint32_t n = asked >= 0      ? static_cast<std::uint32_t>(asked)
                            : workers_ >= 4 ? workers_
                                            : 0;
    return std::min(n, partition_count_);
  }

  // The keyed stage on this thread: parsed chunks back in input order, then
  // KeyedStage, as Inline() does after parsing.
  Status RunKeyedHere(internal::BoundedQueue<Chunk*>& parsed,
                      internal::BoundedQueue<Chunk*>& free_chunks) {
    std::vector<PartitionOutput> outputs(partition_count_);
    InOrder order;
    Chunk* c;
    while (parsed.Pop(&c)) {
      order.Add(c);
      while (Chunk* ready = order.Next()) {
        STARLING_RETURN_IF_ERROR(KeyedStage(*ready, outputs));
        ready->keeps.clear();  // the source may reuse those buffers now
        (void)free_chunks.Push(ready);
      }
    }
    return Status::Ok();
  }

  const PipelineSpec& spec_;
  const RunOptions& options_;
  std::uint32_t workers_;
  std::uint32_t partition_count_;
  RunStats stats_;
  Reader reader_;
  Router router_;
  std::unique_ptr<Collector> collector_;
  std::vector<std::unique_ptr<Partition>> partitions_;
  Clock& clock_;
  std::chrono::steady_clock::time_point t0_, last_flush_, last_progress_, last_checkpoint_,
      checkpoint_written_;
  std::uint64_t checkpoint_id_ = 0;
  LatencyHistogram latency_;
  std::uint64_t batch_latency_records_ = 0;
  std::mutex router_mu_;
  std::map<std::uint64_t, std::string> router_snapshots_;
  std::int64_t block_file_ = -1;  // PlaceBlockLines: the file of the last block
  std::uint64_t block_line_base_ = 0;
};

}  // namespace

Result<RunStats> RunPipeline(const PipelineSpec& spec, source::RecordSource& source,
                             const RunOptions& options) {
  Run run(spec, source, options);
  return run.Go();
}

}  // namespace starling::dataflow
