// File: sink/buffered_file.h
// An output file with a large user-space buffer, written with write(2): what
// the file sinks use instead of iostreams. Owned by one thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "common/status.h"

namespace starling::sink {

class BufferedFile {
 public:
  static constexpr std::size_t kDefaultBufferSize = 1 << 20;

  BufferedFile() = default;
  ~BufferedFile();  // closes, ignoring errors: call Close() to see them
  BufferedFile(const BufferedFile&) = delete;
  BufferedFile& operator=(const BufferedFile&) = delete;

  // Creates or truncates `path`; "-" means standard output (never closed).
  // IoError when the file cannot be opened.
  Status Open(const std::string& path, std::size_t buffer_size = kDefaultBufferSize);
  bool is_open() const { return fd_ >= 0; }

  // Appends bytes; writes the buffer out when it fills. IoError on a failed
  // write (disk full included), after which the file is unusable.
  Status Append(std::string_view bytes);
  // Writes the buffer out (no fsync: durable against a crash of this process).
  Status Flush();
  // Flushes and closes; a no-op when not open.
  Status Close();

  // Bytes appended since Open, buffered ones included.
  std::uint64_t size() const { return size_; }
  const std::string& path() const { return path_; }

 private:
  Status WriteAll(const char* data, std::size_t n);

  int fd_ = -1;
  bool owns_fd_ = false;
  std::string path_;
  std::string buffer_;
  std::size_t capacity_ = kDefaultBufferSize;
  std::uint64_t size_ = 0;
};

}  // namespace starling::sink
