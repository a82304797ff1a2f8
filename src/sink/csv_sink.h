// File: sink/csv_sink.h
// CSV output: a header, then one row per post (columns in sink/csv_format.h
// and docs/formats/csv.md).
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "sink/buffered_file.h"
#include "sink/sink.h"

namespace starling::sink {

struct CsvSinkOptions {
  std::string path;     // "-" = standard output
  bool resume = false;  // keep the existing file for RestoreCommit (OpenOptions::resume)
};

class CsvSink final : public PostSink {
 public:
  // Creates (truncates) the file and writes the header. IoError when it cannot be opened.
  static Result<std::unique_ptr<CsvSink>> Open(CsvSinkOptions options);
  ~CsvSink() override;

  Status Write(const model::Post& post) override;
  Status Flush() override;
  Status Close() override;
  std::string Describe() const override;
  std::string CommitName() const override;          // "csv:" and the absolute path
  Result<std::string> CheckpointCommit() override;  // the file's size
  Status RestoreCommit(std::string_view token) override;

 private:
  explicit CsvSink(CsvSinkOptions options) : options_(std::move(options)) {}

  CsvSinkOptions options_;
  BufferedFile file_;
  std::string row_;  // reused for every post
  bool closed_ = false;
};

}  // namespace starling::sink
