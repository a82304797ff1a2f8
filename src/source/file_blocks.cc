// File: source/file_blocks.cc
#include "source/file_blocks.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "source/buffer_pool.h"
#include "source/byte_stream.h"

namespace starling::source {
namespace {

// Read past the block's end at first (at most a block more), for the line
// that crosses it (most lines are a few KiB); a longer one makes the block
// read on.
constexpr std::size_t kTail = 16u << 10;

Status PreadFull(int fd, const std::string& path, char* dst, std::size_t n, std::uint64_t off) {
  while (n > 0) {
    ssize_t r = ::pread(fd, dst, n, static_cast<off_t>(off));
    if (r < 0) {
      if (errno == EINTR) continue;
      return IoError("cannot read " + path + ": " + std::strerror(errno));
    }
    if (r == 0) return IoError(path + " became shorter while being read");
    dst += r;
    n -= static_cast<std::size_t>(r);
    off += static_cast<std::uint64_t>(r);
  }
  return Status::Ok();
}

// Where the line running on at file offset `off` ends: the offset of its
// line break, or the file's size. Reads in pieces (bounded memory).
Result<std::uint64_t> LineEndFrom(int fd, const std::string& path, std::uint64_t off,
                                  std::uint64_t size) {
  std::string piece(std::min<std::uint64_t>(1u << 20, size > off ? size - off : 1), '\0');
  while (off < size) {
    const auto n = static_cast<std::size_t>(std::min<std::uint64_t>(piece.size(), size - off));
    STARLING_RETURN_IF_ERROR(PreadFull(fd, path, piece.data(), n, off));
    if (const void* nl = std::memchr(piece.data(), '\n', n)) {
      return off + static_cast<std::uint64_t>(static_cast<const char*>(nl) - piece.data());
    }
    off += n;
  }
  return size;
}

// A file of size 0 that still has bytes (/proc and some FUSE files) has no
// size to cut into blocks: the sequential reader reads it.
bool SizeIsTrue(int fd, const struct stat& st) {
  if (st.st_size > 0) return true;
  char c;
  ssize_t r;
  do {
    r = ::pread(fd, &c, 1, 0);
  } while (r < 0 && errno == EINTR);
  return r == 0;
}

}  // namespace

FileBlocks::FileBlocks(std::vector<File> files, std::size_t block_bytes,
                       const SourceOptions& options)
    : files_(std::move(files)),
      block_bytes_(block_bytes),
      max_record_(std::max<std::size_t>(1, options.hard_max_record_bytes)),
      pool_(std::make_shared<BufferPool>()) {
  std::size_t next = 0;
  for (const File& f : files_) {
    first_block_.push_back(next);
    next += static_cast<std::size_t>((f.size + block_bytes_ - 1) / block_bytes_);
    total_bytes_ += f.size;
  }
  first_block_.push_back(next);
}

FileBlocks::~FileBlocks() {
  for (File& f : files_) ::close(f.fd);
}

Result<std::unique_ptr<FileBlocks>> FileBlocks::Open(const std::vector<std::string>& paths,
                                                     std::size_t block_bytes,
                                                     const SourceOptions& options) {
  if (block_bytes == 0) return InvalidArgument("file blocks need a block size");
  std::vector<File> files;
  auto close_all = [&] {
    for (File& f : files) ::close(f.fd);
  };
  for (const std::string& path : paths) {
    // Not opened unless regular: opening a FIFO would wait for a writer.
    struct stat before {};
    if (::stat(path.c_str(), &before) == 0 && !S_ISREG(before.st_mode)) {
      close_all();
      return std::unique_ptr<FileBlocks>();
    }
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
      close_all();
      if (errno == ENOENT) return NotFound("no such file: " + path);
      return IoError("cannot open " + path + ": " + std::strerror(errno));
    }
    struct stat st {};
    if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || !SizeIsTrue(fd, st)) {
      ::close(fd);
      close_all();
      return std::unique_ptr<FileBlocks>();
    }
    files.push_back({path, fd, static_cast<std::uint64_t>(st.st_size)});
    // The line source's own tests on the first bytes: compressed, or JSON
    // documents rather than lines, is not for us.
    std::string head(std::min<std::uint64_t>(files.back().size, kDocumentSniffBytes + 1), '\0');
    Status st_read = PreadFull(fd, path, head.data(), head.size(), 0);
    if (!st_read.ok()) {
      close_all();
      return st_read;
    }
    // Undecided within kDocumentSniffBytes (a first line that long): the
    // line source decides on what its first read holds; leave it to it.
    const bool eof = head.size() == files.back().size;
    const std::string_view sniff(head.data(), std::min(head.size(), kDocumentSniffBytes));
    if (CompressionOf(head) != Compression::kNone ||
        (options.detect_documents && StartsWithDocument(sniff, eof).value_or(true))) {
      close_all();
      return std::unique_ptr<FileBlocks>();
    }
  }
  return std::unique_ptr<FileBlocks>(new FileBlocks(std::move(files), block_bytes, options));
}

