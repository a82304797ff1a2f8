// The checkpoint file format (dataflow/internal/checkpoint_format.h): every
// field survives a write and a read, and each kind of damaged file gets its
// documented error.
#include "dataflow/internal/checkpoint_format.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>

#include "analytics/hash.h"
#include "common/codec.h"

namespace starling::dataflow::internal {
namespace {

using namespace std::string_literals;

// A checkpoint with every field set, each to a different value; strings hold
// binary bytes (NUL, 0xff) and the counters need multi-byte varints.
CheckpointData Sample() {
  CheckpointData d;
  d.fingerprint = "pipeline fingerprint \x01\xff"s;
  d.partitions = 3;
  d.position = 123456789012ULL;
  d.source_position = "file:0:4096\0tail"s;
  d.id = 42;
  d.router = "router\0state"s;
  d.partition_states = {"p0", ""s, std::string(300, '\x80')};
  d.collector = "collector state";
  d.stats.records = 1;
  d.stats.posts = 200;
  d.stats.bytes = 1ULL << 40;
  d.stats.dead_letters = 3;
  d.stats.controls = 4;
  d.stats.late_posts = 5;
  d.stats.results = 6;
  d.stats.final_results = 7;
  d.stats.checkpoints = 0xffffffffffffffffULL;
  d.sinks = {{"results.jsonl", "1234"}, {"dead.jsonl", ""}};
  return d;
}

void ExpectSame(const CheckpointData& a, const CheckpointData& b) {
  EXPECT_EQ(a.fingerprint, b.fingerprint);
  EXPECT_EQ(a.partitions, b.partitions);
  EXPECT_EQ(a.position, b.position);
  EXPECT_EQ(a.source_position, b.source_position);
  EXPECT_EQ(a.id, b.id);
  EXPECT_EQ(a.router, b.router);
  EXPECT_EQ(a.partition_states, b.partition_states);
  EXPECT_EQ(a.collector, b.collector);
  EXPECT_EQ(a.stats.records, b.stats.records);
  EXPECT_EQ(a.stats.posts, b.stats.posts);
  EXPECT_EQ(a.stats.bytes, b.stats.bytes);
  EXPECT_EQ(a.stats.dead_letters, b.stats.dead_letters);
  EXPECT_EQ(a.stats.controls, b.stats.controls);
  EXPECT_EQ(a.stats.late_posts, b.stats.late_posts);
  EXPECT_EQ(a.stats.results, b.stats.results);
  EXPECT_EQ(a.stats.final_results, b.stats.final_results);
  EXPECT_EQ(a.stats.checkpoints, b.stats.checkpoints);
  EXPECT_EQ(a.sinks, b.sinks);
}

std::string TempDir(const std::string& name) {
  const std::string dir = std::string(STARLING_TEST_TMP) + "/checkpoint_format-" + name;
  std::filesystem::remove_all(dir);
  return dir;
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary | std::ios::trunc) << bytes;
}

// A file around `body` with a correct header (magic, checksum, size).
std::string WithHeader(const std::string& body) {
  std::string file(kCheckpointMagic);
  ByteWriter w(&file);
  w.PutFixed64(analytics::Hash64(body));
  w.PutFixed64(body.size());
  return file + body;
}

constexpr std::size_t kHeaderSize = kCheckpointMagic.size() + 16;

TEST(CheckpointFormat, RoundTripsEveryField) {
  const CheckpointData d = Sample();
  const std::string bytes = EncodeCheckpoint(d);
  ASSERT_TRUE(bytes.starts_with(kCheckpointMagic));
  auto back = DecodeCheckpoint(bytes, "mem");
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ExpectSame(d, *back);
  EXPECT_EQ(EncodeCheckpoint(*back), bytes);

  // Through the file: same bytes on disk, same data back; the directory is
  // created and no temporary file stays.
  const std::string dir = TempDir("roundtrip") + "/nested";
  ASSERT_TRUE(WriteCheckpoint(dir, d).ok());
  EXPECT_EQ(ReadFile(dir + "/checkpoint.bin"), bytes);
  EXPECT_FALSE(std::filesystem::exists(dir + "/checkpoint.bin.tmp"));
  auto read = ReadCheckpoint(dir);
  ASSERT_TRUE(read.ok()) << read.status().ToString();
  ExpectSame(d, *read);
}

TEST(CheckpointFormat, KeepsOnlyTheCountersOfRunStats) {
  RunStats s = Sample().stats;
  s.open_windows = 9;
  s.watermark = 10;
  s.late_items = 11;
  s.latency_p50 = std::chrono::microseconds(12);
  std::string bytes;
  ByteWriter w(&bytes);
  SaveStats(w, s);
  ByteReader r(bytes);
  RunStats back;
  ASSERT_TRUE(LoadStats(r, &back));
  EXPECT_TRUE(r.done());
  EXPECT_EQ(back.checkpoints, s.checkpoints);
  EXPECT_EQ(back.bytes, s.bytes);
  EXPECT_EQ(back.open_windows, 0u);
  EXPECT_EQ(back.watermark, 0);
  EXPECT_EQ(back.late_items, 0u);
  EXPECT_EQ(back.latency_p50.count(), 0);
  ByteReader short_reader(std::string_view(bytes).substr(0, bytes.size() - 1));
  EXPECT_FALSE(LoadStats(short_reader, &back));
}

TEST(CheckpointFormat, AMissingFileIsNotFound) {
  const std::string dir = TempDir("missing");
  auto r = ReadCheckpoint(dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kNotFound);
  EXPECT_NE(r.status().message().find("no checkpoint in " + dir), std::string::npos);
}

TEST(CheckpointFormat, ATruncatedFileIsCorrupt) {
  const std::string bytes = EncodeCheckpoint(Sample());
  // Cut anywhere after the magic: the header no longer matches the length.
  for (std::size_t n = kCheckpointMagic.size(); n < bytes.size(); ++n) {
    auto r = DecodeCheckpoint(std::string_view(bytes).substr(0, n), "f");
    ASSERT_FALSE(r.ok()) << n;
    EXPECT_EQ(r.status().code(), StatusCode::kMalformedInput) << n;
    EXPECT_EQ(r.status().message(), "checkpoint f is corrupt (truncated)") << n;
  }
  // Cut inside the magic: not a checkpoint at all.
  auto r = DecodeCheckpoint(std::string_view(bytes).substr(0, 10), "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kMalformedInput);
  EXPECT_EQ(r.status().message(), "checkpoint f is corrupt (not a checkpoint)");
  // On disk, the error names the file.
  const std::string dir = TempDir("truncated");
  ASSERT_TRUE(WriteCheckpoint(dir, Sample()).ok());
  WriteFile(dir + "/checkpoint.bin", bytes.substr(0, bytes.size() / 2));
  auto from_file = ReadCheckpoint(dir);
  ASSERT_FALSE(from_file.ok());
  EXPECT_EQ(from_file.status().code(), StatusCode::kMalformedInput);
  EXPECT_EQ(from_file.status().message(),
            "checkpoint " + dir + "/checkpoint.bin is corrupt (truncated)");
}

TEST(CheckpointFormat, AWrongChecksumIsCorrupt) {
  const std::string bytes = EncodeCheckpoint(Sample());
  // A changed byte in the body, and a changed checksum.
  for (std::size_t at : {bytes.size() - 1, kHeaderSize, kHeaderSize + 5, kCheckpointMagic.size()}) {
    std::string bad = bytes;
    bad[at] = static_cast<char>(bad[at] ^ 0x20);
    auto r = DecodeCheckpoint(bad, "f");
    ASSERT_FALSE(r.ok()) << at;
    EXPECT_EQ(r.status().code(), StatusCode::kMalformedInput) << at;
    EXPECT_EQ(r.status().message(), "checkpoint f is corrupt (checksum mismatch)") << at;
  }
}

TEST(CheckpointFormat, TrailingBytesAreCorrupt) {
  const std::string bytes = EncodeCheckpoint(Sample());
  // After the body its header covers: the file is longer than it says.
  auto appended = DecodeCheckpoint(bytes + "x", "f");
  ASSERT_FALSE(appended.ok());
  EXPECT_EQ(appended.status().code(), StatusCode::kMalformedInput);
  EXPECT_EQ(appended.status().message(), "checkpoint f is corrupt (truncated)");
  // Inside the body, checksummed: bytes after the last field.
  auto inside = DecodeCheckpoint(WithHeader(bytes.substr(kHeaderSize) + "xyz"), "f");
  ASSERT_FALSE(inside.ok());
  EXPECT_EQ(inside.status().code(), StatusCode::kMalformedInput);
  EXPECT_EQ(inside.status().message(), "checkpoint f is corrupt (trailing bytes)");
}

TEST(CheckpointFormat, AGarbledBodyIsCorrupt) {
  const std::string body = EncodeCheckpoint(Sample()).substr(kHeaderSize);
  // Cut short under a correct checksum.
  auto cut = DecodeCheckpoint(WithHeader(body.substr(0, body.size() - 3)), "f");
  ASSERT_FALSE(cut.ok());
  EXPECT_EQ(cut.status().code(), StatusCode::kMalformedInput);
  EXPECT_EQ(cut.status().message(), "checkpoint f is corrupt");
  // No partitions, or more than 4096.
  for (std::uint32_t parts : {0u, 4097u}) {
    CheckpointData d = Sample();
    d.partitions = parts;
    d.partition_states.clear();
    auto r = DecodeCheckpoint(EncodeCheckpoint(d), "f");
    ASSERT_FALSE(r.ok()) << parts;
    EXPECT_EQ(r.status().code(), StatusCode::kMalformedInput) << parts;
    EXPECT_EQ(r.status().message(), "checkpoint f is corrupt") << parts;
  }
}

TEST(CheckpointFormat, AFileOfAnotherFormatVersionIsRefused) {
  std::string bytes = EncodeCheckpoint(Sample());
  bytes.replace(0, kCheckpointMagic.size(), "STARLING-CHECKPOINT-4");  // an older version
  auto r = DecodeCheckpoint(bytes, "f");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(r.status().message(),
            "checkpoint f was written by another version of starling (its format is not 5); "
            "remove it or use another --checkpoint-dir");
  auto newer = DecodeCheckpoint("STARLING-CHECKPOINT-6 and more", "f");
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), StatusCode::kInvalidArgument);
}

TEST(CheckpointFormat, OtherBytesAreNotACheckpoint) {
  for (std::string bytes : {""s, "hello"s, "SQLite format 3\0"s, "starling-checkpoint-4"s}) {
    auto r = DecodeCheckpoint(bytes, "f");
    ASSERT_FALSE(r.ok()) << bytes;
    EXPECT_EQ(r.status().code(), StatusCode::kMalformedInput) << bytes;
    EXPECT_EQ(r.status().message(), "checkpoint f is corrupt (not a checkpoint)") << bytes;
  }
}

}  // namespace
}  // namespace starling::dataflow::internal
