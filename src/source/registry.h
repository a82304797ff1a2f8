// File: source/registry.h
// Every kind of source registers here, with its scheme, parameters, help and
// capabilities; OpenSource reads a spec (common/spec.h) through it. Adding a
// source is one file that defines a SourceKind and one line in
// builtin_sources.cc (docs/extending.md).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "common/registry.h"
#include "common/spec.h"
#include "source/record_source.h"

namespace starling::source {

struct SourceCapabilities {
  bool live = false;  // records arrive over time and may never end (tcp, a paced generator)
  bool seekable =
      false;  // Position/Seek resume a checkpoint (a file's offset, the generator's state)
  bool replayable = false;  // the same records on every open, so skipping N resumes it
  bool reads_file = false;  // reads a file on this machine (input_file says which)
};

struct SourceKind {
  ConnectorInfo info;
  SourceCapabilities caps;
  // Whole specs that mean this kind without a scheme ("-", "stdin", "generate").
  std::vector<std::string_view> bare_names;
  // The file a spec of this kind reads, if any (refusing to write an input,
  // the parallel scan); unset for a kind that reads no file.
  std::function<std::optional<std::string>(const spec::Spec&)> input_file;
  // Opens a source from its spec, whose parameters were checked against
  // info.params. Errors quote spec.redacted, never the raw text.
  std::function<Result<std::unique_ptr<RecordSource>>(const spec::Spec&, const spec::Params&,
                                                      const SourceOptions&)>
      open;
};

using SourceRegistry = Registry<SourceKind>;

// The registry of every built-in source kind (builtin_sources.cc), built on
// first use; read-only after.
const SourceRegistry& Sources();

// A spec resolved to its kind: "-" and "stdin" are stdin, a bare path (no
// scheme) is a file, "generate" is the generator; otherwise the scheme
// names the kind. InvalidArgument for an unknown scheme (listing the valid
// ones), a bad parameter, or a spec that does not parse.
struct ResolvedSource {
  const SourceKind* kind = nullptr;
  spec::Spec spec;
  spec::Params params;
};
Result<ResolvedSource> ResolveSource(std::string_view text);

// Opens a source from its spec (see `starling collect --help`).
Result<std::unique_ptr<RecordSource>> OpenSource(std::string_view text,
                                                 const SourceOptions& options = {});

// The file a spec reads, when it reads one (file:, a bare path, replay:);
// nullopt otherwise (stdin, tcp://, generate: and specs that do not resolve).
std::optional<std::string> InputFile(std::string_view text);

// The file a spec names when it is a plain file (file:PATH or PATH), the
// kind a parallel scan can read (FileBlocks); nullopt for stdin, tcp://,
// replay:, generate: and unknown schemes.
std::optional<std::string> PlainFilePath(std::string_view text);

// The "Source specs:" block of --help, from the registry.
std::string SourceHelp();
// The same as a Markdown section with each kind's capabilities (docs/specs.md).
std::string SourceMarkdown();

}  // namespace starling::source
