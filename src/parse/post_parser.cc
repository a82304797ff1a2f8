// File: parse/post_parser.cc
// One pass over each record with simdjson On-Demand. X v1.1, X v2 and our own
// normalized format share most field names, so a single field handler reads a
// tweet object whatever its dialect; the envelope (data/includes/statuses/
// errors/control keys) is recognised at the top level.
#include "parse/post_parser.h"

#include <simdjson.h>
#ifdef __AVX2__
#include <immintrin.h>
#endif

#include <algorithm>
#include <charconv>
#include <cstring>
#include <deque>
#include <limits>
#include <stdexcept>
#include <unordered_map>

#include "model/time.h"
#include "text/extract.h"

namespace starling::parse {

namespace od = simdjson::ondemand;
using model::Post;

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kAuto:
      return "auto";
    case Format::kXV2:
      return "x-v2";
    case Format::kXV11:
      return "x-v11";
    case Format::kStarling:
      return "starling";
  }
  return "auto";
}

Result<Format> FormatFromName(std::string_view name) {
  for (auto f : {Format::kAuto, Format::kXV2, Format::kXV11, Format::kStarling}) {
    if (FormatName(f) == name) return f;
  }
  return InvalidArgument("unknown format '" + std::string(name) +
                         "' (expected auto, x-v2, x-v11 or starling)");
}

// Sequential pre-snowflake ids stayed below ~3e10; snowflakes start near 3e16.
constexpr std::uint64_t kFirstSnowflakeId = 1000000000000000ULL;  // 1e15

model::TimestampUs SnowflakeTime(std::string_view id) {
  std::uint64_t v = 0;
  auto [p, ec] = std::from_chars(id.data(), id.data() + id.size(), v);
  if (ec != std::errc() || p != id.data() + id.size() || v < kFirstSnowflakeId) return 0;
  constexpr std::int64_t kTwitterEpochMs = 1288834974657LL;  // 2010-11-04T01:42:54.657Z
  return (static_cast<std::int64_t>(v >> 22) + kTwitterEpochMs) * 1000;
}

namespace {

// A malformed-record error raised inside the parser and turned into a Status
// at the Parse() boundary. Exceptions never cross the public API.
class Malformed : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// The switch value for a field name: its length, first, middle and last
// byte. Not a general hash, but enough to tell apart the names one switch
// looks for, at a fraction of the cost of hashing every byte: two labels of
// one switch that collide fail to compile (duplicate case value), and every
// case still compares the whole key (Is) before acting.
constexpr std::uint32_t Hash(std::string_view s) {
  if (s.empty()) return 0;
  const auto b = [&](std::size_t i) {
    return static_cast<std::uint32_t>(static_cast<unsigned char>(s[i]));
  };
  return (static_cast<std::uint32_t>(s.size()) << 24) ^ (b(0) << 16) ^ (b(s.size() / 2) << 8) ^
         b(s.size() - 1);
}

// Whether a key equals a literal; with the length known at compile time the
// compare is inlined as a few loads (std::string_view's operator== was a
// call to memcmp for each of the 100-odd compares per record).
template <std::size_t N>
inline bool Is(std::string_view key, const char (&lit)[N]) {
  return key.size() == N - 1 && std::memcmp(key.data(), lit, N - 1) == 0;
}

struct Entities {
  bool present = false;
  std::vector<model::Hashtag> hashtags;
  std::vector<model::Mention> mentions;
  std::vector<model::Url> urls;
  std::vector<model::Cashtag> cashtags;

  // Back to the default state, keeping the vectors' capacity.
  void Clear() {
    present = false;
    hashtags.clear();
    mentions.clear();
    urls.clear();
    cashtags.clear();
  }
};

enum class Dialect : std::uint8_t { kUnknown, kV2, kV11, kStarling };

// Everything read from one tweet object before it becomes a Post. Builders
// are pooled by the parser and reused from record to record (see
// Impl::NewBuilder), so that their strings and vectors, and those of the post
// they build, keep their capacity instead of being allocated for every tweet.
struct TweetBuilder {
  Post post;
  std::string id, id_str, id_num;
  std::string text, full_text, ext_text, note_text;
  bool has_text = false, has_full_text = false, has_ext_text = false, has_note_text = false;
  // Without Fields::kText: the texts' JSON tokens (quotes and escapes
  // included), decoded only if entities must be extracted from the text.
  std::string_view text_raw, full_text_raw, ext_text_raw, note_text_raw;
  bool has_created = false;
  Entities ents, ext_ents, note_ents;
  std::string reply_to, quoted_id, reposted_id;
  bool has_v2_refs = false;
  Dialect dialect = Dialect::kUnknown;
  std::vector<Post> children;  // referenced tweets parsed inline (v1.1), for include_referenced
  std::string_view span;       // the object's bytes in the record when it came out of an array

  // Back to the state of a new builder, keeping capacity. Every member above
  // must be reset here.
  void Clear() {
    post.Clear();
    id.clear();
    id_str.clear();
    id_num.clear();
    text.clear();
    full_text.clear();
    ext_text.clear();
    note_text.clear();
    has_text = has_full_text = has_ext_text = has_note_text = false;
    text_raw = full_text_raw = ext_text_raw = note_text_raw = {};
    has_created = false;
    ents.Clear();
    ext_ents.Clear();
    note_ents.Clear();
    reply_to.clear();
    quoted_id.clear();
    reposted_id.clear();
    has_v2_refs = false;
    dialect = Dialect::kUnknown;
    children.clear();
    span = {};
  }
};

std::string_view Trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view Str(od::value v) { return std::string_view(v.get_string()); }

// Ids: strings, or numbers kept as their exact digits (never through double).
// Assigned into *out, so that a reused string keeps its capacity.
void IdInto(od::value v, std::string* out) {
  od::json_type t = v.type();
  if (t == od::json_type::string) {
    out->assign(Str(v));
  } else if (t == od::json_type::number) {
    out->assign(Trim(v.raw_json_token()));
  } else if (t == od::json_type::null) {
    out->clear();
  } else {
    throw Malformed("expected an id (string or number)");
  }
}

std::string IdString(od::value v) {
  std::string s;
  IdInto(v, &s);
  return s;
}

// A string, or "" for null.
void StrOrEmpty(od::value v, std::string* out) {
  if (v.is_null()) {
    out->clear();
  } else {
    out->assign(Str(v));
  }
}

// A whole number or null; anything else (1e999, 2.5, "7") is malformed, and
// the message names the field.
std::optional<std::int64_t> OptInt(od::value v, std::string_view field) {
  if (v.is_null()) return std::nullopt;
  std::int64_t n = 0;
  if (const auto err = v.get_int64().get(n); err) {
    throw Malformed(std::string(field) + ": expected a whole number (" +
                    simdjson::error_message(err) + ")");
  }
  return n;
}

bool IsNull(od::value v) { return v.is_null(); }

// A field's key without unescaping it into simdjson's string buffer: keys of
// provider JSON never hold escapes, so we read them in place and fall back to
// unescaping only when a backslash shows up.
template <typename Field>
std::string_view Key(Field& field) {
  od::raw_json_string raw_key = field.key();
  const char* k = raw_key.raw();
#ifdef __AVX2__
  // Field names are short: one 32-byte compare finds the closing quote (and
  // any backslash before it) instead of a loop over each byte. Reading 32
  // bytes is safe: the document is followed by SIMDJSON_PADDING (64) bytes.
  const __m256i x = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(k));
  const auto quotes =
      static_cast<std::uint32_t>(_mm256_movemask_epi8(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('"'))));
  if (quotes != 0) {
    const auto backslashes = static_cast<std::uint32_t>(
        _mm256_movemask_epi8(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('\\'))));
    const std::uint32_t before_quote = (quotes & -quotes) - 1;  // bits below the first quote
    if ((backslashes & before_quote) != 0) return field.unescaped_key();
    return {k, static_cast<std::size_t>(__builtin_ctz(quotes))};
  }
  // A name of 32 bytes or more: the byte loop below.
