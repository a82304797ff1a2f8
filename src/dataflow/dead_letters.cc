// File: dataflow/dead_letters.cc
#include "dataflow/dead_letters.h"

#include <cerrno>
#include <chrono>
#include <cstring>

#include "model/post_json.h"

namespace starling::dataflow {

bool IsValidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  std::size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned char c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len;
    std::uint32_t cp;
    if ((c & 0xE0) == 0xC0) {
      len = 2;
      cp = c & 0x1F;
    } else if ((c & 0xF0) == 0xE0) {
      len = 3;
      cp = c & 0x0F;
    } else if ((c & 0xF8) == 0xF0) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > n) return false;
    for (std::size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 2 && cp < 0x80) || (len == 3 && cp < 0x800) || (len == 4 && cp < 0x10000) ||
        cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return false;
    }
    i += len;
  }
  return true;
}

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
  if (IsValidUtf8(bytes)) {
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
