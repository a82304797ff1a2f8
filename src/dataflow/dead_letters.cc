// File: dataflow/dead_letters.cc
#include "dataflow/dead_letters.h"

#include <simdjson.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "model/post_json.h"

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

DeadLetterWriter::DeadLetterWriter(std::string path) : path_(std::move(path)) {}

DeadLetterWriter::~DeadLetterWriter() {
  if (file_ != nullptr) std::fclose(file_);
}

Status DeadLetterWriter::Write(std::string_view bytes, std::string_view reason,
                               std::string_view origin, std::uint64_t line, std::uint64_t offset) {
  ++count_;
  if (path_.empty()) return Status::Ok();
  if (file_ == nullptr) {
    file_ = std::fopen(path_.c_str(), "ab");
    if (file_ == nullptr) {
      return IoError("cannot open dead-letter file " + path_ + ": " + std::strerror(errno));
    }
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
  if (simdjson::validate_utf8(bytes.data(), bytes.size())) {
    buf_ += ",\"bytes\":";
    model::AppendJsonString(bytes, &buf_);
  } else {
    buf_ += ",\"bytes_base64\":\"" + Base64Encode(bytes) + "\"";
  }
  buf_ += "}\n";
  if (std::fwrite(buf_.data(), 1, buf_.size(), file_) != buf_.size()) {
    return IoError("cannot write dead-letter file " + path_ + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status DeadLetterWriter::Flush() {
  if (file_ != nullptr && std::fflush(file_) != 0) {
    return IoError("cannot flush dead-letter file " + path_ + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

}  // namespace starling::dataflow
