// File: sink/connectors/sqlite.cc
// SQLite (sink/sqlite/): posts with entity tables (upsert by id), and window
// results (one table per result kind); both read back through their stores.
#include <limits>

#include "sink/registry.h"
#include "sink/sqlite/database.h"
#include "sink/sqlite/post_sink.h"
#include "sink/sqlite/post_store.h"
#include "sink/sqlite/query_store.h"
#include "sink/sqlite/result_sink.h"
#include "sink/sqlite/result_store.h"

namespace starling::sink {
namespace {
constexpr std::string_view kExtensions[] = {".db", ".sqlite", ".sqlite3"};
}  // namespace

PostSinkKind SqlitePostSinkKind() {
  PostSinkKind k;
  k.info = {.scheme = "sqlite",
            .extensions = {std::begin(kExtensions), std::end(kExtensions)},
            .usage = "sqlite:PATH[?batch=N]",
            .help =
                "posts plus entity tables, WAL, batched transactions, upsert by id: "
                "re-running never duplicates (docs/formats/sqlite.md)",
            .params = {{"batch", spec::ParamType::kUint, "posts per transaction (default 1000)"}}};
  k.caps = {.idempotent = true, .readable_back = true};
  k.needs_raw = [](const spec::Params&) { return true; };  // the raw column
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const OpenOptions& open) -> Result<std::unique_ptr<PostSink>> {
    SqliteSinkOptions o;
    o.path = s.path;
    const std::uint64_t batch = p.Uint("batch", static_cast<std::uint64_t>(o.batch));
    if (batch < 1 || batch > static_cast<std::uint64_t>(std::numeric_limits<int>::max())) {
      return InvalidArgument("sink spec '" + s.redacted +
                             "': batch must be a positive integer, got '" + *s.Find("batch") + "'");
    }
    o.batch = static_cast<int>(batch);
    if (o.path == "-")
      return InvalidArgument("sink spec '" + s.redacted + "': SQLite needs a file");
    if (open.replace) STARLING_RETURN_IF_ERROR(sqlite::RemoveDatabase(o.path));
    STARLING_ASSIGN_OR_RETURN(auto sink, SqliteSink::Open(std::move(o)));
    return std::unique_ptr<PostSink>(std::move(sink));
  };
  k.open_post_store = [](const spec::Spec& s, const spec::Params&, const StoreOptions& options) {
    return OpenSqlitePostStore(s.path, options);
  };
  k.open_queryable = [](const spec::Spec& s, const spec::Params&) {
    return OpenSqliteQueryStore(s.path);
  };
  return k;
}

ResultSinkKind SqliteResultSinkKind() {
  ResultSinkKind k;
  k.info = {.scheme = "sqlite",
            .extensions = {std::begin(kExtensions), std::end(kExtensions)},
            .usage = "sqlite:PATH",
            .help =
                "one table per result kind (docs/formats/results.md), WAL, the results of a "
                "window replaced in place"};
  k.caps = {.idempotent = true, .readable_back = true};
  k.open = [](const spec::Spec& s, const spec::Params&,
              const OpenOptions& open) -> Result<std::unique_ptr<ResultSink>> {
    if (s.path == "-") {
      return InvalidArgument("result sink spec '" + s.redacted + "': SQLite needs a file");
    }
    if (open.replace) STARLING_RETURN_IF_ERROR(sqlite::RemoveDatabase(s.path));
    return OpenSqliteResultSink(s.path);
  };
  k.open_result_store = [](const spec::Spec& s, const spec::Params&, const StoreOptions& options) {
    return OpenSqliteResultStore(s.path, options);
  };
  k.demo_queries = [](const spec::Spec& s) { return SqliteDemoQueries(s.path); };
  return k;
}

}  // namespace starling::sink
