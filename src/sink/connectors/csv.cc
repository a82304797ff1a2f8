// File: sink/connectors/csv.cc
// CSV in twarc-csv style: one row per post; read back by `convert`.
#include "sink/csv_format.h"
#include "sink/csv_sink.h"
#include "sink/registry.h"

namespace starling::sink {

PostSinkKind CsvPostSinkKind() {
  PostSinkKind k;
  k.info = {.scheme = "csv",
            .extensions = {".csv"},
            .usage = "csv:PATH",
            .help = "one row per post in twarc-csv style (docs/formats/csv.md)"};
  k.caps = {.readable_back = true, .resumable = true};
  k.open = [](const spec::Spec& s, const spec::Params&,
              const OpenOptions& open) -> Result<std::unique_ptr<PostSink>> {
    STARLING_ASSIGN_OR_RETURN(auto sink, CsvSink::Open({s.path, open.resume}));
    return std::unique_ptr<PostSink>(std::move(sink));
  };
  k.read_posts = [](const spec::Spec& s, const PostCallback& on_post) {
    return ReadCsvPosts(s.path, on_post);
  };
  return k;
}

}  // namespace starling::sink
