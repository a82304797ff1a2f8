// File: model/post_json.cc
// Writing the normalized post as JSON (the "starling" format). On the hot path
// of `starling normalize`: everything appends into the caller's buffer, with
// no iostreams and no temporary strings.
#include "model/post_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>

namespace starling::model {
namespace {

// 0: copy as is; 1: needs an escape (control, '"', '\\'); 2: start of a
// multi-byte UTF-8 sequence (or an invalid byte) that must be validated.
constexpr std::array<std::uint8_t, 256> MakeClassTable() {
  std::array<std::uint8_t, 256> t{};
  for (int c = 0; c < 0x20; ++c) t[c] = 1;
  t['"'] = 1;
  t['\\'] = 1;
  for (int c = 0x80; c < 0x100; ++c) t[c] = 2;
  return t;
}
constexpr std::array<std::uint8_t, 256> kClass = MakeClassTable();

constexpr char kHex[] = "0123456789abcdef";
constexpr std::string_view kReplacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i] (2..4), or 0 when it is
// invalid; *advance then gets the length of the maximal invalid subpart (>= 1),
// so that each ill-formed subsequence becomes one U+FFFD (Unicode 15, 3.9).
std::size_t ValidSequenceLength(std::string_view s, std::size_t i, std::size_t* advance) {
  const auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  std::size_t need;
  unsigned char lo = 0x80, hi = 0xBF;  // range allowed for the second byte
  if (c >= 0xC2 && c <= 0xDF) {
    need = 2;
  } else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;  // no surrogates
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    *advance = 1;
    return 0;
  }
  std::size_t k = 1;
  for (; k < need; ++k) {
    if (i + k >= s.size()) break;
    const unsigned char x = b(i + k);
    if (k == 1 ? (x < lo || x > hi) : (x < 0x80 || x > 0xBF)) break;
  }
  if (k == need) return need;
  *advance = k;
  return 0;
}

// Same text as FormatTimestamp (time.cc), written into *out without a
// temporary string or snprintf: this runs once per post on the hot path.
void AppendTimestamp(TimestampUs us, std::string* out) {
  const std::int64_t secs = us >= 0 ? us / 1000000 : (us - 999999) / 1000000;
  const std::int64_t frac = us - secs * 1000000;
  const std::int64_t days = secs >= 0 ? secs / 86400 : (secs - 86399) / 86400;
  const std::int64_t rem = secs - days * 86400;
  // Civil date from days since 1970-01-01 (Howard Hinnant's algorithm).
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
  if (y < 0 || y > 9999) {  // outside what the fixed layout holds: the slow path
    out->append(FormatTimestamp(us));
    return;
  }
  char buf[32];
  auto put = [&buf](int pos, std::int64_t v, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[pos + i] = static_cast<char>('0' + v % 10);
      v /= 10;
    }
  };
  put(0, y, 4);
  buf[4] = '-';
  put(5, m, 2);
  buf[7] = '-';
  put(8, d, 2);
  buf[10] = 'T';
  put(11, rem / 3600, 2);
  buf[13] = ':';
  put(14, rem / 60 % 60, 2);
  buf[16] = ':';
  put(17, rem % 60, 2);
  buf[19] = '.';
  int len;
  if (frac % 1000 == 0) {
    put(20, frac / 1000, 3);
    len = 23;
  } else {
    put(20, frac, 6);
    len = 26;
  }
  buf[len++] = 'Z';
  out->append(buf, static_cast<std::size_t>(len));
}

// True when none of the 8 bytes needs attention (all ASCII, no control,
// no '"', no '\\'): the common case for post text, skipped a word at a time.
inline bool PlainWord(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const std::uint64_t bad = (w & kHigh) | ((w - kOnes * 0x20) & ~w & kHigh) |
                            has_zero(w ^ (kOnes * '"')) | has_zero(w ^ (kOnes * '\\'));
  return bad == 0;
}

