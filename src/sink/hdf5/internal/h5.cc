// File: sink/hdf5/internal/h5.cc
#include "sink/hdf5/internal/h5.h"

#include <cmath>
#include <cstring>
#include <limits>

namespace starling::sink::hdf5 {
namespace {

// The library's error stack, innermost first, as "desc (minor); ...".
herr_t CollectError(unsigned n, const H5E_error2_t* e, void* data) {
  auto* out = static_cast<std::string*>(data);
  if (n >= 3) return 0;  // the innermost say what went wrong; the rest is the call path
  char minor[128] = {0};
  if (H5Eget_msg(e->min_num, nullptr, minor, sizeof(minor)) < 0) minor[0] = '\0';
  if (!out->empty()) *out += "; ";
  *out += e->desc != nullptr ? e->desc : "?";
  if (minor[0] != '\0') *out += std::string(" (") + minor + ")";
  return 0;
}

// A variable-length UTF-8 string type.
Result<Handle> StringType() {
  STARLING_ASSIGN_OR_RETURN(Handle t, Check(H5Tcopy(H5T_C_S1), "HDF5 string type"));
  STARLING_RETURN_IF_ERROR(Check(H5Tset_size(t.get(), H5T_VARIABLE), "HDF5 string type"));
  STARLING_RETURN_IF_ERROR(Check(H5Tset_cset(t.get(), H5T_CSET_UTF8), "HDF5 string type"));
  return t;
}

// h5py's bool: an enum FALSE = 0, TRUE = 1 over a signed byte.
Result<Handle> BoolType(hid_t base) {
  STARLING_ASSIGN_OR_RETURN(Handle t, Check(H5Tenum_create(base), "HDF5 bool type"));
  const std::int8_t no = 0, yes = 1;
  STARLING_RETURN_IF_ERROR(Check(H5Tenum_insert(t.get(), "FALSE", &no), "HDF5 bool type"));
  STARLING_RETURN_IF_ERROR(Check(H5Tenum_insert(t.get(), "TRUE", &yes), "HDF5 bool type"));
  return t;
}

std::string NullMember(const Column& c) { return c.name + std::string(kNullSuffix); }

// A memory space of `rows` rows (the library refuses a 0-size one as a
// selection target, so callers skip empty writes).
Result<Handle> RowSpace(hsize_t rows) {
  return Check(H5Screate_simple(1, &rows, nullptr), "HDF5 dataspace");
}

Result<Handle> AccessList() {
  STARLING_ASSIGN_OR_RETURN(Handle dapl, Check(H5Pcreate(H5P_DATASET_ACCESS), "HDF5 dapl"));
  // A chunk larger than the cache bypasses it, and each batch then rewrites
  // (and recompresses) the whole chunk: keep a few chunks of a wide table.
  STARLING_RETURN_IF_ERROR(
      Check(H5Pset_chunk_cache(dapl.get(), 521, 16u << 20, 0.75), "HDF5 chunk cache"));
  return dapl;
}

std::string ObjectName(hid_t object) {
  char name[256] = {0};
  if (H5Iget_name(object, name, sizeof(name)) <= 0) return "?";
  return name;
}

}  // namespace

void Silence() {
  thread_local bool silenced = false;
  if (silenced) return;
  H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
  silenced = true;
}

Status LibraryError(std::string_view what, StatusCode code) {
  std::string stack;
  H5Ewalk2(H5E_DEFAULT, H5E_WALK_UPWARD, CollectError, &stack);
  H5Eclear2(H5E_DEFAULT);
  std::string msg(what);
  if (!stack.empty()) msg += ": " + stack;
  return Status(code, msg);
}

Handle& Handle::operator=(Handle&& o) noexcept {
  if (this != &o) {
    Reset();
    id_ = o.id_;
    o.id_ = H5I_INVALID_HID;
  }
  return *this;
}

bool Handle::Reset() {
  if (id_ < 0) return true;
  herr_t rc = -1;
  switch (H5Iget_type(id_)) {
    case H5I_FILE:
      rc = H5Fclose(id_);
      break;
    case H5I_GROUP:
      rc = H5Gclose(id_);
      break;
    case H5I_DATATYPE:
      rc = H5Tclose(id_);
      break;
    case H5I_DATASPACE:
      rc = H5Sclose(id_);
      break;
    case H5I_DATASET:
      rc = H5Dclose(id_);
      break;
    case H5I_ATTR:
      rc = H5Aclose(id_);
      break;
    case H5I_GENPROP_LST:
      rc = H5Pclose(id_);
      break;
    default:
      rc = H5Idec_ref(id_) < 0 ? -1 : 0;
      break;
  }
  id_ = H5I_INVALID_HID;
  if (rc < 0) H5Eclear2(H5E_DEFAULT);
  return rc >= 0;
}

Result<Handle> Check(hid_t id, std::string_view what, StatusCode code) {
  if (id < 0) return LibraryError(what, code);
  return Handle(id);
}

Status Check(herr_t rc, std::string_view what) {
  if (rc < 0) return LibraryError(what);
  return Status::Ok();
}

// --- Layout ------------------------------------------------------------------

Result<Layout> Layout::Make(std::vector<Column> columns) {
  Silence();
  Layout l;
  l.columns_ = std::move(columns);
  const std::size_t n = l.columns_.size();
  l.null_offset_.assign(n, 0);
  std::size_t nulls = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (l.columns_[i].nullable) l.null_offset_[i] = n * 8 + nulls++;
  }
  l.record_size_ = (n * 8 + nulls + 7) / 8 * 8;
  static_assert(sizeof(char*) == 8 && sizeof(double) == 8, "8-byte slots");

