// File: sink/hdf5/post_store.h
// The HDF5 store's post reader (sink/store.h's PostStore) over a file
// written by Hdf5PostSink (sink/hdf5/post_sink.h): /posts in file order,
// each post's entity rows merged from the entity tables, which the writer
// keeps grouped by post in the order of /posts.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "sink/store.h"

namespace starling::sink {

// Opens the file at `path` read-only: NotFound ("no such file: PATH");
// MalformedInput for a file that is not HDF5 or not a Starling store;
// Unsupported for another schema version. Its tables are checked when
// read: NotFound when it holds no /posts (a results-only file);
// MalformedInput when a table lacks a column, or entity rows are not in
// the order of /posts. Owned by one thread.
Result<std::unique_ptr<PostStore>> OpenHdf5PostStore(const std::string& path,
                                                     const StoreOptions& options = {});

}  // namespace starling::sink
