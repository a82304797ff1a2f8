// File: sink/buffered_file.cc
#include "sink/buffered_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace starling::sink {

BufferedFile::~BufferedFile() { (void)Close(); }

Status BufferedFile::Open(const std::string& path, std::size_t buffer_size) {
  STARLING_RETURN_IF_ERROR(Close());
  path_ = path;
  capacity_ = buffer_size == 0 ? kDefaultBufferSize : buffer_size;
  buffer_.clear();
  buffer_.reserve(capacity_);
  size_ = 0;
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    owns_fd_ = false;
    return Status::Ok();
  }
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd_ < 0) return IoError("cannot open " + path + " for writing: " + std::strerror(errno));
  owns_fd_ = true;
  return Status::Ok();
}

Status BufferedFile::WriteAll(const char* data, std::size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd_, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      if (err == ENOSPC) return ResourceExhausted("disk full writing " + path_);
      return IoError("write to " + path_ + " failed: " + std::strerror(err));
    }
    data += w;
    n -= static_cast<std::size_t>(w);
  }
  return Status::Ok();
}

Status BufferedFile::Append(std::string_view bytes) {
  if (fd_ < 0) return IoError("write to closed file " + path_);
  size_ += bytes.size();
  if (buffer_.size() + bytes.size() <= capacity_) {
    buffer_.append(bytes);
    return Status::Ok();
  }
  STARLING_RETURN_IF_ERROR(Flush());
  if (bytes.size() >= capacity_) return WriteAll(bytes.data(), bytes.size());
  buffer_.append(bytes);
  return Status::Ok();
}

Status BufferedFile::Flush() {
  if (fd_ < 0 || buffer_.empty()) return Status::Ok();
  Status st = WriteAll(buffer_.data(), buffer_.size());
  buffer_.clear();
  return st;
}

Status BufferedFile::Close() {
  if (fd_ < 0) return Status::Ok();
  Status st = Flush();
  if (owns_fd_ && ::close(fd_) != 0 && st.ok()) {
    st = IoError("close of " + path_ + " failed: " + std::strerror(errno));
  }
  fd_ = -1;
  owns_fd_ = false;
  return st;
}

}  // namespace starling::sink
