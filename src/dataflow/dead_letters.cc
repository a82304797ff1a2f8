// File: dataflow/dead_letters.cc
#include "dataflow/dead_letters.h"

#include <simdjson.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>

#include "common/files.h"
#include "model/post_json.h"
#include "sink/buffered_file.h"
#include "sink/sink.h"

namespace starling::dataflow {

namespace {

std::string Base64Encode(std::string_view s) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((s.size() + 2) / 3 * 4);
  std::size_t i = 0;
  auto b = [&](std::size_t k) { return static_cast<unsigned char>(s[k]); };
  for (; i + 2 < s.size(); i += 3) {
    std::uint32_t v = (b(i) << 16) | (b(i + 1) << 8) | b(i + 2);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i + 1 == s.size()) {
    std::uint32_t v = b(i) << 16;
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == s.size()) {
    std::uint32_t v = (b(i) << 16) | (b(i + 1) << 8);
    out += kAlphabet[v >> 18];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

}  // namespace

std::string CutRecordReason(std::uint64_t full_size, std::size_t kept) {
  return "record of " + std::to_string(full_size) +
         " bytes, longer than the limit on record size (--max-record-size): cut there while "
         "read, the rest of it skipped; its first " +
         std::to_string(kept) + " bytes are kept";
}

DeadLetterWriter::DeadLetterWriter(std::string path) : path_(std::move(path)) {}

DeadLetterWriter::~DeadLetterWriter() { (void)file_.Close(); }

Status DeadLetterWriter::Write(std::string_view bytes, std::string_view reason,
                               std::string_view origin, std::uint64_t line, std::uint64_t offset,
                               std::int32_t partition) {
  ++count_;
  if (path_.empty()) return Status::Ok();
  if (!file_.is_open()) {
    // Appended to, never truncated (a whole record per Append: never torn).
    STARLING_RETURN_IF_ERROR(file_.Open(path_, 64u << 10, /*keep_existing=*/true));
  }
  buf_.clear();
  buf_ += "{\"time\":\"";
  buf_ += model::FormatTimestamp(std::chrono::duration_cast<std::chrono::microseconds>(
                                     std::chrono::system_clock::now().time_since_epoch())
                                     .count());
  buf_ += "\",\"reason\":";
  model::AppendJsonString(reason, &buf_);
  buf_ += ",\"origin\":";
  model::AppendJsonString(origin, &buf_);
  buf_ += ",\"line\":" + std::to_string(line) + ",\"offset\":" + std::to_string(offset);
  if (partition >= 0) buf_ += ",\"partition\":" + std::to_string(partition);
  if (simdjson::validate_utf8(bytes.data(), bytes.size())) {
    buf_ += ",\"bytes\":";
    model::AppendJsonString(bytes, &buf_);
  } else {
    buf_ += ",\"bytes_base64\":\"" + Base64Encode(bytes) + "\"";
  }
  buf_ += "}\n";
  return file_.Append(buf_);
}

std::string DeadLetterWriter::CommitName() const {
  if (path_.empty()) return {};
  return sink::FileOutputName("dead letters", path_);
}

Result<std::string> DeadLetterWriter::CheckpointCommit() {
  if (path_.empty()) return std::string();
  if (file_.is_open()) {
    STARLING_RETURN_IF_ERROR(file_.Sync());
    return std::to_string(file_.size());
  }
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) return std::string("none");
  return std::to_string(st.st_size);
}

Status DeadLetterWriter::RestoreCommit(std::string_view token) {
  if (path_.empty() || token.empty()) return Status::Ok();
  if (file_.is_open()) return Internal("dead letters: RestoreCommit after Write");
  struct stat st {};
  const bool exists = ::stat(path_.c_str(), &st) == 0;
  if (token == "none") {
    if (exists && std::remove(path_.c_str()) != 0) {
      return IoError("cannot remove " + path_ + ": " + std::strerror(errno));
    }
    return Status::Ok();
  }
  std::uint64_t size = 0;
  const auto r = std::from_chars(token.data(), token.data() + token.size(), size);
  if (r.ec != std::errc() || r.ptr != token.data() + token.size()) {
    return InvalidArgument("dead letters " + path_ + ": not a checkpoint token");
  }
  if (!exists || static_cast<std::uint64_t>(st.st_size) < size) {
    return InvalidArgument(path_ + " holds " + std::to_string(exists ? st.st_size : 0) +
                           " bytes, the checkpoint saw " + std::to_string(size) +
                           ": not the file it was taken with");
  }
  if (::truncate(path_.c_str(), static_cast<off_t>(size)) != 0) {
    return IoError("cannot cut " + path_ + " back: " + std::strerror(errno));
  }
  return Status::Ok();
}

Status DeadLetterWriter::Flush() { return file_.Flush(); }

}  // namespace starling::dataflow
