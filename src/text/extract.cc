// File: text/extract.cc
// Hand-written scanners that reproduce twitter-text's Regex.java patterns and
// Extractor.java post-processing (match-end checks, t.co slugs, IDN host
// checks, overlap removal), including java.util.regex "find()" semantics:
// each search resumes where the previous match (accepted or not) ended.
#include "text/extract.h"

#include <unicode/uidna.h>

#include <algorithm>
#include <array>

#include "text/internal/tld.h"
#include "text/internal/unicode.h"

namespace starling::text {
namespace {

using internal::DecodedText;
constexpr std::size_t kNpos = static_cast<std::size_t>(-1);

// Regex.java's DIRECTIONAL_CHARACTERS is spliced into VALID_REPLY and
// VALID_CASHTAG without brackets, so there it means this exact sequence.
constexpr std::array<char32_t, 12> kDirectionalSequence = {
    0x061C, 0x200E, 0x200F, 0x202A, 0x202B, 0x202C, 0x202D, 0x202E, 0x2066, 0x2067, 0x2068, 0x2069};

bool DirectionalSequenceAt(const DecodedText& t, std::size_t i) {
  if (i + kDirectionalSequence.size() > t.size()) return false;
  for (std::size_t k = 0; k < kDirectionalSequence.size(); ++k) {
    if (t.cp[i + k] != kDirectionalSequence[k]) return false;
  }
  return true;
}

bool MatchesAsciiCi(const DecodedText& t, std::size_t pos, std::string_view lit) {
  if (pos + lit.size() > t.size()) return false;
  for (std::size_t k = 0; k < lit.size(); ++k) {
    if (internal::AsciiLower(t.cp[pos + k]) != static_cast<char32_t>(lit[k])) return false;
  }
  return true;
}

// INVALID_MENTION_MATCH_END: ^(?:[@＠LATIN_ACCENTS]|://)
bool InvalidMentionEnd(const DecodedText& t, std::size_t end) {
  const char32_t c = t.At(end);
  return internal::IsAtSign(c) || internal::IsLatinAccent(c) || MatchesAsciiCi(t, end, "://");
}

Entity MakeEntity(const DecodedText& t, EntityType type, std::size_t start, std::size_t end,
                  std::size_t value_begin, std::size_t value_end) {
  const auto& u16 = internal::Utf16Offsets(t);
  Entity e;
  e.type = type;
  e.value = std::string(t.Slice(value_begin, value_end));
  e.start = static_cast<std::int32_t>(start);
  e.end = static_cast<std::int32_t>(end);
  e.start_utf16 = static_cast<std::int32_t>(u16[start]);
  e.end_utf16 = static_cast<std::int32_t>(u16[end]);
  return e;
}

// Extractor.removeOverlappingEntities: stable sort by start, drop an entity
// that starts before the previous kept one ends.
void RemoveOverlaps(std::vector<Entity>* entities) {
  std::stable_sort(entities->begin(), entities->end(),
                   [](const Entity& a, const Entity& b) { return a.start < b.start; });
  std::size_t kept = 0;
  for (std::size_t i = 0; i < entities->size(); ++i) {
    if (kept > 0 && (*entities)[kept - 1].end > (*entities)[i].start) continue;
    if (kept != i) (*entities)[kept] = std::move((*entities)[i]);
    ++kept;
  }
  entities->resize(kept);
}

// ---------------------------------------------------------------- mentions

bool IsUsernameChar(char32_t c) { return internal::IsAsciiAlnum(c) || c == '_'; }
bool IsListSlugChar(char32_t c) { return internal::IsAsciiAlnum(c) || c == '_' || c == '-'; }

// [^a-z0-9_!#$%&*@＠] fails on these.
bool MentionPrecedingExcluded(char32_t c) {
  return internal::IsAsciiAlnum(c) || c == '_' || c == '!' || c == '#' || c == '$' || c == '%' ||
         c == '&' || c == '*' || internal::IsAtSign(c);
}
// [^a-z0-9_+~.-] (before "RT") fails on these.
bool RtPrecedingExcluded(char32_t c) {
  return internal::IsAsciiAlnum(c) || c == '_' || c == '+' || c == '~' || c == '.' || c == '-';
}

// VALID_MENTION_OR_LIST plus Extractor.extractMentionsOrListsWithIndices.
void FindMentionsOrLists(const DecodedText& t, std::vector<Entity>* out) {
  const std::size_t n = t.size();
  const auto& cp = t.cp;
  std::size_t ss = 0;  // where the next find() starts
  for (std::size_t r = 0; r < n; ++r) {
    if (!internal::IsAtSign(cp[r]) || r < ss) continue;
    bool preceded = r == 0 || (r - 1 >= ss && !MentionPrecedingExcluded(cp[r - 1]));
    if (!preceded && r >= 2 && r - 2 >= ss && internal::AsciiLower(cp[r - 2]) == 'r' &&
        internal::AsciiLower(cp[r - 1]) == 't') {
      preceded = r - 2 == 0 || (r - 3 >= ss && !RtPrecedingExcluded(cp[r - 3]));
    }
    if (!preceded) continue;
    std::size_t k = r;
    while (k < n && internal::IsAtSign(cp[k])) ++k;  // [@＠]+
    std::size_t u = k;
    while (u < n && u - k < 20 && IsUsernameChar(cp[u])) ++u;
    if (u == k) continue;
    std::size_t end = u;
    if (u + 1 < n && cp[u] == '/' && internal::IsAsciiAlpha(cp[u + 1])) {
      std::size_t l = u + 2;
      while (l < n && l - (u + 1) < 25 && IsListSlugChar(cp[l])) ++l;
      end = l;
    }
    ss = end;
    r = end - 1;
    if (InvalidMentionEnd(t, end)) continue;
    Entity e = MakeEntity(t, EntityType::kMention, k - 1, end, k, u);
    if (end != u) e.list_slug = std::string(t.Slice(u, end));
    out->push_back(std::move(e));
  }
}

// ---------------------------------------------------------------- hashtags

// VALID_HASHTAG plus the INVALID_HASHTAG_MATCH_END check.
void FindHashtags(const DecodedText& t, std::vector<Entity>* out) {
  const std::size_t n = t.size();
  const auto& cp = t.cp;
  std::size_t ss = 0;
  for (std::size_t h = 0; h < n; ++h) {
    if (!internal::IsHashSign(cp[h]) || h < ss) continue;
    bool preceded = h == 0;
    if (!preceded && h - 1 >= ss) {
      const char32_t p = cp[h - 1];
      preceded = p == 0xFE0E || p == 0xFE0F || (p != '&' && !internal::IsHashtagLetterOrNumeral(p));
    }
    if (!preceded) continue;
    if (h + 1 < n && (cp[h + 1] == 0xFE0F || cp[h + 1] == 0x20E3)) continue;
    std::size_t e = h + 1;
    bool has_letter = false;
    while (e < n && internal::IsHashtagLetterOrNumeral(cp[e])) {
      has_letter = has_letter || internal::IsHashtagLetter(cp[e]);
      ++e;
    }
    if (!has_letter) continue;
    const std::size_t hash = h;
    ss = e;
    h = e - 1;
    if (internal::IsHashSign(t.At(e)) || MatchesAsciiCi(t, e, "://")) continue;
    out->push_back(MakeEntity(t, EntityType::kHashtag, hash, e, hash + 1, e));
  }
}

// ---------------------------------------------------------------- cashtags

// Java's `$` (no MULTILINE), \s or \p{Punct} at `p`.
bool CashtagFollowOk(const DecodedText& t, std::size_t p) {
  const std::size_t n = t.size();
  if (p >= n) return true;
  const char32_t c = t.cp[p];
  if (internal::IsJavaSpace(c) || internal::IsAsciiPunct(c)) return true;
  return p + 1 == n && (c == 0x85 || c == 0x2028 || c == 0x2029);
}

// VALID_CASHTAG.
void FindCashtags(const DecodedText& t, std::vector<Entity>* out) {
  const std::size_t n = t.size();
  const auto& cp = t.cp;
  std::size_t ss = 0;
  for (std::size_t d = 0; d < n; ++d) {
    if (cp[d] != '$' || d < ss) continue;
    const bool preceded =
        d == 0 || (d - 1 >= ss && internal::IsUnicodeSpace(cp[d - 1])) ||
        (d >= kDirectionalSequence.size() && d - kDirectionalSequence.size() >= ss &&
         DirectionalSequenceAt(t, d - kDirectionalSequence.size()));
    if (!preceded) continue;
    std::size_t l = d + 1;
    while (l < n && internal::IsAsciiAlpha(cp[l])) ++l;
    if (l == d + 1 || l - (d + 1) > 6) continue;
    std::size_t end = kNpos;
    if (l < n && (cp[l] == '.' || cp[l] == '_')) {
      std::size_t m = l + 1;
      while (m < n && m - (l + 1) < 2 && internal::IsAsciiAlpha(cp[m])) ++m;
      if (m > l + 1 && CashtagFollowOk(t, m)) end = m;
    }
    if (end == kNpos && CashtagFollowOk(t, l)) end = l;
    if (end == kNpos) continue;
    ss = end;
    out->push_back(MakeEntity(t, EntityType::kCashtag, d, end, d + 1, end));
    d = end - 1;
  }
}

// ---------------------------------------------------------------- URLs

constexpr int kMaxUrlLength = 4096;        // Extractor.MAX_URL_LENGTH
constexpr int kMaxTcoSlugLength = 40;      // Extractor.MAX_TCO_SLUG_LENGTH
constexpr int kDefaultProtocolLength = 8;  // "https://".length()

// URL_VALID_PRECEDING_CHARS (the consuming alternatives).
bool IsUrlPreceding(char32_t c) {
  if (internal::IsAsciiAlnum(c)) return false;
  switch (c) {
    case '@':
    case 0xFF20:
    case '$':
    case '#':
    case 0xFF03:
    case 0xFFFE:
    case 0xFEFF:
    case 0xFFFF:
      return false;
    default:
      return true;
  }
}

enum class LabelKind { kSubdomain, kDomainName, kUnicode };

struct UrlMatch {
  std::size_t url_start = 0;
  std::size_t url_end = 0;
  std::size_t domain_start = 0;
  std::size_t domain_end = 0;
  bool protocol = false;
};

class UrlScanner {
 public:
  explicit UrlScanner(const DecodedText& t) : t_(t), cp_(t.cp), n_(t.size()) {}