Status FileBlocks::Read(std::size_t i, Block* out) const {
  Status st = ReadBlock(i, out);
  if (!st.ok()) {  // nothing half-read stays (records may point into freed buffers)
    out->records.clear();
    out->newlines = 0;
    out->keep.reset();
  }
  return st;
}

Status FileBlocks::ReadBlock(std::size_t i, Block* out) const {
  out->records.clear();
  out->newlines = 0;
  out->keep.reset();
  if (i >= size()) return InvalidArgument("no block " + std::to_string(i));
  const auto f = static_cast<std::size_t>(
      std::upper_bound(first_block_.begin(), first_block_.end(), i) - first_block_.begin() - 1);
  const File& file = files_[f];
  out->file = static_cast<std::uint32_t>(f);
  const std::uint64_t start = (i - first_block_[f]) * block_bytes_;
  const std::uint64_t end = std::min<std::uint64_t>(start + block_bytes_, file.size);
  // The byte before the block says whether a line starts at its first byte.
  const std::uint64_t from = start == 0 ? 0 : start - 1;
  const std::size_t own_end = static_cast<std::size_t>(end - from);  // in buffer offsets
  std::size_t have = static_cast<std::size_t>(
      std::min<std::uint64_t>(end + std::min(kTail, block_bytes_), file.size) - from);
  std::shared_ptr<std::string> buf = pool_->Get(have + kRecordPadding);
  STARLING_RETURN_IF_ERROR(PreadFull(file.fd, file.path, buf->data(), have, from));

  std::size_t pos = 0;
  std::uint64_t newlines = 0;
  if (start > 0) {
    const auto* nl = static_cast<const char*>(std::memchr(buf->data(), '\n', own_end));
    if (nl == nullptr) {  // inside a line that began in an earlier block
      out->keep = std::move(buf);
      return Status::Ok();
    }
    pos = static_cast<std::size_t>(nl - buf->data()) + 1;
    if (pos > 1) newlines = 1;  // that line break is one of ours
  }
  while (pos < own_end) {
    // Where this line ends; reading on while the buffer has no line break.
    const char* nl = nullptr;
    bool cut = false;
    for (;;) {
      nl = static_cast<const char*>(std::memchr(buf->data() + pos, '\n', have - pos));
      if (nl != nullptr || from + have == file.size) break;
      if (have - pos > max_record_) {
        cut = true;
        break;
      }
      const std::size_t grown = static_cast<std::size_t>(
          std::min<std::uint64_t>(from + std::min(have * 2, pos + max_record_ + 1), file.size) -
          from);
      std::shared_ptr<std::string> next = pool_->Get(grown + kRecordPadding);
      std::memcpy(next->data(), buf->data(), have);
      STARLING_RETURN_IF_ERROR(
          PreadFull(file.fd, file.path, next->data() + have, grown - have, from + have));
      for (Record& r : out->records) {  // same offsets in the new buffer
        r.bytes = {next->data() + (r.bytes.data() - buf->data()), r.bytes.size()};
      }
      buf = std::move(next);
      have = grown;
    }
    std::size_t line_end = nl != nullptr ? static_cast<std::size_t>(nl - buf->data()) : have;
    std::uint64_t full_size = 0;
    if (cut || line_end - pos > max_record_) {
      if (nl != nullptr) {
        full_size = line_end - pos;
      } else {
        STARLING_ASSIGN_OR_RETURN(const std::uint64_t end_of_line,
                                  LineEndFrom(file.fd, file.path, from + have, file.size));
        full_size = end_of_line - (from + pos);
      }
      cut = true;
      line_end = pos + max_record_;
    }
    Record& r = out->records.emplace_back();
    r.bytes = {buf->data() + pos, line_end - pos};
    r.origin = file.path;
    r.line = 1 + newlines;
    r.offset = from + pos;
    r.truncated = cut;
    r.full_size = full_size;
    if (cut && nl == nullptr) {
      // The rest of the line is skipped; the next line, if it starts in
      // this block, follows the next line break.
      nl = static_cast<const char*>(
          std::memchr(buf->data() + line_end, '\n', std::max(own_end, line_end) - line_end));
    }
    if (nl == nullptr) break;  // the last line of the file, or a cut one running on
    const auto brk = static_cast<std::size_t>(nl - buf->data());
    if (brk < own_end) ++newlines;
    pos = brk + 1;
  }
  for (Record& r : out->records) {
    r.padding =
        static_cast<std::size_t>(buf->data() + buf->size() - (r.bytes.data() + r.bytes.size()));
    r.keep = &out->keep;
  }
  out->newlines = newlines;
  out->keep = std::move(buf);
  return Status::Ok();
}

}  // namespace starling::source