  STARLING_ASSIGN_OR_RETURN(Handle text, StringType());
  STARLING_ASSIGN_OR_RETURN(Handle mem_bool, BoolType(H5T_NATIVE_INT8));
  STARLING_ASSIGN_OR_RETURN(Handle file_bool, BoolType(H5T_STD_I8LE));
  auto member_type = [&](model::ColumnType t, bool file) -> hid_t {
    switch (t) {
      case model::ColumnType::kInt:
        return file ? H5T_STD_I64LE : H5T_NATIVE_INT64;
      case model::ColumnType::kReal:
        return file ? H5T_IEEE_F64LE : H5T_NATIVE_DOUBLE;
      case model::ColumnType::kText:
        return text.get();
    }
    return text.get();
  };
  STARLING_ASSIGN_OR_RETURN(l.memory_type_,
                            Check(H5Tcreate(H5T_COMPOUND, l.record_size_), "HDF5 compound type"));
  for (std::size_t i = 0; i < n; ++i) {
    const Column& c = l.columns_[i];
    STARLING_RETURN_IF_ERROR(
        Check(H5Tinsert(l.memory_type_.get(), c.name.c_str(), i * 8, member_type(c.type, false)),
              "HDF5 compound member " + c.name));
    if (c.nullable) {
      STARLING_RETURN_IF_ERROR(Check(
          H5Tinsert(l.memory_type_.get(), NullMember(c).c_str(), l.null_offset_[i], mem_bool.get()),
          "HDF5 compound member " + c.name));
    }
  }
  // The file's record: packed, each NULL flag right after its column, so
  // h5dump and h5py list them side by side.
  std::size_t file_size = 0;
  for (const Column& c : l.columns_) {
    file_size += H5Tget_size(member_type(c.type, true)) + (c.nullable ? 1 : 0);
  }
  STARLING_ASSIGN_OR_RETURN(l.file_type_,
                            Check(H5Tcreate(H5T_COMPOUND, file_size), "HDF5 compound type"));
  std::size_t offset = 0;
  for (const Column& c : l.columns_) {
    const hid_t t = member_type(c.type, true);
    STARLING_RETURN_IF_ERROR(Check(H5Tinsert(l.file_type_.get(), c.name.c_str(), offset, t),
                                   "HDF5 compound member " + c.name));
    offset += H5Tget_size(t);
    if (c.nullable) {
      STARLING_RETURN_IF_ERROR(
          Check(H5Tinsert(l.file_type_.get(), NullMember(c).c_str(), offset, file_bool.get()),
                "HDF5 compound member " + c.name));
      offset += 1;
    }
  }
  return l;
}