  // VALID_URL group 3 starting exactly at `u`.
  bool MatchAt(std::size_t u, UrlMatch* m) const {
    std::size_t proto = 0;
    if (MatchesAsciiCi(t_, u, "http://")) {
      proto = 7;
    } else if (MatchesAsciiCi(t_, u, "https://")) {
      proto = 8;
    }
    if (proto != 0 && MatchRest(u, u + proto, true, m)) return true;
    return MatchRest(u, u, false, m);
  }

 private:
  bool LabelChar(char32_t c, LabelKind kind) const {
    return kind == LabelKind::kUnicode ? internal::IsUrlUnicodeChar(c)
                                       : internal::IsUrlValidChar(c);
  }
  bool RunChar(char32_t c, LabelKind kind) const {
    if (c == '-') return true;
    if (c == '_' && kind == LabelKind::kSubdomain) return true;
    return LabelChar(c, kind);
  }

  // One "label." at p; returns the position after the dot, or kNpos.
  std::size_t MatchLabel(std::size_t p, LabelKind kind) const {
    if (p >= n_ || !LabelChar(cp_[p], kind)) return kNpos;
    std::size_t q = p + 1;
    while (q < n_ && RunChar(cp_[q], kind)) ++q;
    if (q < n_ && cp_[q] == '.' && LabelChar(cp_[q - 1], kind)) return q + 1;
    return kNpos;
  }

