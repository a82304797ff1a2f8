// File: common/spec.cc
// The spec grammar of spec.h: parsing, redaction, typed parameters.
#include "common/spec.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <utility>

#include "common/duration.h"

namespace starling::spec {
namespace {

constexpr std::string_view kHidden = "***";

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// The length of the scheme `text` starts with (before its ':'), or 0.
std::size_t SchemeLength(std::string_view text) {
  if (text.empty() || !IsAlpha(text[0])) return 0;
  std::size_t i = 1;
  while (i < text.size() && (IsAlpha(text[i]) || IsDigit(text[i]) || text[i] == '+' ||
                             text[i] == '-' || text[i] == '.' || text[i] == '_')) {
    ++i;
  }
  if (i >= text.size() || text[i] != ':') return 0;
  // One lower-case letter is a scheme ("x:stream") unless a drive follows
  // ("c:\x", "c:/x", "c:"); an upper-case one is a drive ("C:x.jsonl").
  if (i == 1 && (text[0] < 'a' || text[0] > 'z' || i + 1 == text.size() || text[i + 1] == '\\' ||
                 text[i + 1] == '/')) {
    return 0;
  }
  return i;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// %XX and '+' (a space) decoded; false on a bad escape.
bool Decode(std::string_view in, std::string* out) {
  out->clear();
  out->reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out->push_back(' ');
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return false;
      const int hi = HexValue(in[i + 1]);
      const int lo = HexValue(in[i + 2]);
      if (hi < 0 || lo < 0) return false;
      out->push_back(static_cast<char>(hi * 16 + lo));
      i += 2;
    } else {
      out->push_back(in[i]);
    }
  }
  return true;
}

// The text before '?', with a URL's "user:password@" replaced by "user:***@".
// A URL form's "user:password@" as "user:***@". The password ends at the
// text's last '@' (not at the first '/' or '?': an unescaped one in a
// password must not show); an '@' in a path or a query only hides more.
// Returns the text up to and including that '@' redacted, and where the rest
// starts; {"", 0} when there is no password.
std::pair<std::string, std::size_t> RedactUserinfo(std::string_view text) {
  const std::size_t scheme = SchemeLength(text);
  if (scheme == 0 || text.substr(scheme, 3) != "://") return {"", 0};
  const std::size_t auth = scheme + 3;
  const std::size_t at = text.rfind('@');
  if (at == std::string_view::npos || at < auth) return {"", 0};
  const std::size_t colon = text.substr(0, at).find(':', auth);
  if (colon == std::string_view::npos) return {"", 0};
  return {std::string(text.substr(0, colon + 1)) + std::string(kHidden) + "@", at + 1};
}

Status Invalid(std::string_view redacted, std::string_view why) {
  return InvalidArgument("spec '" + std::string(redacted) + "': " + std::string(why));
}

template <typename T>
bool ParseWhole(std::string_view s, T* v) {
  if (s.empty()) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), *v);
  return r.ec == std::errc() && r.ptr == s.data() + s.size();
}

Result<Value> ParseValue(ParamType type, std::string_view text) {
  switch (type) {
    case ParamType::kString:
      return Value(std::string(text));
    case ParamType::kInt: {
      std::int64_t v = 0;
      if (!ParseWhole(text, &v)) return InvalidArgument("an integer");
      return Value(v);
    }
    case ParamType::kUint: {
      std::uint64_t v = 0;
      if (!ParseWhole(text, &v)) return InvalidArgument("a whole number (0 or more)");
      return Value(v);
    }
    case ParamType::kNumber: {
      double v = 0;
      if (!ParseWhole(text, &v) || !std::isfinite(v)) return InvalidArgument("a number");
      return Value(v);
    }
    case ParamType::kBool: {
      auto b = ParseBool(text);
      if (!b.ok()) return b.status();
      return Value(*b);
    }
    case ParamType::kSize: {
      auto n = ParseSize(text);
      if (!n.ok()) return n.status();
      return Value(*n);
    }
    case ParamType::kDuration: {
      auto d = ParseDuration(text);
      if (!d.ok()) return InvalidArgument("a duration such as 500ms, 30s, 5m or 1h");
      return Value(*d);
    }
    case ParamType::kList: {
      auto l = ParseList(text);
      if (!l.ok()) return l.status();
      return Value(std::move(l).value());
    }
  }
  return InvalidArgument("a value");
}

}  // namespace

const std::string* Spec::Find(std::string_view key) const {
  for (const Param& p : params) {
    if (p.key == key) return &p.value;
  }
  return nullptr;
}

