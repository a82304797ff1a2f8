// File: model/post_json.cc
// Writing the normalized post as JSON (the "starling" format). On the hot path
// of `starling normalize`: everything appends into the caller's buffer, with
// no iostreams and no temporary strings.
#include "model/post_json.h"

#include <simdjson.h>

#include "common/json_escape.h"
#ifdef __AVX2__
#include <immintrin.h>
#endif

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

// True when none of the 8 bytes is '"', '\\' or a control character; bytes
// >= 0x80 pass (for strings already known to be valid UTF-8).
inline bool PlainUtf8Word(const char* p) {
  std::uint64_t w;
  std::memcpy(&w, p, 8);
  constexpr std::uint64_t kOnes = 0x0101010101010101ULL, kHigh = 0x8080808080808080ULL;
  auto has_zero = [](std::uint64_t v) { return (v - kOnes) & ~v & kHigh; };
  const std::uint64_t bad = ((w - kOnes * 0x20) & ~w & kHigh) | has_zero(w ^ (kOnes * '"')) |
                            has_zero(w ^ (kOnes * '\\'));
  return bad == 0;
}

// The escaped body (no quotes) of a string holding invalid UTF-8: each
// ill-formed subsequence becomes one U+FFFD. The rare, slow path.
void AppendInvalidUtf8Body(std::string_view s, std::string* out) {
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
    char esc[6];
    out->append(esc, JsonEscape(c, esc));
    ++i;
    run = i;
  }
  out->append(s.data() + run, n - run);
}

// A cursor over *out: the space is grown in large steps and written through a
// pointer, so that each key, number and string costs a memcpy, not a
// std::string::append call. Finish() trims *out to what was written.
//
// UTF-8: with check_each_utf8, Str() validates every string and writes
// U+FFFD for invalid UTF-8 (what AppendJsonString promises). Without it,
// Str() copies bytes >= 0x80 as they are and the caller validates everything
// written in one call (see AppendPostJson): about 50 strings per post, most
// of them short, made the per-string validate_utf8 calls a tenth of the
// writer's time.
class JsonOut {
 public:
  // Str() scans a string after copying it, in whole 32-byte blocks of the
  // output buffer that may run this far past the string's end.
  static constexpr std::size_t kScanSlack = 32;

  // `expected`: the space to make at once, so that a good estimate of the
  // output size means one resize (and one zero-fill) per call.
  JsonOut(std::string* out, bool check_each_utf8, std::size_t expected = 1024)
      : out_(out), check_each_utf8_(check_each_utf8) {
    const std::size_t at = out_->size();
    out_->resize(at + expected);
    p_ = out_->data() + at;
    end_ = out_->data() + out_->size();
  }
  JsonOut(const JsonOut&) = delete;
  JsonOut& operator=(const JsonOut&) = delete;
  void Finish() { out_->resize(static_cast<std::size_t>(p_ - out_->data())); }

  // Inline check; growing (rare) is out of line so the callers stay small.
  void Reserve(std::size_t n) {
    if (static_cast<std::size_t>(end_ - p_) >= n) [[likely]]
      return;
    Grow(n);
  }
  template <std::size_t N>
  void Lit(const char (&lit)[N]) {
    Reserve(N - 1);
    std::memcpy(p_, lit, N - 1);
    p_ += N - 1;
  }
  void Raw(std::string_view v) {
    Reserve(v.size());
    std::memcpy(p_, v.data(), v.size());
    p_ += v.size();
  }
  void Int(std::int64_t v) {
    Reserve(24);
    p_ = std::to_chars(p_, p_ + 24, v).ptr;
  }
  void Double(double v) {
    if (!std::isfinite(v)) {
      Lit("null");
      return;
    }
    Reserve(32);
    p_ = std::to_chars(p_, p_ + 32, v).ptr;
  }
  void Timestamp(TimestampUs us) {
    Reserve(34);
    const std::size_t len = WriteTimestamp(us, p_ + 1);
    if (len == 0) {  // a year the fixed layout cannot hold: the slow path
      const std::string slow = FormatTimestamp(us);
      Reserve(slow.size() + 2);
      *p_++ = '"';
      Raw(slow);
      *p_++ = '"';
      return;
    }
    *p_ = '"';
    p_ += len + 1;
    *p_++ = '"';
  }
  // A JSON string literal: escapes (at most 6 output bytes per input byte),
  // and with check_each_utf8 U+FFFD for invalid UTF-8.
  void Str(std::string_view s) {
    Reserve(s.size() * 6 + 2 + kScanSlack);
    *p_++ = '"';
    if (!check_each_utf8_ || simdjson::validate_utf8(s.data(), s.size())) {
      Escaped(s);
    } else {
      std::string tmp;
      AppendInvalidUtf8Body(s, &tmp);
      std::memcpy(p_, tmp.data(), tmp.size());
      p_ += tmp.size();
    }
    *p_++ = '"';
  }

