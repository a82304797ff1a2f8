// File: sink/jsonl_sink.cc
#include "sink/jsonl_sink.h"

#include <charconv>
#include <cstdio>

namespace starling::sink {

Result<std::unique_ptr<JsonlSink>> JsonlSink::Open(JsonlSinkOptions options) {
  if (options.path.empty()) return InvalidArgument("jsonl sink: empty path");
  if (options.path == "-") options.rotate_bytes = 0;
  std::unique_ptr<JsonlSink> sink(new JsonlSink(std::move(options)));
  STARLING_RETURN_IF_ERROR(
      sink->file_.Open(sink->FilePath(0), sink->options_.buffer_bytes, sink->options_.resume));
  return sink;
}

std::string JsonlSink::CommitName() const { return FileOutputName("jsonl", options_.path); }

Result<std::string> JsonlSink::CheckpointCommit() {
  if (closed_) return Internal("jsonl sink: CheckpointCommit after Close");
  STARLING_RETURN_IF_ERROR(file_.Sync());
  if (file_.is_stdout()) return std::string();
  return std::to_string(file_index_) + ":" + std::to_string(file_.size());
}

Status JsonlSink::RestoreCommit(std::string_view token) {
  if (token.empty() || closed_ || file_.is_stdout()) return Status::Ok();
  int index = 0;
  std::uint64_t size = 0;
  const char* end = token.data() + token.size();
  auto r = std::from_chars(token.data(), end, index);
  if (r.ec == std::errc() && r.ptr != end && *r.ptr == ':') {
    r = std::from_chars(r.ptr + 1, end, size);
  }
  if (r.ec != std::errc() || r.ptr != end || index < 0) {
    return InvalidArgument(Describe() + ": not a checkpoint token of this sink");
  }
  if (index != file_index_) {
    STARLING_RETURN_IF_ERROR(file_.Close());
    file_index_ = index;
    STARLING_RETURN_IF_ERROR(
        file_.Open(FilePath(file_index_), options_.buffer_bytes, /*keep_existing=*/true));
  }
  STARLING_RETURN_IF_ERROR(file_.TruncateTo(size));
  // Files rotated to after the checkpoint are written again.
  for (int i = file_index_ + 1;; ++i) {
    const std::string later = FilePath(i);
    if (std::remove(later.c_str()) != 0) break;
  }
  return Status::Ok();
}

JsonlSink::~JsonlSink() { (void)Close(); }

std::string JsonlSink::FilePath(int index) const {
  if (index == 0) return options_.path;
  return options_.path + "." + std::to_string(index);
}

Status JsonlSink::Rotate() {
  STARLING_RETURN_IF_ERROR(file_.Close());
  ++file_index_;
  return file_.Open(FilePath(file_index_), options_.buffer_bytes);
}

Status JsonlSink::Write(const model::Post& post) {
  if (closed_) return Internal("jsonl sink: Write after Close");
  line_.clear();
  if (options_.raw) {
    if (post.raw.empty()) {
      return MalformedInput("post " + post.id + " has no raw provider JSON to write");
    }
    line_.append(post.raw);
    for (char& c : line_) {
      if (c == '\n' || c == '\r') c = ' ';
    }
  } else {
    model::AppendPostJson(post, &line_, options_.json);
  }
  line_.push_back('\n');
  if (options_.rotate_bytes > 0 && file_.size() > 0 &&
      file_.size() + line_.size() > options_.rotate_bytes) {
    STARLING_RETURN_IF_ERROR(Rotate());
  }
  return file_.Append(line_);
}

Status JsonlSink::Flush() {
  if (closed_) return Status::Ok();
  return file_.Flush();
}

Status JsonlSink::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  return file_.Close();
}

std::string JsonlSink::Describe() const {
  const char* what = options_.raw ? " (JSON lines, raw)" : " (JSON lines)";
  if (options_.path == "-") return std::string("stdout") + what;
  std::string d = options_.path + what;
  if (file_index_ > 0) d += ", " + std::to_string(file_index_ + 1) + " files";
  return d;
}

}  // namespace starling::sink
