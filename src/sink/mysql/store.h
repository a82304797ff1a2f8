// File: sink/mysql/store.h
// The MariaDB/MySQL store (libmariadb): posts with their entity tables,
// written in batched multi-row INSERTs and upserted by id; window results,
// replaced window by window; both read back (sink/store.h) and queried
// (`starling query`). Registered in sink/connectors/mysql.cc; schema in
// schema.h; docs/stores.md.
#pragma once

#include <cstddef>
#include <memory>

#include "sink/result_sink.h"
#include "sink/server/server.h"
#include "sink/sink.h"
#include "sink/store.h"

namespace starling::sink::mysql {

using Options = server::Options;

Result<std::unique_ptr<PostSink>> OpenPostSink(const Options& options);
Result<std::unique_ptr<ResultSink>> OpenResultSink(const Options& options);
Result<std::unique_ptr<PostStore>> OpenPostStore(const Options& options);
Result<std::unique_ptr<ResultStore>> OpenResultStore(const Options& options);
Result<std::unique_ptr<QueryableStore>> OpenQueryable(const Options& options);

}  // namespace starling::sink::mysql