// --- RecordBuffer --------------------------------------------------------------

Status RecordBuffer::Add(std::span<const Cell> cells) {
  const auto& columns = layout_->columns();
  if (cells.size() != columns.size()) {
    return Internal("HDF5 row of " + std::to_string(cells.size()) + " cells for " +
                    std::to_string(columns.size()) + " columns");
  }
  const std::size_t base = records_.size();
  records_.resize(base + layout_->record_size(), 0);
  for (std::size_t i = 0; i < columns.size(); ++i) {
    const Column& c = columns[i];
    unsigned char* slot = records_.data() + base + layout_->value_offset(i);
    const Cell& cell = cells[i];
    const bool null = std::holds_alternative<std::monostate>(cell);
    if (null && c.nullable) records_[base + layout_->null_offset(i)] = 1;
    switch (c.type) {
      case model::ColumnType::kInt: {
        std::int64_t v = 0;
        if (const auto* iv = std::get_if<std::int64_t>(&cell)) v = *iv;
        if (const auto* dv = std::get_if<double>(&cell)) v = static_cast<std::int64_t>(*dv);
        std::memcpy(slot, &v, 8);
        break;
      }
      case model::ColumnType::kReal: {
        // NULL is NaN too, so that a reader ignoring the flag still sees no value.
        double v = null ? std::numeric_limits<double>::quiet_NaN() : 0.0;
        if (const auto* dv = std::get_if<double>(&cell)) v = *dv;
        if (const auto* iv = std::get_if<std::int64_t>(&cell)) v = static_cast<double>(*iv);
        std::memcpy(slot, &v, 8);
        break;
      }
      case model::ColumnType::kText: {
        std::string_view s;
        if (const auto* sv = std::get_if<std::string_view>(&cell)) s = *sv;
        if (s.find('\0') != std::string_view::npos) {
          ++rows_;  // this half-built row, dropped with its text
          Truncate(rows_ - 1);
          return InvalidArgument("column " + c.name +
                                 " holds a NUL character, which an HDF5 string cannot keep");
        }
        text_slots_.push_back({base + layout_->value_offset(i), arena_.size()});
        arena_.append(s);
        arena_.push_back('\0');
        break;
      }
    }
  }
  ++rows_;
  return Status::Ok();
}

const void* RecordBuffer::Records() {
  for (const auto& [slot, offset] : text_slots_) {
    const char* p = arena_.data() + offset;
    std::memcpy(records_.data() + slot, &p, sizeof(p));
  }
  return records_.data();
}

void RecordBuffer::Truncate(std::size_t rows) {
  if (rows >= rows_) return;
  const std::size_t end = rows * layout_->record_size();
  records_.resize(end);
  while (!text_slots_.empty() && text_slots_.back().first >= end) {
    arena_.resize(text_slots_.back().second);
    text_slots_.pop_back();
  }
  rows_ = rows;
}

void RecordBuffer::Clear() {
  records_.clear();
  arena_.clear();
  text_slots_.clear();
  rows_ = 0;
}

// --- Tables ------------------------------------------------------------------

