// File: parse/internal/parser_impl.h
// The parser's state and its On-Demand helpers, shared by the files that
// read each part of a record (internal to parse/): parse/post_parser.cc (the
// public API and the record's top), internal/envelope.cc (X v2 pages and
// envelopes, v1.1 search pages, control messages), internal/tweet.cc (one
// tweet object, whatever its dialect, and the post it becomes) and
// internal/entities.cc (entity arrays and the small objects: users, geo,
// places, rules, metrics, references). The other providers' records have
// one file each: internal/github.cc (Events API), internal/bluesky.cc
// (Jetstream), internal/mastodon.cc (statuses and streaming events) and
// internal/meetup.cc (GraphQL responses); internal/detect.cc tells them
// apart.
//
// The parser reports a malformed record by throwing Malformed, caught at the
// Parse() boundary and turned into a Status: the one exception in Starling's
// error vocabulary, kept because unwinding out of the single pass is cheaper
// than checking a Status at every field.
#pragma once

#include <simdjson.h>

#include "parse/post_parser.h"
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
  std::string kind_name;  // starling "kind", resolved in Finish
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
    kind_name.clear();
    dialect = Dialect::kUnknown;
    children.clear();
    span = {};
  }
};

inline std::string_view Trim(std::string_view s) {
  auto ws = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!s.empty() && ws(s.front())) s.remove_prefix(1);
  while (!s.empty() && ws(s.back())) s.remove_suffix(1);
  return s;
}

inline std::string_view Str(od::value v) { return std::string_view(v.get_string()); }

