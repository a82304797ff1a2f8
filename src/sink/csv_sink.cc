// File: sink/csv_sink.cc
#include "sink/csv_sink.h"

#include "sink/csv_format.h"

namespace starling::sink {

Result<std::unique_ptr<CsvSink>> CsvSink::Open(CsvSinkOptions options) {
  if (options.path.empty()) return InvalidArgument("csv sink: empty path");
  std::unique_ptr<CsvSink> sink(new CsvSink(std::move(options)));
  STARLING_RETURN_IF_ERROR(sink->file_.Open(sink->options_.path));
  AppendCsvHeader(&sink->row_);
  STARLING_RETURN_IF_ERROR(sink->file_.Append(sink->row_));
  return sink;
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