Result<Handle> OpenTable(hid_t file, const std::string& name, const Layout& layout) {
  Silence();
  if (!HasObject(file, name)) return NotFound("no table /" + name);
  STARLING_ASSIGN_OR_RETURN(Handle dapl, AccessList());
  STARLING_ASSIGN_OR_RETURN(
      Handle ds, Check(H5Dopen2(file, name.c_str(), dapl.get()),
                       "cannot open HDF5 dataset /" + name, StatusCode::kMalformedInput));
  STARLING_ASSIGN_OR_RETURN(Handle type, Check(H5Dget_type(ds.get()), "HDF5 type of /" + name));
  STARLING_ASSIGN_OR_RETURN(Handle space,
                            Check(H5Dget_space(ds.get()), "HDF5 dataspace of /" + name));
  if (H5Tget_class(type.get()) != H5T_COMPOUND || H5Sget_simple_extent_ndims(space.get()) != 1) {
    return MalformedInput("/" + name + " is not a 1-D dataset of a compound type");
  }
  for (const Column& c : layout.columns()) {
    if (H5Tget_member_index(type.get(), c.name.c_str()) < 0) {
      H5Eclear2(H5E_DEFAULT);
      return MalformedInput("/" + name + " has no column " + c.name);
    }
    if (c.nullable && H5Tget_member_index(type.get(), NullMember(c).c_str()) < 0) {
      H5Eclear2(H5E_DEFAULT);
      return MalformedInput("/" + name + " has no column " + NullMember(c));
    }
  }
  return ds;
}

Result<Handle> OpenOrCreateTable(hid_t file, const std::string& name, const Layout& layout,
                                 const DatasetOptions& options) {
  Silence();
  if (HasObject(file, name)) return OpenTable(file, name, layout);
  const hsize_t zero = 0, unlimited = H5S_UNLIMITED;
  const hsize_t chunk = options.chunk_rows < 1 ? 1 : options.chunk_rows;
  STARLING_ASSIGN_OR_RETURN(Handle space,
                            Check(H5Screate_simple(1, &zero, &unlimited), "HDF5 dataspace"));
  STARLING_ASSIGN_OR_RETURN(Handle dcpl, Check(H5Pcreate(H5P_DATASET_CREATE), "HDF5 dcpl"));
  STARLING_RETURN_IF_ERROR(Check(H5Pset_chunk(dcpl.get(), 1, &chunk), "HDF5 chunking"));
  if (options.deflate > 0 && H5Zfilter_avail(H5Z_FILTER_DEFLATE) > 0) {
    STARLING_RETURN_IF_ERROR(Check(H5Pset_shuffle(dcpl.get()), "HDF5 shuffle"));
    STARLING_RETURN_IF_ERROR(
        Check(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.deflate)), "HDF5 deflate"));
  }
  STARLING_ASSIGN_OR_RETURN(Handle dapl, AccessList());
  return Check(H5Dcreate2(file, name.c_str(), layout.file_type(), space.get(), H5P_DEFAULT,
                          dcpl.get(), dapl.get()),
               "cannot create HDF5 dataset /" + name);
}

Result<hsize_t> TableRows(hid_t dataset) {
  STARLING_ASSIGN_OR_RETURN(Handle space, Check(H5Dget_space(dataset), "HDF5 dataspace"));
  hsize_t n = 0;
  if (H5Sget_simple_extent_dims(space.get(), &n, nullptr) != 1) {
    return LibraryError("HDF5 extent of " + ObjectName(dataset), StatusCode::kMalformedInput);
  }
  return n;
}

Status WriteRows(hid_t dataset, const Layout& layout, hsize_t first, hsize_t rows,
                 const void* records, hsize_t new_size) {
  const std::string what = "HDF5 write of " + ObjectName(dataset);
  STARLING_RETURN_IF_ERROR(Check(H5Dset_extent(dataset, &new_size), what));
  if (rows == 0) return Status::Ok();
  STARLING_ASSIGN_OR_RETURN(Handle file_space, Check(H5Dget_space(dataset), what));
  STARLING_RETURN_IF_ERROR(
      Check(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &first, nullptr, &rows, nullptr),
            what));
  STARLING_ASSIGN_OR_RETURN(Handle mem_space, RowSpace(rows));
  return Check(H5Dwrite(dataset, layout.memory_type(), mem_space.get(), file_space.get(),
                        H5P_DEFAULT, records),
               what);
}

Status AppendRows(hid_t dataset, const Layout& layout, RecordBuffer& buffer) {
  if (buffer.empty()) return Status::Ok();
  STARLING_ASSIGN_OR_RETURN(const hsize_t size, TableRows(dataset));
  const hsize_t rows = buffer.rows();
  return WriteRows(dataset, layout, size, rows, buffer.Records(), size + rows);
}