 private:
  [[gnu::noinline]] void Grow(std::size_t n) {
    const std::size_t used = static_cast<std::size_t>(p_ - out_->data());
    out_->resize(std::max(out_->size() * 2, used + n + 1024));
    p_ = out_->data() + used;
    end_ = out_->data() + out_->size();
  }
  void Escape(unsigned char c) { p_ += JsonEscape(c, p_); }
#ifdef __AVX2__
  // Mask of the bytes of x that need an escape: '"', '\\' or below 0x20.
  static std::uint32_t SpecialMask(__m256i x) {
    const __m256i special =
        _mm256_or_si256(_mm256_or_si256(_mm256_cmpeq_epi8(x, _mm256_set1_epi8('"')),
                                        _mm256_cmpeq_epi8(x, _mm256_set1_epi8('\\'))),
                        _mm256_cmpeq_epi8(_mm256_min_epu8(x, _mm256_set1_epi8(0x1F)), x));
    return static_cast<std::uint32_t>(_mm256_movemask_epi8(special));
  }
#endif
  // The escaped body of s (no quotes); bytes >= 0x80 are copied as they are.
  void Escaped(std::string_view s) {
#ifdef __AVX2__
    // Copy first, then look for bytes that need an escape in the copy, 32 at
    // a time, reading past its end into space Str() reserved (never past the
    // buffer): a short string (ids, handles, URLs: most of them) costs one
    // memcpy and one block compare instead of a byte loop over its tail.
    const std::size_t n = s.size();
    std::memcpy(p_, s.data(), n);
    std::size_t i = 0;
    while (i < n) {
      const std::uint32_t mask =
          SpecialMask(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(p_ + i)));
      if (mask != 0) {
        i += static_cast<std::size_t>(__builtin_ctz(mask));  // may land past n: none
        break;
      }
      i += 32;
    }
    if (i >= n) {
      p_ += n;
      return;
    }
    // From the first byte that needs an escape on, the general loop.
    p_ += i;
    s.remove_prefix(i);
#endif
    EscapedTail(s);
  }
  void EscapedTail(std::string_view s) {
    const char* d = s.data();
    const std::size_t n = s.size();
    std::size_t run = 0, i = 0;
    while (i < n) {
#ifdef __AVX2__
      // 32 bytes at a time: none of them '"', '\\' or below 0x20.
      if (i + 32 <= n) {
        const std::uint32_t mask =
            SpecialMask(_mm256_loadu_si256(reinterpret_cast<const __m256i*>(d + i)));
        if (mask == 0) {
          i += 32;
          continue;
        }
        i += static_cast<std::size_t>(__builtin_ctz(mask));  // the first special byte
      }
#endif
      if (i + 8 <= n && PlainUtf8Word(d + i)) {
        i += 8;
        continue;
      }
      const unsigned char c = static_cast<unsigned char>(d[i]);
      if (c >= 0x20 && c != '"' && c != '\\') {
        ++i;
        continue;
      }
      std::memcpy(p_, d + run, i - run);
      p_ += i - run;
      Escape(c);
      ++i;
      run = i;
    }
    std::memcpy(p_, d + run, n - run);
    p_ += n - run;
  }

  std::string* out_;
  const bool check_each_utf8_;
  char* p_;
  char* end_;
};

void Range(JsonOut& o, const TextRange& r) {
  if (r.start >= 0) {
    o.Lit(",\"start\":");
    o.Int(r.start);
  }
  if (r.end >= 0) {
    o.Lit(",\"end\":");
    o.Int(r.end);
  }
}

// `,"key":[{...},...]` with one object per element, written by `member`
// (which starts right after the element's '{').
template <std::size_t N, typename T, typename F>
void Array(JsonOut& o, const char (&key)[N], const std::vector<T>& v, F member) {
  o.Lit(key);
  o.Lit("[");
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i == 0) {
      o.Lit("{");
    } else {
      o.Lit(",{");
    }
    member(v[i]);
    o.Lit("}");
  }
  o.Lit("]");
}

}  // namespace

void AppendJsonString(std::string_view s, std::string* out) {
  JsonOut o(out, /*check_each_utf8=*/true);
  o.Str(s);
  o.Finish();
}

