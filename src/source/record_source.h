// File: source/record_source.h
// Sources of records: one record is one JSON document as bytes (a line of a
// JSONL stream, or a whole file holding one pretty-printed document). Sources
// never parse; they say where each record came from so a bad one can be
// reported and kept byte-exact.
//
// Sources are opened from specs through the registry (source/registry.h);
// each kind lives in connectors/.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.h"
#include "common/status.h"
#include "source/byte_stream.h"
#include "source/generator.h"

namespace starling::source {

// A provider source's connection, for /metrics and the dashboard's health
// panel. Never holds a secret.
struct SourceHealth {
  std::string source;  // the redacted spec
  bool connected = false;
  std::uint64_t connects = 0;              // connections that got a 2xx answer
  std::uint64_t reconnects = 0;            // attempts after a failure
  std::uint64_t requests = 0;              // HTTP requests (polling sources)
  std::string last_error;                  // the last failure, as the user reads it
  std::string backoff;                     // the wait in progress ("http 10s"), empty when none
  std::int64_t backoff_until_us = 0;       // when it ends (Unix microseconds), 0 when none
  std::uint64_t bytes = 0;                 // body bytes received
  std::int64_t rate_limit_remaining = -1;  // the provider's last word; -1: not said
  std::uint64_t duplicates = 0;  // records dropped as already delivered (after a reconnect)
  std::uint64_t cut = 0;         // partial records dropped at a disconnect (not bad data)
  std::uint64_t keep_alives = 0;
  std::vector<std::int64_t> waits_us;  // the last waits before an attempt, oldest first
  // A partitioned log (Kafka): the brokers the cluster named at start, group
  // rebalances seen, and each assigned partition's next offset and lag (the
  // high watermark last fetched minus the next offset; -1: not known yet).
  struct Partition {
    std::int32_t partition = 0;
    std::int64_t next_offset = -1;
    std::int64_t lag = -1;
  };
  std::uint32_t brokers = 0;
  std::uint64_t rebalances = 0;
  std::vector<Partition> partitions;
};

struct Record {
  std::string_view bytes;       // valid until the next call to Next()
  std::string_view origin;      // file name, "-", "tcp://...", "generate"
  std::uint64_t line = 0;       // 1-based line number of the record's first line
  std::uint64_t offset = 0;     // byte offset of the record in the (decompressed) input
                                // (a partitioned log such as Kafka: the message's offset)
  std::int32_t partition = -1;  // a partitioned log's partition (Kafka); -1: none
  // Bytes after `bytes` that may be read (not written): lets a parser that
  // needs padding (simdjson) work in place instead of copying the record.
  std::size_t padding = 0;
  // The record was longer than SourceOptions::hard_max_record_bytes and was
  // cut there; the rest of it was skipped (read and dropped, never held).
  bool truncated = false;
  // A truncated record's whole size in bytes (its line break not counted).
  std::uint64_t full_size = 0;
  // Set only after RecordSource::ShareBuffers(), by a source that can: the
  // bytes and their padding stay valid, unchanged, for as long as a copy of
  // *keep lives (not only until the next Next()), so a consumer may hand
  // the record to another thread instead of copying it. `keep` itself is
  // valid until the next Next(); consecutive records often share one buffer.
  const std::shared_ptr<const void>* keep = nullptr;
};

// Every LineSource record has at least this much readable padding.
inline constexpr std::size_t kRecordPadding = 64;

class RecordSource {
 public:
  virtual ~RecordSource() = default;
  // Fills *out with the next record and returns true, or returns false at the
  // end of the input. I/O failures are errors; malformed content is not (it
  // is the parser's to judge).
  virtual Result<bool> Next(Record* out) = 0;
  virtual std::string Describe() const = 0;
  // Replay speed-up: >0 means the consumer should pace posts by their event
  // time divided by this factor; 0 means as fast as possible.
  virtual double pace() const { return 0; }
  // true when Next() would have to wait for input now (a live stream with no
  // whole record buffered, a paced source before the next record is due):
  // a consumer holding records hands them on first. Never blocks.
  virtual bool WouldWait() { return false; }
  // Where the next record starts, as a token for Seek (a byte offset and
  // line for a plain file). Empty: this source cannot seek (a pipe, socket,
  // compressed file or generator); a consumer resumes it by skipping records.
  virtual std::string Position() const { return {}; }
  // Continues from a token Position() gave on a source opened with the same
  // spec. false: cannot seek (nothing moved). MalformedInput for a token this
  // source did not make; IoError when the seek fails.
  virtual Result<bool> Seek(std::string_view /*position*/) { return false; }
  // Completes a Position() token for a checkpoint with what tells this input
  // from a replaced or cut one (a plain file: its fingerprint, see
  // ByteStream::Fingerprint), which Seek then checks. Costs I/O, so it runs
  // only when a checkpoint is taken; may be called from another thread while
  // the source is read (it only reads the file by offset).
  virtual std::string SealPosition(std::string_view position) const {
    return std::string(position);
  }
  // A checkpoint holding `position` (as SealPosition returned it) is
  // durable: its file is written, so the run will never go back before it.
  // A source may tell its upstream (Kafka commits the offsets, for
  // monitoring only: the checkpoint is what a resume reads). Called from the
  // collector's thread while the source is read: must be thread-safe, and
  // must not block for long. Errors are the source's to report (Health).
  virtual void CheckpointDurable(std::string_view /*position*/) {}
  // Asks for records that outlive the next Next() (Record::keep). Call
  // before the first Next(). A source that cannot ignores it.
  virtual void ShareBuffers() {}
  // A provider source's connection state; nullopt for the others.
  // Thread-safe: the dashboard and /metrics read it while the source runs.
  virtual std::optional<SourceHealth> Health() const { return std::nullopt; }
  // A partitioned log (Kafka): the partitions this source holds now, for
  // event time (the engine keeps a watermark per partition and takes the
  // minimum over these). `PartitionEpoch` changes whenever the set does
  // (assigned, revoked, or, in a bounded read, at its end); 0 means not
  // partitioned. Both are called on the reading thread, after Next(): a
  // partition added by a Next() holds from the record it returned on (so
  // none of its records comes before it), one removed holds until after it.
  virtual std::uint64_t PartitionEpoch() const { return 0; }
  virtual std::vector<std::int32_t> HeldPartitions() const { return {}; }
};

struct SourceOptions {
  // Records are delivered whole (so that even one the parser rejects as too
  // large is kept byte-exact in dead letters) up to this size; past it the
  // record is cut to its first this many bytes, flagged `truncated`, and
  // the rest of it skipped in bounded memory; it is handed out once its end
  // is found, with its `full_size`.
  std::size_t hard_max_record_bytes = 512u << 20;
  Clock* clock = &RealClock::Instance();
  // false: every line is a record even if the input starts with '[' or "{"
  // (plain-text input such as `normalize --text`).
  bool detect_documents = true;
};

// Reads newline-delimited records from a byte stream. If the first
// non-blank line is just "{" or "[" (pretty-printed JSON such as a saved
// search page), records are the top-level JSON values instead, however many
// lines each spans. Next() passes TryAgain through from an idle live stream.
std::unique_ptr<RecordSource> LineSource(std::unique_ptr<ByteStream> stream, std::string origin,
                                         const SourceOptions& options = {});

// The line source's test for JSON documents rather than lines, on the first
// bytes of an input: true when the first non-blank line is just "{" or "["
// (after kDocumentSniffBytes without a whole line: lines). nullopt: needs
// more bytes (unless eof).
inline constexpr std::size_t kDocumentSniffBytes = 64u << 10;
std::optional<bool> StartsWithDocument(std::string_view head, bool eof);

// The built-in firehose (what `generate:` specs open). generator.start == 0
// means "now" by options.clock. count == 0: no end. pace: deliver each post
// at its event time (relative to the first), else as fast as asked.
// InvalidArgument for options PostGenerator::Validate refuses.
Result<std::unique_ptr<RecordSource>> OpenGenerator(GeneratorOptions generator, std::uint64_t count,
                                                    bool pace, const SourceOptions& options = {});

// Several sources one after the other (e.g. the FILES of `starling normalize`).
std::unique_ptr<RecordSource> Concat(std::vector<std::unique_ptr<RecordSource>> sources);

// The union of several streams: one record from each in turn (round-robin),
// skipping a source that is idle now and dropping one that ended; TryAgain
// only when all are idle. Deterministic for sources that are never idle
// (files, the unpaced generator), so a checkpoint's record count resumes it.
std::unique_ptr<RecordSource> Union(std::vector<std::unique_ptr<RecordSource>> sources);

}  // namespace starling::source
