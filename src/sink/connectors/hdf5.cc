// File: sink/connectors/hdf5.cc
// HDF5 (sink/hdf5/): posts and entity tables, and window results, as
// compound tables of one file; both read back through their stores.
#include <limits>

#include "sink/hdf5/post_sink.h"
#include "sink/hdf5/post_store.h"
#include "sink/hdf5/result_sink.h"
#include "sink/hdf5/result_store.h"
#include "sink/hdf5/schema.h"
#include "sink/registry.h"

namespace starling::sink {
namespace {

constexpr std::string_view kExtensions[] = {".h5", ".hdf5"};

std::vector<spec::ParamDecl> Params(std::string_view batch_help) {
  return {{"batch", spec::ParamType::kUint, batch_help},
          {"deflate", spec::ParamType::kUint,
           "deflate (gzip) level of new tables, 0 (none) to 9 (default 4)"},
          {"chunk", spec::ParamType::kUint, "rows per chunk of new tables (default 1024)"}};
}

// The parameters every HDF5 spec shares.
Status ReadParams(const spec::Spec& s, const spec::Params& p, std::string_view what, int* batch,
                  hdf5::DatasetOptions* dataset) {
  const std::uint64_t b = p.Uint("batch", static_cast<std::uint64_t>(*batch));
  if (b < 1 || b > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
    return InvalidArgument(std::string(what) + " spec '" + s.redacted +
                           "': batch must be a positive integer");
  }
  *batch = static_cast<int>(b);
  const std::uint64_t deflate = p.Uint("deflate", static_cast<std::uint64_t>(dataset->deflate));
  if (deflate > 9) {
    return InvalidArgument(std::string(what) + " spec '" + s.redacted +
                           "': deflate must be 0 to 9");
  }
  dataset->deflate = static_cast<int>(deflate);
  const std::uint64_t chunk = p.Uint("chunk", dataset->chunk_rows);
  if (chunk < 1 || chunk > (1u << 20)) {
    return InvalidArgument(std::string(what) + " spec '" + s.redacted +
                           "': chunk must be 1 to 1048576 rows");
  }
  dataset->chunk_rows = chunk;
  if (s.path == "-") {
    return InvalidArgument(std::string(what) + " spec '" + s.redacted + "': HDF5 needs a file");
  }
  return Status::Ok();
}

}  // namespace

PostSinkKind Hdf5PostSinkKind() {
  PostSinkKind k;
  k.info = {.scheme = "hdf5",
            .extensions = {std::begin(kExtensions), std::end(kExtensions)},
            .usage = "hdf5:PATH[?batch=N&deflate=N&chunk=N]",
            .help =
                "posts plus entity tables as HDF5 compound datasets, written in batches; a post "
                "id already stored is skipped, so re-running never duplicates "
                "(docs/formats/hdf5.md)",
            .params = Params("posts per write (default 1000)")};
  k.caps = {.idempotent = true, .readable_back = true};
  k.needs_raw = [](const spec::Params&) { return true; };  // the raw column
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const OpenOptions& open) -> Result<std::unique_ptr<PostSink>> {
    Hdf5SinkOptions o;
    o.path = s.path;
    STARLING_RETURN_IF_ERROR(ReadParams(s, p, "sink", &o.batch, &o.dataset));
    if (open.replace) STARLING_RETURN_IF_ERROR(hdf5::RemoveStore(o.path));
    STARLING_ASSIGN_OR_RETURN(auto sink, Hdf5PostSink::Open(std::move(o)));
    return std::unique_ptr<PostSink>(std::move(sink));
  };
  k.open_post_store = [](const spec::Spec& s, const spec::Params&, const StoreOptions& options) {
    return OpenHdf5PostStore(s.path, options);
  };
  return k;
}

ResultSinkKind Hdf5ResultSinkKind() {
  ResultSinkKind k;
  k.info = {.scheme = "hdf5",
            .extensions = {std::begin(kExtensions), std::end(kExtensions)},
            .usage = "hdf5:PATH[?batch=N&deflate=N&chunk=N]",
            .help =
                "one HDF5 compound dataset per result kind plus windows and analyses "
                "(docs/formats/hdf5.md); a window emitted again replaces its rows",
            .params = Params("windows held before a write (default 1000)")};
  k.caps = {.idempotent = true, .readable_back = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const OpenOptions& open) -> Result<std::unique_ptr<ResultSink>> {
    Hdf5ResultSinkOptions o;
    o.path = s.path;
    STARLING_RETURN_IF_ERROR(ReadParams(s, p, "result sink", &o.batch, &o.dataset));
    if (open.replace) STARLING_RETURN_IF_ERROR(hdf5::RemoveStore(o.path));
    return OpenHdf5ResultSink(std::move(o));
  };
  k.open_result_store = [](const spec::Spec& s, const spec::Params&, const StoreOptions& options) {
    return OpenHdf5ResultStore(s.path, options);
  };
  k.demo_queries = [](const spec::Spec& s) { return Hdf5DemoQueries(s.path); };
  return k;
}

}  // namespace starling::sink