#endif
  const char* q = k;
  while (*q != '"') {
    if (*q == '\\') return field.unescaped_key();
    ++q;
  }
  return {k, static_cast<std::size_t>(q - k)};
}

// An entity offset as read; one outside [0, 2^31) is -1, so that the range
// check in Finish drops it rather than keeping it wrapped around.
std::int32_t Offset(std::int64_t v) {
  return v < 0 || v > std::numeric_limits<std::int32_t>::max() ? -1 : static_cast<std::int32_t>(v);
}

// Unicode code points of UTF-8 text (the bytes that do not continue one).
std::size_t CodePoints(std::string_view text) {
  std::size_t n = 0;
  for (const char c : text) n += (static_cast<unsigned char>(c) & 0xC0u) != 0x80u;
  return n;
}

// Provider (and starling-format) entity offsets are kept only when they lie
// in the post's text: 0 <= start < end <= its length in code points. Any
// other range (start at or after end, past the text, negative, one given
// without the other) becomes {-1, -1}, "unknown" as CSV gives it; the entity
// itself is kept (docs/formats/post.md). Without the text (a projection
// that does not decode it) only the order of start and end is checked.
void DropBadRanges(model::Post* p, bool text_known) {
  std::size_t length = 0;
  bool counted = false;
  auto check = [&](model::TextRange& r) {
    if (r.start == -1 && r.end == -1) return;
    bool ok = r.start >= 0 && r.start < r.end;
    if (ok && text_known) {
      const auto end = static_cast<std::size_t>(r.end);
      // A code point takes 1 to 4 bytes: count only when the bytes cannot tell.
      if (end > p->text.size()) {
        ok = false;
      } else if (end > p->text.size() / 4) {
        if (!counted) length = CodePoints(p->text);
        counted = true;
        ok = end <= length;
      }
    }
    if (!ok) r = model::TextRange{};
  };
  for (model::Hashtag& e : p->hashtags) check(e.range);
  for (model::Mention& e : p->mentions) check(e.range);
  for (model::Url& e : p->urls) check(e.range);
  for (model::Cashtag& e : p->cashtags) check(e.range);
}

}  // namespace

struct PostParser::Impl {
  explicit Impl(const ParseOptions& o)
      : options(o),
        want_text(o.fields.Has(Fields::kText)),
        want_time(o.fields.Has(Fields::kTime)),
        want_author(o.fields.Has(Fields::kAuthor)),
        want_lang(o.fields.Has(Fields::kLang)),
        want_hashtags(o.fields.Has(Fields::kHashtags)),
        want_mentions(o.fields.Has(Fields::kMentions)),
        want_urls(o.fields.Has(Fields::kUrls)),
        want_cashtags(o.fields.Has(Fields::kCashtags)),
        want_entities(o.fields.Has(Fields::kEntities)),
        want_refs(o.fields.Has(Fields::kReferences) || o.include_referenced),
        want_metrics(o.fields.Has(Fields::kMetrics)),
        want_geo(o.fields.Has(Fields::kGeo)),
        want_rules(o.fields.Has(Fields::kRules)),
        extract(o.extract_missing_entities && want_entities),
        stop_after_data(!o.read_whole_record && !want_author && !want_geo && !want_rules &&
                        !o.include_referenced) {}

  const ParseOptions& options;
  // The projection (ParseOptions::fields), one flag per field group.
  const bool want_text, want_time, want_author, want_lang, want_hashtags, want_mentions, want_urls,
      want_cashtags, want_entities, want_refs, want_metrics, want_geo, want_rules;
  const bool extract;  // extract entities from the text when the provider gives none
  // An X v2 envelope is read no further than its `data` (read_whole_record
  // off, and nothing of includes / matching_rules wanted).
  const bool stop_after_data;
  bool stopped_early = false;  // this record was not read to its end
  od::parser parser;
  // Decodes a text kept as its JSON token (projection without kText).
  od::parser text_parser;
  std::string text_buf;
  std::string padded;
  const char* buf_begin = nullptr;  // start of the parsed bytes (record or padded copy)
  std::string_view record;          // the trimmed record, for raw spans
  od::document doc;
  const char* where = "";  // breadcrumb for error messages

  // Envelope state for one record.
  // includes.users of this record; the views point into simdjson's string
  // buffer, valid until the next record. A line holds a handful: a linear
  // search beats hashing.
  struct User {
    std::string_view id, handle, name;
  };
  std::vector<User> users;
  struct Place {
    std::string name, country;
  };
  std::unordered_map<std::string, Place> places;
  std::vector<model::MatchingRule> rules;
  // Every builder of this record comes from this pool: the first
  // builders_used are in use, the rest wait for a later record. A deque, so
  // that taking a new builder (a nested tweet) leaves references to the
  // others valid.
  std::deque<TweetBuilder> builder_pool;
  std::size_t builders_used = 0;
  std::vector<TweetBuilder*> tweets;    // from data / statuses / top-level arrays
  std::vector<TweetBuilder*> included;  // includes.tweets (only with include_referenced)
  std::vector<bool> included_done;      // parallel to `included`: already emitted

  // Where finished posts go: moved to the end of *out (Parse), or, with
  // view_out set (ParseView), left where they are, in their builders, and
  // pointed to from *view_out.
  std::vector<Post>* out = nullptr;
  std::vector<const Post*>* view_out = nullptr;

  // A cleared builder from the pool, valid until the next record.
  TweetBuilder& NewBuilder() {
    if (builders_used == builder_pool.size()) builder_pool.emplace_back();
    TweetBuilder& b = builder_pool[builders_used++];
    b.Clear();
    return b;
  }

  // Hands a finished post to the caller. `p` lives in a builder of this
  // record (its post, or one of its children) and stays untouched until the
  // next record.
  void Output(Post& p) {
    if (view_out != nullptr) {
      view_out->push_back(&p);
    } else {
      out->push_back(std::move(p));
    }
  }

