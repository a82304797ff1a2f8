// File: sink/buffered_file.cc
#include "sink/buffered_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "common/files.h"

namespace starling::sink {

BufferedFile::~BufferedFile() { (void)Close(); }

Status BufferedFile::Open(const std::string& path, std::size_t buffer_size, bool keep_existing) {
  STARLING_RETURN_IF_ERROR(Close());
  path_ = path;
  capacity_ = buffer_size == 0 ? kDefaultBufferSize : buffer_size;
  buffer_.clear();
  buffer_.reserve(capacity_);
  size_ = 0;
  on_disk_ = 0;
  failed_ = Status::Ok();
  if (path == "-") {
    fd_ = STDOUT_FILENO;
    owns_fd_ = false;
    return Status::Ok();
  }
  STARLING_RETURN_IF_ERROR(CreateParentDirs(path));
  fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | (keep_existing ? 0 : O_TRUNC) | O_CLOEXEC, 0644);
  if (fd_ < 0) return IoError("cannot open " + path + " for writing: " + std::strerror(errno));
  owns_fd_ = true;
  if (keep_existing) {
    const off_t end = ::lseek(fd_, 0, SEEK_END);
    if (end < 0) return IoError("cannot seek in " + path + ": " + std::strerror(errno));
    size_ = static_cast<std::uint64_t>(end);
    on_disk_ = size_;
  }
  return Status::Ok();
}

Status BufferedFile::TruncateTo(std::uint64_t size) {
  if (fd_ < 0) return IoError("truncate of closed file " + path_);
  if (!owns_fd_) return InvalidArgument("standard output cannot be cut back");
  STARLING_RETURN_IF_ERROR(Flush());
  struct stat st {};
  if (::fstat(fd_, &st) != 0) return IoError("cannot stat " + path_ + ": " + std::strerror(errno));
  if (static_cast<std::uint64_t>(st.st_size) < size) {
    return InvalidArgument(path_ + " holds " + std::to_string(st.st_size) +
                           " bytes, the checkpoint saw " + std::to_string(size) +
                           ": not the file it was taken with");
  }
  if (::ftruncate(fd_, static_cast<off_t>(size)) != 0 ||
      ::lseek(fd_, static_cast<off_t>(size), SEEK_SET) < 0) {
    return IoError("cannot cut " + path_ + " back: " + std::strerror(errno));
  }
  size_ = size;
  on_disk_ = size;
  return Status::Ok();
}

Status BufferedFile::WriteAll(const char* data, std::size_t n) {
  if (!failed_.ok()) return failed_;
  // What the file holds is whole records up to here: a failed write is cut
  // back to it, so the file never ends in a torn record.
  const std::uint64_t whole = on_disk_;
  while (n > 0) {
    const ssize_t w = ::write(fd_, data, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      if (err == ENOSPC) {
        failed_ = ResourceExhausted("disk full writing " + path_ + " (" + std::strerror(err) + ")");
      } else if (err == EPIPE) {
        failed_ =
            OutputClosed("the reader of " + std::string(owns_fd_ ? path_ : "standard output") +
                         " went away (broken pipe)");
      } else {
        failed_ = IoError("write to " + path_ + " failed: " + std::strerror(err));
      }
      if (owns_fd_ && on_disk_ != whole) {
        if (::ftruncate(fd_, static_cast<off_t>(whole)) == 0) {
          (void)::lseek(fd_, static_cast<off_t>(whole), SEEK_SET);
          on_disk_ = whole;
        }
      }
      return failed_;
    }
    data += w;
    n -= static_cast<std::size_t>(w);
    on_disk_ += static_cast<std::uint64_t>(w);
  }
  return Status::Ok();
}

Status BufferedFile::Append(std::string_view bytes) {
  if (fd_ < 0) return IoError("write to closed file " + path_);
  if (!failed_.ok()) return failed_;
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
  if (!failed_.ok()) return failed_;
  if (fd_ < 0 || buffer_.empty()) return Status::Ok();
  Status st = WriteAll(buffer_.data(), buffer_.size());
  buffer_.clear();
  return st;
}

Status BufferedFile::Sync() {
  STARLING_RETURN_IF_ERROR(Flush());
  if (fd_ >= 0 && owns_fd_ && ::fdatasync(fd_) != 0) {
    return IoError("cannot sync " + path_ + ": " + std::strerror(errno));
  }
  return Status::Ok();
}

Status BufferedFile::Close() {
  if (fd_ < 0) return Status::Ok();
  Status st = Flush();
  buffer_.clear();
  if (owns_fd_ && ::close(fd_) != 0 && st.ok()) {
    st = IoError("close of " + path_ + " failed: " + std::strerror(errno));
  }
  fd_ = -1;
  owns_fd_ = false;
  return st;
}

}  // namespace starling::sink
