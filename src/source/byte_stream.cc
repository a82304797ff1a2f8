// File: source/byte_stream.cc
#include "source/byte_stream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#define XXH_INLINE_ALL
#include <xxhash.h>

#include "common/codec.h"

namespace starling::source {
namespace {

class FdStream final : public ByteStream {
 public:
  explicit FdStream(int fd) : fd_(fd) {
    struct stat st {};
    // Regular files never block; pipes, sockets and terminals are polled so
    // that an idle live source hands control back (TryAgain) now and then.
    live_ = ::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode);
  }
  ~FdStream() override {
    if (fd_ > 0) ::close(fd_);
  }
  bool live() const override { return live_; }
  Result<bool> Seek(std::uint64_t offset) override {
    if (live_) return false;
    if (::lseek(fd_, static_cast<off_t>(offset), SEEK_SET) < 0) {
      return IoError(std::string("seek failed: ") + std::strerror(errno));
    }
    return true;
  }
  Result<std::size_t> Read(char* buf, std::size_t n) override {
    if (live_) {
      pollfd p{fd_, POLLIN, 0};
      int rc = ::poll(&p, 1, static_cast<int>(kIdleWait.count()));
      if (rc == 0 || (rc < 0 && errno == EINTR)) return TryAgain("no data yet");
      if (rc < 0) return IoError(std::string("poll failed: ") + std::strerror(errno));
    }
    for (;;) {
      ssize_t r = ::read(fd_, buf, n);
      if (r >= 0) return static_cast<std::size_t>(r);
      if (errno == EINTR) {
        if (live_) return TryAgain("interrupted");
        continue;
      }
      if (errno == EAGAIN || errno == EWOULDBLOCK) return TryAgain("no data yet");
      return IoError(std::string("read failed: ") + std::strerror(errno));
    }
  }

  std::string Fingerprint(std::uint64_t offset) const override {
    struct stat st {};
    if (live_ || ::fstat(fd_, &st) != 0) return {};
    std::string token;
    ByteWriter w(&token);
    w.PutVarint(static_cast<std::uint64_t>(st.st_size));
    w.PutVarint(static_cast<std::uint64_t>(st.st_mtim.tv_sec) * 1000000000ull +
                static_cast<std::uint64_t>(st.st_mtim.tv_nsec));
    std::uint64_t head = 0, tail = 0;
    if (!Hashes(offset, &head, &tail)) return {};
    w.PutFixed64(head);
    w.PutFixed64(tail);
    return token;
  }

  Status CheckFingerprint(std::string_view fingerprint, std::uint64_t offset) const override {
    if (fingerprint.empty() || live_) return Status::Ok();
    ByteReader r(fingerprint);
    std::uint64_t size = 0, mtime = 0, head = 0, tail = 0;
    if (!r.GetVarint(&size) || !r.GetVarint(&mtime) || !r.GetFixed64(&head) ||
        !r.GetFixed64(&tail) || r.remaining() != 0) {
      return MalformedInput("not a fingerprint of this input");
    }
    struct stat st {};
    if (::fstat(fd_, &st) != 0) return IoError(std::string("cannot stat: ") + std::strerror(errno));
    const auto now = static_cast<std::uint64_t>(st.st_size);
    if (now < offset) {
      return InvalidArgument("the input is shorter than at the checkpoint (" + std::to_string(now) +
                             " bytes, the checkpoint read " + std::to_string(offset) +
                             "): it was replaced or cut");
    }
    std::uint64_t h = 0, t = 0;
    if (!Hashes(offset, &h, &t))
      return IoError(std::string("cannot read: ") + std::strerror(errno));
    if (h != head || t != tail) {
      return InvalidArgument(
          "the input changed since the checkpoint (its bytes before the checkpoint's offset " +
          std::to_string(offset) + " differ): it was replaced or edited");
    }
    return Status::Ok();
  }

 private:
  // XXH3 of bytes [0, min(4 KiB, offset)) and [offset - 64 KiB, offset).
  bool Hashes(std::uint64_t offset, std::uint64_t* head, std::uint64_t* tail) const {
    constexpr std::uint64_t kHead = 4u << 10, kTail = 64u << 10;
    std::string buf;
    auto read = [&](std::uint64_t from, std::uint64_t n) {
      buf.resize(n);
      std::size_t done = 0;
      while (done < n) {
        const ssize_t k =
            ::pread(fd_, buf.data() + done, n - done, static_cast<off_t>(from + done));
        if (k < 0 && errno == EINTR) continue;
        if (k <= 0) return false;
        done += static_cast<std::size_t>(k);
      }
      return true;
    };
    if (!read(0, std::min(kHead, offset))) return false;
    *head = XXH3_64bits(buf.data(), buf.size());
    const std::uint64_t from = offset > kTail ? offset - kTail : 0;
    if (!read(from, offset - from)) return false;
    *tail = XXH3_64bits(buf.data(), buf.size());
    return true;
  }

