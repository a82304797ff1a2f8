// File: source/file_blocks.h
// A parallel scan of plain JSONL files: the input cut into fixed byte
// blocks that several threads read at once (pread), each splitting its own
// block into line records. What the line source would give, record for
// record, minus the order: a line belongs to the block its first byte is
// in, so a caller that puts the blocks back in order, and adds up the line
// breaks of the earlier blocks of a file (Block::newlines), has the line
// source's records with their line numbers.
//
// Only for inputs the line source reads as lines: regular files with a
// size, neither gzip nor zstd, not pretty-printed JSON documents (see
// StartsWithDocument). Open says nullptr for anything else; the caller then
// reads the input sequentially. One difference: a line longer than
// SourceOptions::hard_max_record_bytes is always cut at exactly that many
// bytes (the line source cuts at what its buffer holds, and only when the
// line's end is not in it yet).
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "common/status.h"
#include "source/record_source.h"

namespace starling::source {

class BufferPool;

class FileBlocks {
 public:
  static constexpr std::size_t kDefaultBlockBytes = 1u << 20;

  struct Block {
    std::uint32_t file = 0;      // index into the paths given to Open
    std::uint64_t newlines = 0;  // line breaks among the block's own bytes
    // bytes and keep (Record::keep, pointing to `keep` below) as the line
    // source's shared records, offset in the file; but `line` is 1 + the
    // line breaks between the block's first byte and the record: add the
    // newlines of the file's earlier blocks for the line number.
    std::vector<Record> records;
    std::shared_ptr<const void> keep;  // holds the bytes of every record
  };

  // nullptr (and no error) when some path cannot be scanned in blocks (see
  // above); NotFound / IoError as the line source. block_bytes > 0.
  // options.hard_max_record_bytes: see above.
  static Result<std::unique_ptr<FileBlocks>> Open(const std::vector<std::string>& paths,
                                                  std::size_t block_bytes = kDefaultBlockBytes,
                                                  const SourceOptions& options = {});
  ~FileBlocks();
  FileBlocks(const FileBlocks&) = delete;
  FileBlocks& operator=(const FileBlocks&) = delete;

  // Blocks of all files, file after file.
  std::size_t size() const { return first_block_.empty() ? 0 : first_block_.back(); }
  std::uint64_t total_bytes() const { return total_bytes_; }

  // Reads block i < size() into *out (its old contents replaced; on error
  // it is left empty). Thread-safe: blocks may be read concurrently and in
  // any order. Each record's keep points at out->keep: a Block is not moved
  // or copied while its records are in use. Sizes are taken at Open: a file
  // that grows is read to its size then; IoError when a read fails or the
  // file became shorter.
  Status Read(std::size_t i, Block* out) const;

 private:
  struct File {
    std::string path;
    int fd = -1;
    std::uint64_t size = 0;
  };
  FileBlocks(std::vector<File> files, std::size_t block_bytes, const SourceOptions& options);
  Status ReadBlock(std::size_t i, Block* out) const;

  std::vector<File> files_;
  // first_block_[f] = index of file f's first block; one more entry = size().
  std::vector<std::size_t> first_block_;
  std::size_t block_bytes_;
  std::size_t max_record_;
  std::uint64_t total_bytes_ = 0;
  std::shared_ptr<BufferPool> pool_;
};

}  // namespace starling::source
