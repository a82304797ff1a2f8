// Pipeline files come from users: any bytes must give a pipeline or a clear
// InvalidArgument, never a crash or an exception.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "dataflow/pipeline_yaml.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  // Joins read the files they name; a fuzzer must not wander the file system.
  if (text.find("join") != std::string_view::npos) return 0;
  auto f = starling::dataflow::ParsePipelineYaml(text);
  if (f.ok()) (void)f->spec.Fingerprint();
  return 0;
}
