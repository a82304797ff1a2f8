// File: sink/sink.cc
// The names file outputs are checkpointed under.
#include "sink/sink.h"

#include <filesystem>

namespace starling::sink {

std::string FileOutputName(std::string_view kind, const std::string& path) {
  if (path == "-") return {};
  std::error_code ec;
  const std::filesystem::path abs = std::filesystem::weakly_canonical(path, ec);
  return std::string(kind) + ":" + (ec ? path : abs.string());
}

}  // namespace starling::sink
