// File: sink/hdf5/internal/results.h
// What the HDF5 result sink and result store share: a stored window (a
// row of /windows), a result row as the cells of its kind's table and
// back, and window bounds as stored text.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "common/status.h"
#include "model/window_result.h"
#include "sink/hdf5/internal/h5.h"
#include "sink/tables.h"

namespace starling::sink::hdf5 {

// A row of /windows: the window, its summary, and where its rows are in
// its kind's table ([first_row, first_row + rows)).
struct StoredWindow {
  std::string pipeline;
  std::string analysis;
  std::string kind;   // ResultKindName
  std::string start;  // ISO-8601 UTC text; '' for the global window's open bound
  std::string end;
  std::int64_t total = 0;
  std::int64_t error_bound = 0;
  std::int64_t final = 0;
  std::int64_t rows = 0;
  std::int64_t first_row = 0;
};

// A window bound as stored, and back: '' is the global window's.
std::string BoundText(model::TimestampUs t);
Result<model::TimestampUs> BoundTime(const std::string& text, bool start);

// The identity of a window among the stored ones.
std::string WindowKey(const std::string& pipeline, const std::string& analysis,
                      const std::string& start, const std::string& end);

// Every row of /windows (none when the file has no such table).
Result<std::vector<StoredWindow>> ReadWindows(hid_t file);
// Adds the window's row to `buffer` (WindowsLayout).
Status AddWindowRow(const StoredWindow& w, RecordBuffer* buffer);

// Adds a result row to `buffer` (its kind's ResultLayout): the window's
// head, then the kind's columns.
Status AddResultRow(model::ResultKind kind, const StoredWindow& w, const model::ResultRow& row,
                    RecordBuffer* buffer);
// A row of a kind's table read back (cells in ResultLayout's order).
model::ResultRow ResultRowOf(model::ResultKind kind, std::span<const Value> cells);
// Owning cells as the cells RecordBuffer takes (views into `values`).
std::vector<Cell> CellsOf(std::span<const Value> values);

}  // namespace starling::sink::hdf5