  // The format of every post finished in this record, for --format checks.
  std::vector<Format> finished_formats;

  void Reset() {
    stopped_early = false;
    finished_formats.clear();
    users.clear();
    places.clear();
    rules.clear();
    builders_used = 0;
    tweets.clear();
    included.clear();
    included_done.clear();
  }

  // Maps a pointer into the padded copy back onto the caller's record.
  std::string_view SpanToRecord(const char* start, const char* end) const {
    return record.substr(static_cast<std::size_t>(start - buf_begin),
                         static_cast<std::size_t>(end - start));
  }

  // The raw JSON of an object we just finished iterating: from its '{' to the
  // last byte before the iterator's current token.
  std::string_view ElementSpan(const char* start) {
    const char* next = nullptr;
    if (doc.current_location().get(next) != simdjson::SUCCESS) {
      next = buf_begin + record.size();
    }
    const char* end = next;
    while (end > start && (end[-1] == ' ' || end[-1] == '\n' || end[-1] == '\r' ||
                           end[-1] == '\t' || end[-1] == ',')) {
      --end;
    }
    return SpanToRecord(start, end);
  }

  // ---- entities ----------------------------------------------------------

  enum class EntityKind { kHashtag, kMention, kUrl, kCashtag };

  // Scratch strings for the entity fields a kind does not keep: they are
  // still read (and so type-checked) as for the other kinds.
  std::string unused_name, unused_id, unused_url;

  // Each entity is read straight into a new element of its vector (no
  // temporaries moved in afterwards): the fields of the element, or a scratch
  // string for those its kind does not have.
  bool Wanted(EntityKind kind) const {
    switch (kind) {
      case EntityKind::kHashtag:
        return want_hashtags;
      case EntityKind::kMention:
        return want_mentions;
      case EntityKind::kUrl:
        return want_urls;
      case EntityKind::kCashtag:
        return want_cashtags;
    }
    return true;
  }

  void ParseEntityArray(od::value v, EntityKind kind, Entities* out) {
    if (IsNull(v)) return;
    out->present = true;
    if (!Wanted(kind)) return;  // projected out: skipped unread
    for (od::value item : v.get_array()) {
      std::string* name = &unused_name;
      std::string* id = &unused_id;
      std::string* url = &unused_url;
      std::string* expanded = &unused_url;
      std::string* display = &unused_url;
      std::string* unwound = &unused_url;
      model::TextRange* range = nullptr;
      model::Url* u = nullptr;
      switch (kind) {
        case EntityKind::kHashtag: {
          model::Hashtag& h = out->hashtags.emplace_back();
          name = &h.tag;
          range = &h.range;
          break;
        }
        case EntityKind::kCashtag: {
          model::Cashtag& c = out->cashtags.emplace_back();
          name = &c.tag;
          range = &c.range;
          break;
        }
        case EntityKind::kMention: {
          model::Mention& m = out->mentions.emplace_back();
          name = &m.handle;
          id = &m.user_id;
          range = &m.range;
          break;
        }
        case EntityKind::kUrl: {
          u = &out->urls.emplace_back();
          url = &u->url;
          expanded = &u->expanded_url;
          display = &u->display_url;
          unwound = &u->unwound_url;
          range = &u->range;
          break;
        }
      }
      id->clear();  // the id rule below looks at what an earlier field left
      for (auto field : item.get_object()) {
        std::string_view key = Key(field);
        od::value fv = field.value();
        switch (Hash(key)) {
          case Hash("start"):
            if (!Is(key, "start")) break;
            range->start = Offset(fv.get_int64());
            break;
          case Hash("end"):
            if (!Is(key, "end")) break;
            range->end = Offset(fv.get_int64());
            break;
          case Hash("indices"):
            if (!Is(key, "indices")) break;
            {
              int i = 0;
              for (od::value x : fv.get_array()) {
                if (i == 0) range->start = Offset(x.get_int64());
                if (i == 1) range->end = Offset(x.get_int64());
                ++i;
              }
              break;
            }
          case Hash("tag"):
          case Hash("text"):
          case Hash("username"):
          case Hash("screen_name"):
          case Hash("handle"):
            if (!Is(key, "tag") && !Is(key, "text") && !Is(key, "username") &&
                !Is(key, "screen_name") && !Is(key, "handle"))
              break;
            *name = Str(fv);
            break;
          case Hash("id"):
          case Hash("id_str"):
            if (!Is(key, "id") && !Is(key, "id_str")) break;
            if (Is(key, "id_str") || id->empty()) IdInto(fv, id);
            break;
          case Hash("url"):
            if (!Is(key, "url")) break;
            StrOrEmpty(fv, url);
            break;
          case Hash("expanded_url"):
            if (!Is(key, "expanded_url")) break;
            StrOrEmpty(fv, expanded);
            break;
          case Hash("display_url"):
            if (!Is(key, "display_url")) break;
            StrOrEmpty(fv, display);
            break;
          case Hash("unwound_url"):
            if (!Is(key, "unwound_url")) break;
            StrOrEmpty(fv, unwound);
            break;
          default:
            break;
        }
      }
      if (u != nullptr && u->expanded_url.empty()) u->expanded_url = u->url;
    }
  }

  void ParseEntities(od::value v, Entities* out) {
    if (IsNull(v)) return;
    out->present = true;
    if (!want_entities) return;  // projected out: skipped unread
    bool media = false;
    for (auto field : v.get_object()) {
      std::string_view key = Key(field);
      od::value fv = field.value();
      switch (Hash(key)) {
        case Hash("hashtags"):
          if (!Is(key, "hashtags")) break;
          ParseEntityArray(fv, EntityKind::kHashtag, out);
          break;
        case Hash("mentions"):
        case Hash("user_mentions"):
          if (!Is(key, "mentions") && !Is(key, "user_mentions")) break;
          ParseEntityArray(fv, EntityKind::kMention, out);
          break;
        case Hash("urls"):
          if (!Is(key, "urls")) break;
          ParseEntityArray(fv, EntityKind::kUrl, out);
          break;
        case Hash("media"):
          if (!Is(key, "media")) break;
          // v1.1 keeps photo links apart; v2 lists them with the URLs.
          ParseEntityArray(fv, EntityKind::kUrl, out);
          media = true;
          break;
        case Hash("cashtags"):
        case Hash("symbols"):
          if (!Is(key, "cashtags") && !Is(key, "symbols")) break;
          ParseEntityArray(fv, EntityKind::kCashtag, out);
          break;
        default:
          break;
      }
    }
    if (media && want_urls) {
      std::stable_sort(
          out->urls.begin(), out->urls.end(),
          [](const model::Url& a, const model::Url& b) { return a.range.start < b.range.start; });
    }
  }

  // ---- small objects -----------------------------------------------------