Status WriteRowsAt(hid_t dataset, const Layout& layout, RecordBuffer& buffer,
                   std::span<const hsize_t> indexes) {
  if (buffer.empty()) return Status::Ok();
  if (indexes.size() != buffer.rows()) return Internal("HDF5 WriteRowsAt: rows and indexes differ");
  const std::string what = "HDF5 write of " + ObjectName(dataset);
  STARLING_ASSIGN_OR_RETURN(Handle file_space, Check(H5Dget_space(dataset), what));
  STARLING_RETURN_IF_ERROR(Check(
      H5Sselect_elements(file_space.get(), H5S_SELECT_SET, indexes.size(), indexes.data()), what));
  STARLING_ASSIGN_OR_RETURN(Handle mem_space, RowSpace(indexes.size()));
  return Check(H5Dwrite(dataset, layout.memory_type(), mem_space.get(), file_space.get(),
                        H5P_DEFAULT, buffer.Records()),
               what);
}

Status ReadRows(hid_t dataset, const Layout& layout, hsize_t first, hsize_t count,
                const std::function<Status(std::span<const Value>)>& on_row) {
  Silence();
  STARLING_ASSIGN_OR_RETURN(const hsize_t size, TableRows(dataset));
  if (first >= size) return Status::Ok();
  const hsize_t end = count == 0 || count > size - first ? size : first + count;
  const std::string what = "HDF5 read of " + ObjectName(dataset);
  const auto& columns = layout.columns();
  constexpr hsize_t kBlock = 4096;
  std::vector<unsigned char> buf;
  std::vector<Value> row(columns.size());
  STARLING_ASSIGN_OR_RETURN(Handle file_space, Check(H5Dget_space(dataset), what));
  for (hsize_t at = first; at < end;) {
    const hsize_t n = std::min(kBlock, end - at);
    buf.assign(n * layout.record_size(), 0);
    STARLING_RETURN_IF_ERROR(Check(
        H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &at, nullptr, &n, nullptr), what));
    STARLING_ASSIGN_OR_RETURN(Handle mem_space, RowSpace(n));
    STARLING_RETURN_IF_ERROR(Check(H5Dread(dataset, layout.memory_type(), mem_space.get(),
                                           file_space.get(), H5P_DEFAULT, buf.data()),
                                   what));
    Status st;
    for (hsize_t r = 0; r < n && st.ok(); ++r) {
      const unsigned char* rec = buf.data() + r * layout.record_size();
      for (std::size_t i = 0; i < columns.size(); ++i) {
        const Column& c = columns[i];
        const unsigned char* slot = rec + layout.value_offset(i);
        if (c.nullable && rec[layout.null_offset(i)] != 0) {
          row[i] = std::monostate{};
          continue;
        }
        switch (c.type) {
          case model::ColumnType::kInt: {
            std::int64_t v;
            std::memcpy(&v, slot, 8);
            row[i] = v;
            break;
          }
          case model::ColumnType::kReal: {
            double v;
            std::memcpy(&v, slot, 8);
            row[i] = v;
            break;
          }
          case model::ColumnType::kText: {
            const char* p;
            std::memcpy(&p, slot, sizeof(p));
            row[i] = std::string(p != nullptr ? p : "");
            break;
          }
        }
      }
      st = on_row(row);
    }
    // The strings the library allocated for this block.
    const herr_t reclaimed =
        H5Dvlen_reclaim(layout.memory_type(), mem_space.get(), H5P_DEFAULT, buf.data());
    STARLING_RETURN_IF_ERROR(st);
    STARLING_RETURN_IF_ERROR(Check(reclaimed, what));
    at += n;
  }
  return Status::Ok();
}

Result<const std::vector<Value>*> RowCursor::Peek() {
  if (index_ < block_.size()) return &block_[index_];
  if (next_ >= rows_) return nullptr;
  block_.clear();
  index_ = 0;
  block_start_ = next_;
  const hsize_t n = std::min(block_size_, rows_ - next_);
  STARLING_RETURN_IF_ERROR(ReadRows(dataset_, *layout_, next_, n, [&](std::span<const Value> row) {
    block_.emplace_back(row.begin(), row.end());
    return Status::Ok();
  }));
  next_ += n;
  if (block_.empty()) return nullptr;
  return &block_[0];
}

