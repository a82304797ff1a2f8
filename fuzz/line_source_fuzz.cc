// Fuzz target: the record reader (line splitting, document detection,
// gzip/zstd detection, records cut at a small limit) over arbitrary bytes.
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
  if (size == 0) return 0;
  // The first byte picks the hard limit on record size (small ones cut
  // often: the stream hands out 7 to 19 bytes a read); the rest is the input.
  starling::source::SourceOptions options;
  options.hard_max_record_bytes = data[0] < 128 ? 1 + data[0] % 40 : std::size_t{512} << 20;
  const std::uint8_t* in = data + 1;
  const std::size_t n = size - 1;
  // Plain input (not gzip or zstd): every record's bytes are the input's at
  // its offset, records come in order, and a cut one keeps exactly the
  // limit's bytes of a longer whole.
  const bool plain = !(n >= 2 && in[0] == 0x1f && in[1] == 0x8b) &&
                     !(n >= 4 && in[0] == 0x28 && in[1] == 0xb5 && in[2] == 0x2f && in[3] == 0xfd);
  auto src = starling::source::LineSource(
      starling::source::AutoDecompress(std::make_unique<MemoryStream>(in, n)), "fuzz", options);
  starling::source::Record rec;
  std::uint64_t next = 0;  // records start at or after the end of the last one
  for (int i = 0; i < 100000; ++i) {
    auto r = src->Next(&rec);
    if (!r.ok() || !*r) break;
    if (!plain) continue;
    const std::uint64_t whole = rec.truncated ? rec.full_size : rec.bytes.size();
    if (rec.offset < next || rec.offset + whole > n) __builtin_trap();
    if (std::memcmp(rec.bytes.data(), in + rec.offset, rec.bytes.size()) != 0) __builtin_trap();
    if (rec.truncated &&
        (rec.bytes.size() != options.hard_max_record_bytes || rec.full_size <= rec.bytes.size())) {
      __builtin_trap();
    }
    next = rec.offset + whole;
  }
  return 0;
}