  int fd_;
  bool live_ = false;
};

// A stream whose first bytes were already read (for magic detection).
class PrefixedStream final : public ByteStream {
 public:
  PrefixedStream(std::string prefix, std::unique_ptr<ByteStream> inner)
      : prefix_(std::move(prefix)), inner_(std::move(inner)) {}
  Result<std::size_t> Read(char* buf, std::size_t n) override {
    if (pos_ < prefix_.size()) {
      std::size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(buf, prefix_.data() + pos_, k);
      pos_ += k;
      return k;
    }
    return inner_->Read(buf, n);
  }
  bool live() const override { return inner_->live(); }
  Result<bool> Seek(std::uint64_t offset) override {
    auto r = inner_->Seek(offset);
    if (r.ok() && *r) pos_ = prefix_.size();  // the prefix lies before any offset
    return r;
  }
  std::string Fingerprint(std::uint64_t offset) const override {
    return inner_->Fingerprint(offset);
  }
  Status CheckFingerprint(std::string_view fingerprint, std::uint64_t offset) const override {
    return inner_->CheckFingerprint(fingerprint, offset);
  }

 private:
  std::string prefix_;
  std::size_t pos_ = 0;
  std::unique_ptr<ByteStream> inner_;
};

class GzipStream final : public ByteStream {
 public:
  explicit GzipStream(std::unique_ptr<ByteStream> inner) : inner_(std::move(inner)), in_(1 << 16) {
    std::memset(&zs_, 0, sizeof zs_);
    inflateInit2(&zs_, 16 + MAX_WBITS);
  }
  ~GzipStream() override { inflateEnd(&zs_); }
  Result<std::size_t> Read(char* buf, std::size_t n) override {
    zs_.next_out = reinterpret_cast<Bytef*>(buf);
    zs_.avail_out = static_cast<uInt>(n);
    while (zs_.avail_out == n) {
      if (zs_.avail_in == 0) {
        if (eof_) {
          if (!stream_end_) return MalformedInput("gzip stream is truncated");
          return std::size_t{0};
        }
        auto r = inner_->Read(in_.data(), in_.size());
        if (!r.ok()) return r.status();
        if (*r == 0) {
          eof_ = true;
          continue;
        }
        zs_.next_in = reinterpret_cast<Bytef*>(in_.data());
        zs_.avail_in = static_cast<uInt>(*r);
      }
      if (stream_end_) {  // concatenated gzip members
        inflateReset(&zs_);
        stream_end_ = false;
      }
      int rc = inflate(&zs_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        stream_end_ = true;
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        return MalformedInput(std::string("gzip: ") + (zs_.msg ? zs_.msg : "corrupt data"));
      }
    }
    return n - zs_.avail_out;
  }
  bool live() const override { return inner_->live(); }

 private:
  std::unique_ptr<ByteStream> inner_;
  std::vector<char> in_;
  z_stream zs_;
  bool eof_ = false;
  bool stream_end_ = false;
};

class ZstdStream final : public ByteStream {
 public:
  explicit ZstdStream(std::unique_ptr<ByteStream> inner)
      : inner_(std::move(inner)), dctx_(ZSTD_createDCtx()), in_(ZSTD_DStreamInSize()) {}
  ~ZstdStream() override { ZSTD_freeDCtx(dctx_); }
  Result<std::size_t> Read(char* buf, std::size_t n) override {
    ZSTD_outBuffer out{buf, n, 0};
    while (out.pos == 0) {
      if (input_.pos == input_.size && !eof_) {
        auto r = inner_->Read(in_.data(), in_.size());
        if (!r.ok()) return r.status();
        if (*r == 0) {
          eof_ = true;
        } else {
          input_ = ZSTD_inBuffer{in_.data(), *r, 0};
        }
      }
      // At the end of the input the decoder may still hold output (its last
      // call filled the caller's buffer): keep draining until it gives none.
      // A return of 0 means the frame was complete and fully flushed.
      if (eof_ && last_ret_ == 0) return std::size_t{0};
      std::size_t ret = ZSTD_decompressStream(dctx_, &out, &input_);
      if (ZSTD_isError(ret)) return MalformedInput(std::string("zstd: ") + ZSTD_getErrorName(ret));
      last_ret_ = ret;
      if (eof_ && out.pos == 0 && last_ret_ != 0) {
        return MalformedInput("zstd stream is truncated");
      }
    }
    return out.pos;
  }
  bool live() const override { return inner_->live(); }