// --- Attributes --------------------------------------------------------------

namespace {

Status WriteAttribute(hid_t object, const std::string& name, hid_t type, const void* value) {
  const std::string what = "HDF5 attribute " + name;
  if (H5Aexists(object, name.c_str()) > 0) {
    STARLING_RETURN_IF_ERROR(Check(H5Adelete(object, name.c_str()), what));
  }
  STARLING_ASSIGN_OR_RETURN(Handle space, Check(H5Screate(H5S_SCALAR), what));
  STARLING_ASSIGN_OR_RETURN(
      Handle attr,
      Check(H5Acreate2(object, name.c_str(), type, space.get(), H5P_DEFAULT, H5P_DEFAULT), what));
  return Check(H5Awrite(attr.get(), type, value), what);
}

Result<Handle> OpenAttribute(hid_t object, const std::string& name, H5T_class_t want) {
  if (H5Aexists(object, name.c_str()) <= 0) {
    H5Eclear2(H5E_DEFAULT);
    return NotFound("no attribute " + name);
  }
  const std::string what = "HDF5 attribute " + name;
  STARLING_ASSIGN_OR_RETURN(Handle attr, Check(H5Aopen(object, name.c_str(), H5P_DEFAULT), what));
  STARLING_ASSIGN_OR_RETURN(Handle type, Check(H5Aget_type(attr.get()), what));
  if (H5Tget_class(type.get()) != want)
    return MalformedInput("attribute " + name + " has a wrong type");
  return attr;
}

}  // namespace

Status SetTextAttribute(hid_t object, const std::string& name, std::string_view value) {
  STARLING_ASSIGN_OR_RETURN(Handle type, StringType());
  const std::string copy(value);
  const char* p = copy.c_str();
  return WriteAttribute(object, name, type.get(), &p);
}

Status SetIntAttribute(hid_t object, const std::string& name, std::int64_t value) {
  return WriteAttribute(object, name, H5T_STD_I64LE, &value);
}

Result<std::string> TextAttribute(hid_t object, const std::string& name) {
  Silence();
  STARLING_ASSIGN_OR_RETURN(Handle attr, OpenAttribute(object, name, H5T_STRING));
  const std::string what = "HDF5 attribute " + name;
  STARLING_ASSIGN_OR_RETURN(Handle file_type, Check(H5Aget_type(attr.get()), what));
  if (H5Tis_variable_str(file_type.get()) > 0) {
    STARLING_ASSIGN_OR_RETURN(Handle type, StringType());
    char* p = nullptr;
    STARLING_RETURN_IF_ERROR(Check(H5Aread(attr.get(), type.get(), &p), what));
    std::string out = p != nullptr ? p : "";
    H5free_memory(p);
    return out;
  }
  // A fixed-length string (another writer's).
  const std::size_t size = H5Tget_size(file_type.get());
  std::string out(size, '\0');
  STARLING_RETURN_IF_ERROR(Check(H5Aread(attr.get(), file_type.get(), out.data()), what));
  out.resize(std::strlen(out.c_str()));
  return out;
}

Result<std::int64_t> IntAttribute(hid_t object, const std::string& name) {
  Silence();
  STARLING_ASSIGN_OR_RETURN(Handle attr, OpenAttribute(object, name, H5T_INTEGER));
  std::int64_t v = 0;
  STARLING_RETURN_IF_ERROR(
      Check(H5Aread(attr.get(), H5T_NATIVE_INT64, &v), "HDF5 attribute " + name));
  return v;
}

bool HasObject(hid_t file, const std::string& name) {
  const htri_t rc = H5Lexists(file, name.c_str(), H5P_DEFAULT);
  if (rc < 0) H5Eclear2(H5E_DEFAULT);
  return rc > 0;
}

}  // namespace starling::sink::hdf5
