// Tests for source/file_blocks.h: a parallel scan's blocks, put back in
// order, are the line source's records (bytes, line, offset), whatever the
// block size and the order the blocks are read in.
#include "source/file_blocks.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <fstream>
#include <random>
#include <thread>

#include "source/byte_stream.h"
#include "source/registry.h"

namespace starling::source {
namespace {

std::string TmpPath(const std::string& name) {
  return std::string(STARLING_TEST_TMP) + "/file_blocks_" + name;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

struct Rec {
  std::string origin, bytes;
  std::uint64_t line = 0, offset = 0;
  bool operator==(const Rec&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Rec& r) {
  return os << r.origin << ":" << r.line << "@" << r.offset << " '" << r.bytes << "'";
}

// What the line source gives, file after file.
std::vector<Rec> Sequential(const std::vector<std::string>& paths) {
  std::vector<Rec> out;
  for (const std::string& path : paths) {
    auto src = OpenSource("file:" + path);
    EXPECT_TRUE(src.ok()) << src.status().ToString();
    Record r;
    while (true) {
      auto more = (*src)->Next(&r);
      EXPECT_TRUE(more.ok());
      if (!more.ok() || !*more) break;
      out.push_back({std::string(r.origin), std::string(r.bytes), r.line, r.offset});
    }
  }
  return out;
}

// Every block, read in `order`, then put back in input order with line
// numbers made whole; checks each record's padding and that its bytes stay
// valid while the block's keep does (all blocks are held to the end).
std::vector<Rec> Scanned(const FileBlocks& blocks, std::vector<std::size_t> order) {
  std::vector<FileBlocks::Block> read(blocks.size());
  for (std::size_t i : order) {
    Status st = blocks.Read(i, &read[i]);
    EXPECT_TRUE(st.ok()) << st.ToString();
  }
  std::vector<Rec> out;
  std::int64_t file = -1;
  std::uint64_t base = 0;
  for (const FileBlocks::Block& b : read) {
    if (static_cast<std::int64_t>(b.file) != file) {
      file = b.file;
      base = 0;
    }
    for (const Record& r : b.records) {
      EXPECT_GE(r.padding, kRecordPadding);
      EXPECT_NE(r.keep, nullptr);
      EXPECT_FALSE(r.truncated);
      out.push_back({std::string(r.origin), std::string(r.bytes), r.line + base, r.offset});
    }
    base += b.newlines;
  }
  return out;
}

std::string RandomLines(std::mt19937_64& rng, int n) {
  std::string s;
  for (int i = 0; i < n; ++i) {
    const int kind = static_cast<int>(rng() % 10);
    if (kind == 0) {
      s += "\n";  // an empty line: a record of its own, as in the line source
    } else if (kind == 1) {
      s += std::string(rng() % 3000, 'x') + "\r\n";  // long, CRLF
    } else {
      s += "{\"id\":" + std::to_string(rng() % 100000) + ",\"t\":\"" +
           std::string(rng() % 40, 'a' + static_cast<char>(i % 26)) + "\"}\n";
    }
  }
  return s;
}

TEST(FileBlocks, BlocksInAnyOrderAreTheLineSourcesRecords) {
  std::mt19937_64 rng(7);
  const std::vector<std::string> contents = {
      RandomLines(rng, 300),
      "",                       // an empty file: no blocks
      "no newline at the end",  // last line without a line break
      "\n\n\n",                 // only empty lines
      RandomLines(rng, 50) + "tail without break",
      std::string(10000, 'y') + "\nshort\n",  // a line longer than many blocks
  };
  std::vector<std::string> paths;
  for (std::size_t i = 0; i < contents.size(); ++i) {
    paths.push_back(TmpPath("in" + std::to_string(i) + ".jsonl"));
    WriteFile(paths.back(), contents[i]);
  }
  const std::vector<Rec> want = Sequential(paths);
  ASSERT_GT(want.size(), 350u);
  for (std::size_t block : {1u, 2u, 3u, 7u, 64u, 997u, 4096u, 1u << 20}) {
    auto blocks = FileBlocks::Open(paths, block);
    ASSERT_TRUE(blocks.ok()) << blocks.status().ToString();
    ASSERT_NE(*blocks, nullptr);
    std::uint64_t total = 0;
    for (const auto& c : contents) total += c.size();
    EXPECT_EQ((*blocks)->total_bytes(), total);
    std::vector<std::size_t> order((*blocks)->size());
    for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
    EXPECT_EQ(Scanned(**blocks, order), want) << "block size " << block;
    std::shuffle(order.begin(), order.end(), rng);
    EXPECT_EQ(Scanned(**blocks, order), want) << "block size " << block << ", shuffled";
  }
}

TEST(FileBlocks, ThreadsReadBlocksConcurrently) {
  std::mt19937_64 rng(3);
  const std::string path = TmpPath("threads.jsonl");
  WriteFile(path, RandomLines(rng, 2000));
  const std::vector<Rec> want = Sequential({path});
  auto blocks = FileBlocks::Open({path}, 1000);
  ASSERT_TRUE(blocks.ok());
  ASSERT_NE(*blocks, nullptr);
  const FileBlocks& fb = **blocks;
  std::vector<FileBlocks::Block> read(fb.size());
  std::atomic<std::size_t> next{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) {
    threads.emplace_back([&] {
      for (std::size_t i = next++; i < fb.size(); i = next++)
        EXPECT_TRUE(fb.Read(i, &read[i]).ok());
    });
  }
  for (auto& t : threads) t.join();
  std::vector<Rec> got;
  std::uint64_t base = 0;
  for (const FileBlocks::Block& b : read) {
    for (const Record& r : b.records) {
      got.push_back({std::string(r.origin), std::string(r.bytes), r.line + base, r.offset});
    }
    base += b.newlines;
  }
  EXPECT_EQ(got, want);
}

TEST(FileBlocks, CutsALineLongerThanTheHardLimitAndGoesOn) {
  const std::string path = TmpPath("long.jsonl");
  WriteFile(path, "{\"a\":1}\n" + std::string(100, 'z') + "\n{\"b\":2}\n");
  SourceOptions so;
  so.hard_max_record_bytes = 30;
  for (std::size_t block : {5u, 16u, 4096u}) {
    auto blocks = FileBlocks::Open({path}, block, so);
    ASSERT_TRUE(blocks.ok());
    ASSERT_NE(*blocks, nullptr);
    std::vector<std::string> bytes;
    std::vector<std::uint64_t> lines;
    std::vector<bool> cut;
    std::vector<std::uint64_t> full;
    std::uint64_t base = 0;
    for (std::size_t i = 0; i < (*blocks)->size(); ++i) {
      FileBlocks::Block b;
      ASSERT_TRUE((*blocks)->Read(i, &b).ok());
      for (const Record& r : b.records) {
        bytes.emplace_back(r.bytes);
        lines.push_back(r.line + base);
        cut.push_back(r.truncated);
        full.push_back(r.full_size);
      }
      base += b.newlines;
    }
    EXPECT_EQ(bytes, (std::vector<std::string>{"{\"a\":1}", std::string(30, 'z'), "{\"b\":2}"}))
        << "block size " << block;
    EXPECT_EQ(lines, (std::vector<std::uint64_t>{1, 2, 3})) << "block size " << block;
    EXPECT_EQ(cut, (std::vector<bool>{false, true, false})) << "block size " << block;
    EXPECT_EQ(full, (std::vector<std::uint64_t>{0, 100, 0})) << "block size " << block;
  }
}

TEST(FileBlocks, LeavesWhatTheLineSourceReadsOtherwiseToIt) {
  const std::string doc = TmpPath("doc.json");
  WriteFile(doc, "{\n  \"data\": {\"id\": \"1\"}\n}\n");
  const std::string gz = TmpPath("lines.jsonl.gz");
  {
    gzFile f = gzopen(gz.c_str(), "wb");
    gzputs(f, "{\"a\":1}\n");
    gzclose(f);
  }
  const std::string plain = TmpPath("plain.jsonl");
  WriteFile(plain, "{\"a\":1}\n");
  const std::string fifo = TmpPath("fifo");
  ::unlink(fifo.c_str());
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0);
  for (const std::string& other : {doc, gz, fifo, std::string(STARLING_TEST_TMP)}) {
    auto blocks = FileBlocks::Open({plain, other});
    ASSERT_TRUE(blocks.ok()) << other << ": " << blocks.status().ToString();
    EXPECT_EQ(*blocks, nullptr) << other;  // read sequentially instead (the FIFO not even opened)
  }
  // An empty first line 70 KiB long: the line source decides on more than
  // the blocks look at, so it is left to it. A /proc file has no size.
  const std::string long_head = TmpPath("long_head.json");
  WriteFile(long_head, std::string(70 << 10, ' ') + "{\n\"a\": 1}\n");
  for (const std::string& other : {long_head, std::string("/proc/self/status")}) {
    auto blocks = FileBlocks::Open({other});
    ASSERT_TRUE(blocks.ok());
    EXPECT_EQ(*blocks, nullptr) << other;
  }
  auto missing = FileBlocks::Open({plain, TmpPath("missing.jsonl")});
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  // Plain text (normalize --text): "{" alone on the first line is a line.
  SourceOptions text;
  text.detect_documents = false;
  auto as_text = FileBlocks::Open({doc}, 4, text);
  ASSERT_TRUE(as_text.ok());
  EXPECT_NE(*as_text, nullptr);
}

TEST(PlainFilePath, NamesFilesOnly) {
  EXPECT_EQ(PlainFilePath("a/b.jsonl"), "a/b.jsonl");
  EXPECT_EQ(PlainFilePath("file:x.jsonl"), "x.jsonl");
  EXPECT_EQ(PlainFilePath("C:data.jsonl"), "C:data.jsonl");  // a one-letter "scheme" is a path
  EXPECT_EQ(PlainFilePath("./x:y.jsonl"), "./x:y.jsonl");
  for (const char* spec : {"-", "file:-", "stdin", "tcp://localhost:9", "replay:x.jsonl?speed=2",
                           "generate:?rate=5", "generate", "kafka://b/t", ""}) {
    EXPECT_EQ(PlainFilePath(spec), std::nullopt) << spec;
  }
}

}  // namespace
}  // namespace starling::source
