// File: sink/sqlite/post_store.h
// The SQLite store's post reader (sink/store.h's PostStore) over a database
// written by SqliteSink (sink/sqlite/post_sink.h).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "sink/store.h"

namespace starling::sink {

// Opens the posts database at `path` read-only. NotFound ("no such
// database: PATH") when the file does not exist; IoError when SQLite cannot
// open it. Its tables are checked when read: RecentPosts needs the posts
// table (NotFound otherwise), ReadAll the meta table of this schema version
// (MalformedInput, Unsupported).
Result<std::unique_ptr<PostStore>> OpenSqlitePostStore(const std::string& path,
                                                       const StoreOptions& options = {});

}  // namespace starling::sink
