// File: sink/hdf5/internal/h5.h
// The HDF5 store's one wrapper over the libhdf5 C API: handles that close
// themselves, the library's error stack turned into a Status, and tables as
// 1-D extendible datasets of a compound type built from a column list
// (Layout), written from cells (RecordBuffer) and read back as cells
// (RowCursor). Nothing outside sink/hdf5/ includes hdf5.h.
//
// Threads: Debian's libhdf5 is built thread-safe (one global lock), but the
// handles here are not shared: every object belongs to the thread that
// opened it, and the error-printing switch (Silence) is per thread.
#pragma once

#include <hdf5.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "model/result_columns.h"
#include "sink/tables.h"

namespace starling::sink::hdf5 {

// Turns off the library's printing of its error stack to stderr on the
// calling thread (the stack is read into the Status instead). Cheap after
// the first call; every entry point calls it.
void Silence();

// A failure of the library: `what` followed by the messages of its error
// stack (innermost first), which it then clears. IoError unless `code`.
Status LibraryError(std::string_view what, StatusCode code = StatusCode::kIoError);

// An identifier of the library (file, group, dataset, type, space, property
// list, attribute), closed on destruction with the matching H5?close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& o) noexcept : id_(o.id_) { o.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& o) noexcept;
  ~Handle() { Reset(); }

  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Closes it now; false when the library refused (a file whose last write failed).
  bool Reset();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// An id the library returned, or its error stack when it is negative.
Result<Handle> Check(hid_t id, std::string_view what, StatusCode code = StatusCode::kIoError);
// A herr_t the library returned: its error stack when negative.
Status Check(herr_t rc, std::string_view what);

// A column of a stored table. A nullable column keeps a companion member
// `<name>_null` (an HDF5 enum FALSE/TRUE over int8, what h5py reads as a
// bool) that is TRUE for NULL; the value member then holds 0, NaN or "".
struct Column {
  std::string name;
  model::ColumnType type = model::ColumnType::kText;
  bool nullable = false;
};

// The suffix of a nullable column's companion member.
inline constexpr std::string_view kNullSuffix = "_null";

// The compound types of one table: the record in memory (8 bytes per value:
// int64, double or a char* to UTF-8 text; then one byte per NULL flag) and
// in the file (packed, little-endian, variable-length UTF-8 strings).
class Layout {
 public:
  static Result<Layout> Make(std::vector<Column> columns);

  const std::vector<Column>& columns() const { return columns_; }
  std::size_t record_size() const { return record_size_; }
  std::size_t value_offset(std::size_t column) const { return column * 8; }
  // Only for nullable columns.
  std::size_t null_offset(std::size_t column) const { return null_offset_[column]; }
  hid_t memory_type() const { return memory_type_.get(); }
  hid_t file_type() const { return file_type_.get(); }

 private:
  std::vector<Column> columns_;
  std::vector<std::size_t> null_offset_;
  std::size_t record_size_ = 0;
  Handle memory_type_;
  Handle file_type_;
};

// Records of one table built from cells, text copied into an arena, ready
// for one write of many rows.
class RecordBuffer {
 public:
  explicit RecordBuffer(const Layout* layout) : layout_(layout) {}

  // Cells in column order: monostate for NULL (a column that is not
  // nullable takes 0 or ""), int64, double or text. Internal when the row
  // has the wrong width.
  Status Add(std::span<const Cell> cells);
  std::size_t rows() const { return rows_; }
  // Drops the rows after the first `rows` (a post whose later rows failed).
  void Truncate(std::size_t rows);
  bool empty() const { return rows_ == 0; }
  // The records, their text pointers set into the arena; valid until the
  // next Add or Clear.
  const void* Records();
  void Clear();

 private:
  const Layout* layout_;
  std::vector<unsigned char> records_;
  std::string arena_;  // each text NUL-terminated
  // Where each text pointer goes (a byte of records_) and its text (a byte
  // of arena_): the arena moves as it grows, so Records() sets them last.
  std::vector<std::pair<std::size_t, std::size_t>> text_slots_;
  std::size_t rows_ = 0;
};

// Options of the datasets a writer creates.
struct DatasetOptions {
  hsize_t chunk_rows = 1024;
  int deflate = 4;  // 0: none; skipped when the library lacks the filter
};

// The file's dataset `name` as a table of `layout`: opened when it exists
// (MalformedInput when it is not a 1-D dataset of a compound type with
// every column), else created empty (chunked, extendible, deflated).
Result<Handle> OpenOrCreateTable(hid_t file, const std::string& name, const Layout& layout,
                                 const DatasetOptions& options);
// Opens an existing table for reading: NotFound when the file has no
// `name`; MalformedInput as OpenOrCreateTable.
Result<Handle> OpenTable(hid_t file, const std::string& name, const Layout& layout);
// Rows the table holds.
Result<hsize_t> TableRows(hid_t dataset);

// Writes `records` as rows [first, first + rows) of the table, growing or
// shrinking it to `new_size` first (new_size >= first + rows).
Status WriteRows(hid_t dataset, const Layout& layout, hsize_t first, hsize_t rows,
                 const void* records, hsize_t new_size);
// Appends the buffer's rows at the end of the table.
Status AppendRows(hid_t dataset, const Layout& layout, RecordBuffer& buffer);
// Writes the buffer's rows over the rows at `indexes` (one per row, any order).
Status WriteRowsAt(hid_t dataset, const Layout& layout, RecordBuffer& buffer,
                   std::span<const hsize_t> indexes);

// Reads rows [first, first + count) of a table (count 0: to its end) block
// by block, handing each row's cells (NULL as monostate) to on_row; stops at
// the first non-OK Status.
Status ReadRows(hid_t dataset, const Layout& layout, hsize_t first, hsize_t count,
                const std::function<Status(std::span<const Value>)>& on_row);

// A table read one row at a time, in blocks (the merge of posts with their
// entity tables walks several at once).
class RowCursor {
 public:
  RowCursor(hid_t dataset, const Layout* layout, hsize_t rows, hsize_t block = 4096)
      : dataset_(dataset), layout_(layout), rows_(rows), block_size_(block) {}

  // The current row; nullptr at the end.
  Result<const std::vector<Value>*> Peek();
  void Advance() { ++index_; }
  // The index of the current row in the table.
  hsize_t position() const { return block_start_ + index_; }

 private:
  hid_t dataset_;
  const Layout* layout_;
  hsize_t rows_;
  hsize_t block_size_;
  hsize_t next_ = 0;         // the first row not yet read
  hsize_t block_start_ = 0;  // the row block_[0] is
  std::vector<std::vector<Value>> block_;
  std::size_t index_ = 0;
};

// --- Attributes -----------------------------------------------------------

// Sets a text (UTF-8) or integer attribute of an object, replacing any.
Status SetTextAttribute(hid_t object, const std::string& name, std::string_view value);
Status SetIntAttribute(hid_t object, const std::string& name, std::int64_t value);
// NotFound when the object has no attribute `name`; MalformedInput when it
// is not of that type.
Result<std::string> TextAttribute(hid_t object, const std::string& name);
Result<std::int64_t> IntAttribute(hid_t object, const std::string& name);

// Whether the file has a link (dataset or group) `name` at its root.
bool HasObject(hid_t file, const std::string& name);

}  // namespace starling::sink::hdf5
