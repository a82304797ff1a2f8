// File: source/record_tap.cc
#include "source/record_tap.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "common/files.h"

namespace starling::source {
namespace {

constexpr std::string_view kTag = "tap:";

class RecordTap final : public RecordSource {
 public:
  RecordTap(std::unique_ptr<RecordSource> inner, std::string path, int fd)
      : inner_(std::move(inner)), path_(std::move(path)), fd_(fd) {}
  ~RecordTap() override {
    (void)Flush();
    ::close(fd_);
  }

  Result<bool> Next(Record* out) override {
    if (!error_.ok()) return error_;  // a write failed (a position may not have said so)
    STARLING_ASSIGN_OR_RETURN(bool got, inner_->Next(out));
    if (!got) {
      STARLING_RETURN_IF_ERROR(Flush());
      return false;
    }
    ++handed_;
    if (handed_ > written_) {  // a record a resume reads again is in the file already
      buffer_.append(out->bytes);
      buffer_.push_back('\n');
      ++written_;
      if (buffer_.size() >= (1u << 20)) STARLING_RETURN_IF_ERROR(Flush());
    }
    return true;
  }
  std::string Describe() const override { return inner_->Describe(); }
  double pace() const override { return inner_->pace(); }
  bool WouldWait() override {
    // A source about to wait: what it gave so far reaches the file first.
    const bool wait = inner_->WouldWait();
    if (wait) (void)Flush();
    return wait;
  }
  void ShareBuffers() override { inner_->ShareBuffers(); }
  std::optional<SourceHealth> Health() const override { return inner_->Health(); }

  // "tap:N:" then the inner source's position: N records are in the file.
  std::string Position() const override {
    (void)const_cast<RecordTap*>(this)->Flush();
    return std::string(kTag) + std::to_string(handed_) + ":" + inner_->Position();
  }
  std::string SealPosition(std::string_view position) const override {
    ::fdatasync(fd_);  // the file holds what the checkpoint says, before it is written
    const std::size_t colon = position.find(':', kTag.size());
    if (!position.starts_with(kTag) || colon == std::string_view::npos) {
      return inner_->SealPosition(position);
    }
    return std::string(position.substr(0, colon + 1)) +
           inner_->SealPosition(position.substr(colon + 1));
  }
  Result<bool> Seek(std::string_view position) override {
    const std::size_t colon = position.find(':', kTag.size());
    std::uint64_t n = 0;
    if (!position.starts_with(kTag) || colon == std::string_view::npos ||
        std::from_chars(position.data() + kTag.size(), position.data() + colon, n).ec !=
            std::errc()) {
      return MalformedInput("not a position of a recorded source (--record)");
    }
    STARLING_RETURN_IF_ERROR(CutTo(n));
    const std::string_view inner = position.substr(colon + 1);
    if (inner.empty()) return false;  // the reader skips n records: not written again
    STARLING_ASSIGN_OR_RETURN(bool moved, inner_->Seek(inner));
    if (moved) handed_ = n;
    return moved;
  }

 private:
  Status Flush() {
    std::size_t done = 0;
    while (done < buffer_.size()) {
      const ssize_t w = ::write(fd_, buffer_.data() + done, buffer_.size() - done);
      if (w < 0) {
        if (errno == EINTR) continue;
        buffer_.erase(0, done);  // what was written is not written again
        error_ = IoError("--record " + path_ + ": " + std::strerror(errno));
        return error_;
      }
      done += static_cast<std::size_t>(w);
    }
    buffer_.clear();
    return Status::Ok();
  }

  // Keeps the file's first n lines (the records of the checkpoint).
  Status CutTo(std::uint64_t n) {
    STARLING_RETURN_IF_ERROR(Flush());
    std::uint64_t lines = 0;
    off_t at = 0;
    bool found = n == 0;
    char buf[1 << 16];
    while (!found) {
      const ssize_t r = ::pread(fd_, buf, sizeof buf, at);
      if (r < 0) return IoError("--record " + path_ + ": " + std::strerror(errno));
      if (r == 0) {
        return InvalidArgument("--record " + path_ + " holds " + std::to_string(lines) +
                               " records, fewer than the checkpoint's " + std::to_string(n) +
                               " (was it changed?)");
      }
      ssize_t i = 0;
      for (; i < r; ++i) {
        if (buf[i] == '\n' && ++lines == n) {
          found = true;
          break;
        }
      }
      at += found ? i + 1 : r;
    }
    if (::ftruncate(fd_, at) != 0 || ::lseek(fd_, at, SEEK_SET) < 0) {
      return IoError("--record " + path_ + ": " + std::strerror(errno));
    }
    written_ = n;
    handed_ = 0;
    return Status::Ok();
  }

  std::unique_ptr<RecordSource> inner_;
  std::string path_;
  int fd_;
  std::string buffer_;
  Status error_;
  std::uint64_t handed_ = 0;   // records handed out (since the start, or the position)
  std::uint64_t written_ = 0;  // records in the file
};

}  // namespace

Result<std::unique_ptr<RecordSource>> RecordTo(std::unique_ptr<RecordSource> inner,
                                               const std::string& path, bool resume) {
  STARLING_RETURN_IF_ERROR(CreateParentDirs(path));
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | (resume ? 0 : O_TRUNC), 0644);
  if (fd < 0) return IoError("--record " + path + ": " + std::strerror(errno));
  if (resume) ::lseek(fd, 0, SEEK_END);
  return std::unique_ptr<RecordSource>(std::make_unique<RecordTap>(std::move(inner), path, fd));
}

}  // namespace starling::source