  void ParseV11User(od::value v, model::Author* a) {
    if (IsNull(v)) return;
    std::string id_num;
    for (auto field : v.get_object()) {
      std::string_view key = Key(field);
      od::value fv = field.value();
      switch (Hash(key)) {
        case Hash("id_str"):
          if (!Is(key, "id_str")) break;
          a->id = Str(fv);
          break;
        case Hash("id"):
          if (!Is(key, "id")) break;
          id_num = IdString(fv);
          break;
        case Hash("screen_name"):
          if (!Is(key, "screen_name")) break;
          a->handle = Str(fv);
          break;
        case Hash("name"):
          if (!Is(key, "name")) break;
          a->name = IsNull(fv) ? "" : std::string(Str(fv));
          break;
        default:
          break;
      }
    }
    if (a->id.empty()) a->id = std::move(id_num);
  }

  void ParseStarlingAuthor(od::value v, model::Author* a) {
    for (auto field : v.get_object()) {
      std::string_view key = Key(field);
      od::value fv = field.value();
      if (IsNull(fv)) continue;
      if (Is(key, "id"))
        a->id = IdString(fv);
      else if (Is(key, "handle"))
        a->handle = Str(fv);
      else if (Is(key, "name"))
        a->name = Str(fv);
    }
  }

  // [lon, lat] (GeoJSON order) or [lat, lon] (v1.1 "geo").
  static void ReadPoint(od::value v, bool lat_first, model::Geo* g) {
    double a = 0, b = 0;
    int i = 0;
    for (od::value x : v.get_array()) {
      if (i == 0) a = x.get_double();
      if (i == 1) b = x.get_double();
      ++i;
    }
    if (i < 2) throw Malformed("a point needs two coordinates");
    g->lon = lat_first ? b : a;
    g->lat = lat_first ? a : b;
  }

  // "geo" in v2 ({place_id, coordinates: {type, coordinates: [lon, lat]}}),
  // v1.1 ({type: Point, coordinates: [lat, lon]}) and starling ({lon, lat, ...}).
  void ParseGeo(od::value v, model::Geo* g) {
    if (IsNull(v)) return;
    for (auto field : v.get_object()) {
      std::string_view key = Key(field);
      od::value fv = field.value();
      if (IsNull(fv)) continue;
      switch (Hash(key)) {
        case Hash("place_id"):
          if (!Is(key, "place_id")) break;
          g->place_id = Str(fv);
          break;
        case Hash("coordinates"):
          if (!Is(key, "coordinates")) break;
          if (fv.type() == od::json_type::array) {
            if (!g->lon) ReadPoint(fv, /*lat_first=*/true, g);  // v1.1 geo
          } else {
            for (auto f2 : fv.get_object()) {
              if (Is(Key(f2), "coordinates")) {
                ReadPoint(f2.value(), /*lat_first=*/false, g);
              }
            }
          }
          break;
        case Hash("lon"):
          if (!Is(key, "lon")) break;
          g->lon = fv.get_double();
          break;
        case Hash("lat"):
          if (!Is(key, "lat")) break;
          g->lat = fv.get_double();
          break;
        case Hash("place_name"):
          if (!Is(key, "place_name")) break;
          g->place_name = Str(fv);
          break;
        case Hash("country_code"):
          if (!Is(key, "country_code")) break;
          g->country_code = Str(fv);
          break;
        default:
          break;
      }
    }
  }

  void ParseV11Coordinates(od::value v, model::Geo* g) {
    if (IsNull(v)) return;
    for (auto field : v.get_object()) {
      if (Is(Key(field), "coordinates")) {
        ReadPoint(field.value(), /*lat_first=*/false, g);
      }
    }
  }

  void ParsePlace(od::value v, std::string* id, Place* p) {
    if (IsNull(v)) return;
    for (auto field : v.get_object()) {
      std::string_view key = Key(field);
      od::value fv = field.value();
      if (IsNull(fv)) continue;
      if (Is(key, "id"))
        *id = Str(fv);
      else if (Is(key, "full_name"))
        p->name = Str(fv);
      else if (Is(key, "country_code"))
        p->country = Str(fv);
    }
  }

  void ParseRules(od::value v, std::vector<model::MatchingRule>* out) {
    if (IsNull(v)) return;
    for (od::value item : v.get_array()) {
      model::MatchingRule& r = out->emplace_back();  // filled in place
      std::string id_str;
      for (auto field : item.get_object()) {
        std::string_view key = Key(field);
        od::value fv = field.value();
        if (Is(key, "id"))
          IdInto(fv, &r.id);
        else if (Is(key, "id_str"))
          StrOrEmpty(fv, &id_str);
        else if (Is(key, "tag") && !IsNull(fv))
          r.tag = Str(fv);
      }
      if (!id_str.empty()) r.id = std::move(id_str);
    }
  }

  void ParseV2Metrics(od::value v, model::PublicMetrics* m) {
    for (auto field : v.get_object()) {
      std::string_view key = Key(field);
      od::value fv = field.value();
      switch (Hash(key)) {
        case Hash("retweet_count"):
        case Hash("reposts"):
          if (!Is(key, "retweet_count") && !Is(key, "reposts")) break;
          m->reposts = OptInt(fv, key);
          break;
        case Hash("reply_count"):
        case Hash("replies"):
          if (!Is(key, "reply_count") && !Is(key, "replies")) break;
          m->replies = OptInt(fv, key);
          break;
        case Hash("like_count"):
        case Hash("likes"):
          if (!Is(key, "like_count") && !Is(key, "likes")) break;
          m->likes = OptInt(fv, key);
          break;
        case Hash("quote_count"):
        case Hash("quotes"):
          if (!Is(key, "quote_count") && !Is(key, "quotes")) break;
          m->quotes = OptInt(fv, key);
          break;
        case Hash("impression_count"):
        case Hash("impressions"):
          if (!Is(key, "impression_count") && !Is(key, "impressions")) break;
          m->impressions = OptInt(fv, key);
          break;
        default:
          break;
      }
    }
  }

  void ParseStarlingRefs(od::value v, TweetBuilder* b) {
    for (od::value item : v.get_array()) {
      std::string type, id;
      for (auto field : item.get_object()) {
        std::string_view key = Key(field);
        if (Is(key, "type"))
          type = Str(field.value());
        else if (Is(key, "id"))
          id = IdString(field.value());
      }
      auto t = model::ReferenceTypeFromName(type);
      if (!t) throw Malformed("unknown reference type '" + type + "'");
      b->post.references.push_back({*t, std::move(id)});
    }
    b->has_v2_refs = true;
  }

  // ---- a tweet object ----------------------------------------------------

