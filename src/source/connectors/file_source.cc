// File: source/connectors/file_source.cc
// Files (JSONL or one JSON document; gzip/zstd by magic) and standard input.
#include "source/registry.h"

namespace starling::source {

SourceKind StdinSourceKind() {
  SourceKind k;
  k.info = {
      .scheme = "stdin", .aliases = {"-"}, .usage = "-", .help = "standard input (also file:-)"};
  k.bare_names = {"-", "stdin"};
  k.caps = {.live = true};
  k.open = [](const spec::Spec&, const spec::Params&,
              const SourceOptions& options) -> Result<std::unique_ptr<RecordSource>> {
    return LineSource(AutoDecompress(FdByteStream(0)), "-", options);
  };
  return k;
}

SourceKind FileSourceKind() {
  SourceKind k;
  k.info = {.scheme = "file",
            .aliases = {"jsonl"},
            .usage = "file:PATH | PATH",
            .help =
                "JSONL, or one JSON document (a v1.1 search page, an array of statuses, "
                "pretty-printed or not); gzip and zstd are detected from the bytes"};
  k.caps = {.seekable = true, .replayable = true, .reads_file = true};
  k.input_file = [](const spec::Spec& s) -> std::optional<std::string> {
    if (s.path.empty() || s.path == "-") return std::nullopt;
    return s.path;
  };
  k.open = [](const spec::Spec& s, const spec::Params&,
              const SourceOptions& options) -> Result<std::unique_ptr<RecordSource>> {
    if (s.path == "-") return LineSource(AutoDecompress(FdByteStream(0)), "-", options);
    if (s.path.empty()) return InvalidArgument("source '" + s.redacted + "' has no path");
    STARLING_ASSIGN_OR_RETURN(auto stream, OpenFileStream(s.path));
    return LineSource(std::move(stream), s.path, options);
  };
  return k;
}

}  // namespace starling::source
