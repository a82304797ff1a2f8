// File: dataflow/internal/parse_stage.cc
#include "dataflow/internal/parse_stage.h"

#include <string>
#include <string_view>

#include "common/status.h"
#include "dataflow/dead_letters.h"

namespace starling::dataflow::internal {

using model::Post;

namespace {

// `*to = from`, minus the calls that would copy an empty string or vector
// over an empty one: the chunk's posts are reused, and most fields of a
// projected post (parse::Fields) are empty on both sides. A plain copy
// cost ~800 instructions per post, more than the rest of this stage.
inline void Assign(const Post& from, Post* to) {
#if defined(__x86_64__) && defined(__GLIBCXX__) && !defined(_GLIBCXX_DEBUG)
  static_assert(sizeof(Post) == 672, "Post changed: copy the new field in Assign (parse_stage.cc)");
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
  copy(from.channel, to->channel);
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

}  // namespace

ParseStage::ParseStage(const PipelineSpec& spec, const parse::ParseOptions& parse)
    : spec_(spec), parser_(parse) {
  for (const AnalysisSpec& a : spec.analyses) needs_.Add(NeedsOf(a));
}

void ParseStage::Run(Chunk& c) {
  c.post_count = 0;
  c.item_end.clear();
  c.items.clear();
  c.arena.clear();
  for (std::uint32_t r = 0; r < c.records.size(); ++r) {
    const RawRecord& rec = c.records[r];
    const std::string_view bytes = RecordBytes(c.raw, rec);
    c.bytes += rec.size;
    if (rec.truncated) {
      c.dead.push_back({r, CutRecordReason(rec.full_size, rec.size)});
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
    record_ = r;
    for (const Post* p : views_) Emit(c, *p, 0);
  }
}

void ParseStage::Emit(Chunk& c, const Post& post, std::size_t stage) {
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
  if (c.post_record.size() <= i) c.post_record.push_back(0);
  c.post_record[i] = record_;
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

}  // namespace starling::dataflow::internal
