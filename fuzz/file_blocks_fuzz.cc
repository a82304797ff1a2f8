// Fuzz target: the parallel scan's block splitting (source/file_blocks.h)
// against the line source, over arbitrary bytes and block sizes: the
// blocks, in order, with their line numbers completed, must be exactly the
// line source's records. The first byte picks the block size.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include "source/byte_stream.h"
#include "source/file_blocks.h"
#include "source/record_source.h"

namespace {

struct Rec {
  std::string bytes;
  std::uint64_t line, offset;
  bool operator==(const Rec&) const = default;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Small inputs: tiny blocks already make hundreds of reads of each.
  if (size == 0 || size > 16384) return 0;
  const std::size_t block = 1 + data[0] % 64;
  ++data;
  --size;
  static const std::string path = "/tmp/starling-file-blocks-fuzz-" + std::to_string(::getpid());
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return 0;
  std::fwrite(data, 1, size, f);
  std::fclose(f);

  auto blocks = starling::source::FileBlocks::Open({path}, block);
  if (!blocks.ok()) __builtin_trap();
  if (*blocks == nullptr) return 0;  // compressed or JSON documents: not for blocks

  std::vector<Rec> want;
  auto stream = starling::source::OpenFileStream(path);
  if (!stream.ok()) __builtin_trap();
  auto src = starling::source::LineSource(std::move(*stream), path);
  starling::source::Record rec;
  for (;;) {
    auto r = src->Next(&rec);
    if (!r.ok()) __builtin_trap();
    if (!*r) break;
    want.push_back({std::string(rec.bytes), rec.line, rec.offset});
  }

  std::vector<Rec> got;
  std::uint64_t base = 0;
  starling::source::FileBlocks::Block b;
  for (std::size_t i = 0; i < (*blocks)->size(); ++i) {
    if (!(*blocks)->Read(i, &b).ok()) __builtin_trap();
    for (const auto& r : b.records) got.push_back({std::string(r.bytes), r.line + base, r.offset});
    base += b.newlines;
  }
  if (got != want) __builtin_trap();
  return 0;
}
