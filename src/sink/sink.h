// File: sink/sink.h
// Where normalized posts go. A sink is opened from a spec ("jsonl:out.jsonl",
// "csv:out.csv", "sqlite:out.db") and owned by one thread: Write/Flush/Close
// are not safe to call concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model/post.h"

namespace starling::sink {

class PostSink {
 public:
  virtual ~PostSink() = default;
  // Takes a copy of what it needs; the post may be reused after the call.
  virtual Status Write(const model::Post& post) = 0;
  // Makes everything written so far durable (file flushed, transaction committed).
  virtual Status Flush() = 0;
  // Flushes and releases the resource; further calls are errors. Idempotent.
  virtual Status Close() = 0;
  // Human-readable location for the summary line ("out.db (SQLite)").
  virtual std::string Describe() const = 0;
  // Exactly-once output across `--resume` (docs/pipelines.md).
  // A stable name for the output a checkpoint restores ("jsonl:/abs/path"),
  // the same for every run that writes it; empty for a sink that needs no
  // restore (a store that replaces by key, such as SQLite; standard output).
  virtual std::string CommitName() const { return {}; }
  // At each checkpoint: makes everything written so far durable (written
  // out and, for a file, synced to disk) and returns a token for the output
  // as it stands (a file sink: which file, and its size).
  virtual Result<std::string> CheckpointCommit() {
    STARLING_RETURN_IF_ERROR(Flush());
    return std::string();
  }
  // On --resume, before any Write: puts the output back where the
  // checkpoint's Commit token says (a file is cut back to that size, and files
  // rotated after it are removed), so whatever a crashed run wrote after its
  // last checkpoint is written again once, not twice. InvalidArgument for a
  // token that does not fit this output (another file, shorter than it was).
  virtual Status RestoreCommit(std::string_view /*token*/) { return Status::Ok(); }
  // Two-phase outputs (a Kafka transaction, docs/kafka.md): CheckpointCommit
  // only prepares (what it returns a token for is sent, not yet visible);
  // CheckpointComplete, called once a checkpoint holding that token is
  // durable, makes it visible. A run holds at most one such output.
  virtual bool TwoPhase() const { return false; }
  virtual Status CheckpointComplete() { return Status::Ok(); }
  // On --resume from a checkpoint written but not seen completed (the run
  // was killed in between): whether this output completed `token`. If so
  // the checkpoint holds; if not, the one before it.
  virtual Result<bool> CheckpointCompleted(std::string_view /*token*/) { return true; }
};

// A file output's CommitName: `kind`, a colon and the absolute path (the
// same for out.jsonl and ./out.jsonl); empty for "-" (standard output).
std::string FileOutputName(std::string_view kind, const std::string& path);

struct OpenOptions {
  // The sink is opened for a resumed run: a file sink keeps what the file
  // holds (RestoreCommit then cuts it back) instead of starting it afresh.
  bool resume = false;
  // The store starts empty: what it holds is removed first (a store that
  // keeps what it holds, such as SQLite; a file that is not such a store
  // is refused and left alone). File sinks start afresh anyway, unless
  // resumed.
  bool replace = false;
  // The run takes checkpoints (--checkpoint-dir): a two-phase output
  // (Kafka transactions) commits with them. Without, it is refused.
  bool checkpoints = false;
};

// Post sinks are opened from specs through the registry (sink/registry.h).

}  // namespace starling::sink
