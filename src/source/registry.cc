// File: source/registry.cc
// The source registry: resolution of a spec to its kind, and the list of
// built-in kinds. A new source adds its file under connectors/ and one line
// to kBuiltins below.
#include "source/registry.h"

namespace starling::source {

// Each defined in connectors/<name>_source.cc.
SourceKind StdinSourceKind();
SourceKind FileSourceKind();
SourceKind ReplaySourceKind();
SourceKind TcpSourceKind();
SourceKind GenerateSourceKind();
SourceKind XSourceKind();
SourceKind GitHubSourceKind();
SourceKind MastodonSourceKind();
SourceKind JetstreamSourceKind();
SourceKind MeetupSourceKind();
SourceKind KafkaSourceKind();

namespace {

constexpr SourceKind (*kBuiltins[])() = {
    FileSourceKind,      StdinSourceKind,  TcpSourceKind,    ReplaySourceKind,
    GenerateSourceKind,  XSourceKind,      GitHubSourceKind, MastodonSourceKind,
    JetstreamSourceKind, MeetupSourceKind, KafkaSourceKind,
};

SourceRegistry BuildRegistry() {
  SourceRegistry r;
  for (auto make : kBuiltins) {
    Status st = r.Add(make());
    if (!st.ok()) std::abort();  // two built-ins claim one scheme: a bug caught by every test
  }
  return r;
}

const SourceKind* FindBare(std::string_view name) {
  for (const SourceKind& k : Sources().kinds()) {
    for (std::string_view b : k.bare_names) {
      if (b == name) return &k;
    }
  }
  return nullptr;
}

}  // namespace

const SourceRegistry& Sources() {
  static const SourceRegistry registry = BuildRegistry();
  return registry;
}

Result<ResolvedSource> ResolveSource(std::string_view text) {
  if (text.empty()) {
    return InvalidArgument("empty source spec (valid schemes: " + Sources().SchemeList() + ")");
  }
  ResolvedSource r;
  STARLING_ASSIGN_OR_RETURN(r.spec, spec::Parse(text));
  if (r.spec.scheme.empty()) {
    r.kind = FindBare(r.spec.path);  // "-", "stdin", "generate"
    if (r.kind == nullptr) r.kind = Sources().Find("file");
  } else {
    r.kind = Sources().Find(r.spec.scheme);
    if (r.kind == nullptr) {
      return InvalidArgument("unknown source scheme '" + r.spec.scheme + "' in '" +
                             r.spec.redacted + "' (valid: " + Sources().SchemeList() +
                             ", or a path)");
    }
  }
  STARLING_RETURN_IF_ERROR(CheckHosts(r.kind->info, r.spec, "source"));
  STARLING_ASSIGN_OR_RETURN(r.params,
                            spec::Params::Check(r.spec, r.kind->info.params,
                                                "source " + std::string(r.kind->info.scheme)));
  return r;
}

Result<std::unique_ptr<RecordSource>> OpenSource(std::string_view text,
                                                 const SourceOptions& options) {
  STARLING_ASSIGN_OR_RETURN(ResolvedSource r, ResolveSource(text));
  return r.kind->open(r.spec, r.params, options);
}

std::optional<std::string> InputFile(std::string_view text) {
  auto r = ResolveSource(text);
  if (!r.ok() || !r->kind->input_file) return std::nullopt;
  return r->kind->input_file(r->spec);
}

std::optional<std::string> PlainFilePath(std::string_view text) {
  auto r = ResolveSource(text);
  if (!r.ok() || r->kind->info.scheme != "file") return std::nullopt;
  return r->kind->input_file(r->spec);
}

std::string SourceHelp() { return FormatConnectorHelp("Source specs", Sources().Infos()); }

std::string SourceMarkdown() {
  std::vector<std::string> caps;
  for (const SourceKind& k : Sources().kinds()) {
    std::string c;
    auto add = [&](bool on, std::string_view word) {
      if (on) c += (c.empty() ? "" : ", ") + std::string(word);
    };
    add(k.caps.live, "live");
    add(k.caps.seekable, "resumes by position");
    add(k.caps.replayable, "replayable");
    add(k.caps.reads_file, "reads a file");
    caps.push_back(c.empty() ? "-" : c);
  }
  return FormatConnectorMarkdown("Sources", Sources().Infos(), caps);
}

}  // namespace starling::source
