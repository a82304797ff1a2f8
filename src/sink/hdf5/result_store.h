// File: sink/hdf5/result_store.h
// The HDF5 store's window-result reader (sink/store.h's ResultStore) over a
// file written by the HDF5 result sink (sink/hdf5/result_sink.h).
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "sink/store.h"

namespace starling::sink {

// Opens the file at `path` read-only and reads its /windows: NotFound ("no
// such file: PATH"); MalformedInput for a file that is not HDF5 or not a
// Starling store; Unsupported for another schema version. A store without
// results fails Pipelines with NotFound. Owned by one thread.
Result<std::unique_ptr<ResultStore>> OpenHdf5ResultStore(const std::string& path,
                                                         const StoreOptions& options = {});

// h5dump commands over the results of the demo pipeline at `path`, for
// `demo` to suggest at its end.
std::vector<std::string> Hdf5DemoQueries(const std::string& path);

}  // namespace starling::sink