  void ParseNested(od::value v, TweetBuilder* b, model::ReferenceType type) {
    if (IsNull(v)) return;
    const char* start = v.raw_json_token().data();
    TweetBuilder& child = NewBuilder();
    ParseTweetObject(v.get_object(), &child);
    std::string_view span = ElementSpan(start);
    Finish(child, span);
    if (type == model::ReferenceType::kReposted) b->reposted_id = child.post.id;
    if (type == model::ReferenceType::kQuoted) b->quoted_id = child.post.id;
    if (options.include_referenced) {
      b->children.push_back(std::move(child.post));
      for (auto& g : child.children) b->children.push_back(std::move(g));
    }
  }

  // A text field: decoded into *out, or (projection without kText) only
  // type-checked and kept as its JSON token in *raw.
  void TextField(od::value v, std::string* out, std::string_view* raw, bool* has) {
    if (want_text) {
      *out = Str(v);
    } else {
      if (v.type() != od::json_type::string) {
        throw simdjson::simdjson_error(simdjson::INCORRECT_TYPE);  // as Str would
      }
      *raw = v.raw_json_token();
    }
    *has = true;
  }

  // The text of a JSON string token (with its quotes), as Str would give it.
  void DecodeText(std::string_view token, std::string* out) {
    text_buf.assign(token);
    text_buf.append(simdjson::SIMDJSON_PADDING, ' ');
    od::document d = text_parser.iterate(text_buf.data(), token.size(), text_buf.size());
    *out = std::string_view(d.get_string());
  }

  void HandleTweetField(std::string_view key, od::value v, TweetBuilder* b) {
    switch (Hash(key)) {
      case Hash("id"):
        if (!Is(key, "id")) break;
        if (!Is(key, "id")) break;
        if (v.type() == od::json_type::number) {
          IdInto(v, &b->id_num);
        } else {
          IdInto(v, &b->id);
        }
        break;
      case Hash("id_str"):
        if (!Is(key, "id_str")) break;
        b->id_str = Str(v);
        b->dialect = Dialect::kV11;
        break;
      case Hash("text"):
        if (!Is(key, "text")) break;
        TextField(v, &b->text, &b->text_raw, &b->has_text);
        break;
      case Hash("full_text"):
        if (!Is(key, "full_text")) break;
        TextField(v, &b->full_text, &b->full_text_raw, &b->has_full_text);
        break;
      case Hash("created_at"):
        if (!Is(key, "created_at") || !want_time) break;
        {
          auto ts = model::ParseTimestamp(Str(v));
          if (!ts.ok()) throw Malformed("created_at: " + ts.status().message());
          b->post.created_at = *ts;
          b->has_created = true;
          break;
        }
      case Hash("author_id"):
        if (!Is(key, "author_id")) break;
        if (want_author) IdInto(v, &b->post.author.id);
        if (b->dialect == Dialect::kUnknown) b->dialect = Dialect::kV2;
        break;
      case Hash("user"):
        if (!Is(key, "user")) break;
        if (want_author) ParseV11User(v, &b->post.author);
        b->dialect = Dialect::kV11;
        break;
      case Hash("author"):
        if (!Is(key, "author")) break;
        if (want_author) ParseStarlingAuthor(v, &b->post.author);
        b->dialect = Dialect::kStarling;
        break;
      case Hash("lang"):
        if (!Is(key, "lang") || !want_lang) break;
        if (!IsNull(v)) b->post.lang = Str(v);
        break;
      case Hash("entities"):
        if (!Is(key, "entities")) break;
        ParseEntities(v, &b->ents);
        break;
      case Hash("extended_tweet"):
        if (!Is(key, "extended_tweet")) break;
        for (auto field : v.get_object()) {
          std::string_view k2 = Key(field);
          if (Is(k2, "full_text")) {
            TextField(field.value(), &b->ext_text, &b->ext_text_raw, &b->has_ext_text);
          } else if (Is(k2, "entities")) {
            ParseEntities(field.value(), &b->ext_ents);
          }
        }
        break;
      case Hash("note_tweet"):
        if (!Is(key, "note_tweet")) break;
        for (auto field : v.get_object()) {
          std::string_view k2 = Key(field);
          if (Is(k2, "text")) {
            TextField(field.value(), &b->note_text, &b->note_text_raw, &b->has_note_text);
          } else if (Is(k2, "entities")) {
            ParseEntities(field.value(), &b->note_ents);
          }
        }
        break;
      case Hash("referenced_tweets"):
        if (!Is(key, "referenced_tweets")) break;
        if (!want_refs) {
          b->has_v2_refs = true;
          b->dialect = Dialect::kV2;
          break;
        }
        for (od::value item : v.get_array()) {
          // Filled in place; dropped again when the type is one we do not know.
          model::Reference& r = b->post.references.emplace_back();
          std::string_view type;
          for (auto field : item.get_object()) {
            std::string_view k2 = Key(field);
            if (Is(k2, "type"))
              type = Str(field.value());
            else if (Is(k2, "id"))
              IdInto(field.value(), &r.id);
          }
          auto t = model::ReferenceTypeFromName(type);
          if (t) {
            r.type = *t;
          } else {
            b->post.references.pop_back();
          }
        }
        b->has_v2_refs = true;
        b->dialect = Dialect::kV2;
        break;
      case Hash("references"):
        if (!Is(key, "references")) break;
        if (want_refs) {
          ParseStarlingRefs(v, b);
        } else {
          b->has_v2_refs = true;
        }
        break;
      case Hash("in_reply_to_status_id_str"):
        if (!Is(key, "in_reply_to_status_id_str") || !want_refs) break;
        if (!IsNull(v)) b->reply_to = Str(v);
        break;
      case Hash("in_reply_to_status_id"):
        if (!Is(key, "in_reply_to_status_id") || !want_refs) break;
        if (!IsNull(v) && b->reply_to.empty()) IdInto(v, &b->reply_to);
        break;
      case Hash("quoted_status_id_str"):
        if (!Is(key, "quoted_status_id_str") || !want_refs) break;
        if (!IsNull(v)) b->quoted_id = Str(v);
        break;
      case Hash("retweeted_status"):
        if (!Is(key, "retweeted_status") || !want_refs) break;
        ParseNested(v, b, model::ReferenceType::kReposted);
        break;
      case Hash("quoted_status"):
        if (!Is(key, "quoted_status") || !want_refs) break;
        ParseNested(v, b, model::ReferenceType::kQuoted);
        break;
      case Hash("public_metrics"):
      case Hash("metrics"):
        if ((!Is(key, "public_metrics") && !Is(key, "metrics")) || !want_metrics) break;
        ParseV2Metrics(v, &b->post.metrics);
        break;
      case Hash("retweet_count"):
        if (!Is(key, "retweet_count") || !want_metrics) break;
        b->post.metrics.reposts = OptInt(v, key);
        break;
      case Hash("favorite_count"):
        if (!Is(key, "favorite_count") || !want_metrics) break;
        b->post.metrics.likes = OptInt(v, key);
        break;
      case Hash("reply_count"):
        if (!Is(key, "reply_count") || !want_metrics) break;
        b->post.metrics.replies = OptInt(v, key);
        break;
      case Hash("quote_count"):
        if (!Is(key, "quote_count") || !want_metrics) break;
        b->post.metrics.quotes = OptInt(v, key);
        break;
      case Hash("geo"):
        if (!Is(key, "geo") || !want_geo) break;
        ParseGeo(v, &b->post.geo);
        break;
      case Hash("coordinates"):
        if (!Is(key, "coordinates") || !want_geo) break;
        ParseV11Coordinates(v, &b->post.geo);
        break;
      case Hash("place"):
        if (!Is(key, "place") || !want_geo) break;
        {
          Place p;
          ParsePlace(v, &b->post.geo.place_id, &p);
          b->post.geo.place_name = std::move(p.name);
          b->post.geo.country_code = std::move(p.country);
          break;
        }
      case Hash("matching_rules"):
        if (!Is(key, "matching_rules") || !want_rules) break;
        ParseRules(v, &b->post.matching_rules);
        break;
      case Hash("provider"):
        if (!Is(key, "provider")) break;
        {
          auto p = model::ProviderFromName(Str(v));
          if (!p) throw Malformed("unknown provider");
          b->post.provider = *p;
          b->dialect = Dialect::kStarling;
          break;
        }
      case Hash("hashtags"):
        if (!Is(key, "hashtags")) break;
        ParseEntityArray(v, EntityKind::kHashtag, &b->ents);
        break;
      case Hash("mentions"):
        if (!Is(key, "mentions")) break;
        ParseEntityArray(v, EntityKind::kMention, &b->ents);
        break;
      case Hash("urls"):
        if (!Is(key, "urls")) break;
        ParseEntityArray(v, EntityKind::kUrl, &b->ents);
        break;
      case Hash("cashtags"):
        if (!Is(key, "cashtags")) break;
        ParseEntityArray(v, EntityKind::kCashtag, &b->ents);
        break;
      case Hash("entities_extracted"):
        if (!Is(key, "entities_extracted")) break;
        b->post.entities_extracted = v.get_bool();
        break;
      case Hash("source_format"):
        if (!Is(key, "source_format")) break;
        b->post.source_format = Str(v);
        break;
      case Hash("raw"):
        if (!Is(key, "raw")) break;
        b->post.raw = Str(v);
        break;
      default:
        break;
    }
  }

