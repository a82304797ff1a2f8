// File: sink/sqlite/result_sink.h
// The SQLite store's window-result writer: one table per result kind
// (sink/sqlite/schema.h, docs/formats/results.md), WAL, the rows of a window
// replaced in place. The reader is sink/sqlite/result_store.h.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "sink/result_sink.h"

namespace starling::sink {

// Opens or creates the results database at `path` (and the folders it
// needs). IoError when it cannot be opened.
Result<std::unique_ptr<ResultSink>> OpenSqliteResultSink(const std::string& path);

}  // namespace starling::sink