bool IsSecretName(std::string_view key) {
  std::string lower(key);
  for (char& c : lower) c = Lower(c);
  if (lower == "key") return false;  // a partitioning key (kafka ?key=id), not a credential
  for (std::string_view word : {"token", "password", "passwd", "secret", "key"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string Redact(std::string_view text) {
  // 1. Secret parameters, split as Parse splits them (at the first '?').
  std::string hidden;
  const std::size_t q = text.find('?');
  hidden.append(text.substr(0, q));
  if (q != std::string_view::npos) {
    std::string_view query = text.substr(q + 1);
    hidden.push_back('?');
    bool first = true;
    while (true) {
      const std::size_t amp = query.find('&');
      const std::string_view item = query.substr(0, amp);
      if (!first) hidden.push_back('&');
      first = false;
      const std::size_t eq = item.find('=');
      if (eq != std::string_view::npos && IsSecretName(item.substr(0, eq))) {
        hidden.append(item.substr(0, eq + 1)).append(kHidden);
      } else if (eq == std::string_view::npos && IsSecretName(item)) {
        hidden.append(kHidden);
      } else {
        hidden.append(item);
      }
      if (amp == std::string_view::npos) break;
      query.remove_prefix(amp + 1);
    }
  }
  // 2. A URL's password, to the last '@' (it may hold an unescaped '?' or '/').
  auto [out, rest_at] = RedactUserinfo(hidden);
  if (rest_at == 0) return hidden;
  out.append(std::string_view(hidden).substr(rest_at));
  return out;
}

Result<Spec> Parse(std::string_view text) {
  Spec spec;
  spec.redacted = Redact(text);
  if (text.empty()) return InvalidArgument("empty spec");

  std::string_view rest = text;
  if (const std::size_t n = SchemeLength(text); n > 0) {
    spec.scheme.assign(text.substr(0, n));
    for (char& c : spec.scheme) c = Lower(c);
    rest = text.substr(n + 1);
    if (rest.starts_with("//")) {
      spec.url = true;
      rest.remove_prefix(2);
    }
  }

  std::string_view query;
  bool has_query = false;
  if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
    query = rest.substr(q + 1);
    rest = rest.substr(0, q);
    has_query = true;
  }

  if (spec.url) {
    std::size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    spec.path =
        slash == std::string_view::npos ? std::string() : std::string(rest.substr(slash + 1));
    // scheme:///abs/path: no host, an absolute path (file:///tmp/x.jsonl).
    if (authority.empty() && slash == 0) spec.path.insert(0, "/");
    if (const std::size_t at = authority.rfind('@'); at != std::string_view::npos) {
      const std::string_view userinfo = authority.substr(0, at);
      authority.remove_prefix(at + 1);
      const std::size_t colon = userinfo.find(':');
      std::string decoded;
      if (!Decode(userinfo.substr(0, colon), &decoded)) {
        return Invalid(spec.redacted, "bad %-escape in the user name");
      }
      spec.user = decoded;
      if (colon != std::string_view::npos) {
        if (!Decode(userinfo.substr(colon + 1), &decoded)) {
          return Invalid(spec.redacted, "bad %-escape in the password");
        }
        spec.password = decoded;
      }
    }
    while (!authority.empty()) {
      const std::size_t comma = authority.find(',');
      const std::string_view host = authority.substr(0, comma);
      if (!host.empty()) spec.hosts.emplace_back(host);
      if (comma == std::string_view::npos) break;
      authority.remove_prefix(comma + 1);
    }
  } else {
    spec.path.assign(rest);
  }

  if (has_query) {
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view item = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (item.empty()) continue;
      const std::size_t eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        // Quoted only when the redacted spec shows it anyway (never part of a password).
        if (IsSecretName(item) || spec.redacted.find(item) == std::string::npos) {
          return Invalid(spec.redacted, "a parameter is not key=value");
        }
        return Invalid(spec.redacted, "parameter '" + std::string(item) + "' is not key=value");
      }
      Param p;
      p.key.assign(item.substr(0, eq));
      if (!Decode(item.substr(eq + 1), &p.value)) {
        return Invalid(spec.redacted, "bad %-escape in the value of " + p.key);
      }
      if (spec.Find(p.key) != nullptr) {
        return Invalid(spec.redacted, "parameter '" + p.key + "' is given twice");
      }
      spec.params.push_back(std::move(p));
    }
  }
  return spec;
}

std::string_view ParamTypeName(ParamType type) {
  switch (type) {
    case ParamType::kString:
      return "text";
    case ParamType::kInt:
      return "integer";
    case ParamType::kUint:
      return "count";
    case ParamType::kNumber:
      return "number";
    case ParamType::kBool:
      return "boolean";
    case ParamType::kSize:
      return "size";
    case ParamType::kDuration:
      return "duration";
    case ParamType::kList:
      return "list";
  }
  return "value";
}

namespace {
// A declaration named "prefix.*" takes every key "prefix.NAME".
bool MatchesFamily(std::string_view decl, std::string_view key) {
  if (decl.size() < 2 || !decl.ends_with(".*")) return false;
  decl.remove_suffix(1);
  return key.size() > decl.size() && key.starts_with(decl);
}
}  // namespace

std::string ParamNames(std::span<const ParamDecl> decls) {
  if (decls.empty()) return "none";
  std::string out;
  for (const ParamDecl& d : decls) {
    if (!out.empty()) out += ", ";
    out += d.name;
  }
  return out;
}