  void ParseTweetObject(od::object obj, TweetBuilder* b) {
    for (auto field : obj) {
      std::string_view key = Key(field);
      HandleTweetField(key, field.value(), b);
    }
  }

  // Swapped rather than moved: the builder's vectors take the post's old
  // ones, so both keep their capacity for the next record.
  static void ApplyEntities(Entities& e, Post* p) {
    p->hashtags.swap(e.hashtags);
    p->mentions.swap(e.mentions);
    p->urls.swap(e.urls);
    p->cashtags.swap(e.cashtags);
  }

  void ExtractInto(Post* p) {
    for (auto& e : text::ExtractEntities(p->text)) {
      model::TextRange r{e.start, e.end};
      switch (e.type) {
        case text::EntityType::kHashtag:
          p->hashtags.push_back({std::move(e.value), r});
          break;
        case text::EntityType::kCashtag:
          p->cashtags.push_back({std::move(e.value), r});
          break;
        case text::EntityType::kMention:
          p->mentions.push_back({std::move(e.value), "", r});
          break;
        case text::EntityType::kUrl: {
          std::string u = e.value;
          p->urls.push_back({std::move(u), std::move(e.value), "", "", r});
          break;
        }
      }
    }
    p->entities_extracted = true;
  }

  // Completes b.post: picks the fullest text and its entities, settles id,
  // kind and references, validates. (Strings are moved from the builder into
  // the post: libstdc++ then swaps the buffers, so neither loses capacity.)
  void Finish(TweetBuilder& b, std::string_view raw) {
    Post& p = b.post;
    finished_formats.push_back(b.dialect == Dialect::kStarling ? Format::kStarling
                               : b.dialect == Dialect::kV11    ? Format::kXV11
                                                               : Format::kXV2);
    if (b.dialect == Dialect::kStarling) {
      if (b.id.empty()) b.id = b.id_num;
      p.id = std::move(b.id);
    } else {
      p.id = !b.id_str.empty() ? std::move(b.id_str)
             : !b.id.empty()   ? std::move(b.id)
                               : std::move(b.id_num);
    }
    if (p.id.empty()) throw Malformed("not a post: no id");
    std::string_view text_raw;  // the chosen text's JSON token, without kText
    if (b.has_note_text) {
      // The top-level entities index the truncated text: never use them for
      // the note text (extraction fills in below when the note has none).
      p.text = std::move(b.note_text);
      text_raw = b.note_text_raw;
      ApplyEntities(b.note_ents, &p);
    } else if (b.has_ext_text) {
      p.text = std::move(b.ext_text);
      text_raw = b.ext_text_raw;
      ApplyEntities(b.ext_ents.present ? b.ext_ents : b.ents, &p);
    } else if (b.has_full_text) {
      p.text = std::move(b.full_text);
      text_raw = b.full_text_raw;
      ApplyEntities(b.ents, &p);
    } else if (b.has_text) {
      p.text = std::move(b.text);
      text_raw = b.text_raw;
      ApplyEntities(b.ents, &p);
    } else {
      throw Malformed("not a post: no text");
    }
    DropBadRanges(&p, want_text);
    bool had_entities =
        b.has_note_text ? b.note_ents.present : b.ents.present || b.ext_ents.present;
    if (b.dialect == Dialect::kStarling) {
      if (p.provider == model::Provider::kUnknown) p.provider = model::Provider::kX;
    } else {
      p.provider = model::Provider::kX;
      p.source_format = b.dialect == Dialect::kV11 ? "x-v11" : "x-v2";
      if (!had_entities && extract) {
        if (!want_text) DecodeText(text_raw, &p.text);
        ExtractInto(&p);
      }
      // References from v1.1 fields, then canonical order.
      if (!b.has_v2_refs) {
        // A v1.1 retweet repeats its original's quote at the top level; v2
        // (and we) keep only the retweet reference, the quote belongs to the
        // original.
        if (!b.reposted_id.empty()) {
          p.references.push_back({model::ReferenceType::kReposted, b.reposted_id});
        } else {
          if (!b.quoted_id.empty())
            p.references.push_back({model::ReferenceType::kQuoted, b.quoted_id});
          if (!b.reply_to.empty())
            p.references.push_back({model::ReferenceType::kRepliedTo, b.reply_to});
        }
      }
      // (Only when there is something to order: libstdc++'s stable_sort
      // allocates a buffer even for a single element.)
      if (p.references.size() > 1) {
        std::stable_sort(p.references.begin(), p.references.end(),
                         [](const model::Reference& x, const model::Reference& y) {
                           return static_cast<int>(x.type) < static_cast<int>(y.type);
                         });
      }
      if (options.keep_raw) p.raw.assign(raw);
    }
    if (!b.has_created && want_time) p.created_at = SnowflakeTime(p.id);
    p.kind = model::PostKind::kPost;
    for (auto t : {model::ReferenceType::kReposted, model::ReferenceType::kQuoted,
                   model::ReferenceType::kRepliedTo}) {
      bool has = std::any_of(p.references.begin(), p.references.end(),
                             [t](const model::Reference& r) { return r.type == t; });
      if (has) {
        p.kind = t == model::ReferenceType::kReposted ? model::PostKind::kRepost
                 : t == model::ReferenceType::kQuoted ? model::PostKind::kQuote
                                                      : model::PostKind::kReply;
        break;
      }
    }
  }

