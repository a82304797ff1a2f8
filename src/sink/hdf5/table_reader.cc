// File: sink/hdf5/table_reader.cc
#include "sink/hdf5/table_reader.h"

#include "sink/hdf5/schema.h"

namespace starling::sink {

Result<std::unique_ptr<Hdf5TableReader>> Hdf5TableReader::Open(const std::string& path) {
  STARLING_ASSIGN_OR_RETURN(hdf5::Handle file, hdf5::OpenForReading(path));
  return std::unique_ptr<Hdf5TableReader>(new Hdf5TableReader(path, std::move(file)));
}

std::vector<std::string> Hdf5TableReader::TableNames() const {
  hdf5::Silence();
  std::vector<std::string> out;
  for (std::string_view t : hdf5::TableNames()) {
    if (hdf5::HasObject(file_.get(), std::string(t))) out.emplace_back(t);
  }
  return out;
}

Result<hdf5::Handle> Hdf5TableReader::OpenTable(std::string_view table) const {
  hdf5::Silence();
  const hdf5::Layout* layout = hdf5::LayoutOf(table);
  if (layout == nullptr) {
    std::string valid;
    for (std::string_view t : hdf5::TableNames())
      valid += (valid.empty() ? "" : ", ") + std::string(t);
    return NotFound("no table '" + std::string(table) + "' in an HDF5 store (valid: " + valid +
                    ")");
  }
  auto ds = hdf5::OpenTable(file_.get(), std::string(table), *layout);
  if (!ds.ok()) return Status(ds.status().code(), path_ + ": " + ds.status().message());
  return std::move(*ds);
}

Result<std::vector<Hdf5Column>> Hdf5TableReader::Columns(std::string_view table) const {
  STARLING_ASSIGN_OR_RETURN(hdf5::Handle ds, OpenTable(table));
  std::vector<Hdf5Column> out;
  for (const hdf5::Column& c : hdf5::LayoutOf(table)->columns()) {
    out.push_back({c.name, c.type, c.nullable});
  }
  return out;
}

Result<std::uint64_t> Hdf5TableReader::Rows(std::string_view table) const {
  STARLING_ASSIGN_OR_RETURN(hdf5::Handle ds, OpenTable(table));
  STARLING_ASSIGN_OR_RETURN(const hsize_t n, hdf5::TableRows(ds.get()));
  return static_cast<std::uint64_t>(n);
}

Status Hdf5TableReader::Scan(std::string_view table,
                             const std::function<Status(std::span<const Value>)>& on_row) const {
  STARLING_ASSIGN_OR_RETURN(hdf5::Handle ds, OpenTable(table));
  return hdf5::ReadRows(ds.get(), *hdf5::LayoutOf(table), 0, 0, on_row);
}

Status ReadHdf5Table(const std::string& path, std::string_view table,
                     const std::function<Status(std::vector<std::string>)>& on_columns,
                     const std::function<Status(std::span<const Value>)>& on_row) {
  STARLING_ASSIGN_OR_RETURN(auto reader, Hdf5TableReader::Open(path));
  STARLING_ASSIGN_OR_RETURN(const auto columns, reader->Columns(table));
  std::vector<std::string> names;
  for (const Hdf5Column& c : columns) names.push_back(c.name);
  STARLING_RETURN_IF_ERROR(on_columns(std::move(names)));
  return reader->Scan(table, on_row);
}

}  // namespace starling::sink