namespace {

// Room for most posts without growing: fixed keys and short fields, plus the
// worst case for the long strings.
std::size_t ExpectedPostJsonSize(const Post& post, const PostJsonOptions& options) {
  return 1024 + post.text.size() * 6 + (options.include_raw ? post.raw.size() * 6 : 0);
}

void WritePost(JsonOut& o, const Post& post, const PostJsonOptions& options) {
  o.Lit("{\"id\":");
  o.Str(post.id);
  o.Lit(",\"provider\":\"");
  o.Raw(ProviderName(post.provider));
  o.Lit("\",\"created_at\":");
  o.Timestamp(post.created_at);
  o.Lit(",\"author\":{\"id\":");
  o.Str(post.author.id);
  o.Lit(",\"handle\":");
  o.Str(post.author.handle);
  o.Lit(",\"name\":");
  o.Str(post.author.name);
  o.Lit("}");
  if (!post.channel.empty()) {  // left out when empty: X posts are written as before
    o.Lit(",\"channel\":");
    o.Str(post.channel);
  }
  o.Lit(",\"text\":");
  o.Str(post.text);
  o.Lit(",\"lang\":");
  o.Str(post.lang);
  o.Lit(",\"kind\":\"");
  o.Raw(PostKindName(post.kind));
  o.Lit("\",\"ref_id\":");
  const std::string_view ref = post.ReferencedId();
  if (ref.empty()) {
    o.Lit("null");
  } else {
    o.Str(ref);
  }
  Array(o, ",\"references\":", post.references, [&](const Reference& r) {
    o.Lit("\"type\":\"");
    o.Raw(ReferenceTypeName(r.type));
    o.Lit("\",\"id\":");
    o.Str(r.id);
  });
  Array(o, ",\"hashtags\":", post.hashtags, [&](const Hashtag& h) {
    o.Lit("\"tag\":");
    o.Str(h.tag);
    Range(o, h.range);
  });
  Array(o, ",\"mentions\":", post.mentions, [&](const Mention& m) {
    o.Lit("\"handle\":");
    o.Str(m.handle);
    o.Lit(",\"id\":");
    o.Str(m.user_id);
    Range(o, m.range);
  });
  Array(o, ",\"urls\":", post.urls, [&](const Url& u) {
    o.Lit("\"url\":");
    o.Str(u.url);
    if (!u.expanded_url.empty()) {
      o.Lit(",\"expanded_url\":");
      o.Str(u.expanded_url);
    }
    if (!u.display_url.empty()) {
      o.Lit(",\"display_url\":");
      o.Str(u.display_url);
    }
    if (!u.unwound_url.empty()) {
      o.Lit(",\"unwound_url\":");
      o.Str(u.unwound_url);
    }
    Range(o, u.range);
  });
  Array(o, ",\"cashtags\":", post.cashtags, [&](const Cashtag& c) {
    o.Lit("\"tag\":");
    o.Str(c.tag);
    Range(o, c.range);
  });

  const PublicMetrics& m = post.metrics;
  if (m.reposts || m.replies || m.likes || m.quotes || m.impressions) {
    o.Lit(",\"metrics\":{");
    bool first = true;
    auto metric = [&](std::string_view key, const std::optional<std::int64_t>& v) {
      if (!v) return;
      o.Raw(first ? "\"" : ",\"");
      first = false;
      o.Raw(key);
      o.Lit("\":");
      o.Int(*v);
    };
    metric("reposts", m.reposts);
    metric("replies", m.replies);
    metric("likes", m.likes);
    metric("quotes", m.quotes);
    metric("impressions", m.impressions);
    o.Lit("}");
  }

  const Geo& g = post.geo;
  if (!g.empty() || !g.place_name.empty()) {
    o.Lit(",\"geo\":{");
    bool first = true;
    auto key = [&](std::string_view k) {
      o.Raw(first ? "\"" : ",\"");
      first = false;
      o.Raw(k);
      o.Lit("\":");
    };
    if (g.lon) {
      key("lon");
      o.Double(*g.lon);
    }
    if (g.lat) {
      key("lat");
      o.Double(*g.lat);
    }
    if (!g.place_id.empty()) {
      key("place_id");
      o.Str(g.place_id);
    }
    if (!g.place_name.empty()) {
      key("place_name");
      o.Str(g.place_name);
    }
    if (!g.country_code.empty()) {
      key("country_code");
      o.Str(g.country_code);
    }
    o.Lit("}");
  }

  if (!post.matching_rules.empty()) {
    Array(o, ",\"matching_rules\":", post.matching_rules, [&](const MatchingRule& r) {
      o.Lit("\"id\":");
      o.Str(r.id);
      o.Lit(",\"tag\":");
      o.Str(r.tag);
    });
  }
  if (post.entities_extracted) o.Lit(",\"entities_extracted\":true");
  o.Lit(",\"source_format\":");
  o.Str(post.source_format);
  if (options.include_raw) {
    o.Lit(",\"raw\":");
    o.Str(post.raw);
  }
  o.Lit("}");
}

}  // namespace

void AppendPostJson(const Post& post, std::string* out, const PostJsonOptions& options) {
  // Optimistic: write the strings without checking their UTF-8, then
  // validate the whole object in one SIMD pass. The object is valid UTF-8
  // exactly when every string in it is: everything else is ASCII, escaping
  // only turns ASCII bytes into other ASCII bytes, and an ASCII byte is never
  // part of a multi-byte sequence. So a valid object is byte for byte what
  // per-string checking writes. Posts parsed by simdjson are always valid;
  // a rare invalid one (from CSV, say) is written again, string by string,
  // with U+FFFD.
  const std::size_t start = out->size();
  const std::size_t expected = ExpectedPostJsonSize(post, options);
  {
    JsonOut o(out, /*check_each_utf8=*/false, expected);
    WritePost(o, post, options);
    o.Finish();
  }
  if (simdjson::validate_utf8(out->data() + start, out->size() - start)) return;
  out->resize(start);
  JsonOut o(out, /*check_each_utf8=*/true, expected);
  WritePost(o, post, options);
  o.Finish();
}

}  // namespace starling::model
