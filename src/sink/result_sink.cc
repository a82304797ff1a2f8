// File: sink/result_sink.cc
// The JSON-lines result sink and the JSON form of a result.
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
    AppendResultJson(r, &line_);
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

void AppendNumber(double v, std::string* out) {
  char buf[32];
  const int n = std::snprintf(buf, sizeof buf, "%.6g", v);
  out->append(buf, static_cast<std::size_t>(n));
}

}  // namespace

void AppendResultJson(const WindowResult& r, std::string* out) {
  *out += "{\"pipeline\":";
  model::AppendJsonString(r.pipeline, out);
  *out += ",\"analysis\":";
  model::AppendJsonString(r.analysis, out);
  *out += ",\"kind\":\"";
  *out += model::ResultKindName(r.kind);
  *out += "\",\"window_start\":";
  if (r.window_start == INT64_MIN) {
    *out += "null";
  } else {
    model::AppendJsonString(model::FormatTimestamp(r.window_start), out);
  }
  *out += ",\"window_end\":";
  if (r.window_end == INT64_MAX) {
    *out += "null";
  } else {
    model::AppendJsonString(model::FormatTimestamp(r.window_end), out);
  }
  *out += ",\"final\":";
  *out += r.final ? "true" : "false";
  *out += ",\"total\":" + std::to_string(r.total);
  if (r.error_bound > 0) *out += ",\"error_bound\":" + std::to_string(r.error_bound);
  *out += ",\"rows\":[";
  for (std::size_t i = 0; i < r.rows.size(); ++i) {
    const ResultRow& row = r.rows[i];
    if (i > 0) *out += ',';
    *out += '{';
    if (row.rank != 0 || r.kind != ResultKind::kSentiment)
      *out += "\"rank\":" + std::to_string(row.rank) + ",";
    *out += "\"key\":";
    model::AppendJsonString(row.key, out);
    if (r.kind == ResultKind::kCooccurrence) {
      *out += ",\"key2\":";
      model::AppendJsonString(row.key2, out);
    }
    *out += ",\"count\":" + std::to_string(row.count);
    switch (r.kind) {
      case ResultKind::kTopK:
      case ResultKind::kCooccurrence:
        if (row.error > 0) *out += ",\"error\":" + std::to_string(row.error);
        break;
      case ResultKind::kDistinct:
        *out += ",\"estimate\":";
        AppendNumber(row.value, out);
        *out += ",\"relative_error\":";
        AppendNumber(row.value2, out);
        break;
      case ResultKind::kSentiment:
        *out += ",\"mean_compound\":";
        AppendNumber(row.value, out);
        *out += ",\"positive\":" + std::to_string(row.pos) +
                ",\"neutral\":" + std::to_string(row.neu) +
                ",\"negative\":" + std::to_string(row.neg);
        break;
      case ResultKind::kBurst:
        *out += ",\"baseline\":";
        AppendNumber(row.value, out);
        *out += ",\"z\":";
        AppendNumber(row.value2, out);
        break;
      case ResultKind::kCluster:
        *out += ",\"weight\":";
        AppendNumber(row.value, out);
        *out += ",\"top_terms\":";
        model::AppendJsonString(row.text, out);
        break;
      default:
        break;
    }
    *out += '}';
  }
  *out += "]}";
}

Result<std::unique_ptr<ResultSink>> OpenJsonlResultSink(const std::string& path,
                                                        bool keep_existing) {
  auto sink = std::make_unique<JsonlResultSink>(path, keep_existing);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ResultSink>(std::move(sink));
}

}  // namespace starling::sink
