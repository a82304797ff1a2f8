// File: dataflow/dead_letters.h
// Where records that could not be parsed go: a JSONL file, one object per bad
// record, keeping the original bytes exactly, with the reason and position:
//   {"time":"...","reason":"...","origin":"in.jsonl","line":8,"offset":30091,"bytes":"..."}
// A record of a partitioned log (Kafka) adds its partition, and its offset
// is the message's offset there; its origin names the topic:
//   {...,"origin":"kafka:posts/2","line":17,"offset":41,"partition":2,"bytes":"..."}
// "bytes" holds the record as a JSON string when it is valid UTF-8; otherwise
// "bytes_base64" holds it base64-encoded. Either way it decodes to the exact
// input bytes (of the first hard-limit bytes for a record cut by the source,
// whose reason then gives its whole size: CutRecordReason). "time" is when it was written (UTC).
// The file is created on the first dead letter only, and appended to, never truncated.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"
#include "sink/buffered_file.h"

namespace starling::dataflow {

// The reason given for a record the source cut at the hard limit on record
// size: its whole size, and how many of its first bytes the dead letter keeps.
std::string CutRecordReason(std::uint64_t full_size, std::size_t kept);

class DeadLetterWriter {
 public:
  // path empty: dead letters are counted but not kept (the caller warns).
  explicit DeadLetterWriter(std::string path);
  ~DeadLetterWriter();
  DeadLetterWriter(const DeadLetterWriter&) = delete;
  DeadLetterWriter& operator=(const DeadLetterWriter&) = delete;

  // Appends one dead letter. Errors are I/O errors (disk full): not routine.
  // partition: source::Record::partition (-1: none, and not written).
  Status Write(std::string_view bytes, std::string_view reason, std::string_view origin,
               std::uint64_t line, std::uint64_t offset, std::int32_t partition = -1);
  Status Flush();
  // Exactly-once across --resume, as sink::PostSink: CommitName is "dead
  // letters:" and the absolute path (empty when dead letters are not
  // kept); CheckpointCommit flushes and syncs the file and returns its size ("none"
  // when it does not exist yet).
  std::string CommitName() const;
  Result<std::string> CheckpointCommit();
  // Before the first Write of a resumed run: cuts the file back to the
  // token's size (removes it for "none"). InvalidArgument for a file
  // shorter than the token says.
  Status RestoreCommit(std::string_view token);
  std::uint64_t count() const { return count_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  sink::BufferedFile file_;  // opened on the first dead letter
  std::uint64_t count_ = 0;
  std::string buf_;
};

}  // namespace starling::dataflow
