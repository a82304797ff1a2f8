// File: sink/sqlite/result_store.h
// The SQLite store's window-result reader (sink/store.h's ResultStore) over a
// database written by the SQLite result sink (sink/sqlite/result_sink.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "sink/store.h"

namespace starling::sink {

// Opens the results database at `path` read-only. NotFound ("no such
// database: PATH") when the file does not exist; IoError when SQLite cannot
// open it. A file without the results tables fails its first read with
// NotFound ("PATH is not a Starling results database (no such table: ...)").
Result<std::unique_ptr<ResultStore>> OpenSqliteResultStore(const std::string& path,
                                                           const StoreOptions& options = {});

// `sqlite3` shell commands over the results of the demo pipeline at `path`
// (its hashtags and overall sentiment), for `demo` to suggest at its end.
std::vector<std::string> SqliteDemoQueries(const std::string& path);

}  // namespace starling::sink
