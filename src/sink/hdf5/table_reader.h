// File: sink/hdf5/table_reader.h
// Rows of an HDF5 store's tables as cells, for the query layer: the logical
// tables of posts (sink/tables.h: posts, hashtags, ...), the result kinds'
// tables (model/result_columns.h: trending, counts, ...), `windows` and
// `analyses`, each with the columns of its definition (the file's `_null`
// companions folded into NULL cells), streamed block by block in file
// order. Owned by one thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sink/hdf5/internal/h5.h"
#include "sink/tables.h"

namespace starling::sink {

struct Hdf5Column {
  std::string name;
  model::ColumnType type = model::ColumnType::kText;
  bool nullable = false;
};

class Hdf5TableReader {
 public:
  // Opens the store read-only: NotFound, MalformedInput and Unsupported as
  // OpenHdf5PostStore (sink/hdf5/post_store.h).
  static Result<std::unique_ptr<Hdf5TableReader>> Open(const std::string& path);

  const std::string& Name() const { return path_; }

  // The tables the file holds, posts' first, then results'.
  std::vector<std::string> TableNames() const;

  // The columns of `table`, in order. NotFound when it is not a table of
  // the store ("valid: ...") or the file does not hold it.
  Result<std::vector<Hdf5Column>> Columns(std::string_view table) const;
  // Rows it holds. NotFound as Columns.
  Result<std::uint64_t> Rows(std::string_view table) const;

  // Calls on_row with every row of `table` in file order, its cells in
  // Columns' order (integers as int64, reals as double, text as string,
  // NULL as monostate); stops at, and returns, the first non-OK Status.
  // NotFound as Columns; MalformedInput when the table lacks a column;
  // IoError when a read fails.
  Status Scan(std::string_view table,
              const std::function<Status(std::span<const Value>)>& on_row) const;

 private:
  Hdf5TableReader(std::string path, hdf5::Handle file)
      : path_(std::move(path)), file_(std::move(file)) {}
  Result<hdf5::Handle> OpenTable(std::string_view table) const;

  std::string path_;
  hdf5::Handle file_;
};

// One table of the file at `path` as QueryableStore::Query hands a query's
// answer: on_columns once with the column names, then on_row per row.
Status ReadHdf5Table(const std::string& path, std::string_view table,
                     const std::function<Status(std::vector<std::string>)>& on_columns,
                     const std::function<Status(std::span<const Value>)>& on_row);

}  // namespace starling::sink
