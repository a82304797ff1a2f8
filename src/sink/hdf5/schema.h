// File: sink/hdf5/schema.h
// The HDF5 store's layout, owned here and nowhere else
// (docs/formats/hdf5.md): one 1-D compound dataset per table at the file's
// root, named and with columns as the logical tables (sink/tables.h), the
// result tables (model/result_columns.h), `windows` and `analyses`; the
// root's attributes say what the file is. The writers and readers of
// sink/hdf5/ open files and tables only through these.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/window_result.h"
#include "sink/hdf5/internal/h5.h"
#include "sink/tables.h"

namespace starling::sink::hdf5 {

// The root's `format` attribute, and its `schema_version` (bumped on any
// incompatible change; readers and writers refuse another with Unsupported).
inline constexpr std::string_view kFormatName = "starling-hdf5";
inline constexpr std::int64_t kSchemaVersion = 1;

// What a file holds, listed in the root's `contents` attribute.
inline constexpr std::string_view kPostsContent = "posts";
inline constexpr std::string_view kResultsContent = "window results";

// The columns of a logical table (posts, hashtags, ...).
std::vector<Column> PostTableColumns(LogicalTable table);
// A result kind's table: the window's head (pipeline, analysis,
// window_start, window_end: text, '' for the global window's open bounds),
// then the kind's columns.
std::vector<Column> ResultTableColumns(model::ResultKind kind);
// `windows`: one row per stored window (pipeline, analysis, kind,
// window_start, window_end, total, error_bound, final, rows, first_row:
// where its rows start in its kind's table).
std::vector<Column> WindowsColumns();
inline constexpr std::string_view kWindowsTable = "windows";
// `analyses`: what a run declared of its analyses (pipeline, analysis, kind,
// by, window, k, of).
std::vector<Column> AnalysesColumns();
inline constexpr std::string_view kAnalysesTable = "analyses";

// Every table a file may hold and its columns: the logical tables, then
// the result kinds' tables, windows and analyses. nullptr for another name.
const std::vector<Column>* TableColumns(std::string_view table);
std::vector<std::string_view> TableNames();

// Opens the store at `path` for writing, creating it (and its folders)
// when missing, and adds `content` to what its root says it holds.
// InvalidArgument when the file exists and is not an HDF5 file;
// MalformedInput when it is HDF5 but not a Starling store; Unsupported for
// another schema version; IoError when the library cannot open it (another
// process holds it: HDF5 locks a file it writes).
Result<Handle> OpenForWriting(const std::string& path, std::string_view content);
// Opens the store at `path` read-only: NotFound ("no such file: PATH"),
// MalformedInput ("PATH is not an HDF5 file", "... not a Starling HDF5
// store"), Unsupported as OpenForWriting.
Result<Handle> OpenForReading(const std::string& path);
// Removes the store at `path` (`--replace`): InvalidArgument, leaving it
// alone, when it exists and is not an HDF5 file.
Status RemoveStore(const std::string& path);

// Layouts of the tables, built once per process (their types stay open).
const Layout& PostLayout(LogicalTable table);
const Layout& ResultLayout(model::ResultKind kind);
const Layout& WindowsLayout();
const Layout& AnalysesLayout();
// The layout of any table TableColumns knows; nullptr for another name.
const Layout* LayoutOf(std::string_view table);

}  // namespace starling::sink::hdf5
