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
  // keep_existing: an existing file is kept and appended to (a resumed run,
  // which then cuts it back with TruncateTo). IoError when the file cannot
  // be opened.
  Status Open(const std::string& path, std::size_t buffer_size = kDefaultBufferSize,
              bool keep_existing = false);
  bool is_open() const { return fd_ >= 0; }

  // Appends bytes: one whole record (a line) per call. Writes the buffer out
  // when it fills. A failed write (ResourceExhausted for a full disk,
  // OutputClosed for a reader that went away, else IoError, each naming the
  // cause) cuts the file back to the end of the last whole record written,
  // so it never ends torn; every later call returns the same error (nothing
  // is appended after one).
  Status Append(std::string_view bytes);
  // Writes the buffer out (no fsync: durable against a crash of this process).
  Status Flush();
  // Flush, then fdatasync: durable against a crash of the machine too (a
  // no-op sync for standard output).
  Status Sync();
  // Flushes and closes; a no-op when not open.
  Status Close();

  // Writes the buffer out, then cuts the file to `size` bytes and appends
  // from there: drops what a crashed run wrote after its last checkpoint.
  // InvalidArgument for standard output or a file shorter than `size`
  // (not the file the checkpoint saw).
  Status TruncateTo(std::uint64_t size);

  // The file's size: bytes appended since Open, buffered ones included
  // (plus what it held, when opened with keep_existing).
  std::uint64_t size() const { return size_; }
  bool is_stdout() const { return fd_ >= 0 && !owns_fd_; }
  const std::string& path() const { return path_; }

 private:
  Status WriteAll(const char* data, std::size_t n);

  int fd_ = -1;
  bool owns_fd_ = false;
  std::string path_;
  std::string buffer_;
  std::size_t capacity_ = kDefaultBufferSize;
  std::uint64_t size_ = 0;
  std::uint64_t on_disk_ = 0;  // bytes the file holds, all whole records
  Status failed_;              // the first failed write, sticky
};

}  // namespace starling::sink
