// File: sink/sink.cc
// OpenSink: the spec grammar of sink.h, turned into a concrete sink.
#include "sink/sink.h"

#include <charconv>
#include <filesystem>
#include <limits>
#include <utility>
#include <vector>

#include "sink/csv_sink.h"
#include "sink/jsonl_sink.h"
#include "sink/sqlite_sink.h"

namespace starling::sink {
namespace {

constexpr std::string_view kValidSchemes =
    "valid schemes: jsonl:PATH[?raw=1&rotate=SIZE], csv:PATH, sqlite:PATH[?batch=N], "
    "'-' for stdout, or a bare path ending in .jsonl, .json, .csv, .db or .sqlite";

struct Param {
  std::string_view key;
  std::string_view value;
  bool used = false;
};

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

char Lower(char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; }

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (Lower(a[i]) != Lower(b[i])) return false;
  }
  return true;
}

// A scheme prefix: letters, digits, '+', '-', '_', starting with a letter,
// at least two characters (so "C:\x" is not taken for one). A path with a
// colon in its first component needs an explicit scheme ("jsonl:a:b.jsonl").
bool LooksLikeScheme(std::string_view s) {
  if (s.size() < 2 || !((s[0] >= 'a' && s[0] <= 'z') || (s[0] >= 'A' && s[0] <= 'Z'))) {
    return false;
  }
  for (char c : s) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '+' || c == '-' || c == '_';
    if (!ok) return false;
  }
  return true;
}

// The sink kind a bare path's extension names, or empty.
std::string_view SchemeForExtension(std::string_view path) {
  std::string lower(path);
  for (char& c : lower) c = Lower(c);
  if (EndsWith(lower, ".jsonl") || EndsWith(lower, ".json") || EndsWith(lower, ".ndjson")) {
    return "jsonl";
  }
  if (EndsWith(lower, ".csv")) return "csv";
  if (EndsWith(lower, ".db") || EndsWith(lower, ".sqlite") || EndsWith(lower, ".sqlite3")) {
    return "sqlite";
  }
  return {};
}

Result<bool> ParseBool(std::string_view spec, const Param& p) {
  for (std::string_view t : {"1", "true", "yes", "on"}) {
    if (EqualsIgnoreCase(p.value, t)) return true;
  }
  for (std::string_view f : {"0", "false", "no", "off"}) {
    if (EqualsIgnoreCase(p.value, f)) return false;
  }
  return InvalidArgument("sink spec '" + std::string(spec) + "': " + std::string(p.key) +
                         " must be 0 or 1, got '" + std::string(p.value) + "'");
}

// "64M", "512k", "1G", "1048576", "64MiB", "64MB" (binary multiples).
Result<std::uint64_t> ParseSize(std::string_view spec, const Param& p) {
  const std::string_view v = p.value;
  std::uint64_t n = 0;
  auto r = std::from_chars(v.data(), v.data() + v.size(), n);
  auto bad = [&] {
    return InvalidArgument("sink spec '" + std::string(spec) + "': rotate must be a size such as " +
                           "64M, 512K, 1G or a byte count, got '" + std::string(v) + "'");
  };
  if (r.ec != std::errc() || n == 0) return bad();
  std::string_view unit = v.substr(static_cast<std::size_t>(r.ptr - v.data()));
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
    std::string_view rest = unit.substr(1);
    if (mult != 1 &&
        !(rest.empty() || EqualsIgnoreCase(rest, "b") || EqualsIgnoreCase(rest, "ib"))) {
      return bad();
    }
    if (mult == 1 && !rest.empty()) return bad();
  }
  if (n > std::numeric_limits<std::uint64_t>::max() / mult) return bad();
  return n * mult;
}

Result<int> ParseBatch(std::string_view spec, const Param& p) {
  int n = 0;
  auto r = std::from_chars(p.value.data(), p.value.data() + p.value.size(), n);
  if (r.ec != std::errc() || r.ptr != p.value.data() + p.value.size() || n < 1) {
    return InvalidArgument("sink spec '" + std::string(spec) +
                           "': batch must be a positive integer, got '" + std::string(p.value) +
                           "'");
  }
  return n;
}

}  // namespace

std::string FileOutputName(std::string_view kind, const std::string& path) {
  if (path == "-") return {};
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::weakly_canonical(path, ec);
  return std::string(kind) + ":" + (ec ? path : abs.string());
}