 private:
  std::unique_ptr<ByteStream> inner_;
  ZSTD_DCtx* dctx_;
  std::vector<char> in_;
  ZSTD_inBuffer input_{nullptr, 0, 0};
  bool eof_ = false;
  std::size_t last_ret_ = 0;
};

// Looks at the first bytes (lazily, so an idle live source can still be
// interrupted) and puts a gzip or zstd decoder in front when they are magic.
class DetectingStream final : public ByteStream {
 public:
  explicit DetectingStream(std::unique_ptr<ByteStream> inner) : inner_(std::move(inner)) {}
  Result<std::size_t> Read(char* buf, std::size_t n) override {
    STARLING_RETURN_IF_ERROR(Decide());
    return decided_->Read(buf, n);
  }
  bool live() const override { return decided_ != nullptr ? decided_->live() : inner_->live(); }
  Result<bool> Seek(std::uint64_t offset) override {
    STARLING_RETURN_IF_ERROR(Decide());
    return decided_->Seek(offset);
  }
  // Only once the content is known (Position is taken after reading).
  std::string Fingerprint(std::uint64_t offset) const override {
    return decided_ == nullptr ? std::string() : decided_->Fingerprint(offset);
  }
  Status CheckFingerprint(std::string_view fingerprint, std::uint64_t offset) const override {
    return decided_ == nullptr ? Status::Ok() : decided_->CheckFingerprint(fingerprint, offset);
  }

 private:
  Status Decide() {
    if (decided_ == nullptr) {
      while (head_.size() < 4 && !eof_) {
        char tmp[4];
        auto r = inner_->Read(tmp, 4 - head_.size());
        if (!r.ok()) return r.status();  // TryAgain keeps what we have
        if (*r == 0) eof_ = true;
        head_.append(tmp, *r);
      }
      const Compression kind = CompressionOf(head_);
      const bool gz = kind == Compression::kGzip;
      const bool zst = kind == Compression::kZstd;
      auto prefixed = std::make_unique<PrefixedStream>(std::move(head_), std::move(inner_));
      if (gz) {
        decided_ = std::make_unique<GzipStream>(std::move(prefixed));
      } else if (zst) {
        decided_ = std::make_unique<ZstdStream>(std::move(prefixed));
      } else {
        decided_ = std::move(prefixed);
      }
    }
    return Status::Ok();
  }

  std::unique_ptr<ByteStream> inner_;
  std::unique_ptr<ByteStream> decided_;
  std::string head_;
  bool eof_ = false;
};

}  // namespace

Compression CompressionOf(std::string_view head) {
  auto u = [&](std::size_t i) { return static_cast<unsigned char>(head[i]); };
  if (head.size() >= 2 && u(0) == 0x1f && u(1) == 0x8b) return Compression::kGzip;
  if (head.size() >= 4 && u(0) == 0x28 && u(1) == 0xb5 && u(2) == 0x2f && u(3) == 0xfd) {
    return Compression::kZstd;
  }
  return Compression::kNone;
}

std::unique_ptr<ByteStream> FdByteStream(int fd) { return std::make_unique<FdStream>(fd); }

std::unique_ptr<ByteStream> AutoDecompress(std::unique_ptr<ByteStream> inner) {
  return std::make_unique<DetectingStream>(std::move(inner));
}

Result<std::unique_ptr<ByteStream>> OpenFileStream(const std::string& path) {
  if (path == "-") return AutoDecompress(FdByteStream(0));
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) return NotFound("no such file: " + path);
    return IoError("cannot open " + path + ": " + std::strerror(errno));
  }
  return AutoDecompress(FdByteStream(fd));
}

Result<std::unique_ptr<ByteStream>> ConnectTcp(const std::string& host, int port) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  std::string port_s = std::to_string(port);
  int rc = ::getaddrinfo(host.c_str(), port_s.c_str(), &hints, &res);
  if (rc != 0) return Unavailable("cannot resolve " + host + ": " + gai_strerror(rc));
  int fd = -1;
  int last_errno = 0;
  for (addrinfo* a = res; a != nullptr; a = a->ai_next) {
    fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) continue;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) == 0) break;
    last_errno = errno;
    ::close(fd);
    fd = -1;
  }
  ::freeaddrinfo(res);
  if (fd < 0) {
    return Unavailable("cannot connect to " + host + ":" + port_s + ": " +
                       std::strerror(last_errno));
  }
  return FdByteStream(fd);
}

}  // namespace starling::source
