// A checkpoint file is read back on --resume: whatever its bytes, reading
// it must give the data or an error (MalformedInput, InvalidArgument), never
// crash or allocate without bound; and what it accepts must write back to
// the same bytes. DecodeCheckpoint is ReadCheckpoint without the file.
//
// Each input is tried twice: as a whole file, and as the body behind a
// correct header (magic, checksum, size), so that the fuzzer also gets past
// the checksum into the fields.
//
// "The same bytes" holds up to the encoding of numbers: ByteReader takes an
// over-long LEB128 varint (0x80 0x00 for 0) as its number, which writes back
// in its shortest form. So the check is: the re-written file reads as the
// same data, and re-writes to itself; when it differs from the input, the
// input can only have been another encoding of the same numbers (strings and
// fixed-width fields are written as read).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "analytics/hash.h"
#include "common/codec.h"
#include "dataflow/internal/checkpoint_format.h"

namespace {

using namespace starling;
using namespace starling::dataflow::internal;

bool Same(const CheckpointData& a, const CheckpointData& b) {
  const auto& s = a.stats;
  const auto& t = b.stats;
  return a.fingerprint == b.fingerprint && a.partitions == b.partitions &&
         a.position == b.position && a.source_position == b.source_position && a.id == b.id &&
         a.router == b.router && a.partition_states == b.partition_states &&
         a.collector == b.collector && a.sinks == b.sinks && s.records == t.records &&
         s.posts == t.posts && s.bytes == t.bytes && s.dead_letters == t.dead_letters &&
         s.controls == t.controls && s.late_posts == t.late_posts && s.results == t.results &&
         s.final_results == t.final_results && s.checkpoints == t.checkpoints;
}

void Check(std::string_view file) {
  Result<CheckpointData> d = DecodeCheckpoint(file, "fuzz");
  if (!d.ok()) {
    const StatusCode code = d.status().code();
    if (code != StatusCode::kMalformedInput && code != StatusCode::kInvalidArgument) std::abort();
    return;
  }
  const std::string again = EncodeCheckpoint(*d);
  if (again == file) return;
  Result<CheckpointData> back = DecodeCheckpoint(again, "fuzz");
  if (!back.ok() || !Same(*d, *back) || EncodeCheckpoint(*back) != again) std::abort();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  Check(in);
  std::string file(kCheckpointMagic);
  ByteWriter w(&file);
  w.PutFixed64(analytics::Hash64(in));
  w.PutFixed64(in.size());
  file.append(in);
  Check(file);
  return 0;
}
