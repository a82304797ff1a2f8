// File: sink/mongodb/store.h
// The MongoDB store (libmongoc; tested against FerretDB): posts as one
// document each, entities embedded, bulk-upserted by _id; window results,
// one document per row, replaced window by window; both read back
// (sink/store.h) and queried with aggregation pipelines (`starling query`,
// dialect "mongodb"). Registered in sink/connectors/mongodb.cc; documents
// in documents.h, collections and indexes in schema.h; docs/stores.md.
#pragma once

#include <memory>

#include "sink/result_sink.h"
#include "sink/server/server.h"
#include "sink/sink.h"
#include "sink/store.h"

namespace starling::sink::mongodb {

using Options = server::Options;

Result<std::unique_ptr<PostSink>> OpenPostSink(const Options& options);
Result<std::unique_ptr<ResultSink>> OpenResultSink(const Options& options);
Result<std::unique_ptr<PostStore>> OpenPostStore(const Options& options);
Result<std::unique_ptr<ResultStore>> OpenResultStore(const Options& options);
Result<std::unique_ptr<QueryableStore>> OpenQueryable(const Options& options);

}  // namespace starling::sink::mongodb
