// File: common/spec.h
// The one grammar of every source, sink and store spec, and of every size,
// boolean and list a user writes (flags and pipeline files included).
//
//   -                                   standard input or output
//   PATH                                a bare path (typed by its extension)
//   scheme:PATH[?key=value&...]         jsonl:out.jsonl?rotate=64M, generate:?rate=10
//   scheme://[user[:pass]@]host[:port][,host...][/path][?key=value&...]
//                                       postgres://me@db:5432/posts, kafka://b1,b2/topic
//
// A scheme is a letter then letters, digits, '+', '-', '.' or '_'; one
// letter is a scheme ("x:stream") only in lower case and when no '\\' or
// '/' follows its ':', so "C:\x", "C:x" and "c:/x" are paths. Keys are
// case-sensitive; values (and the user and password of a URL) are
// %-decoded, '+' as a space. The path is taken as written. A key given
// twice is refused.
//
// Secrets never leave a Spec in clear: Redacted() (what Describe(), logs,
// errors, checkpoints, dead letters and the API show) replaces a URL's
// password and every secret parameter's value with "***". A parameter is
// secret when its declaration says so or its name contains "token",
// "password", "secret" or "key" (other than "key" alone, a partitioning key).
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <variant>
#include <vector>

#include "common/status.h"

namespace starling::spec {

struct Param {
  std::string key;
  std::string value;  // %-decoded
};

struct Spec {
  std::string scheme;  // lower-case; empty for "-" and a bare path
  bool url = false;    // written scheme://...
  // URL form only: the user and password before '@', and the hosts
  // (host[:port] each, in order) before the first '/' of the rest.
  std::string user;
  std::optional<std::string> password;
  std::vector<std::string> hosts;
  // scheme:PATH: PATH. URL form: what follows the hosts' '/', without it
  // (scheme:///abs/path, with no host, keeps its leading '/'). A bare spec:
  // the whole of it before '?'.
  std::string path;
  std::vector<Param> params;
  std::string redacted;  // the spec as shown to anyone (see above)

  // The value of `key`, or nullopt.
  const std::string* Find(std::string_view key) const;
};

// Parses the text of a spec. InvalidArgument (quoting the redacted spec) for
// an empty spec, a parameter that is not key=value, a key given twice or a
// bad %-escape. Whether a kind needs hosts is the registry's to say
// (ConnectorInfo::takes_hosts).
Result<Spec> Parse(std::string_view text);

// The spec as shown to anyone: `text` with its secrets replaced (see above),
// whether it parses or not. In a URL form the password runs to the last '@'
// of the text, so an unescaped '/', '?' or '@' in it never shows.
std::string Redact(std::string_view text);

// True for a parameter name that is secret by its name (see above).
bool IsSecretName(std::string_view key);

// --- Typed parameters ------------------------------------------------------

enum class ParamType {
  kString,    // as given
  kInt,       // signed 64-bit integer
  kUint,      // unsigned 64-bit integer
  kNumber,    // a finite double
  kBool,      // 1/true/yes/on, 0/false/no/off (any case)
  kSize,      // bytes: 1048576, 512K, 64M, 1G, 1T, with optional B / iB (binary multiples)
  kDuration,  // 500ms, 30s, 1m, 2h, 1d, 1m30s; a bare number is seconds
  kList,      // comma-separated, empty items dropped
};

std::string_view ParamTypeName(ParamType type);

// One parameter a connector takes, with its help text (what `--help` and
// docs/ list). `secret`: its value is a credential (also true by name).
// A name "prefix.*" declares a family: every key "prefix.NAME" is taken
// with that type (rdkafka.NAME=VALUE passes NAME to librdkafka); Family
// reads them.
struct ParamDecl {
  std::string_view name;
  ParamType type = ParamType::kString;
  std::string_view help;
  bool secret = false;
};

using Value = std::variant<std::string, std::int64_t, std::uint64_t, double, bool,
                           std::chrono::microseconds, std::vector<std::string>>;

// A spec's parameters checked against a connector's declarations.
class Params {
 public:
  // InvalidArgument for an unknown key (listing the valid ones) or a value
  // that is not of its declared type (naming the key and the type).
  // `what` names the connector in messages ("sink jsonl").
  static Result<Params> Check(const Spec& spec, std::span<const ParamDecl> decls,
                              std::string_view what);

  bool Has(std::string_view key) const;
  // The value of a present key, or `fallback`; the type must be the declared one.
  std::string String(std::string_view key, std::string fallback = {}) const;
  std::int64_t Int(std::string_view key, std::int64_t fallback) const;
  std::uint64_t Uint(std::string_view key, std::uint64_t fallback) const;
  double Number(std::string_view key, double fallback) const;
  bool Bool(std::string_view key, bool fallback) const;
  std::uint64_t Size(std::string_view key, std::uint64_t fallback) const;
  std::chrono::microseconds Duration(std::string_view key,
                                     std::chrono::microseconds fallback) const;
  std::vector<std::string> List(std::string_view key) const;
  // The keys of a family declared "prefix.*" (prefix given with its dot),
  // without the prefix, with their string values, in the spec's order.
  std::vector<std::pair<std::string, std::string>> Family(std::string_view prefix) const;

 private:
  const Value* Get(std::string_view key) const;
  std::vector<std::pair<std::string, Value>> values_;
};

// The typed parsers on their own, for flags and pipeline files. Each returns
// InvalidArgument with an example of what it takes.
Result<bool> ParseBool(std::string_view text);
Result<std::uint64_t> ParseSize(std::string_view text);
Result<std::vector<std::string>> ParseList(std::string_view text);

// "raw, rotate" or "none": the declared names, for messages and help.
std::string ParamNames(std::span<const ParamDecl> decls);

}  // namespace starling::spec