// Ids: strings, or numbers kept as their exact digits (never through double).
// Assigned into *out, so that a reused string keeps its capacity.
inline void IdInto(od::value v, std::string* out) {
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

inline std::string IdString(od::value v) {
  std::string s;
  IdInto(v, &s);
  return s;
}

// A string, or "" for null.
inline void StrOrEmpty(od::value v, std::string* out) {
  if (v.is_null()) {
    out->clear();
  } else {
    out->assign(Str(v));
  }
}

// A whole number or null; anything else (1e999, 2.5, "7") is malformed, and
// the message names the field.
inline std::optional<std::int64_t> OptInt(od::value v, std::string_view field) {
  if (v.is_null()) return std::nullopt;
  std::int64_t n = 0;
  if (const auto err = v.get_int64().get(n); err) {
    throw Malformed(std::string(field) + ": expected a whole number (" +
                    simdjson::error_message(err) + ")");
  }
  return n;
}

inline bool IsNull(od::value v) { return v.is_null(); }

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

// A timestamp field (ISO 8601 or X v1.1); malformed, naming the field, when
// it does not parse.
inline model::TimestampUs TimeOf(od::value v, std::string_view field) {
  auto ts = model::ParseTimestamp(Str(v));
  if (!ts.ok()) throw Malformed(std::string(field) + ": " + ts.status().message());
  return *ts;
}

// An account object of a provider (GitHub's actor, Mastodon's account) into
// an Author: its id, handle and display name under the given keys; other
// keys skipped. Null leaves the author as it is.
inline void AuthorInto(od::value v, std::string_view id_key, std::string_view handle_key,
                       std::string_view name_key, model::Author* a) {
  if (v.is_null()) return;
  for (auto f : v.get_object()) {
    const std::string_view k = Key(f);
    if (k == id_key) {
      IdInto(f.value(), &a->id);
    } else if (k == handle_key) {
      StrOrEmpty(f.value(), &a->handle);
    } else if (k == name_key) {
      StrOrEmpty(f.value(), &a->name);
    }
  }
}

// An entity offset as read; one outside [0, 2^31) is -1, so that the range
// check in Finish drops it rather than keeping it wrapped around.
inline std::int32_t Offset(std::int64_t v) {
  return v < 0 || v > std::numeric_limits<std::int32_t>::max() ? -1 : static_cast<std::int32_t>(v);
}

// Unicode code points of UTF-8 text (the bytes that do not continue one).
inline std::size_t CodePoints(std::string_view text) {
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
inline void DropBadRanges(model::Post* p, bool text_known) {
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

  // Set by a field name that X and starling records never have at their
  // top ("actor", "did", "account", "payload", ...) or by a `data` object
  // that is no tweet: the X reading stops, and the record is read again from
  // its start as the provider detect.cc recognises (ParseOtherProvider).
  bool other_provider = false;

  // Scratch of the other providers, reused from record to record.
  std::string payload_buf;    // an embedded JSON document, padded (Mastodon payload, ...)
  od::parser payload_parser;  // parses payload_buf while the record is being read
  std::string scratch_a, scratch_b, scratch_c;
  struct Facet {
    std::int64_t byte_start = -1, byte_end = -1;
    bool bad = false;  // an index of the wrong shape
    struct Feature {
      enum Type : std::uint8_t { kMention, kLink, kTag, kOther } type = kOther;
      std::string value;  // did, uri or tag
    };
    std::vector<Feature> features;
  };
  std::vector<Facet> facets;
  struct MastodonMention {
    std::string id, username, acct;
  };
  std::vector<MastodonMention> mastodon_mentions;
  std::vector<std::string> mastodon_tags;

  void Reset() {
    stopped_early = false;
    other_provider = false;
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

  void ParseEntityArray(od::value v, EntityKind kind, Entities* out);

  void ParseEntities(od::value v, Entities* out);

  // ---- small objects -----------------------------------------------------

  void ParseV11User(od::value v, model::Author* a);

  void ParseStarlingAuthor(od::value v, model::Author* a);

  // [lon, lat] (GeoJSON order) or [lat, lon] (v1.1 "geo").
  static void ReadPoint(od::value v, bool lat_first, model::Geo* g);

  // "geo" in v2 ({place_id, coordinates: {type, coordinates: [lon, lat]}}),
  // v1.1 ({type: Point, coordinates: [lat, lon]}) and starling ({lon, lat, ...}).
  void ParseGeo(od::value v, model::Geo* g);

  void ParseV11Coordinates(od::value v, model::Geo* g);

  void ParsePlace(od::value v, std::string* id, Place* p);

  void ParseRules(od::value v, std::vector<model::MatchingRule>* out);

  void ParseV2Metrics(od::value v, model::PublicMetrics* m);

  void ParseStarlingRefs(od::value v, TweetBuilder* b);

  // ---- a tweet object ----------------------------------------------------

  void ParseNested(od::value v, TweetBuilder* b, model::ReferenceType type);

  // A text field: decoded into *out, or (projection without kText) only
  // type-checked and kept as its JSON token in *raw.
  void TextField(od::value v, std::string* out, std::string_view* raw, bool* has);

  // The text of a JSON string token (with its quotes), as Str would give it.
  void DecodeText(std::string_view token, std::string* out);

  void HandleTweetField(std::string_view key, od::value v, TweetBuilder* b);

  void ParseTweetObject(od::object obj, TweetBuilder* b);

  // Swapped rather than moved: the builder's vectors take the post's old
  // ones, so both keep their capacity for the next record.
  static void ApplyEntities(Entities& e, Post* p);

  void ExtractInto(Post* p);

  // Completes b.post: picks the fullest text and its entities, settles id,
  // kind and references, validates. (Strings are moved from the builder into
  // the post: libstdc++ then swaps the buffers, so neither loses capacity.)
  void Finish(TweetBuilder& b, std::string_view raw);

  // ---- envelopes ---------------------------------------------------------

  void ParseIncludes(od::value v);

  void ParseTweetArray(od::value v, const char* what);

  void Join(Post* p);

  // Finishes b's post and outputs it, then the tweets it references when
  // include_referenced: its nested children and its includes.tweets.
  void Emit(TweetBuilder& b, std::string_view raw, bool apply_rules);

  static std::string Summary(std::string_view raw_value);

  void ParseTopObject(od::object obj, std::vector<ControlMessage>* controls);

  // ---- the other providers (detect.cc and one file each) -------------------

  // Reads the record again from its start as GitHub, Bluesky, Mastodon or
  // Meetup, after the X reading stopped on other_provider.
  void ParseOtherProvider(std::vector<ControlMessage>* controls);

  // What every provider's post goes through last: source format, raw, and
  // the projection (fields not requested back to their defaults).
  void FinishOther(Post& p, Format format, std::string_view raw);

  // The entities of the text layer, appended; with `skip` set, those that
  // overlap a range in it (code points) are left out. True when any was added.
  static bool AppendExtracted(Post* p, const std::vector<model::TextRange>* skip,
                              bool urls_and_cashtags_only);

  // Parses the JSON held in payload_buf (padded) and returns its document.
  od::document IteratePayload(std::string_view json);

  void ParseGitHubEvent(od::object obj, Post* p);
  void ParseJetstreamEvent(od::object obj, std::vector<ControlMessage>* controls);
  void ParseBlueskyRecord(od::object rec, Post* p, std::string* reply_to, std::string* quoted,
                          std::string* reposted);
  void ApplyFacets(Post* p);
  void ParseMastodonStatus(od::object obj, Post* p, int depth);
  void ParseMastodonStreamEvent(od::object obj, std::vector<ControlMessage>* controls);
  void ParseMeetupResponse(od::object obj, std::vector<ControlMessage>* controls);
  void ParseMeetupContainer(od::value v, int depth, std::vector<TweetBuilder*>* events,
                            model::Author* group);
  void ParseMeetupEvent(od::object obj, TweetBuilder* b);
};

// The kinds a post's references give it: the first of repost, quote, reply
// that it has, else post.
void KindFromReferences(Post* p);

}  // namespace starling::parse
