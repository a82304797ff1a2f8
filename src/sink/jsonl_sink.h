// File: sink/jsonl_sink.h
// JSON lines: one normalized post per line (model/post_json.h), or with
// raw=true the provider's JSON exactly as received. Optional size-based
// rotation: PATH, then PATH.1, PATH.2, ...
#pragma once

#include <cstdint>
#include <memory>
#include <string>

#include "common/status.h"
#include "model/post_json.h"
#include "sink/buffered_file.h"
#include "sink/sink.h"

namespace starling::sink {

struct JsonlSinkOptions {
  std::string path;                // "-" = standard output (rotation ignored)
  bool raw = false;                // write Post::raw instead of the normalized JSON
  model::PostJsonOptions json;     // for the normalized JSON (e.g. include_raw)
  std::uint64_t rotate_bytes = 0;  // 0 = never rotate
  std::size_t buffer_bytes = BufferedFile::kDefaultBufferSize;
  bool resume = false;  // keep the existing file for RestoreCommit (OpenOptions::resume)
};

class JsonlSink final : public PostSink {
 public:
  // Creates (truncates) the first file, or with `resume` keeps it.
  // IoError when it cannot be opened.
  static Result<std::unique_ptr<JsonlSink>> Open(JsonlSinkOptions options);
  ~JsonlSink() override;

  // Appends one line. A line never straddles two files: rotation happens
  // before a line that would take the current file past rotate_bytes (a file
  // holds at least one line, so a single huge line may exceed the limit).
  // raw=true: MalformedInput for a post with an empty raw (e.g. read from
  // CSV), and nothing is written; CR/LF inside raw (only possible as JSON
  // whitespace in pretty-printed input) become spaces so each post stays one line.
  Status Write(const model::Post& post) override;
  Status Flush() override;
  Status Close() override;
  std::string Describe() const override;
  // "jsonl:" and the absolute path (the same after rotations).
  std::string CommitName() const override;
  // "INDEX:SIZE": the current file (0 = PATH, 1 = PATH.1, ...) and its size.
  Result<std::string> CheckpointCommit() override;
  Status RestoreCommit(std::string_view token) override;

  // Files started so far (1 + number of rotations).
  int file_count() const { return file_index_ + 1; }

 private:
  explicit JsonlSink(JsonlSinkOptions options) : options_(std::move(options)) {}
  std::string FilePath(int index) const;
  Status Rotate();

  JsonlSinkOptions options_;
  BufferedFile file_;
  std::string line_;  // reused for every post
  int file_index_ = 0;
  bool closed_ = false;
};

}  // namespace starling::sink
