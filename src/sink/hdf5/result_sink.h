// File: sink/hdf5/result_sink.h
// The HDF5 store's window-result writer: one table per result kind
// (model/result_columns.h) plus /windows and /analyses
// (sink/hdf5/schema.h, docs/formats/hdf5.md). A window emitted again
// replaces its rows, as in every store: results are held until `batch`
// windows are waiting (or Flush), then a window already stored is
// rewritten in place when its row count is unchanged, and otherwise its
// kind's table is rewritten from that window to its end (a window emitted
// again is nearly always one of the latest, so the rewrite is short). The
// reader is sink/hdf5/result_store.h.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "sink/hdf5/internal/h5.h"
#include "sink/result_sink.h"

namespace starling::sink {

struct Hdf5ResultSinkOptions {
  std::string path;
  int batch = 1000;  // windows held before they are written; >= 1
  hdf5::DatasetOptions dataset;
};

// Opens or creates the file at `path` (and its folders), reading the
// windows and analyses it holds. Errors as Hdf5PostSink::Open. Owned by
// one thread.
Result<std::unique_ptr<ResultSink>> OpenHdf5ResultSink(Hdf5ResultSinkOptions options);

}  // namespace starling::sink