Result<std::unique_ptr<PostSink>> OpenSink(std::string_view spec, const OpenOptions& open) {
  const std::string spec_str(spec);
  if (spec.empty()) return InvalidArgument("empty sink spec; " + std::string(kValidSchemes));

  // Scheme: "name:" when name is one we know, or looks like one (reported as unknown).
  std::string_view scheme;
  std::string_view rest = spec;
  if (const std::size_t colon = spec.find(':'); colon != std::string_view::npos) {
    const std::string_view prefix = spec.substr(0, colon);
    if (prefix == "jsonl" || prefix == "csv" || prefix == "sqlite") {
      scheme = prefix;
      rest = spec.substr(colon + 1);
    } else if (LooksLikeScheme(prefix)) {
      return InvalidArgument("unknown sink scheme '" + std::string(prefix) + "' in '" + spec_str +
                             "'; " + std::string(kValidSchemes));
    }
  }

  // Query parameters after the first '?'.
  std::string_view path = rest;
  std::vector<Param> params;
  if (const std::size_t q = rest.find('?'); q != std::string_view::npos) {
    path = rest.substr(0, q);
    std::string_view query = rest.substr(q + 1);
    while (!query.empty()) {
      const std::size_t amp = query.find('&');
      const std::string_view item = query.substr(0, amp);
      query = amp == std::string_view::npos ? std::string_view() : query.substr(amp + 1);
      if (item.empty()) continue;
      const std::size_t eq = item.find('=');
      if (eq == std::string_view::npos || eq == 0) {
        return InvalidArgument("sink spec '" + spec_str + "': parameter '" + std::string(item) +
                               "' is not key=value");
      }
      params.push_back({item.substr(0, eq), item.substr(eq + 1)});
    }
  }

  if (scheme.empty() && path == "-") scheme = "jsonl";
  if (scheme.empty()) {
    scheme = SchemeForExtension(path);
    if (scheme.empty()) {
      return InvalidArgument("cannot tell the sink type of '" + spec_str +
                             "' from its extension; " + std::string(kValidSchemes));
    }
  }
  if (path.empty()) {
    return InvalidArgument("sink spec '" + spec_str + "' has no path (use " + std::string(scheme) +
                           ":PATH)");
  }

  auto unknown_params = [&](std::string_view valid) -> Status {
    for (const Param& p : params) {
      if (!p.used) {
        return InvalidArgument("sink spec '" + spec_str + "': unknown parameter '" +
                               std::string(p.key) + "' for " + std::string(scheme) +
                               " (valid: " + std::string(valid) + ")");
      }
    }
    return Status::Ok();
  };

  if (scheme == "jsonl") {
    JsonlSinkOptions o;
    o.path = std::string(path);
    o.resume = open.resume;
    for (Param& p : params) {
      if (p.key == "raw") {
        Result<bool> b = ParseBool(spec, p);
        if (!b.ok()) return b.status();
        o.raw = *b;
        p.used = true;
      } else if (p.key == "rotate") {
        Result<std::uint64_t> n = ParseSize(spec, p);
        if (!n.ok()) return n.status();
        o.rotate_bytes = *n;
        p.used = true;
      }
    }
    STARLING_RETURN_IF_ERROR(unknown_params("raw, rotate"));
    if (o.path == "-" && o.rotate_bytes > 0) {
      return InvalidArgument("sink spec '" + spec_str + "': rotate needs a file, not stdout");
    }
    auto s = JsonlSink::Open(std::move(o));
    if (!s.ok()) return s.status();
    return std::unique_ptr<PostSink>(std::move(s).value());
  }
  if (scheme == "csv") {
    STARLING_RETURN_IF_ERROR(unknown_params("none"));
    auto s = CsvSink::Open({std::string(path), open.resume});
    if (!s.ok()) return s.status();
    return std::unique_ptr<PostSink>(std::move(s).value());
  }
  // sqlite
  SqliteSinkOptions o;
  o.path = std::string(path);
  for (Param& p : params) {
    if (p.key == "batch") {
      Result<int> n = ParseBatch(spec, p);
      if (!n.ok()) return n.status();
      o.batch = *n;
      p.used = true;
    }
  }
  STARLING_RETURN_IF_ERROR(unknown_params("batch"));
  if (o.path == "-") return InvalidArgument("sink spec '" + spec_str + "': SQLite needs a file");
  auto s = SqliteSink::Open(std::move(o));
  if (!s.ok()) return s.status();
  return std::unique_ptr<PostSink>(std::move(s).value());
}

}  // namespace starling::sink
