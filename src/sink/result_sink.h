// File: sink/result_sink.h
// Where window results go. A result replaces every earlier result of the same
// (pipeline, analysis, window): stores upsert, so a replay after a crash or a
// late post that changes a window never duplicates a row. Owned by one
// thread (the engine's collector).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/window_result.h"
#include "sink/sink.h"

namespace starling::sink {

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // Called once before the first result: what the pipeline's analyses are
  // (a store may keep it beside the results). Default: ignored.
  virtual Status DeclareAnalyses(const std::vector<model::AnalysisMeta>& /*analyses*/) {
    return Status::Ok();
  }
  virtual Status Write(const model::WindowResult& result) = 0;
  // Makes everything written so far durable (one transaction per flush).
  virtual Status Flush() = 0;
  virtual Status Close() = 0;
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

// Result sinks are opened from specs through the registry (sink/registry.h).
// The SQLite one is sink/sqlite/result_sink.h; the JSON-lines one:
// One JSON object per emitted result (previews included; the last line of
// a window is its final value); "-" is standard output. The file is created
// or truncated, or with `keep_existing` (a resumed or appending run) kept and
// written on at its end. IoError when it cannot be opened.
Result<std::unique_ptr<ResultSink>> OpenJsonlResultSink(const std::string& path,
                                                        bool keep_existing);

}  // namespace starling::sink
