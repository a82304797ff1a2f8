// File: common/registry.h
// What every connector (source, post sink, result sink, store) declares about
// itself, and the registry that finds one by scheme or file extension. The
// registries of source/ and sink/ are instances of Registry<Kind>; `--help`,
// the README's spec lists and the "valid: ..." of every error come from them.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "common/spec.h"
#include "common/status.h"

namespace starling {

// The declaration a connector registers. Everything here is text a user
// reads: keep `usage` to one spec form and `help` to one line.
struct ConnectorInfo {
  std::string_view scheme;                   // "jsonl", "tcp" (lower-case)
  std::vector<std::string_view> aliases;     // other schemes or bare names ("-", "stdin")
  std::vector<std::string_view> extensions;  // ".jsonl": a bare path ending so is this kind
  std::string_view usage;                    // "jsonl:PATH[?raw=1&rotate=SIZE]"
  std::string_view help;                     // "normalized posts as JSON lines"
  std::vector<spec::ParamDecl> params;
  // The URL form names hosts (tcp://HOST:PORT, postgres://...). A kind that
  // reads or writes a path refuses scheme://HOST/...; scheme:///ABS/PATH is a path.
  bool takes_hosts = false;
};

// InvalidArgument when a URL-form spec names hosts for a kind that takes a
// path; `what` names the role ("source", "sink").
Status CheckHosts(const ConnectorInfo& info, const spec::Spec& spec, std::string_view what);

// True when `path` ends with `extension`, ignoring ASCII case.
bool HasExtension(std::string_view path, std::string_view extension);

// The help block of a list of connectors: one "  usage  help" line each
// (aligned), then one indented line per parameter.
std::string FormatConnectorHelp(std::string_view title,
                                const std::vector<const ConnectorInfo*>& infos);

// The same as Markdown: a "## title" section with one row per connector and
// its parameters (docs/specs.md is this, for every registry).
// `capabilities`, when given, has one short text per connector.
std::string FormatConnectorMarkdown(std::string_view title,
                                    const std::vector<const ConnectorInfo*>& infos,
                                    const std::vector<std::string>& capabilities = {});

// Kind: a struct with a `ConnectorInfo info` member. Registration happens once,
// at start-up, from one list per layer (source/builtin_sources.cc,
// sink/builtin_sinks.cc); lookups are then read-only and thread-safe.
template <typename Kind>
class Registry {
 public:
  // InvalidArgument when the scheme, an alias or an extension is taken.
  Status Add(Kind kind) {
    for (const Kind& k : kinds_) {
      if (Matches(k.info, kind.info.scheme)) {
        return InvalidArgument("scheme '" + std::string(kind.info.scheme) + "' registered twice");
      }
      for (std::string_view a : kind.info.aliases) {
        if (Matches(k.info, a)) {
          return InvalidArgument("alias '" + std::string(a) + "' registered twice");
        }
      }
      for (std::string_view e : kind.info.extensions) {
        for (std::string_view taken : k.info.extensions) {
          if (e == taken) {
            return InvalidArgument("extension '" + std::string(e) + "' registered twice");
          }
        }
      }
    }
    kinds_.push_back(std::move(kind));
    return Status::Ok();
  }

  // The kind whose scheme or alias is `name`, or nullptr.
  const Kind* Find(std::string_view name) const {
    for (const Kind& k : kinds_) {
      if (Matches(k.info, name)) return &k;
    }
    return nullptr;
  }

  // The kind a bare path's extension names (any case), or nullptr.
  const Kind* ForExtension(std::string_view path) const {
    for (const Kind& k : kinds_) {
      for (std::string_view e : k.info.extensions) {
        if (HasExtension(path, e)) return &k;
      }
    }
    return nullptr;
  }

  const std::vector<Kind>& kinds() const { return kinds_; }

  std::vector<const ConnectorInfo*> Infos() const {
    std::vector<const ConnectorInfo*> out;
    for (const Kind& k : kinds_) out.push_back(&k.info);
    return out;
  }

  // "jsonl, csv, sqlite": the schemes, for "valid: ..." in messages.
  std::string SchemeList() const {
    std::string out;
    for (const Kind& k : kinds_) {
      if (!out.empty()) out += ", ";
      out += k.info.scheme;
    }
    return out;
  }

 private:
  static bool Matches(const ConnectorInfo& info, std::string_view name) {
    if (info.scheme == name) return true;
    for (std::string_view a : info.aliases) {
      if (a == name) return true;
    }
    return false;
  }

  std::vector<Kind> kinds_;
};

}  // namespace starling
