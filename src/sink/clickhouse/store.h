// File: sink/clickhouse/store.h
// The ClickHouse store (its HTTP interface, over libcurl): posts with their
// entities, written in batches as RowBinary into ReplacingMergeTree tables
// (a post written again replaces itself, entities included); window
// results, one row per window, replaced the same way; both read back
// (sink/store.h) and queried (`starling query`, through the views that give
// the logical tables). Registered in sink/connectors/clickhouse.cc; schema
// in schema.h; docs/stores.md.
#pragma once

#include <cstddef>
#include <memory>

#include "sink/result_sink.h"
#include "sink/server/server.h"
#include "sink/sink.h"
#include "sink/store.h"

namespace starling::sink::clickhouse {

using Options = server::Options;

Result<std::unique_ptr<PostSink>> OpenPostSink(const Options& options);
Result<std::unique_ptr<ResultSink>> OpenResultSink(const Options& options);
Result<std::unique_ptr<PostStore>> OpenPostStore(const Options& options);
Result<std::unique_ptr<ResultStore>> OpenResultStore(const Options& options);
Result<std::unique_ptr<QueryableStore>> OpenQueryable(const Options& options);

}  // namespace starling::sink::clickhouse