void AppendInt(std::int64_t v, std::string* out) {
  char buf[24];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// Shortest representation that reads back to the same double; null for
// non-finite values, which JSON cannot hold.
void AppendDouble(double v, std::string* out) {
  if (!std::isfinite(v)) {
    out->append("null");
    return;
  }
  char buf[32];
  auto r = std::to_chars(buf, buf + sizeof buf, v);
  out->append(buf, r.ptr);
}

// Writes `,"key":` (or `"key":` for the first member). Keys are literals that
// never need escaping.
class ObjectWriter {
 public:
  explicit ObjectWriter(std::string* out) : out_(out) { out_->push_back('{'); }
  void Key(std::string_view key) {
    // One append of `,"key":` (keys are short literals).
    char buf[40];
    std::size_t n = 0;
    if (!first_) buf[n++] = ',';
    first_ = false;
    buf[n++] = '"';
    const std::size_t k = std::min(key.size(), sizeof buf - 4);
    std::memcpy(buf + n, key.data(), k);
    n += k;
    buf[n++] = '"';
    buf[n++] = ':';
    out_->append(buf, n);
  }
  void String(std::string_view key, std::string_view value) {
    Key(key);
    AppendJsonString(value, out_);
  }
  void Int(std::string_view key, std::int64_t value) {
    Key(key);
    AppendInt(value, out_);
  }
  void Range(const TextRange& r) {
    if (r.start >= 0) Int("start", r.start);
    if (r.end >= 0) Int("end", r.end);
  }
  void End() { out_->push_back('}'); }

 private:
  std::string* out_;
  bool first_ = true;
};

// Writes `"key":[...]` with one object per element, filled by `member`.
template <typename T, typename F>
void AppendArray(ObjectWriter& w, std::string* out, std::string_view key, const std::vector<T>& v,
                 F member) {
  w.Key(key);
  out->push_back('[');
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i) out->push_back(',');
    ObjectWriter o(out);
    member(o, v[i]);
    o.End();
  }
  out->push_back(']');
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  out->push_back('"');
  std::size_t run = 0;  // start of the pending run of bytes copied verbatim
  std::size_t i = 0;
  const std::size_t n = s.size();
  while (i < n) {
    if (i + 8 <= n && PlainWord(s.data() + i)) {
      i += 8;
      continue;
    }
    const unsigned char c = static_cast<unsigned char>(s[i]);
    const std::uint8_t cls = kClass[c];
    if (cls == 0) {
      ++i;
      continue;
    }
    if (cls == 2) {
      std::size_t advance = 0;
      const std::size_t len = ValidSequenceLength(s, i, &advance);
      if (len != 0) {
        i += len;
        continue;
      }
      out->append(s.data() + run, i - run);
      out->append(kReplacement);
      i += advance;
      run = i;
      continue;
    }
    out->append(s.data() + run, i - run);
    switch (c) {
      case '"': out->append("\\\""); break;
      case '\\': out->append("\\\\"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      case '\t': out->append("\\t"); break;
      case '\b': out->append("\\b"); break;
      case '\f': out->append("\\f"); break;
      default: {
        const char esc[6] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xF]};
        out->append(esc, 6);
      }
    }
    ++i;
    run = i;
  }
  out->append(s.data() + run, n - run);
  out->push_back('"');
}

void AppendPostJson(const Post& post, std::string* out, const PostJsonOptions& options) {
  out->reserve(out->size() + 512 + post.text.size() +
               (options.include_raw ? post.raw.size() + post.raw.size() / 8 : 0));
  ObjectWriter w(out);
  w.String("id", post.id);
  w.String("provider", ProviderName(post.provider));
  w.Key("created_at");
  out->push_back('"');
  AppendTimestamp(post.created_at, out);
  out->push_back('"');

  w.Key("author");
  {
    ObjectWriter a(out);
    a.String("id", post.author.id);
    a.String("handle", post.author.handle);
    a.String("name", post.author.name);
    a.End();
  }
  w.String("text", post.text);
  w.String("lang", post.lang);
  w.String("kind", PostKindName(post.kind));
  const std::string_view ref = post.ReferencedId();
  if (ref.empty()) {
    w.Key("ref_id");
    out->append("null");
  } else {
    w.String("ref_id", ref);
  }

  AppendArray(w, out, "references", post.references, [](ObjectWriter& o, const Reference& r) {
    o.String("type", ReferenceTypeName(r.type));
    o.String("id", r.id);
  });
  AppendArray(w, out, "hashtags", post.hashtags, [](ObjectWriter& o, const Hashtag& h) {
    o.String("tag", h.tag);
    o.Range(h.range);
  });
  AppendArray(w, out, "mentions", post.mentions, [](ObjectWriter& o, const Mention& m) {
    o.String("handle", m.handle);
    o.String("id", m.user_id);
    o.Range(m.range);
  });
  AppendArray(w, out, "urls", post.urls, [](ObjectWriter& o, const Url& u) {
    o.String("url", u.url);
    if (!u.expanded_url.empty()) o.String("expanded_url", u.expanded_url);
    if (!u.display_url.empty()) o.String("display_url", u.display_url);
    if (!u.unwound_url.empty()) o.String("unwound_url", u.unwound_url);
    o.Range(u.range);
  });
  AppendArray(w, out, "cashtags", post.cashtags, [](ObjectWriter& o, const Cashtag& c) {
    o.String("tag", c.tag);
    o.Range(c.range);
  });

  const PublicMetrics& m = post.metrics;
  if (m.reposts || m.replies || m.likes || m.quotes || m.impressions) {
    w.Key("metrics");
    ObjectWriter o(out);
    if (m.reposts) o.Int("reposts", *m.reposts);
    if (m.replies) o.Int("replies", *m.replies);
    if (m.likes) o.Int("likes", *m.likes);
    if (m.quotes) o.Int("quotes", *m.quotes);
    if (m.impressions) o.Int("impressions", *m.impressions);
    o.End();
  }

  const Geo& g = post.geo;
  if (!g.empty() || !g.place_name.empty()) {
    w.Key("geo");
    ObjectWriter o(out);
    if (g.lon) {
      o.Key("lon");
      AppendDouble(*g.lon, out);
    }
    if (g.lat) {
      o.Key("lat");
      AppendDouble(*g.lat, out);
    }
    if (!g.place_id.empty()) o.String("place_id", g.place_id);
    if (!g.place_name.empty()) o.String("place_name", g.place_name);
    if (!g.country_code.empty()) o.String("country_code", g.country_code);
    o.End();
  }

  if (!post.matching_rules.empty()) {
    AppendArray(w, out, "matching_rules", post.matching_rules,
                [](ObjectWriter& o, const MatchingRule& r) {
                  o.String("id", r.id);
                  o.String("tag", r.tag);
                });
  }
  if (post.entities_extracted) {
    w.Key("entities_extracted");
    out->append("true");
  }
  w.String("source_format", post.source_format);
  if (options.include_raw) w.String("raw", post.raw);
  w.End();
}

}  // namespace starling::model
