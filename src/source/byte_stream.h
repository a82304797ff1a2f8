// File: source/byte_stream.h
// Raw bytes in: files, stdin, sockets, with transparent gzip / zstd
// decompression. A ByteStream is owned and read by one thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"

namespace starling::source {

// How long a live stream waits for bytes before returning TryAgain.
inline constexpr std::chrono::milliseconds kIdleWait{200};

class ByteStream {
 public:
  virtual ~ByteStream() = default;
  // Reads up to n bytes into buf. Returns 0 at end of stream, or an error.
  // A live stream (pipe, socket, terminal) with nothing to read for
  // kIdleWait returns TryAgain, as it does when a signal interrupts the
  // wait; the caller checks its stop conditions and calls again.
  virtual Result<std::size_t> Read(char* buf, std::size_t n) = 0;
  // A pipe, socket or terminal: Read may wait for bytes (a regular file,
  // compressed or not, never does).
  virtual bool live() const { return false; }
  // Moves to byte `offset` of the (decompressed) content, so the next Read
  // starts there. false: this stream cannot seek (a pipe, socket, or
  // compressed content); nothing moved. IoError when the seek fails.
  virtual Result<bool> Seek(std::uint64_t /*offset*/) { return false; }
  // What tells this input from a replaced or cut one, for a checkpoint at
  // byte `offset`: the file's size and modification time, and hashes of the
  // bytes just before `offset` (64 KiB at most) and of the first 4 KiB.
  // Empty: this stream cannot say (a pipe, a socket, compressed content).
  virtual std::string Fingerprint(std::uint64_t /*offset*/) const { return {}; }
  // Before a Seek to `offset` on resume: InvalidArgument, saying what
  // changed, when the content is not the one `fingerprint` was taken of (the
  // file is now shorter than `offset`, or its bytes before it differ). A file
  // that only grew (appended to) passes.
  virtual Status CheckFingerprint(std::string_view /*fingerprint*/,
                                  std::uint64_t /*offset*/) const {
    return Status::Ok();
  }
};

// Takes ownership of fd (closed on destruction unless it is 0, stdin).
std::unique_ptr<ByteStream> FdByteStream(int fd);

// Opens a file; "-" is stdin. Compression is detected from the first bytes
// (gzip 1f 8b, zstd 28 b5 2f fd), not from the name, so pipes work too.
Result<std::unique_ptr<ByteStream>> OpenFileStream(const std::string& path);

// Connects to host:port over TCP (like Spark's socketTextStream: we are the client).
Result<std::unique_ptr<ByteStream>> ConnectTcp(const std::string& host, int port);

// What the first bytes of a stream say (at least 4 of them, or all there are).
enum class Compression { kNone, kGzip, kZstd };
Compression CompressionOf(std::string_view head);

// Wraps a stream, decompressing when its first bytes are a gzip or zstd magic.
std::unique_ptr<ByteStream> AutoDecompress(std::unique_ptr<ByteStream> inner);

}  // namespace starling::source