Result<Params> Params::Check(const Spec& spec, std::span<const ParamDecl> decls,
                             std::string_view what) {
  Params params;
  for (const Param& p : spec.params) {
    const ParamDecl* decl = nullptr;
    for (const ParamDecl& d : decls) {
      if (d.name == p.key || MatchesFamily(d.name, p.key)) decl = &d;
    }
    if (decl == nullptr) {
      return InvalidArgument(std::string(what) + " spec '" + spec.redacted +
                             "': unknown parameter '" + p.key + "' (valid: " + ParamNames(decls) +
                             ")");
    }
    Result<Value> v = ParseValue(decl->type, p.value);
    if (!v.ok()) {
      const bool secret = decl->secret || IsSecretName(p.key);
      return InvalidArgument(std::string(what) + " spec '" + spec.redacted + "': " + p.key +
                             " must be " + v.status().message() + ", got '" +
                             (secret ? std::string(kHidden) : p.value) + "'");
    }
    params.values_.emplace_back(p.key, std::move(v).value());
  }
  return params;
}

const Value* Params::Get(std::string_view key) const {
  for (const auto& [k, v] : values_) {
    if (k == key) return &v;
  }
  return nullptr;
}

bool Params::Has(std::string_view key) const { return Get(key) != nullptr; }

std::vector<std::pair<std::string, std::string>> Params::Family(std::string_view prefix) const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [k, v] : values_) {
    if (k.size() > prefix.size() && k.starts_with(prefix) &&
        std::holds_alternative<std::string>(v)) {
      out.emplace_back(k.substr(prefix.size()), std::get<std::string>(v));
    }
  }
  return out;
}

std::string Params::String(std::string_view key, std::string fallback) const {
  const Value* v = Get(key);
  return v != nullptr ? std::get<std::string>(*v) : fallback;
}
std::int64_t Params::Int(std::string_view key, std::int64_t fallback) const {
  const Value* v = Get(key);
  return v != nullptr ? std::get<std::int64_t>(*v) : fallback;
}
std::uint64_t Params::Uint(std::string_view key, std::uint64_t fallback) const {
  const Value* v = Get(key);
  return v != nullptr ? std::get<std::uint64_t>(*v) : fallback;
}
double Params::Number(std::string_view key, double fallback) const {
  const Value* v = Get(key);
  return v != nullptr ? std::get<double>(*v) : fallback;
}
bool Params::Bool(std::string_view key, bool fallback) const {
  const Value* v = Get(key);
  return v != nullptr ? std::get<bool>(*v) : fallback;
}
std::uint64_t Params::Size(std::string_view key, std::uint64_t fallback) const {
  return Uint(key, fallback);
}
std::chrono::microseconds Params::Duration(std::string_view key,
                                           std::chrono::microseconds fallback) const {
  const Value* v = Get(key);
  return v != nullptr ? std::get<std::chrono::microseconds>(*v) : fallback;
}
std::vector<std::string> Params::List(std::string_view key) const {
  const Value* v = Get(key);
  return v != nullptr ? std::get<std::vector<std::string>>(*v) : std::vector<std::string>{};
}

Result<bool> ParseBool(std::string_view text) {
  for (std::string_view t : {"1", "true", "yes", "on"}) {
    if (EqualsIgnoreCase(text, t)) return true;
  }
  for (std::string_view f : {"0", "false", "no", "off"}) {
    if (EqualsIgnoreCase(text, f)) return false;
  }
  return InvalidArgument("a boolean (1/true/yes or 0/false/no)");
}

Result<std::uint64_t> ParseSize(std::string_view v) {
  auto bad = [] { return InvalidArgument("a size such as 64M, 512K, 1G or a byte count"); };
  std::uint64_t n = 0;
  const auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  if (r.ec != std::errc()) return bad();
  const std::string_view unit = v.substr(static_cast<std::size_t>(r.ptr - v.data()));
  std::uint64_t mult = 1;
  if (!unit.empty()) {
    switch (Lower(unit[0])) {
      case 'b':
        mult = 1;
        break;
      case 'k':
        mult = 1ULL << 10;
        break;
      case 'm':
        mult = 1ULL << 20;
        break;
      case 'g':
        mult = 1ULL << 30;
        break;
      case 't':
        mult = 1ULL << 40;
        break;
      default:
        return bad();
    }
    const std::string_view rest = unit.substr(1);
    if (mult != 1 &&
        !(rest.empty() || EqualsIgnoreCase(rest, "b") || EqualsIgnoreCase(rest, "ib"))) {
      return bad();
    }
    if (mult == 1 && !rest.empty()) return bad();
  }
  if (n > std::numeric_limits<std::uint64_t>::max() / mult) return bad();
  return n * mult;
}

Result<std::vector<std::string>> ParseList(std::string_view text) {
  std::vector<std::string> out;
  while (true) {
    const std::size_t comma = text.find(',');
    std::string_view item = text.substr(0, comma);
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (!item.empty()) out.emplace_back(item);
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return out;
}

}  // namespace starling::spec