  // (?:GTLD|CCTLD)(?=[^a-z0-9@+-]|$), then (for A) xn--[-0-9a-z]+.
  std::size_t MatchTld(std::size_t e, bool allow_punycode) const {
    char key[256];
    std::size_t key_len = 0;
    std::size_t best = kNpos;
    const std::size_t max_cps = internal::MaxTldCodePoints();
    for (std::size_t i = e; i < n_ && i - e < max_cps; ++i) {
      char32_t c = cp_[i];
      if (c < 0x80) {
        if (!internal::IsAsciiAlnum(c) && c != '-') break;
        c = internal::AsciiLower(c);
      } else if (!internal::IsUrlUnicodeChar(c)) {
        break;
      }
      if (key_len + 4 > sizeof(key)) break;
      if (c < 0x80) {
        key[key_len++] = static_cast<char>(c);
      } else if (c < 0x800) {
        key[key_len++] = static_cast<char>(0xC0 | (c >> 6));
        key[key_len++] = static_cast<char>(0x80 | (c & 0x3F));
      } else if (c < 0x10000) {
        key[key_len++] = static_cast<char>(0xE0 | (c >> 12));
        key[key_len++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        key[key_len++] = static_cast<char>(0x80 | (c & 0x3F));
      } else {
        key[key_len++] = static_cast<char>(0xF0 | (c >> 18));
        key[key_len++] = static_cast<char>(0x80 | ((c >> 12) & 0x3F));
        key[key_len++] = static_cast<char>(0x80 | ((c >> 6) & 0x3F));
        key[key_len++] = static_cast<char>(0x80 | (c & 0x3F));
      }
      const std::size_t next = i + 1;
      if (next < n_) {
        const char32_t f = cp_[next];
        if (internal::IsAsciiAlnum(f) || f == '@' || f == '+' || f == '-') continue;
      }
      if (internal::IsKnownTld(std::string_view(key, key_len))) best = next;
    }
    if (best != kNpos) return best;
    if (allow_punycode && MatchesAsciiCi(t_, e, "xn--")) {
      std::size_t j = e + 4;
      while (j < n_ && (internal::IsAsciiAlnum(cp_[j]) || cp_[j] == '-')) ++j;
      if (j > e + 4) return j;
    }
    return kNpos;
  }

  bool ProtocolBefore(std::size_t d) const {
    return (d >= 7 && MatchesAsciiCi(t_, d - 7, "http://")) ||
           (d >= 8 && MatchesAsciiCi(t_, d - 8, "https://"));
  }

  // URL_VALID_DOMAIN at d; returns its end or kNpos.
  std::size_t MatchDomain(std::size_t d) const {
    // A: SUBDOMAIN* DOMAIN_NAME (GTLD|CCTLD|PUNYCODE); subdomains are atomic,
    // the star gives them back one at a time.
    std::size_t subs[64];
    std::size_t count = 0;
    for (std::size_t p = d; count < 64;) {
      const std::size_t e = MatchLabel(p, LabelKind::kSubdomain);
      if (e == kNpos) break;
      subs[count++] = e;
      p = e;
    }
    for (std::size_t k = count + 1; k-- > 0;) {
      const std::size_t p = k == 0 ? d : subs[k - 1];
      const std::size_t e = MatchLabel(p, LabelKind::kDomainName);
      if (e == kNpos) continue;
      const std::size_t tld_end = MatchTld(e, true);
      if (tld_end != kNpos) return tld_end;
    }
    // B: (?<=https?://) then an ASCII or Unicode domain name and a TLD.
    // (C, "domain + ccTLD + '/'", is contained in A.)
    if (ProtocolBefore(d)) {
      const std::size_t e = MatchLabel(d, LabelKind::kUnicode);
      if (e != kNpos) return MatchTld(e, false);
    }
    return kNpos;
  }

  // URL_BALANCED_PARENS at i (cp_[i] == '(').
  std::size_t MatchBalancedParens(std::size_t i) const {
    std::size_t j = i + 1;
    while (j < n_ && internal::IsUrlPathChar(cp_[j])) ++j;
    if (j < n_ && cp_[j] == ')' && j > i + 1) return j + 1;
    if (j < n_ && cp_[j] == '(') {
      std::size_t k = j + 1;
      while (k < n_ && internal::IsUrlPathChar(cp_[k])) ++k;
      if (k == j + 1 || k >= n_ || cp_[k] != ')') return kNpos;
      ++k;
      while (k < n_ && internal::IsUrlPathChar(cp_[k])) ++k;
      if (k < n_ && cp_[k] == ')') return k + 1;
    }
    return kNpos;
  }

  // URL_VALID_PATH*+ after the '/': ends at the last ending char or parens.
  std::size_t MatchPath(std::size_t i) const {
    std::size_t last = i;
    while (i < n_) {
      const char32_t c = cp_[i];
      if (internal::IsUrlPathChar(c)) {
        ++i;
        if (internal::IsUrlPathEndingChar(c)) last = i;
      } else if (c == '(') {
        const std::size_t j = MatchBalancedParens(i);
        if (j == kNpos) break;
        i = last = j;
      } else {
        break;
      }
    }
    return last;
  }

  // (\?QUERY_CHARS*QUERY_ENDING_CHARS)? at i (cp_[i] == '?'), bounded by `limit`.
  std::size_t MatchQuery(std::size_t i, std::size_t limit) const {
    std::size_t last = kNpos;
    for (std::size_t j = i + 1; j < limit && internal::IsUrlQueryChar(cp_[j]); ++j) {
      if (internal::IsUrlQueryEndingChar(cp_[j])) last = j + 1;
    }
    return last;
  }

  bool MatchRest(std::size_t u, std::size_t d, bool protocol, UrlMatch* m) const {
    const std::size_t domain_end = MatchDomain(d);
    if (domain_end == kNpos) return false;
    std::size_t pos = domain_end;
    if (pos + 1 < n_ && cp_[pos] == ':' && internal::IsAsciiDigit(cp_[pos + 1])) {
      pos += 2;
      while (pos < n_ && internal::IsAsciiDigit(cp_[pos])) ++pos;
    }
    if (pos < n_ && cp_[pos] == '/') pos = MatchPath(pos + 1);
    if (pos < n_ && cp_[pos] == '?') {
      const std::size_t q = MatchQuery(pos, n_);
      if (q != kNpos) pos = q;
    }
    m->url_start = u;
    m->url_end = pos;
    m->domain_start = d;
    m->domain_end = domain_end;
    m->protocol = protocol;
    return true;
  }

 public:
  // VALID_TCO_URL on [m.url_start, m.url_end): end of the t.co match and the
  // slug length, or kNpos.
  std::size_t MatchTco(const UrlMatch& m, std::size_t* slug_len) const {
    std::size_t p = m.domain_start;
    if (!m.protocol || !MatchesAsciiCi(t_, p, "t.co/")) return kNpos;
    p += 5;
    const std::size_t slug = p;
    while (p < m.url_end && internal::IsAsciiAlnum(cp_[p])) ++p;
    if (p == slug) return kNpos;
    *slug_len = p - slug;
    if (p < m.url_end && cp_[p] == '?') {
      const std::size_t q = MatchQuery(p, m.url_end);
      if (q != kNpos) p = q;
    }
    return p;
  }

 private:
  const DecodedText& t_;
  const std::vector<char32_t>& cp_;
  std::size_t n_;
};

std::size_t Utf16Length(const DecodedText& t, std::size_t b, std::size_t e) {
  std::size_t len = 0;
  for (std::size_t i = b; i < e; ++i) len += t.cp[i] >= 0x10000 ? 2 : 1;
  return len;
}

bool IsLabelSeparator(char32_t c) { return c == '.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61; }

const UIDNA* Idna() {
  static const UIDNA* idna = [] {
    UErrorCode status = U_ZERO_ERROR;
    UIDNA* p = uidna_openUTS46(UIDNA_DEFAULT, &status);
    return U_SUCCESS(status) ? p : nullptr;
  }();
  return idna;
}

// Extractor.isValidHostAndLength: java.net.IDN.toASCII of the host must
// succeed (every label 1..63 after punycode) and the URL, with the punycode
// host and a default protocol when none was written, must fit 4096 chars.
bool IsValidHostAndLength(const DecodedText& t, std::size_t url_utf16_len, bool protocol,
                          std::size_t host_begin, std::size_t host_end) {
  if (host_begin >= host_end) return false;
  std::size_t punycode_len = 0;
  std::size_t label_begin = host_begin;
  for (std::size_t i = host_begin; i <= host_end; ++i) {
    if (i < host_end && !IsLabelSeparator(t.cp[i])) continue;
    if (i == label_begin) return false;  // empty label
    bool ascii = true;
    for (std::size_t k = label_begin; k < i; ++k) ascii = ascii && t.cp[k] < 0x80;
    if (ascii) {
      if (i - label_begin > 63) return false;
      punycode_len += i - label_begin;
    } else {
      const UIDNA* idna = Idna();
      if (idna == nullptr) return false;
      const std::string_view label = t.Slice(label_begin, i);
      char out[256];
      UIDNAInfo info = UIDNA_INFO_INITIALIZER;
      UErrorCode status = U_ZERO_ERROR;
      const int32_t len = uidna_labelToASCII_UTF8(
          idna, label.data(), static_cast<int32_t>(label.size()), out, sizeof(out), &info, &status);
      constexpr uint32_t kFatal = UIDNA_ERROR_EMPTY_LABEL | UIDNA_ERROR_LABEL_TOO_LONG |
                                  UIDNA_ERROR_DISALLOWED | UIDNA_ERROR_PUNYCODE |
                                  UIDNA_ERROR_INVALID_ACE_LABEL | UIDNA_ERROR_LABEL_HAS_DOT;
      if (U_FAILURE(status) || (info.errors & kFatal) != 0 || len <= 0 || len > 63) return false;
      punycode_len += static_cast<std::size_t>(len);
    }
    if (i < host_end) ++punycode_len;  // the separator becomes '.'
    label_begin = i + 1;
  }
  const std::size_t host_utf16 = Utf16Length(t, host_begin, host_end);
  const std::size_t url_len = url_utf16_len + punycode_len - host_utf16;
  return url_len + (protocol ? 0 : kDefaultProtocolLength) <=
         static_cast<std::size_t>(kMaxUrlLength);
}

// VALID_URL plus Extractor.extractURLsWithIndices.
void FindUrls(const DecodedText& t, std::vector<Entity>* out) {
  const std::size_t n = t.size();
  std::size_t last_dot = kNpos;
  for (std::size_t i = n; i-- > 0;) {
    if (t.cp[i] == '.') {
      last_dot = i;
      break;
    }
  }
  if (last_dot == kNpos) return;
  const UrlScanner scanner(t);
  std::size_t ss = 0;
  while (ss < n) {
    UrlMatch m;
    std::size_t before = kNpos;
    bool found = false;
    for (std::size_t s = ss; s <= last_dot && !found; ++s) {
      if (IsUrlPreceding(t.cp[s]) && scanner.MatchAt(s + 1, &m)) {
        before = s;
        found = true;
      } else if (s == 0 && scanner.MatchAt(0, &m)) {
        found = true;
      }
    }
    if (!found) break;
    ss = m.url_end;
    if (!m.protocol && before != kNpos) {
      const char32_t b = t.cp[before];
      if (b == '-' || b == '_' || b == '.' || b == '/') continue;
    }
    std::size_t url_end = m.url_end;
    std::size_t slug_len = 0;
    const std::size_t tco_end = scanner.MatchTco(m, &slug_len);
    if (tco_end != kNpos) {
      if (slug_len > static_cast<std::size_t>(kMaxTcoSlugLength)) continue;
      url_end = tco_end;
    }
    if (!IsValidHostAndLength(t, Utf16Length(t, m.url_start, url_end), m.protocol, m.domain_start,
                              m.domain_end)) {
      continue;
    }
    out->push_back(MakeEntity(t, EntityType::kUrl, m.url_start, url_end, m.url_start, url_end));
  }
}

// One decoding buffer per thread; public functions decode exactly once.
const DecodedText& DecodeScratch(std::string_view text) {
  thread_local DecodedText scratch;
  internal::Decode(text, &scratch);
  return scratch;
}

}  // namespace

std::vector<Entity> ExtractHashtags(std::string_view text) {
  std::vector<Entity> out;
  if (text.find('#') == std::string_view::npos &&
      text.find("\xEF\xBC\x83") == std::string_view::npos) {
    return out;
  }
  const DecodedText& t = DecodeScratch(text);
  FindHashtags(t, &out);
  if (out.empty()) return out;
  std::vector<Entity> urls;
  FindUrls(t, &urls);
  if (urls.empty()) return out;
  for (Entity& u : urls) out.push_back(std::move(u));
  RemoveOverlaps(&out);
  std::erase_if(out, [](const Entity& e) { return e.type != EntityType::kHashtag; });
  return out;
}

std::vector<Entity> ExtractCashtags(std::string_view text) {
  std::vector<Entity> out;
  if (text.find('$') == std::string_view::npos) return out;
  FindCashtags(DecodeScratch(text), &out);
  return out;
}

std::vector<Entity> ExtractUrls(std::string_view text) {
  std::vector<Entity> out;
  if (text.find('.') == std::string_view::npos) return out;
  FindUrls(DecodeScratch(text), &out);
  return out;
}

std::vector<Entity> ExtractMentionsOrLists(std::string_view text) {
  std::vector<Entity> out;
  if (text.find('@') == std::string_view::npos &&
      text.find("\xEF\xBC\xA0") == std::string_view::npos) {
    return out;
  }
  FindMentionsOrLists(DecodeScratch(text), &out);
  return out;
}

std::vector<Entity> ExtractMentions(std::string_view text) {
  std::vector<Entity> out = ExtractMentionsOrLists(text);
  std::erase_if(out, [](const Entity& e) { return !e.list_slug.empty(); });
  return out;
}

std::string ExtractReplyScreenName(std::string_view text) {
  const DecodedText& t = DecodeScratch(text);
  const std::size_t n = t.size();
  std::size_t i = 0;
  while (i < n) {
    if (internal::IsUnicodeSpace(t.cp[i])) {
      ++i;
    } else if (DirectionalSequenceAt(t, i)) {
      i += kDirectionalSequence.size();
    } else {
      break;
    }
  }
  if (i >= n || !internal::IsAtSign(t.cp[i])) return {};
  const std::size_t k = i + 1;
  std::size_t u = k;
  while (u < n && u - k < 20 && IsUsernameChar(t.cp[u])) ++u;
  if (u == k || InvalidMentionEnd(t, u)) return {};
  return std::string(t.Slice(k, u));
}

std::vector<Entity> ExtractEntities(std::string_view text) {
  std::vector<Entity> out;
  // Every entity needs one of these bytes (URLs a '.'; the full-width sigils
  // ＃ and ＠ start with 0xEF): most plain texts skip decoding altogether.
  if (text.find_first_of("#@$.\xEF") == std::string_view::npos) return out;
  const DecodedText& t = DecodeScratch(text);
  FindUrls(t, &out);
  FindHashtags(t, &out);
  FindMentionsOrLists(t, &out);
  FindCashtags(t, &out);
  RemoveOverlaps(&out);
  return out;
}

}  // namespace starling::text
