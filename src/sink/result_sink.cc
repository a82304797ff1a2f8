// File: sink/result_sink.cc
// The JSON-lines result sink (a result's JSON form is model::AppendResultJson).
#include "sink/result_sink.h"

#include <charconv>
#include <cstdio>
#include <vector>

#include "model/post_json.h"
#include "sink/buffered_file.h"

namespace starling::sink {

using model::ResultKind;
using model::ResultRow;
using model::WindowResult;

namespace {

class JsonlResultSink final : public ResultSink {
 public:
  JsonlResultSink(std::string path, bool keep_existing)
      : path_(std::move(path)), keep_existing_(keep_existing) {}
  ~JsonlResultSink() override { (void)Close(); }
  Status Open() { return file_.Open(path_, 64u << 10, keep_existing_); }
  Status Write(const WindowResult& r) override {
    if (!file_.is_open()) return IoError(path_ + " is closed");
    line_.clear();
    model::AppendResultJson(r, &line_);
    line_ += '\n';
    return file_.Append(line_);
  }
  Status Flush() override { return file_.Flush(); }
  Status Close() override { return file_.Close(); }
  std::string Describe() const override {
    return path_ == "-" ? "stdout (JSON lines)" : path_ + " (JSON lines)";
  }
  std::string CommitName() const override { return FileOutputName("jsonl results", path_); }
  // The file's size.
  Result<std::string> CheckpointCommit() override {
    STARLING_RETURN_IF_ERROR(file_.Sync());
    if (file_.is_stdout() || !file_.is_open()) return std::string();
    return std::to_string(file_.size());
  }
  Status RestoreCommit(std::string_view token) override {
    if (token.empty() || file_.is_stdout() || !file_.is_open()) return Status::Ok();
    std::uint64_t size = 0;
    const auto r = std::from_chars(token.data(), token.data() + token.size(), size);
    if (r.ec != std::errc() || r.ptr != token.data() + token.size()) {
      return InvalidArgument(Describe() + ": not a checkpoint token of this sink");
    }
    return file_.TruncateTo(size);
  }

 private:
  std::string path_;
  bool keep_existing_;
  BufferedFile file_;
  std::string line_;
};

}  // namespace

Result<std::unique_ptr<ResultSink>> OpenJsonlResultSink(const std::string& path,
                                                        bool keep_existing) {
  auto sink = std::make_unique<JsonlResultSink>(path, keep_existing);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ResultSink>(std::move(sink));
}

}  // namespace starling::sink
