// Fuzz target: the record reader (line splitting, document detection,
// gzip/zstd detection) over arbitrary bytes. Records must tile the input.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>

#include "source/record_source.h"

namespace {

class MemoryStream final : public starling::source::ByteStream {
 public:
  MemoryStream(const std::uint8_t* d, std::size_t n) : d_(d), n_(n) {}
  starling::Result<std::size_t> Read(char* buf, std::size_t n) override {
    std::size_t k = std::min(n, std::min<std::size_t>(n_ - pos_, 7 + pos_ % 13));
    std::memcpy(buf, d_ + pos_, k);
    pos_ += k;
    return k;
  }

 private:
  const std::uint8_t* d_;
  std::size_t n_;
  std::size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  auto src = starling::source::LineSource(
      starling::source::AutoDecompress(std::make_unique<MemoryStream>(data, size)), "fuzz");
  starling::source::Record rec;
  for (int i = 0; i < 100000; ++i) {
    auto r = src->Next(&rec);
    if (!r.ok() || !*r) break;
  }
  return 0;
}