  // ---- envelopes ---------------------------------------------------------

  void ParseIncludes(od::value v) {
    for (auto field : v.get_object()) {
      std::string_view key = Key(field);
      od::value fv = field.value();
      if (Is(key, "users") && want_author) {
        where = "includes.users";
        for (od::value u : fv.get_array()) {
          User user;
          for (auto f2 : u.get_object()) {
            std::string_view k2 = Key(f2);
            if (Is(k2, "id")) {
              od::value idv = f2.value();
              user.id = idv.type() == od::json_type::string ? Str(idv) : Trim(idv.raw_json_token());
            } else if (Is(k2, "username")) {
              user.handle = Str(f2.value());
            } else if (Is(k2, "name")) {
              user.name = Str(f2.value());
            }
            // The rest of a user object (profile, metrics) is not needed:
            // leave it for simdjson to skip in one go.
            if (!user.id.empty() && !user.handle.empty() && !user.name.empty()) break;
          }
          users.push_back(user);
        }
      } else if (Is(key, "places") && want_geo) {
        where = "includes.places";
        for (od::value pl : fv.get_array()) {
          std::string id;
          Place place;
          ParsePlace(pl, &id, &place);
          places.emplace(std::move(id), std::move(place));
        }
      } else if (Is(key, "tweets") && options.include_referenced) {
        where = "includes.tweets";
        for (od::value t : fv.get_array()) {
          const char* start = t.raw_json_token().data();
          TweetBuilder& b = NewBuilder();
          ParseTweetObject(t.get_object(), &b);
          b.span = ElementSpan(start);
          included.push_back(&b);
          included_done.push_back(false);
        }
      }
    }
  }

  void ParseTweetArray(od::value v, const char* what) {
    for (od::value t : v.get_array()) {
      where = what;
      const char* start = t.raw_json_token().data();
      TweetBuilder& b = NewBuilder();
      ParseTweetObject(t.get_object(), &b);
      b.span = ElementSpan(start);
      tweets.push_back(&b);
    }
  }

  void Join(Post* p) {
    if (p->author.handle.empty() && !p->author.id.empty()) {
      for (const User& u : users) {
        if (u.id == p->author.id) {
          p->author.handle = u.handle;
          p->author.name = u.name;
          break;
        }
      }
    }
    if (!p->geo.place_id.empty() && p->geo.place_name.empty()) {
      auto it = places.find(p->geo.place_id);
      if (it != places.end()) {
        p->geo.place_name = it->second.name;
        p->geo.country_code = it->second.country;
      }
    }
  }

  // Finishes b's post and outputs it, then the tweets it references when
  // include_referenced: its nested children and its includes.tweets.
  void Emit(TweetBuilder& b, std::string_view raw, bool apply_rules) {
    Finish(b, raw);
    Post& p = b.post;
    if (apply_rules && p.matching_rules.empty()) p.matching_rules = rules;
    Join(&p);
    std::vector<std::string> refs;
    if (options.include_referenced) {
      for (const auto& r : p.references) refs.push_back(r.id);
    }
    Output(p);
    for (auto& c : b.children) {
      Join(&c);
      Output(c);
    }
    for (const auto& id : refs) {
      for (std::size_t i = 0; i < included.size(); ++i) {
        TweetBuilder& inc = *included[i];
        if (included_done[i] || (inc.id != id && inc.id_str != id)) continue;
        included_done[i] = true;  // each included tweet is emitted once per record
        Finish(inc, inc.span);
        Join(&inc.post);
        Output(inc.post);
      }
    }
  }

  static std::string Summary(std::string_view raw_value) {
    constexpr std::size_t kMax = 200;
    return std::string(raw_value.substr(0, kMax));
  }

