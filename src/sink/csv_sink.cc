// File: sink/csv_sink.cc
#include "sink/csv_sink.h"

#include <charconv>

#include "sink/csv_format.h"

namespace starling::sink {

Result<std::unique_ptr<CsvSink>> CsvSink::Open(CsvSinkOptions options) {
  if (options.path.empty()) return InvalidArgument("csv sink: empty path");
  std::unique_ptr<CsvSink> sink(new CsvSink(std::move(options)));
  STARLING_RETURN_IF_ERROR(sink->file_.Open(sink->options_.path, BufferedFile::kDefaultBufferSize,
                                            sink->options_.resume));
  if (sink->file_.size() == 0) {  // a resumed file already has its header
    AppendCsvHeader(&sink->row_);
    STARLING_RETURN_IF_ERROR(sink->file_.Append(sink->row_));
  }
  return sink;
}

std::string CsvSink::CommitName() const { return FileOutputName("csv", options_.path); }

Result<std::string> CsvSink::CheckpointCommit() {
  if (closed_) return Internal("csv sink: CheckpointCommit after Close");
  STARLING_RETURN_IF_ERROR(file_.Sync());
  if (file_.is_stdout()) return std::string();
  return std::to_string(file_.size());
}

Status CsvSink::RestoreCommit(std::string_view token) {
  if (token.empty() || closed_ || file_.is_stdout()) return Status::Ok();
  std::uint64_t size = 0;
  const auto r = std::from_chars(token.data(), token.data() + token.size(), size);
  if (r.ec != std::errc() || r.ptr != token.data() + token.size()) {
    return InvalidArgument(Describe() + ": not a checkpoint token of this sink");
  }
  return file_.TruncateTo(size);
}

CsvSink::~CsvSink() { (void)Close(); }

Status CsvSink::Write(const model::Post& post) {
  if (closed_) return Internal("csv sink: Write after Close");
  row_.clear();
  AppendCsvRow(post, &row_);
  return file_.Append(row_);
}

Status CsvSink::Flush() {
  if (closed_) return Status::Ok();
  return file_.Flush();
}

Status CsvSink::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  return file_.Close();
}

std::string CsvSink::Describe() const {
  return (options_.path == "-" ? std::string("stdout") : options_.path) + " (CSV)";
}

}  // namespace starling::sink
