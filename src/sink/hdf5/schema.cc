// File: sink/hdf5/schema.cc
#include "sink/hdf5/schema.h"

#include <cstdlib>
#include <filesystem>

#include "common/files.h"
#include "model/result_columns.h"

namespace starling::sink::hdf5 {
namespace {

using model::ColumnType;

// The root attributes' names.
constexpr const char* kFormatAttr = "format";
constexpr const char* kVersionAttr = "schema_version";
constexpr const char* kContentsAttr = "contents";
constexpr const char* kLayoutAttr = "layout";
constexpr std::string_view kLayoutText =
    "one 1-D compound dataset per table at the root; a nullable column C has a companion "
    "C_null (TRUE: NULL, the value then 0, NaN or ''); see docs/formats/hdf5.md";

Layout MakeOrDie(std::vector<Column> columns) {
  auto l = Layout::Make(std::move(columns));
  if (!l.ok()) std::abort();  // building a type from constants: a bug every test catches
  return std::move(*l);
}

// "posts" and "window results" -> "posts, window results", in that order.
std::string AddContent(std::string_view have, std::string_view add) {
  bool posts = have.find(kPostsContent) != std::string_view::npos || add == kPostsContent;
  bool results = have.find(kResultsContent) != std::string_view::npos || add == kResultsContent;
  std::string out;
  if (posts) out = kPostsContent;
  if (results) out += (out.empty() ? "" : ", ") + std::string(kResultsContent);
  return out;
}

Status CheckStore(hid_t file, const std::string& path) {
  auto format = TextAttribute(file, kFormatAttr);
  if (!format.ok() || *format != kFormatName) {
    return MalformedInput(path + " is an HDF5 file but not a Starling HDF5 store (no format = '" +
                          std::string(kFormatName) + "' attribute at its root)");
  }
  auto version = IntAttribute(file, kVersionAttr);
  if (!version.ok()) {
    return MalformedInput(path + " has no schema_version attribute");
  }
  if (*version != kSchemaVersion) {
    return Unsupported(path + " has HDF5 store schema version " + std::to_string(*version) +
                       "; this build reads and writes version " + std::to_string(kSchemaVersion));
  }
  return Status::Ok();
}

// >0: an HDF5 file; 0: not one; <0: cannot tell (unreadable).
htri_t IsHdf5(const std::string& path) {
  const htri_t rc = H5Fis_hdf5(path.c_str());
  if (rc < 0) H5Eclear2(H5E_DEFAULT);
  return rc;
}

}  // namespace

std::vector<Column> PostTableColumns(LogicalTable table) {
  std::vector<Column> out;
  for (const TableColumn& c : TableInfoOf(table).columns) {
    out.push_back({std::string(c.name), c.type, c.nullable});
  }
  return out;
}

std::vector<Column> ResultTableColumns(model::ResultKind kind) {
  std::vector<Column> out = {{"pipeline", ColumnType::kText, false},
                             {"analysis", ColumnType::kText, false},
                             {"window_start", ColumnType::kText, false},
                             {"window_end", ColumnType::kText, false}};
  for (const model::ResultColumn& c : model::ResultKindInfoOf(kind).columns) {
    out.push_back({std::string(c.name), c.type, false});
  }
  return out;
}

std::vector<Column> WindowsColumns() {
  return {{"pipeline", ColumnType::kText, false},   {"analysis", ColumnType::kText, false},
          {"kind", ColumnType::kText, false},       {"window_start", ColumnType::kText, false},
          {"window_end", ColumnType::kText, false}, {"total", ColumnType::kInt, false},
          {"error_bound", ColumnType::kInt, false}, {"final", ColumnType::kInt, false},
          {"rows", ColumnType::kInt, false},        {"first_row", ColumnType::kInt, false}};
}

std::vector<Column> AnalysesColumns() {
  return {{"pipeline", ColumnType::kText, false}, {"analysis", ColumnType::kText, false},
          {"kind", ColumnType::kText, false},     {"by", ColumnType::kText, false},
          {"window", ColumnType::kText, false},   {"k", ColumnType::kInt, false},
          {"of", ColumnType::kText, false}};
}

const Layout& PostLayout(LogicalTable table) {
  static const auto* layouts = [] {
    auto* v = new std::vector<Layout>();  // never freed: the library may be closed before exit
    for (const TableInfo& t : Tables()) v->push_back(MakeOrDie(PostTableColumns(t.table)));
    return v;
  }();
  return (*layouts)[static_cast<std::size_t>(table)];
}

const Layout& ResultLayout(model::ResultKind kind) {
  static const auto* layouts = [] {
    auto* v = new std::vector<Layout>();
    for (const model::ResultKindInfo& k : model::ResultKinds()) {
      v->push_back(MakeOrDie(ResultTableColumns(k.kind)));
    }
    return v;
  }();
  return (*layouts)[static_cast<std::size_t>(kind)];
}

const Layout& WindowsLayout() {
  static const auto* l = new Layout(MakeOrDie(WindowsColumns()));
  return *l;
}

const Layout& AnalysesLayout() {
  static const auto* l = new Layout(MakeOrDie(AnalysesColumns()));
  return *l;
}

std::vector<std::string_view> TableNames() {
  std::vector<std::string_view> out;
  for (const TableInfo& t : Tables()) out.push_back(t.name);
  for (const model::ResultKindInfo& k : model::ResultKinds()) out.push_back(k.table);
  out.push_back(kWindowsTable);
  out.push_back(kAnalysesTable);
  return out;
}

const Layout* LayoutOf(std::string_view table) {
  if (const TableInfo* t = FindTable(table)) return &PostLayout(t->table);
  for (const model::ResultKindInfo& k : model::ResultKinds()) {
    if (k.table == table) return &ResultLayout(k.kind);
  }
  if (table == kWindowsTable) return &WindowsLayout();
  if (table == kAnalysesTable) return &AnalysesLayout();
  return nullptr;
}

const std::vector<Column>* TableColumns(std::string_view table) {
  const Layout* l = LayoutOf(table);
  return l != nullptr ? &l->columns() : nullptr;
}

Result<Handle> OpenForWriting(const std::string& path, std::string_view content) {
  Silence();
  std::error_code ec;
  Handle file;
  // An empty file (made by mktemp, touch) is taken as a new store.
  const bool empty = std::filesystem::exists(path, ec) && std::filesystem::file_size(path, ec) == 0;
  if (!empty && std::filesystem::exists(path, ec)) {
    if (IsHdf5(path) <= 0) {
      return InvalidArgument(path + " exists and is not an HDF5 file; not writing to it");
    }
    STARLING_ASSIGN_OR_RETURN(file, Check(H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT),
                                          "cannot open HDF5 file " + path + " for writing"));
    STARLING_RETURN_IF_ERROR(CheckStore(file.get(), path));
  } else {
    STARLING_RETURN_IF_ERROR(CreateParentDirs(path));
    STARLING_ASSIGN_OR_RETURN(
        file, Check(H5Fcreate(path.c_str(), empty ? H5F_ACC_TRUNC : H5F_ACC_EXCL, H5P_DEFAULT,
                              H5P_DEFAULT),
                    "cannot create HDF5 file " + path));
    STARLING_RETURN_IF_ERROR(SetTextAttribute(file.get(), kFormatAttr, kFormatName));
    STARLING_RETURN_IF_ERROR(SetIntAttribute(file.get(), kVersionAttr, kSchemaVersion));
    STARLING_RETURN_IF_ERROR(SetTextAttribute(file.get(), kLayoutAttr, kLayoutText));
  }
  auto contents = TextAttribute(file.get(), kContentsAttr);
  const std::string have = contents.ok() ? *contents : "";
  const std::string want = AddContent(have, content);
  if (want != have) STARLING_RETURN_IF_ERROR(SetTextAttribute(file.get(), kContentsAttr, want));
  return file;
}

Result<Handle> OpenForReading(const std::string& path) {
  Silence();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return NotFound("no such file: " + path);
  const htri_t is = IsHdf5(path);
  if (is == 0) return MalformedInput(path + " is not an HDF5 file");
  if (is < 0) return IoError("cannot read " + path);
  STARLING_ASSIGN_OR_RETURN(Handle file,
                            Check(H5Fopen(path.c_str(), H5F_ACC_RDONLY, H5P_DEFAULT),
                                  "cannot open HDF5 file " + path, StatusCode::kMalformedInput));
  STARLING_RETURN_IF_ERROR(CheckStore(file.get(), path));
  return file;
}

Status RemoveStore(const std::string& path) {
  Silence();
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) return Status::Ok();
  if (IsHdf5(path) <= 0) {
    return InvalidArgument(path + " exists and is not an HDF5 file; not replacing it");
  }
  std::filesystem::remove(path, ec);
  if (ec) return IoError("cannot remove " + path + ": " + ec.message());
  return Status::Ok();
}

}  // namespace starling::sink::hdf5