  void ParseTopObject(od::object obj, std::vector<ControlMessage>* controls) {
    TweetBuilder* bare = nullptr;  // a bare tweet object: taken at its first tweet field
    bool envelope = false, page = false;
    std::string control_kind, control_detail, compliance_action;
    std::vector<ControlMessage> errors;
    std::string_view single_tweet_raw;
    for (auto field : obj) {
      std::string_view key = Key(field);
      od::value v = field.value();
      switch (Hash(key)) {
        case Hash("data"):
          if (!Is(key, "data")) break;
          envelope = true;
          where = "data";
          if (v.type() == od::json_type::array) {
            ParseTweetArray(v, "data[]");
          } else if (v.type() == od::json_type::object) {
            TweetBuilder& b = NewBuilder();
            ParseTweetObject(v.get_object(), &b);
            tweets.push_back(&b);
            single_tweet_raw = record;
          } else if (!IsNull(v)) {
            throw Malformed("expected an object or array");
          }
          stopped_early = stop_after_data && !tweets.empty();
          break;
        case Hash("includes"):
          if (!Is(key, "includes")) break;
          envelope = true;
          where = "includes";
          // Projected out entirely when nothing joins from it: skipped unread.
          if (want_author || want_geo || options.include_referenced) ParseIncludes(v);
          break;
        case Hash("matching_rules"):
          if (!Is(key, "matching_rules") || !want_rules) break;
          where = "matching_rules";
          ParseRules(v, &rules);
          break;
        case Hash("errors"):
          if (!Is(key, "errors")) break;
          where = "errors";
          for (od::value e : v.get_array()) {
            ControlMessage m;
            std::string code;
            for (auto f2 : e.get_object()) {
              std::string_view k2 = Key(f2);
              od::value v2 = f2.value();
              if (Is(k2, "code") && v2.type() == od::json_type::number) {
                code = std::string(Trim(v2.raw_json_token()));  // v1.1 REST errors
              }
              if (v2.type() != od::json_type::string) continue;
              if (Is(k2, "title"))
                m.kind = Str(v2);
              else if (Is(k2, "detail") || (Is(k2, "message") && m.detail.empty()))
                m.detail = Str(v2);
            }
            if (m.kind.empty()) m.kind = code.empty() ? "error" : "error " + code;
            errors.push_back(std::move(m));
          }
          break;
        case Hash("statuses"):
          if (!Is(key, "statuses")) break;
          page = true;
          ParseTweetArray(v, "statuses[]");
          break;
        case Hash("meta"):
        case Hash("search_metadata"):
        case Hash("__twarc"):
          if (!Is(key, "meta") && !Is(key, "search_metadata") && !Is(key, "__twarc")) break;
          page = page || !Is(key, "__twarc");  // an empty page still is a page
          break;
        case Hash("action"):
          // v2 batch-compliance lines: {id, action, created_at, reason}.
          if (!Is(key, "action")) break;
          if (v.type() == od::json_type::string) compliance_action = Str(v);
          break;
        case Hash("delete"):
        case Hash("limit"):
        case Hash("scrub_geo"):
        case Hash("warning"):
        case Hash("status_withheld"):
        case Hash("user_withheld"):
        case Hash("disconnect"):
        case Hash("friends"):
        case Hash("friends_str"):
        case Hash("event"):
        case Hash("control"):
        case Hash("for_user"):
          if (!Is(key, "delete") && !Is(key, "limit") && !Is(key, "scrub_geo") &&
              !Is(key, "warning") && !Is(key, "status_withheld") && !Is(key, "user_withheld") &&
              !Is(key, "disconnect") && !Is(key, "friends") && !Is(key, "friends_str") &&
              !Is(key, "event") && !Is(key, "control") && !Is(key, "for_user"))
            break;
          control_kind = key;
          if (v.type() == od::json_type::object) {
            od::object o = v.get_object();
            control_detail = Summary(Trim(std::string_view(o.raw_json())));
          } else if (v.type() != od::json_type::array) {
            control_detail = Summary(Trim(v.raw_json_token()));
          }
          break;
        default:
          where = "post";
          if (bare == nullptr) bare = &NewBuilder();
          HandleTweetField(key, v, bare);
          break;
      }
      if (stopped_early) break;  // the rest of the record is not needed
    }
    if (!control_kind.empty() && !envelope && !page) {
      controls->push_back({std::move(control_kind), std::move(control_detail)});
      return;
    }
    if (envelope || page) {
      if (tweets.empty() && !errors.empty()) {
        for (auto& e : errors) controls->push_back(std::move(e));
        return;
      }
      for (auto& e : errors) {
        e.kind = "partial-error: " + e.kind;
        controls->push_back(std::move(e));
      }
      for (TweetBuilder* b : tweets) {
        where = "data";
        Emit(*b, single_tweet_raw.empty() ? std::string_view(b->span) : single_tweet_raw,
             /*apply_rules=*/true);
      }
      return;
    }
    if (bare != nullptr && !compliance_action.empty() && !bare->has_text) {
      controls->push_back({"compliance " + compliance_action, bare->id});
      return;
    }
    if (bare != nullptr) {
      Emit(*bare, record, /*apply_rules=*/true);
      return;
    }
    if (!errors.empty()) {
      for (auto& e : errors) controls->push_back(std::move(e));
      return;
    }
    throw Malformed("unrecognised JSON object: no post, page or control message");
  }
};

PostParser::PostParser(ParseOptions options)
    : options_(options), impl_(std::make_unique<Impl>(options_)) {}

PostParser::~PostParser() = default;

Status PostParser::Parse(std::string_view record, std::vector<model::Post>* posts,
                         std::vector<ControlMessage>* controls, std::size_t padding) {
  return ParseRecord(record, posts, nullptr, controls, padding);
}

Status PostParser::ParseView(std::string_view record, std::vector<const model::Post*>* posts,
                             std::vector<ControlMessage>* controls, std::size_t padding) {
  posts->clear();
  Status st = ParseRecord(record, nullptr, posts, controls, padding);
  if (!st.ok()) posts->clear();
  return st;
}

// Exactly one of posts (Parse) and view (ParseView) is set.
Status PostParser::ParseRecord(std::string_view record, std::vector<model::Post>* posts,
                               std::vector<const model::Post*>* view,
                               std::vector<ControlMessage>* controls, std::size_t padding) {
  static_assert(kPaddingForInPlace >= simdjson::SIMDJSON_PADDING);
  const char* record_end = record.data() + record.size();
  record = Trim(record);
  padding += static_cast<std::size_t>(record_end - (record.data() + record.size()));
  if (record.empty()) return Status::Ok();
  if (record.size() > options_.max_record_bytes) {
    return ResourceExhausted("record of " + std::to_string(record.size()) +
                             " bytes exceeds the limit of " +
                             std::to_string(options_.max_record_bytes));
  }
  Impl& im = *impl_;
  im.Reset();
  std::size_t capacity;
  if (padding >= kPaddingForInPlace) {
    im.buf_begin = record.data();
    capacity = record.size() + padding;
  } else {
    im.padded.resize(record.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(im.padded.data(), record.data(), record.size());
    std::memset(im.padded.data() + record.size(), ' ', simdjson::SIMDJSON_PADDING);
    im.buf_begin = im.padded.data();
    capacity = im.padded.size();
  }
  im.record = record;
  im.where = "document";
  im.out = posts;
  im.view_out = view;
  const std::size_t posts_before = posts != nullptr ? posts->size() : 0;
  const std::size_t controls_before = controls->size();
  try {
    im.doc = im.parser.iterate(im.buf_begin, record.size(), capacity);
    od::json_type t = im.doc.type();
    if (t == od::json_type::object) {
      im.ParseTopObject(im.doc.get_object(), controls);
    } else if (t == od::json_type::array) {
      im.ParseTweetArray(im.doc.get_value(), "[]");
      for (TweetBuilder* b : im.tweets) im.Emit(*b, b->span, /*apply_rules=*/false);
    } else {
      throw Malformed("expected a JSON object or array");
    }
    const char* trailing = nullptr;
    if (!im.stopped_early && im.doc.current_location().get(trailing) == simdjson::SUCCESS) {
      throw Malformed("trailing content after the JSON document");
    }
    if (options_.format != Format::kAuto) {
      for (Format f : im.finished_formats) {
        if (f != options_.format) {
          throw Malformed("not " + std::string(FormatName(options_.format)) + " (looks like " +
                          std::string(FormatName(f)) + ")");
        }
      }
    }
  } catch (const simdjson::simdjson_error& e) {
    if (posts != nullptr) {
      posts->erase(posts->begin() + static_cast<std::ptrdiff_t>(posts_before), posts->end());
    }
    controls->erase(controls->begin() + static_cast<std::ptrdiff_t>(controls_before),
                    controls->end());
    return MalformedInput(std::string(im.where) + ": " + simdjson::error_message(e.error()));
  } catch (const Malformed& e) {
    if (posts != nullptr) {
      posts->erase(posts->begin() + static_cast<std::ptrdiff_t>(posts_before), posts->end());
    }
    controls->erase(controls->begin() + static_cast<std::ptrdiff_t>(controls_before),
                    controls->end());
    return MalformedInput(std::string(im.where) + ": " + e.what());
  }
  return Status::Ok();
}

}  // namespace starling::parse
