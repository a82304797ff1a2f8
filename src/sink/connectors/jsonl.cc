// File: sink/connectors/jsonl.cc
// JSON lines: normalized (or raw provider) posts, and window results.
#include "sink/jsonl_sink.h"
#include "sink/registry.h"

namespace starling::sink {
namespace {
constexpr std::string_view kExtensions[] = {".jsonl", ".json", ".ndjson"};
}  // namespace

PostSinkKind JsonlPostSinkKind() {
  PostSinkKind k;
  k.info = {.scheme = "jsonl",
            .extensions = {std::begin(kExtensions), std::end(kExtensions)},
            .usage = "jsonl:PATH[?raw=1&rotate=64M]",
            .help = "normalized posts as JSON lines (raw=1: the provider JSON as received)",
            .params = {{"raw", spec::ParamType::kBool, "write the provider JSON as received"},
                       {"rotate", spec::ParamType::kSize,
                        "start PATH.1, PATH.2, ... past this size (64M, 1G)"}}};
  k.bare_names = {"-"};
  k.caps = {.readable_back = true, .resumable = true};
  k.needs_raw = [](const spec::Params& p) { return p.Bool("raw", false); };
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const OpenOptions& open) -> Result<std::unique_ptr<PostSink>> {
    JsonlSinkOptions o;
    o.path = s.path;
    o.resume = open.resume;
    o.raw = p.Bool("raw", false);
    o.rotate_bytes = p.Size("rotate", 0);
    if (p.Has("rotate") && o.rotate_bytes == 0) {
      return InvalidArgument("sink spec '" + s.redacted +
                             "': rotate must be a size such as 64M, 512K or 1G, got '0'");
    }
    if (o.path == "-" && o.rotate_bytes > 0) {
      return InvalidArgument("sink spec '" + s.redacted + "': rotate needs a file, not stdout");
    }
    STARLING_ASSIGN_OR_RETURN(auto sink, JsonlSink::Open(std::move(o)));
    return std::unique_ptr<PostSink>(std::move(sink));
  };
  return k;
}

ResultSinkKind JsonlResultSinkKind() {
  ResultSinkKind k;
  k.info = {.scheme = "jsonl",
            .extensions = {std::begin(kExtensions), std::end(kExtensions)},
            .usage = "jsonl:PATH | -",
            .help =
                "one JSON object per emitted result (previews included; the last line of "
                "a window is its final value)"};
  k.bare_names = {"-"};
  k.caps = {.readable_back = true, .resumable = true};
  k.open = [](const spec::Spec& s, const spec::Params&,
              const OpenOptions& open) -> Result<std::unique_ptr<ResultSink>> {
    return OpenJsonlResultSink(s.path, open.resume);
  };
  return k;
}

}  // namespace starling::sink
