// File: common/files.cc
#include "common/files.h"

#include <filesystem>

namespace starling {

Status CreateParentDirs(const std::string& path) {
  if (path.empty() || path == "-") return Status::Ok();
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return Status::Ok();
  std::error_code ec;
  if (std::filesystem::is_directory(parent, ec)) return Status::Ok();
  std::filesystem::create_directories(parent, ec);
  if (ec) {
    return IoError("cannot create the folder " + parent.string() + " for " + path + ": " +
                   ec.message());
  }
  return Status::Ok();
}

}  // namespace starling
