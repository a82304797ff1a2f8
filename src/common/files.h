// File: common/files.h
// Small file-system helpers every output shares.
#pragma once

#include <string>

#include "common/status.h"

namespace starling {

// Creates the folders `path` needs (like mkdir -p on its parent), so an
// output under a folder that does not exist yet is created there. IoError
// naming the folder and the cause when one cannot be made. "-" and a bare
// file name need nothing.
Status CreateParentDirs(const std::string& path);

}  // namespace starling
