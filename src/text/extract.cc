// File: text/extract.cc
// Hand-written scanners that reproduce the reference twitter-text (the
// JavaScript package, 3.1.0): its regular expressions (src/regexp/*.js) and
// the post-processing of its extract*WithIndices functions (match-end checks,
// ASCII domains of URLs written without a protocol, t.co slugs, domain label
// lengths, overlap removal), including the semantics of a global RegExp: each
// search resumes where the previous match (accepted or not) ended. The rules
// that differ from the Java library are listed in docs/text.md.
#include "text/extract.h"

#include <algorithm>
#include <array>

#include "text/internal/tld.h"
#include "text/internal/unicode.h"

namespace starling::text {
namespace {

using internal::DecodedText;
constexpr std::size_t kNpos = static_cast<std::size_t>(-1);

bool MatchesAsciiCi(const DecodedText& t, std::size_t pos, std::string_view lit) {
  if (pos + lit.size() > t.size()) return false;
  for (std::size_t k = 0; k < lit.size(); ++k) {
    if (internal::AsciiLower(t.cp[pos + k]) != static_cast<char32_t>(lit[k])) return false;
  }
  return true;
}

// endMentionMatch: ^(?:[@＠]|[latinAccentChars]|:\/\/)
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

// removeOverlappingEntities: stable sort by start, drop an entity
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

// validMentionOrList plus extractMentionsOrListsWithIndices.
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
    const std::size_t k = r + 1;  // one [@＠]: "@@name" is no mention
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

// validHashtag plus the endHashtagMatch check.
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

// (?=$|\s|[punct]) at `p`: the end of the text, JavaScript's \s or
// twitter-text punctuation (which has neither '"' nor '`').
bool CashtagFollowOk(const DecodedText& t, std::size_t p) {
  if (p >= t.size()) return true;
  const char32_t c = t.cp[p];
  return internal::IsJsSpace(c) || internal::IsTwitterPunct(c);
}

// validCashtag: (^|spaces)(\$)([a-z]{1,6}(?:[._][a-z]{1,2})?)(?=$|\s|[punct]).
void FindCashtags(const DecodedText& t, std::vector<Entity>* out) {
  const std::size_t n = t.size();
  const auto& cp = t.cp;
  std::size_t ss = 0;
  for (std::size_t d = 0; d < n; ++d) {
    if (cp[d] != '$' || d < ss) continue;
    const bool preceded = d == 0 || (d - 1 >= ss && internal::IsUnicodeSpace(cp[d - 1]));
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

constexpr std::size_t kMaxUrlLength = 4096;    // MAX_URL_LENGTH
constexpr std::size_t kMaxTcoSlugLength = 40;  // MAX_TCO_SLUG_LENGTH
constexpr std::size_t kMaxDomainLabelLength = 63;
constexpr std::size_t kDefaultProtocolLength = 8;  // "https://"

// validUrlPrecedingChars (the consuming alternatives; directional marks pass too).
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

struct UrlMatch {
  std::size_t url_start = 0;
  std::size_t url_end = 0;
  std::size_t domain_start = 0;
  std::size_t domain_end = 0;
  std::size_t protocol_length = 0;  // 0 (none), 7 or 8
  bool has_path = false;            // a '/' after the domain (and port)
  // The match starts inside the astral character at url_start: JavaScript
  // strings are UTF-16, so its high surrogate served as the preceding
  // character and the domain starts with the (lone) low surrogate.
  bool low_surrogate_start = false;
};

class UrlScanner {
 public:
  explicit UrlScanner(const DecodedText& t) : t_(t), cp_(t.cp), n_(t.size()) {}

  // extractUrl's group 3 starting exactly at `u`: (https?://)?domain(:port)?(/path)?(?query)?
  bool MatchAt(std::size_t u, UrlMatch* m) {
    std::size_t proto = 0;
    if (MatchesAsciiCi(t_, u, "http://")) {
      proto = 7;
    } else if (MatchesAsciiCi(t_, u, "https://")) {
      proto = 8;
    }
    if (proto != 0 && MatchRest(u, u + proto, proto, m)) return true;
    return MatchRest(u, u, 0, m);
  }
  // The same at the low surrogate of the astral character at `u` (no protocol
  // can start there; the surrogate is a domain character as the whole is).
  bool MatchAtLowSurrogate(std::size_t u, UrlMatch* m) {
    if (!MatchRest(u, u, 0, m)) return false;
    m->low_surrogate_start = true;
    return true;
  }

  // validAsciiDomain anywhere in [from, limit) (the domain of a match, as its
  // own string: `limit` is its end for the TLD lookahead). Sets the match.
  bool FindAsciiDomain(std::size_t from, std::size_t limit, std::size_t* begin,
                       std::size_t* end) const {
    for (std::size_t p = from; p < limit; ++p) {
      if (!internal::IsAsciiDomainLabelChar(cp_[p])) continue;
      const std::size_t e = AsciiDomainAt(p, limit);
      if (e != kNpos) {
        *begin = p;
        *end = e;
        return true;
      }
      // A later start in the same label has the same label ends: it fails too.
      while (p + 1 < limit && internal::IsAsciiDomainLabelChar(cp_[p + 1])) ++p;
    }
    return false;
  }

  // validTcoUrl on a match with a protocol: ^https?://t\.co/([a-z0-9]+)(?:\?query)?
  // Returns the end of the t.co URL and the slug length, or kNpos.
  std::size_t MatchTco(const UrlMatch& m, std::size_t* slug_len) const {
    std::size_t p = m.domain_start;
    if (m.protocol_length == 0 || !MatchesAsciiCi(t_, p, "t.co/")) return kNpos;
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
  // One validSubdomain (with '_') or validDomainName label and its '.' at p;
  // returns the position after the dot, or kNpos.
  std::size_t MatchLabel(std::size_t p, bool underscore) const {
    if (p >= n_ || !internal::IsUrlDomainChar(cp_[p])) return kNpos;
    std::size_t q = p + 1;
    while (q < n_ &&
           (internal::IsUrlDomainChar(cp_[q]) || cp_[q] == '-' || (underscore && cp_[q] == '_'))) {
      ++q;
    }
    if (q < n_ && cp_[q] == '.' && internal::IsUrlDomainChar(cp_[q - 1])) return q + 1;
    return kNpos;
  }

  // (?:GTLD|CCTLD)(?=[^0-9a-zA-Z@+-]|$) at e, the longest (the reference lists
  // longer TLDs first, generic before country, and no TLD of one list is a
  // prefix of one of the other), compared case-insensitively; then
  // xn--[-0-9a-z]+. `limit` is the end of the string searched.
  std::size_t MatchTld(std::size_t e, std::size_t limit) const {
    char key[256];
    std::size_t key_len = 0;
    std::size_t best = kNpos;
    const std::size_t max_cps = internal::MaxTldCodePoints();
    for (std::size_t i = e; i < limit && i - e < max_cps; ++i) {
      const char32_t c = cp_[i];
      if (c < 0x80 && !internal::IsAsciiAlpha(c)) break;  // TLDs hold letters and marks
      key_len += internal::AppendUtf8(internal::JsCanonicalize(c), key + key_len);
      if (key_len + 4 > sizeof(key)) break;
      const std::size_t next = i + 1;
      if (next < limit) {
        const char32_t f = cp_[next];
        if (internal::IsAsciiAlnum(f) || f == '@' || f == '+' || f == '-') continue;
      }
      if (internal::IsKnownTld(std::string_view(key, key_len))) best = next;
    }
    if (best != kNpos) return best;
    if (MatchesAsciiCi(t_, e, "xn--")) {
      std::size_t j = e + 4;
      while (j < limit && (internal::IsAsciiAlnum(cp_[j]) || cp_[j] == '-')) ++j;
      if (j > e + 4) return j;
    }
    return kNpos;
  }

  // validDomain at d: validSubdomain* validDomainName (gTLD|ccTLD|punycode);
  // the star gives subdomains back one at a time. Returns the end or kNpos.
  // Every start inside one run of domain-name characters has the same label
  // ends and so the same result (texts without spaces, such as Japanese, are
  // one long run): the last one is remembered, so the search stays linear.
  std::size_t MatchDomain(std::size_t d) {
    if (d >= n_ || !internal::IsUrlDomainChar(cp_[d])) return kNpos;
    if (memo_valid_ && d > memo_start_ && d < memo_run_end_) return memo_result_;
    std::size_t q = d + 1;
    while (q < n_ && (internal::IsUrlDomainChar(cp_[q]) || cp_[q] == '-')) ++q;
    memo_valid_ = true;
    memo_start_ = d;
    memo_run_end_ = q;
    memo_result_ = MatchDomainUncached(d);
    return memo_result_;
  }
  std::size_t MatchDomainUncached(std::size_t d) {
    subdomain_ends_.clear();
    for (std::size_t p = d;;) {
      const std::size_t e = MatchLabel(p, /*underscore=*/true);
      if (e == kNpos) break;
      subdomain_ends_.push_back(e);
      p = e;
    }
    for (std::size_t k = subdomain_ends_.size() + 1; k-- > 0;) {
      const std::size_t p = k == 0 ? d : subdomain_ends_[k - 1];
      const std::size_t e = MatchLabel(p, /*underscore=*/false);
      if (e == kNpos) continue;
      const std::size_t tld_end = MatchTld(e, n_);
      if (tld_end != kNpos) return tld_end;
    }
    return kNpos;
  }

  // validAsciiDomain at p within [p, limit): (?:[-a-z0-9À-ÿ…]+\.)+ then a TLD,
  // giving labels back one at a time.
  std::size_t AsciiDomainAt(std::size_t p, std::size_t limit) const {
    std::size_t ends[16];
    std::size_t count = 0;
    std::vector<std::size_t> more;  // beyond 16 labels (rare)
    for (std::size_t q = p;;) {
      std::size_t r = q;
      while (r < limit && internal::IsAsciiDomainLabelChar(cp_[r])) ++r;
      if (r == q || r >= limit || cp_[r] != '.') break;
      if (count < 16) {
        ends[count] = r + 1;
      } else {
        more.push_back(r + 1);
      }
      ++count;
      q = r + 1;
    }
    for (std::size_t k = count; k-- > 0;) {
      const std::size_t e = k < 16 ? ends[k] : more[k - 16];
      const std::size_t tld_end = MatchTld(e, limit);
      if (tld_end != kNpos) return tld_end;
    }
    return kNpos;
  }

  // validUrlBalancedParens at i (cp_[i] == '(').
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

  // validUrlPath* after the '/'. In the reference the ending-character class
  // is spliced in unbracketed, so one path step is either
  //   G* (BP G*)* [ending char]   (the longest such), or
  //   BP                          (balanced parens alone)
  // where G is a path character and BP balanced parens: "/a.b.(c)(d)" ends
  // after "/a.b", "/a(c)(d)" takes all of it.
  std::size_t MatchPath(std::size_t pos) const {
    for (;;) {
      std::size_t last_ending = kNpos;
      for (std::size_t j = pos; j < n_;) {
        const char32_t c = cp_[j];
        if (internal::IsUrlPathChar(c)) {
          ++j;
          if (internal::IsUrlPathEndingChar(c)) last_ending = j;
        } else if (c == '(') {
          j = MatchBalancedParens(j);
          if (j == kNpos) break;
        } else {
          break;
        }
      }
      if (last_ending != kNpos) {
        pos = last_ending;
        continue;
      }
      if (pos >= n_ || cp_[pos] != '(') return pos;
      const std::size_t j = MatchBalancedParens(pos);
      if (j == kNpos) return pos;
      pos = j;
    }
  }

  // (\?validUrlQueryChars*validUrlQueryEndingChars)? at i (cp_[i] == '?'), bounded by `limit`.
  std::size_t MatchQuery(std::size_t i, std::size_t limit) const {
    std::size_t last = kNpos;
    for (std::size_t j = i + 1; j < limit && internal::IsUrlQueryChar(cp_[j]); ++j) {
      if (internal::IsUrlQueryEndingChar(cp_[j])) last = j + 1;
    }
    return last;
  }

  bool MatchRest(std::size_t u, std::size_t d, std::size_t protocol_length, UrlMatch* m) {
    const std::size_t domain_end = MatchDomain(d);
    if (domain_end == kNpos) return false;
    std::size_t pos = domain_end;
    if (pos + 1 < n_ && cp_[pos] == ':' && internal::IsAsciiDigit(cp_[pos + 1])) {
      pos += 2;
      while (pos < n_ && internal::IsAsciiDigit(cp_[pos])) ++pos;
    }
    m->has_path = pos < n_ && cp_[pos] == '/';
    if (m->has_path) pos = MatchPath(pos + 1);
    if (pos < n_ && cp_[pos] == '?') {
      const std::size_t q = MatchQuery(pos, n_);
      if (q != kNpos) pos = q;
    }
    m->low_surrogate_start = false;
    m->url_start = u;
    m->url_end = pos;
    m->domain_start = d;
    m->domain_end = domain_end;
    m->protocol_length = protocol_length;
    return true;
  }

  const DecodedText& t_;
  const std::vector<char32_t>& cp_;
  std::size_t n_;
  std::vector<std::size_t> subdomain_ends_;
  bool memo_valid_ = false;  // MatchDomain's last start, run end and result
  std::size_t memo_start_ = 0;
  std::size_t memo_run_end_ = 0;
  std::size_t memo_result_ = kNpos;
};

std::size_t Utf16Length(const DecodedText& t, std::size_t b, std::size_t e) {
  std::size_t len = 0;
  for (std::size_t i = b; i < e; ++i) len += t.cp[i] >= 0x10000 ? 2 : 1;
  return len;
}

// RFC 3492 Punycode: the length of the encoding of `cps` (no "xn--"), or
// kNpos where the encoder overflows.
std::size_t PunycodeLength(const char32_t* cps, std::size_t count) {
  constexpr std::uint64_t kBase = 36, kTMin = 1, kTMax = 26, kSkew = 38, kDamp = 700;
  constexpr std::uint64_t kMaxInt = 0x7FFFFFFF;
  std::size_t out = 0;
  for (std::size_t i = 0; i < count; ++i) out += cps[i] < 0x80;
  const std::size_t basic = out;
  std::size_t handled = basic;
  if (basic > 0) ++out;  // the delimiter
  std::uint64_t n = 0x80, delta = 0, bias = 72;
  auto adapt = [&](std::uint64_t d, std::uint64_t points, bool first) {
    d = first ? d / kDamp : d / 2;
    d += d / points;
    std::uint64_t k = 0;
    while (d > ((kBase - kTMin) * kTMax) / 2) {
      d /= kBase - kTMin;
      k += kBase;
    }
    return k + (kBase - kTMin + 1) * d / (d + kSkew);
  };
  while (handled < count) {
    std::uint64_t m = kMaxInt;
    for (std::size_t i = 0; i < count; ++i) {
      if (cps[i] >= n && cps[i] < m) m = cps[i];
    }
    if (m - n > (kMaxInt - delta) / (handled + 1)) return kNpos;
    delta += (m - n) * (handled + 1);
    n = m;
    for (std::size_t i = 0; i < count; ++i) {
      if (cps[i] < n && ++delta > kMaxInt) return kNpos;
      if (cps[i] != n) continue;
      std::uint64_t q = delta;
      for (std::uint64_t k = kBase;; k += kBase) {
        const std::uint64_t th = k <= bias ? kTMin : (k >= bias + kTMax ? kTMax : k - bias);
        if (q < th) break;
        ++out;
        q = (q - th) / (kBase - th);
      }
      ++out;
      bias = adapt(delta, handled + 1, handled == basic);
      delta = 0;
      ++handled;
    }
    ++delta;
    ++n;
  }
  return out;
}

bool IsPunycodeSeparator(char32_t c) {
  return c == '.' || c == 0x3002 || c == 0xFF0E || c == 0xFF61;
}

// The reference's idna.toAscii check of a URL's domain: a domain starting
// with "xn--" must hold an ASCII domain, and each '.'-separated label must
// become 1 to 63 characters with punycode.toASCII (which itself splits on
// the ideographic and full-width full stops and encodes a part holding
// anything beyond U+007E as "xn--" and its Punycode).
// With `low_surrogate_start` the first character counts as its low surrogate.
bool IsValidDomain(const DecodedText& t, const UrlScanner& scanner, std::size_t begin,
                   std::size_t end, bool low_surrogate_start) {
  if (end - begin >= 4 && t.cp[begin] == 'x' && t.cp[begin + 1] == 'n' && t.cp[begin + 2] == '-' &&
      t.cp[begin + 3] == '-') {
    std::size_t b = 0, e = 0;
    if (!scanner.FindAsciiDomain(begin, end, &b, &e)) return false;
  }
  std::size_t label_begin = begin;
  for (std::size_t i = begin; i <= end; ++i) {
    if (i < end && t.cp[i] != '.') continue;
    std::size_t ascii_len = 0;
    std::size_t part_begin = label_begin;
    for (std::size_t j = label_begin; j <= i; ++j) {
      if (j < i && !IsPunycodeSeparator(t.cp[j])) continue;
      bool plain = true;
      for (std::size_t k = part_begin; k < j; ++k) plain = plain && t.cp[k] <= 0x7E;
      if (plain) {
        ascii_len += j - part_begin;
      } else if (low_surrogate_start && part_begin == begin) {
        std::vector<char32_t> part(t.cp.begin() + static_cast<std::ptrdiff_t>(part_begin),
                                   t.cp.begin() + static_cast<std::ptrdiff_t>(j));
        part[0] = 0xDC00 + ((part[0] - 0x10000) & 0x3FF);
        const std::size_t len = PunycodeLength(part.data(), part.size());
        if (len == kNpos) return false;
        ascii_len += 4 + len;
      } else {
        const std::size_t len = PunycodeLength(t.cp.data() + part_begin, j - part_begin);
        if (len == kNpos) return false;
        ascii_len += 4 + len;
      }
      if (j < i) ++ascii_len;  // the separator, as '.'
      part_begin = j + 1;
    }
    if (ascii_len < 1 || ascii_len > kMaxDomainLabelLength) return false;
    label_begin = i + 1;
  }
  return true;
}

// extractUrl plus extractUrlsWithIndices.
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
  UrlScanner scanner(t);
  std::size_t ss = 0;
  while (ss < n) {
    UrlMatch m;
    std::size_t before = kNpos;
    bool found = false;
    // The leftmost start: a preceding character (or the start of the text)
    // and a URL after it. An astral character is two UTF-16 units there: its
    // high surrogate may precede a URL starting at its low surrogate.
    for (std::size_t s = ss; s <= last_dot && !found; ++s) {
      const bool astral = t.cp[s] >= 0x10000;
      if (astral && scanner.MatchAtLowSurrogate(s, &m)) {
        before = s;
        found = true;
      } else if (!astral && IsUrlPreceding(t.cp[s]) && scanner.MatchAt(s + 1, &m)) {
        before = s;
        found = true;
      } else if (s == 0 && scanner.MatchAt(0, &m)) {
        found = true;
      } else if (astral && scanner.MatchAt(s + 1, &m)) {
        before = s;
        found = true;
      }
    }
    if (!found) break;
    ss = m.url_end;
    // isValidUrl: the domain's labels, and the length with the protocol
    // written (or "https://") added to the whole match.
    const std::size_t protocol_length =
        m.protocol_length != 0 ? m.protocol_length : kDefaultProtocolLength;
    const std::size_t url_length =
        Utf16Length(t, m.url_start, m.url_end) - (m.low_surrogate_start ? 1 : 0);
    if (!IsValidDomain(t, scanner, m.domain_start, m.domain_end, m.low_surrogate_start) ||
        protocol_length + url_length > kMaxUrlLength) {
      continue;
    }
    if (m.protocol_length == 0) {
      if (before != kNpos) {
        const char32_t b = t.cp[before];
        if (b == '-' || b == '_' || b == '.' || b == '/') continue;
      }
      // Without a protocol only the ASCII domains inside the domain are URLs
      // ("日本a.com" gives "a.com"); the last one takes the path (and what
      // follows it) when there is one, and nothing after the domain otherwise.
      // Each is placed where its text first occurs after the previous one.
      const std::size_t first = out->size();
      std::size_t from = m.domain_start;
      std::size_t placed = m.domain_start;
      std::size_t b = 0, e = 0;
      while (from < m.domain_end && scanner.FindAsciiDomain(from, m.domain_end, &b, &e)) {
        const std::string_view found_text = t.Slice(b, e);
        std::size_t at = b;
        for (std::size_t p = placed; p + (e - b) <= b; ++p) {
          if (t.Slice(p, p + (e - b)) == found_text) {
            at = p;
            break;
          }
        }
        out->push_back(MakeEntity(t, EntityType::kUrl, at, at + (e - b), at, at + (e - b)));
        placed = at + (e - b);
        from = e;
      }
      if (out->size() == first || !m.has_path) continue;
      Entity& last = out->back();
      last.value.append(t.Slice(m.domain_end, m.url_end));
      last.end = static_cast<std::int32_t>(m.url_end);
      last.end_utf16 = static_cast<std::int32_t>(internal::Utf16Offsets(t)[m.url_end]);
      continue;
    }
    std::size_t url_end = m.url_end;
    std::size_t slug_len = 0;
    const std::size_t tco_end = scanner.MatchTco(m, &slug_len);
    if (tco_end != kNpos) {
      if (slug_len > kMaxTcoSlugLength) continue;
      url_end = tco_end;
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
  while (i < n && internal::IsUnicodeSpace(t.cp[i])) ++i;  // validReply: ^spaces*[@＠]
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
