// File: text/validate.cc
// Hand-written equivalents of twitter-text's validate_url_* regexes and the
// extraction-based username/list/hashtag checks.
#include "text/validate.h"

#include <string>

#include "text/extract.h"
#include "text/internal/unicode.h"

namespace starling::text {
namespace {

using internal::DecodedText;

// Bytes of the first code point of `text` (the sigil).
std::size_t FirstCodePointBytes(std::string_view text) {
  if (text.empty()) return 0;
  const auto b = static_cast<unsigned char>(text[0]);
  const std::size_t n = b < 0x80 ? 1 : (b >> 5) == 6 ? 2 : (b >> 4) == 14 ? 3 : 4;
  return std::min(n, text.size());
}

bool IsUnreserved(char32_t c) {
  return internal::IsAsciiAlnum(c) || internal::IsCyrillic(c) || c == '-' || c == '.' || c == '_' ||
         c == '~';
}
bool IsSubDelim(char32_t c) {
  switch (c) {
    case '!':
    case '$':
    case '&':
    case '\'':
    case '(':
    case ')':
    case '*':
    case '+':
    case ',':
    case ';':
    case '=':
      return true;
    default:
      return false;
  }
}
bool IsHex(char32_t c) {
  return internal::IsAsciiDigit(c) || ((c | 0x20) >= 'a' && (c | 0x20) <= 'f');
}

// Sequence of `unit`s covering [b, e): unreserved | %XX | sub-delims | extra.
template <typename Extra>
bool AllChars(const std::u32string& s, std::size_t b, std::size_t e, Extra extra) {
  for (std::size_t i = b; i < e;) {
    const char32_t c = s[i];
    if (c == '%') {
      if (i + 2 >= e || !IsHex(s[i + 1]) || !IsHex(s[i + 2])) return false;
      i += 3;
    } else if (IsUnreserved(c) || IsSubDelim(c) || extra(c)) {
      ++i;
    } else {
      return false;
    }
  }
  return true;
}

bool IsPchar(char32_t c) { return c == ':' || c == '|' || c == '@'; }

bool IsDecOctet(const std::u32string& s, std::size_t b, std::size_t e) {
  if (e <= b || e - b > 3) return false;
  int v = 0;
  for (std::size_t i = b; i < e; ++i) {
    if (!internal::IsAsciiDigit(s[i])) return false;
    v = v * 10 + static_cast<int>(s[i] - '0');
  }
  if (e - b > 1 && s[b] == '0') return false;
  return v <= 255;
}

bool IsIpv4(const std::u32string& s, std::size_t b, std::size_t e) {
  std::size_t start = b;
  int parts = 0;
  for (std::size_t i = b; i <= e; ++i) {
    if (i == e || s[i] == '.') {
      if (!IsDecOctet(s, start, i)) return false;
      ++parts;
      start = i + 1;
    }
  }
  return parts == 4;
}

bool IsIpv6(const std::u32string& s, std::size_t b, std::size_t e) {
  if (e - b < 3 || s[b] != '[' || s[e - 1] != ']') return false;
  for (std::size_t i = b + 1; i + 1 < e; ++i) {
    if (!IsHex(s[i]) && s[i] != ':' && s[i] != '.') return false;
  }
  return true;
}

// validateUrl(Unicode)Domain: (sub\.)*(dom\.)tld with segment rules.
bool IsDomain(const std::u32string& s, std::size_t b, std::size_t e, bool unicode) {
  auto core = [&](char32_t c) { return internal::IsAsciiAlnum(c) || (unicode && c >= 0x80); };
  std::vector<std::pair<std::size_t, std::size_t>> labels;
  std::size_t start = b;
  for (std::size_t i = b; i <= e; ++i) {
    if (i == e || s[i] == '.') {
      labels.emplace_back(start, i);
      start = i + 1;
    }
  }
  if (labels.size() < 2) return false;
  for (std::size_t k = 0; k < labels.size(); ++k) {
    const auto [lb, le] = labels[k];
    if (le == lb) return false;
    const bool is_tld = k + 1 == labels.size();
    const bool is_domain = k + 2 == labels.size();
    if (is_tld) {
      if (!(internal::IsAsciiAlpha(s[lb]) || (unicode && s[lb] >= 0x80))) return false;
    } else if (!core(s[lb])) {
      return false;
    }
    if (!core(s[le - 1])) return false;
    for (std::size_t i = lb; i < le; ++i) {
      const char32_t c = s[i];
      if (core(c) || c == '-') continue;
      if (c == '_' && !is_tld && !is_domain) continue;  // subdomain segments only
      return false;
    }
  }
  return true;
}

bool IsAuthority(const std::u32string& s, std::size_t b, std::size_t e, bool unicode) {
  // ^(?:(userinfo)@)?(host)(?::(port))?$
  std::size_t host_b = b;
  const std::size_t at = s.rfind(U'@', e == 0 ? 0 : e - 1);
  if (at != std::u32string::npos && at >= b && at < e) {
    if (!AllChars(s, b, at, [](char32_t c) { return c == ':'; })) return false;
    host_b = at + 1;
  }
  std::size_t host_e = e;
  // A port is the digits after the last ':' outside an IPv6 literal.
  for (std::size_t i = e; i-- > host_b;) {
    if (s[i] == ':') {
      bool digits = i + 1 < e && e - (i + 1) <= 5;
      for (std::size_t k = i + 1; k < e && digits; ++k) digits = internal::IsAsciiDigit(s[k]);
      if (digits) host_e = i;
      break;
    }
    if (s[i] == ']') break;
  }
  if (host_e <= host_b) return false;
  return IsIpv4(s, host_b, host_e) || IsIpv6(s, host_b, host_e) ||
         IsDomain(s, host_b, host_e, unicode);
}

}  // namespace

bool IsValidTweet(std::string_view text, const TweetLengthConfig& config) {
  return ParseTweet(text, config).valid;
}

bool IsValidUsername(std::string_view text) {
  if (text.empty()) return false;
  const std::vector<Entity> mentions = ExtractMentions(text);
  return mentions.size() == 1 && mentions[0].value == text.substr(FirstCodePointBytes(text));
}

bool IsValidList(std::string_view text) {
  const std::vector<Entity> lists = ExtractMentionsOrLists(text);
  return lists.size() == 1 && lists[0].start == 0 && !lists[0].list_slug.empty() &&
         lists[0].value.size() + lists[0].list_slug.size() + FirstCodePointBytes(text) ==
             text.size();
}

bool IsValidHashtag(std::string_view text) {
  if (text.empty()) return false;
  const std::vector<Entity> tags = ExtractHashtags(text);
  return tags.size() == 1 && tags[0].value == text.substr(FirstCodePointBytes(text));
}

bool IsValidUrl(std::string_view text, bool unicode_domains, bool require_protocol) {
  if (text.empty()) return false;
  DecodedText d;
  internal::Decode(text, &d);
  const std::u32string s(d.cp.begin(), d.cp.end());
  const std::size_t n = s.size();
  // ^(?:([^:/?#]+)://)?([^/?#]*)([^?#]*)(?:\?([^#]*))?(?:#(.*))?$
  std::size_t i = 0;
  std::size_t scheme_end = 0;
  bool has_scheme = false;
  {
    std::size_t k = 0;
    while (k < n && s[k] != ':' && s[k] != '/' && s[k] != '?' && s[k] != '#') ++k;
    if (k > 0 && k + 3 <= n && s.compare(k, 3, U"://") == 0) {
      has_scheme = true;
      scheme_end = k;
      i = k + 3;
    }
  }
  const std::size_t auth_b = i;
  while (i < n && s[i] != '/' && s[i] != '?' && s[i] != '#') ++i;
  const std::size_t auth_e = i;
  const std::size_t path_b = i;
  while (i < n && s[i] != '?' && s[i] != '#') ++i;
  const std::size_t path_e = i;
  std::size_t query_b = n, query_e = n;
  if (i < n && s[i] == '?') {
    query_b = ++i;
    while (i < n && s[i] != '#') ++i;
    query_e = i;
  }
  std::size_t frag_b = n, frag_e = n;
  if (i < n && s[i] == '#') {
    frag_b = i + 1;
    frag_e = n;
  }
  if (require_protocol) {
    if (!has_scheme) return false;
    const std::u32string scheme = s.substr(0, scheme_end);
    std::string lower;
    for (char32_t c : scheme) lower.push_back(static_cast<char>(internal::AsciiLower(c)));
    if (lower != "http" && lower != "https") return false;
  }
  // path: (/pchar*)*
  if (path_b < path_e && s[path_b] != '/') return false;
  if (!AllChars(s, path_b, path_e, [](char32_t c) { return IsPchar(c) || c == '/'; })) return false;
  auto query_ok = [](char32_t c) { return IsPchar(c) || c == '/' || c == '?'; };
  if (query_b < query_e && !AllChars(s, query_b, query_e, query_ok)) return false;
  if (frag_b < frag_e && !AllChars(s, frag_b, frag_e, query_ok)) return false;
  return IsAuthority(s, auth_b, auth_e, unicode_domains);
}

}  // namespace starling::text
