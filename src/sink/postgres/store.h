// File: sink/postgres/store.h
// The PostgreSQL store (libpq): posts with their entity tables, bulk-loaded
// with COPY and upserted by id; window results, replaced window by window;
// both read back (sink/store.h) and queried (`starling query`). Registered
// in sink/connectors/postgres.cc; schema in schema.h; docs/stores.md.
#pragma once

#include <cstddef>
#include <memory>

#include "sink/result_sink.h"
#include "sink/server/server.h"
#include "sink/sink.h"
#include "sink/store.h"

namespace starling::sink::postgres {

using Options = server::Options;

Result<std::unique_ptr<PostSink>> OpenPostSink(const Options& options);
Result<std::unique_ptr<ResultSink>> OpenResultSink(const Options& options);
Result<std::unique_ptr<PostStore>> OpenPostStore(const Options& options);
Result<std::unique_ptr<ResultStore>> OpenResultStore(const Options& options);
Result<std::unique_ptr<QueryableStore>> OpenQueryable(const Options& options);

}  // namespace starling::sink::postgres
