// Tests for source/record_source.h and source/byte_stream.h: line splitting,
// document mode, gzip/zstd, oversized lines, TCP, specs.
#include "source/record_source.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <fstream>
#include <sstream>
#include <thread>

#include "source/registry.h"

namespace starling::source {
namespace {

std::string TmpPath(const std::string& name) {
  return std::string(STARLING_TEST_TMP) + "/record_source_" + name;
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream f(path, std::ios::binary);
  f << bytes;
}

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

struct Got {
  std::vector<std::string> records;
  std::vector<std::uint64_t> lines;
  std::vector<std::uint64_t> offsets;
};

Got ReadAll(RecordSource& src) {
  Got g;
  Record r;
  for (;;) {
    auto more = src.Next(&r);
    EXPECT_TRUE(more.ok()) << more.status().ToString();
    if (!more.ok() || !*more) break;
    g.records.emplace_back(r.bytes);
    g.lines.push_back(r.line);
    g.offsets.push_back(r.offset);
  }
  return g;
}

Got ReadSpec(const std::string& spec, SourceOptions o = {}) {
  auto src = OpenSource(spec, o);
  EXPECT_TRUE(src.ok()) << src.status().ToString();
  if (!src.ok()) return {};
  return ReadAll(**src);
}

bool NextOk(RecordSource& s, Record* r) {
  auto more = s.Next(r);
  return more.ok() && *more;
}

std::unique_ptr<RecordSource> Open(const std::string& spec, SourceOptions o = {}) {
  auto src = OpenSource(spec, o);
  EXPECT_TRUE(src.ok()) << src.status().ToString();
  return src.ok() ? std::move(*src) : nullptr;
}

TEST(LineSource, SplitsLinesAndKeepsPositions) {
  std::string path = TmpPath("lines.jsonl");
  WriteFile(path, "{\"a\":1}\n\n{\"b\":2}\r\n{\"c\":3}");
  Got g = ReadSpec("file:" + path);
  ASSERT_EQ(g.records.size(), 4u);
  EXPECT_EQ(g.records[0], "{\"a\":1}");
  EXPECT_EQ(g.records[1], "");
  EXPECT_EQ(g.records[2], "{\"b\":2}\r");  // the parser trims; the source keeps bytes
  EXPECT_EQ(g.records[3], "{\"c\":3}");    // no final newline
  EXPECT_EQ(g.lines[3], 4u);
  EXPECT_EQ(g.offsets[2], 9u);
}

TEST(LineSource, PrettyPrintedDocumentIsOneRecord) {
  std::string doc = ReadFile(std::string(STARLING_SHARED_DATA) + "/simdjson/twitter.json");
  ASSERT_GT(doc.size(), 600000u);
  Got g = ReadSpec(std::string(STARLING_SHARED_DATA) + "/simdjson/twitter.json");
  ASSERT_EQ(g.records.size(), 1u);
  // The record is the document itself, without the file's final newline.
  std::string_view trimmed(doc);
  while (!trimmed.empty() && (trimmed.back() == '\n' || trimmed.back() == ' '))
    trimmed.remove_suffix(1);
  EXPECT_TRUE(g.records[0] == trimmed);
  std::string path = TmpPath("array.json");
  WriteFile(path, "[\n {\"id\": 1},\n {\"id\": 2}\n]\n");
  Got arr = ReadSpec(path);
  ASSERT_EQ(arr.records.size(), 1u);
  EXPECT_EQ(arr.records[0], "[\n {\"id\": 1},\n {\"id\": 2}\n]");
  SourceOptions text;
  text.detect_documents = false;
  EXPECT_EQ(ReadSpec(path, text).records.size(), 4u);
}

TEST(LineSource, JsonlOfArraysIsStillOneRecordPerLine) {
  std::string path = TmpPath("arrays.jsonl");
  WriteFile(path, "[{\"id_str\": \"1\"}]\n[{\"id_str\": \"2\"}]\n");
  Got g = ReadSpec(path);
  ASSERT_EQ(g.records.size(), 2u);
  EXPECT_EQ(g.records[1], "[{\"id_str\": \"2\"}]");
}

TEST(LineSource, ConcatenatedPrettyDocumentsAreSplitByValue) {
  // What `jq .` prints for several values, with braces inside strings.
  std::string path = TmpPath("jq.json");
  WriteFile(path,
            "{\n  \"a\": \"}{\\\"\",\n  \"b\": [1, {\"c\": 2}]\n}\n{\n  \"d\": 3\n}\nnot json\n{\n "
            " \"e\": 4");
  Got g = ReadSpec(path);
  ASSERT_EQ(g.records.size(), 4u);
  EXPECT_EQ(g.records[0], "{\n  \"a\": \"}{\\\"\",\n  \"b\": [1, {\"c\": 2}]\n}");
  EXPECT_EQ(g.records[1], "{\n  \"d\": 3\n}");
  EXPECT_EQ(g.lines[1], 5u);
  EXPECT_EQ(g.records[2], "not json");
  EXPECT_EQ(g.lines[2], 8u);
  EXPECT_EQ(g.records[3], "{\n  \"e\": 4");  // unterminated at the end: one bad record
}

TEST(LineSource, GzipAndZstdAreDetectedByMagic) {
  // Large enough (about 3 MB) that decoders end with output still pending
  // when their input is used up.
  std::string plain;
  for (int i = 0; i < 300000; ++i) plain += "{\"n\":" + std::to_string(i) + "}\n";
  // gzip, two concatenated members.
  std::string gz_path = TmpPath("in.jsonl.gz");
  gzFile gz = gzopen(gz_path.c_str(), "wb");
  gzwrite(gz, plain.data(), static_cast<unsigned>(plain.size() / 2));
  gzclose(gz);
  gz = gzopen((gz_path + ".2").c_str(), "wb");
  gzwrite(gz, plain.data() + plain.size() / 2,
          static_cast<unsigned>(plain.size() - plain.size() / 2));
  gzclose(gz);
  WriteFile(gz_path, ReadFile(gz_path) + ReadFile(gz_path + ".2"));
  Got g = ReadSpec(gz_path);
  ASSERT_EQ(g.records.size(), 300000u);
  EXPECT_EQ(g.records[299999], "{\"n\":299999}");
  // zstd, under a name that says nothing.
  std::string z(ZSTD_compressBound(plain.size()), '\0');
  z.resize(ZSTD_compress(z.data(), z.size(), plain.data(), plain.size(), 3));
  std::string z_path = TmpPath("in.data");
  WriteFile(z_path, z);
  Got gz2 = ReadSpec(z_path);
  ASSERT_EQ(gz2.records.size(), 300000u);
  EXPECT_EQ(gz2.records.back(), "{\"n\":299999}");
  EXPECT_EQ(gz2.records[1234], "{\"n\":1234}");
  // A truncated compressed file is an error, not silent data loss.
  WriteFile(z_path, z.substr(0, z.size() / 2));
  auto src = OpenSource(z_path);
  ASSERT_TRUE(src.ok());
  Record r;
  Status last;
  for (;;) {
    auto more = (*src)->Next(&r);
    if (!more.ok()) {
      last = more.status();
      break;
    }
    if (!*more) break;
  }
  EXPECT_FALSE(last.ok());
}

TEST(LineSource, HugeLinesAreDeliveredWholeThenTheStreamGoesOn) {
  std::string path = TmpPath("huge.jsonl");
  std::string huge(50u << 20, 'x');
  WriteFile(path, "{\"a\":1}\n" + huge + "\n{\"b\":2}\n");
  Got g = ReadSpec(path);
  ASSERT_EQ(g.records.size(), 3u);
  EXPECT_EQ(g.records[1].size(), huge.size());
  EXPECT_EQ(g.records[2], "{\"b\":2}");
  EXPECT_EQ(g.lines[2], 3u);
  // Past the hard cap the line is cut, and the next line is still found.
  SourceOptions o;
  o.hard_max_record_bytes = 1u << 20;
  auto cut_src = OpenSource(path, o);
  ASSERT_TRUE(cut_src.ok());
  Record r;
  std::vector<bool> truncated;
  std::vector<std::uint64_t> full, lines, offsets;
  Got cut;
  for (;;) {
    auto more = (*cut_src)->Next(&r);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    cut.records.emplace_back(r.bytes);
    truncated.push_back(r.truncated);
    full.push_back(r.full_size);
    lines.push_back(r.line);
    offsets.push_back(r.offset);
  }
  ASSERT_EQ(cut.records.size(), 3u);
  EXPECT_EQ(truncated, (std::vector<bool>{false, true, false}));
  // Cut at exactly the cap, handed out with its whole size and position.
  EXPECT_EQ(cut.records[1], huge.substr(0, 1u << 20));
  EXPECT_EQ(full, (std::vector<std::uint64_t>{0, huge.size(), 0}));
  EXPECT_EQ(lines, (std::vector<std::uint64_t>{1, 2, 3}));
  EXPECT_EQ(offsets, (std::vector<std::uint64_t>{0, 8, 8 + huge.size() + 1}));
  EXPECT_EQ(cut.records[2], "{\"b\":2}");
}

// A line of exactly the cap is whole, also when its end is not read yet;
// one byte more is cut to the cap. (The cap bounds memory: a longer line
// whose end is already in the buffer is handed out whole.)
TEST(LineSource, CutsOnlyARecordLongerThanTheCap) {
  for (const auto& [text, cut, full] : std::vector<std::tuple<std::string, bool, std::uint64_t>>{
           {"aaaa", false, 0}, {"aaaa\nb", false, 0}, {"aaaaa", true, 5}}) {
    const std::string path = TmpPath("cap.jsonl");
    WriteFile(path, text);
    SourceOptions o;
    o.hard_max_record_bytes = 4;
    o.detect_documents = false;  // reads no further than the first read before the first line
    auto src = OpenSource(path, o);
    ASSERT_TRUE(src.ok());
    Record r;
    auto more = (*src)->Next(&r);
    ASSERT_TRUE(more.ok() && *more) << text;
    EXPECT_EQ(r.truncated, cut) << text;
    EXPECT_EQ(r.bytes, "aaaa") << text;
    EXPECT_EQ(r.full_size, full) << text;
  }
}

// Pretty-printed documents: one over the cap is cut, and skipped to where
// its brackets close (brackets inside strings included), not read on as
// records of its rest.
TEST(LineSource, CutsADocumentOverTheCapAndSkipsToItsEnd) {
  const std::string path = TmpPath("big-docs.json");
  const std::string big = "{\"data\": {\"text\": \"" + std::string(300000, 'z') +
                          "}]{[\\\"\"},\n \"n\": [" + std::string(3000, '[') +
                          std::string(3000, ']') + "]}";
  WriteFile(path, "{\n  \"a\": 1\n}\n" + big + "\n{\n  \"b\": 2\n}\n");
  SourceOptions o;
  o.hard_max_record_bytes = 1000;
  auto src = OpenSource(path, o);
  ASSERT_TRUE(src.ok());
  Record r;
  std::vector<std::string> got;
  std::vector<std::uint64_t> full, lines;
  for (;;) {
    auto more = (*src)->Next(&r);
    ASSERT_TRUE(more.ok());
    if (!*more) break;
    got.emplace_back(r.bytes);
    full.push_back(r.truncated ? r.full_size : 0);
    lines.push_back(r.line);
  }
  ASSERT_EQ(got.size(), 3u);
  EXPECT_EQ(got[1], big.substr(0, 1000));
  EXPECT_EQ(full, (std::vector<std::uint64_t>{0, big.size(), 0}));
  EXPECT_EQ(lines, (std::vector<std::uint64_t>{1, 4, 6}));
  EXPECT_EQ(got[2], "{\n  \"b\": 2\n}");
}

TEST(TcpSource, ReadsLinesFromAServer) {
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(listener, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ASSERT_EQ(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  ASSERT_EQ(::listen(listener, 1), 0);
  socklen_t len = sizeof addr;
  ::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &len);
  int port = ntohs(addr.sin_port);
  std::thread server([listener] {
    int c = ::accept(listener, nullptr, nullptr);
    std::string payload;
    for (int i = 0; i < 1000; ++i) payload += "line " + std::to_string(i) + "\n";
    std::size_t sent = 0;
    while (sent < payload.size()) {
      ssize_t n =
          ::send(c, payload.data() + sent, std::min<std::size_t>(777, payload.size() - sent), 0);
      if (n <= 0) break;
      sent += static_cast<std::size_t>(n);
    }
    ::close(c);
  });
  SourceOptions o;
  o.detect_documents = false;
  Got g = ReadSpec("tcp://127.0.0.1:" + std::to_string(port), o);
  server.join();
  ::close(listener);
  ASSERT_EQ(g.records.size(), 1000u);
  EXPECT_EQ(g.records[999], "line 999");
}

TEST(LineSource, AnIdleLiveStreamSaysTryAgainInsteadOfBlocking) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto src = LineSource(AutoDecompress(FdByteStream(fds[0])), "pipe");
  Record r;
  auto first = src->Next(&r);
  ASSERT_FALSE(first.ok());
  EXPECT_EQ(first.status().code(), StatusCode::kTryAgain);
  ASSERT_EQ(::write(fds[1], "{\"a\":1}\n{\"b\"", 12), 12);
  auto second = src->Next(&r);
  ASSERT_TRUE(second.ok() && *second);
  EXPECT_EQ(r.bytes, "{\"a\":1}");
  EXPECT_EQ(src->Next(&r).status().code(), StatusCode::kTryAgain);  // half a line so far
  ::close(fds[1]);
  auto last = src->Next(&r);
  ASSERT_TRUE(last.ok() && *last);
  EXPECT_EQ(r.bytes, "{\"b\"");
}

TEST(LineSource, SaysItWouldWaitOnlyWhenNoWholeLineIsBuffered) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  auto src = LineSource(AutoDecompress(FdByteStream(fds[0])), "pipe");
  ASSERT_EQ(::write(fds[1], "{\"a\":1}\n{\"b\":2}\n{\"c\"", 20), 20);
  Record r;
  ASSERT_TRUE(NextOk(*src, &r));
  EXPECT_EQ(r.bytes, "{\"a\":1}");
  EXPECT_FALSE(src->WouldWait());  // the next line is buffered
  ASSERT_TRUE(NextOk(*src, &r));
  EXPECT_EQ(r.bytes, "{\"b\":2}");
  EXPECT_TRUE(src->WouldWait());  // half a line: Next() would poll the pipe
  ASSERT_EQ(::write(fds[1], ":3}\n", 4), 4);
  ASSERT_TRUE(NextOk(*src, &r));
  EXPECT_EQ(r.bytes, "{\"c\":3}");
  ::close(fds[1]);
  // A regular file never waits.
  const std::string path = TmpPath("wait.jsonl");
  WriteFile(path, "{\"a\":1}\n{\"b\"");
  auto file = Open(path);
  ASSERT_TRUE(NextOk(*file, &r));
  EXPECT_FALSE(file->WouldWait());
}

TEST(LineSource, SeeksToASavedPosition) {
  std::string plain;
  for (int i = 0; i < 5000; ++i) plain += "{\"n\":" + std::to_string(i) + "}\n";
  const std::string path = TmpPath("seek.jsonl");
  WriteFile(path, plain);
  const Got all = ReadSpec(path);
  ASSERT_EQ(all.records.size(), 5000u);
  for (std::size_t at : {0u, 1u, 1234u, 4999u, 5000u}) {
    auto first = Open(path);
    Record r;
    for (std::size_t i = 0; i < at; ++i) ASSERT_TRUE(NextOk(*first, &r));
    const std::string token = first->Position();
    ASSERT_FALSE(token.empty()) << "a plain file can seek";
    auto second = Open(path);
    auto moved = second->Seek(token);
    ASSERT_TRUE(moved.ok() && *moved) << moved.status().ToString();
    Got rest = ReadAll(*second);
    ASSERT_EQ(rest.records.size(), 5000 - at) << at;
    if (at < 5000) {
      EXPECT_EQ(rest.records.front(), all.records[at]);
      EXPECT_EQ(rest.lines.front(), all.lines[at]);
      EXPECT_EQ(rest.offsets.front(), all.offsets[at]);
    }
  }
  // Several files: the position names the file, then the place in it.
  auto files = [&] {
    std::vector<std::unique_ptr<RecordSource>> v;
    v.push_back(Open(path));
    v.push_back(Open(path));
    return Concat(std::move(v));
  };
  auto a = files();
  Record r;
  for (int i = 0; i < 7000; ++i) ASSERT_TRUE(NextOk(*a, &r));
  auto b = files();
  auto moved = b->Seek(a->Position());
  ASSERT_TRUE(moved.ok() && *moved);
  ASSERT_TRUE(NextOk(*b, &r));
  EXPECT_EQ(r.bytes, all.records[2000]);
  EXPECT_EQ(ReadAll(*b).records.size(), 2999u);
  // A token from elsewhere is refused; compressed input cannot seek (the
  // consumer skips records instead) and says so without moving.
  EXPECT_EQ(Open(path)->Seek("\xff").status().code(), StatusCode::kMalformedInput);
  const std::string zst_path = TmpPath("seek.jsonl.zst");
  std::string zst(ZSTD_compressBound(plain.size()), '\0');
  zst.resize(ZSTD_compress(zst.data(), zst.size(), plain.data(), plain.size(), 1));
  WriteFile(zst_path, zst);
  auto z = Open(zst_path);
  for (int i = 0; i < 10; ++i) ASSERT_TRUE(NextOk(*z, &r));
  auto plain_source = Open(path);
  ASSERT_TRUE(NextOk(*plain_source, &r));
  auto zmoved = Open(zst_path)->Seek(plain_source->Position());
  ASSERT_TRUE(zmoved.ok());
  EXPECT_FALSE(*zmoved);
}

// ShareBuffers: records held (through Record::keep) stay valid and unchanged
// while the source reads on, across buffer refills, a line longer than the
// buffer and a seek; another thread may read them. Without it, keep is null.
TEST(LineSource, SharedRecordsOutliveLaterReads) {
  std::string plain;
  std::vector<std::string> lines;
  for (int i = 0; i < 20000; ++i) {
    std::string line = "{\"n\":" + std::to_string(i) + ",\"pad\":\"" +
                       std::string(static_cast<std::size_t>(i % 97) * 7, 'x') + "\"}";
    if (i == 7000) line = "{\"big\":\"" + std::string(1u << 20, 'y') + "\"}";
    lines.push_back(line);
    plain += line + "\n";
  }
  const std::string path = TmpPath("shared.jsonl");
  WriteFile(path, plain);
  {
    auto unshared = Open(path);
    Record r;
    ASSERT_TRUE(NextOk(*unshared, &r));
    EXPECT_EQ(r.keep, nullptr);
  }
  struct Held {
    std::string_view bytes;
    std::shared_ptr<const void> keep;
  };
  std::vector<Held> held;
  auto src = Open(path);
  src->ShareBuffers();
  Record r;
  while (NextOk(*src, &r)) {
    ASSERT_NE(r.keep, nullptr);
    ASSERT_GE(r.padding, kRecordPadding);
    held.push_back({r.bytes, *r.keep});
  }
  ASSERT_EQ(held.size(), lines.size());
  // Checked on another thread, after the source read everything.
  std::size_t mismatches = 0;
  std::thread checker([&] {
    for (std::size_t i = 0; i < held.size(); ++i) mismatches += held[i].bytes != lines[i];
  });
  checker.join();
  EXPECT_EQ(mismatches, 0u);
  // Letting go in any order hands buffers back for reuse; reading on works.
  held.clear();
  auto again = Open(path);
  again->ShareBuffers();
  std::size_t n = 0;
  while (NextOk(*again, &r)) {
    ASSERT_EQ(r.bytes, lines[n]);
    if (n == 100 || n == 7000) {
      // A seek after records were handed out leaves them intact (also right
      // after the long line, when the buffer holds far more than a chunk).
      const std::size_t at = n;
      const std::string_view kept_bytes = r.bytes;
      const std::shared_ptr<const void> kept = *r.keep;
      const std::string token = again->Position();
      auto moved = again->Seek(token);
      ASSERT_TRUE(moved.ok() && *moved);
      ASSERT_TRUE(NextOk(*again, &r));
      EXPECT_EQ(r.bytes, lines[at + 1]);
      EXPECT_EQ(kept_bytes, lines[at]);
      n = at + 1;
    }
    ++n;
  }
  EXPECT_EQ(n, lines.size());
}

TEST(OpenSource, ClearErrors) {
  EXPECT_EQ(OpenSource("kafka:topic").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSource("tcp://127.0.0.1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSource("/no/such/file.jsonl").status().code(), StatusCode::kNotFound);
  EXPECT_EQ(OpenSource("replay:x.jsonl?speed=-1").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSource("tcp://127.0.0.1:1").status().code(), StatusCode::kUnavailable);
}

TEST(SourceRegistry, ResolvesEveryForm) {
  struct Case {
    std::string spec;
    std::string_view kind;
  } cases[] = {
      {"-", "stdin"},
      {"stdin", "stdin"},
      {"stdin:", "stdin"},
      {"file:-", "file"},
      {"x.jsonl", "file"},
      {"file:x.jsonl", "file"},
      {"jsonl:x.jsonl", "file"},
      {"C:x.jsonl", "file"},
      {"tcp://h:1", "tcp"},
      {"replay:x?speed=2", "replay"},
      {"generate", "generate"},
      {"generate:?rate=5", "generate"},
  };
  for (const auto& c : cases) {
    auto r = ResolveSource(c.spec);
    ASSERT_TRUE(r.ok()) << c.spec << ": " << r.status().ToString();
    EXPECT_EQ(r->kind->info.scheme, c.kind) << c.spec;
  }
  EXPECT_EQ(InputFile("jsonl:a/x.jsonl"), "a/x.jsonl");
  EXPECT_EQ(InputFile("replay:r.jsonl?speed=3"), "r.jsonl");
  EXPECT_EQ(InputFile("generate:?rate=1"), std::nullopt);
  EXPECT_EQ(InputFile("file:-"), std::nullopt);
  for (const auto& k : Sources().kinds()) {
    EXPECT_NE(SourceHelp().find(k.info.usage), std::string::npos) << k.info.scheme;
    for (const auto& p : k.info.params) EXPECT_FALSE(p.help.empty()) << p.name;
  }
}

TEST(SourceRegistry, ErrorsListWhatIsValid) {
  auto unknown = OpenSource("cassandra://b1/keyspace");
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown source scheme 'cassandra'"),
            std::string::npos);
  EXPECT_NE(unknown.status().message().find("valid: file, stdin, tcp, replay, generate"),
            std::string::npos)
      << unknown.status().message();
  auto param = OpenSource("generate:?rte=5");
  ASSERT_FALSE(param.ok());
  EXPECT_NE(param.status().message().find("unknown parameter 'rte' (valid: rate, seed, count"),
            std::string::npos)
      << param.status().message();
  auto pace = OpenSource("generate:?pace=sometimes");
  ASSERT_FALSE(pace.ok());
  EXPECT_NE(pace.status().message().find("pace must be a boolean"), std::string::npos);
  auto tcp = OpenSource("tcp://127.0.0.1:9/path");
  ASSERT_FALSE(tcp.ok());
  EXPECT_NE(tcp.status().message().find("tcp://HOST:PORT"), std::string::npos);
  auto secret = OpenSource("tcp://user:hunter2@127.0.0.1:1");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().message().find("hunter2"), std::string::npos)
      << secret.status().message();
}

TEST(GeneratorSource, PaceTakesEveryBoolean) {
  // pace=false used to mean "paced" (only "0" turned pacing off).
  for (const char* off : {"0", "false", "no", "off", "1"}) {
    ManualClock clock;
    SourceOptions o;
    o.clock = &clock;
    auto src = OpenSource(
        std::string("generate:?count=2000&rate=1000&start=2021-04-01T00:00:00Z&pace=") + off, o);
    ASSERT_TRUE(src.ok()) << off;
    const auto t0 = clock.Steady();
    Got g = ReadAll(**src);
    EXPECT_EQ(g.records.size(), 2000u) << off;
    // Paced, 2000 posts at 1000/s take about 2 s of the (manual) clock; unpaced, none.
    EXPECT_EQ(clock.Steady() > t0 + std::chrono::seconds(1), std::string(off) == "1") << off;
  }
}

// A paced generator resumed at post N goes on at its pace from there, not
// after waiting for the event time of the N posts before it.
TEST(GeneratorSource, APacedResumeDoesNotWaitForThePostsBefore) {
  ManualClock clock;
  clock.Advance(std::chrono::hours(24 * 365 * 55));
  SourceOptions o;
  o.clock = &clock;
  std::string position;
  {
    auto src = OpenSource("generate:?rate=100&seed=2&start=2021-04-01T00:00:00Z", o);
    ASSERT_TRUE(src.ok());
    Record r;
    for (int n = 0; n < 1000;) {
      auto more = (*src)->Next(&r);
      if (more.ok()) ++n;
    }
    position = (*src)->Position();
  }
  auto src = OpenSource("generate:?rate=100&seed=2&start=2021-04-01T00:00:00Z", o);
  ASSERT_TRUE(src.ok());
  ASSERT_TRUE(*(*src)->Seek(position));
  const auto t0 = clock.Steady();
  Record r;
  for (int n = 0; n < 100;) {
    auto more = (*src)->Next(&r);
    if (more.ok()) ++n;
  }
  // 100 posts at 100/s: about a second, not the ten seconds of the first 1,000.
  EXPECT_LT(clock.Steady() - t0, std::chrono::seconds(3));
}

TEST(GeneratorSource, CountAndNoPace) {
  Got g = ReadSpec("generate:?count=500&pace=0&seed=3&start=2021-04-01T00:00:00Z");
  ASSERT_EQ(g.records.size(), 500u);
  Got again = ReadSpec("generate:?count=500&pace=0&seed=3&start=2021-04-01T00:00:00Z");
  EXPECT_EQ(g.records, again.records);
}

TEST(GeneratorSource, PacesWithTheInjectedClock) {
  ManualClock clock;
  SourceOptions o;
  o.clock = &clock;
  auto src =
      OpenSource("generate:?count=2000&rate=1000&seed=1&diurnal=0&start=2021-04-01T00:00:00Z", o);
  ASSERT_TRUE(src.ok()) << src.status().ToString();
  auto t0 = clock.Steady();
  Got g = ReadAll(**src);
  ASSERT_EQ(g.records.size(), 2000u);
  double secs = std::chrono::duration<double>(clock.Steady() - t0).count();
  EXPECT_NEAR(secs, 2.0, 0.3);  // 2000 posts at 1000/s of event time
}

TEST(GeneratorSource, SaysItWouldWaitUntilThePostIsDue) {
  ManualClock clock;
  SourceOptions o;
  o.clock = &clock;
  auto src = Open("generate:?count=100&rate=10&seed=1&diurnal=0&start=2021-04-01T00:00:00Z", o);
  Record r;
  ASSERT_TRUE(NextOk(*src, &r));
  // 10 posts/s: the next one is due about 100 ms later, not now.
  EXPECT_TRUE(src->WouldWait());
  clock.Advance(std::chrono::seconds(5));
  EXPECT_FALSE(src->WouldWait());
  const auto before = clock.Steady();
  ASSERT_TRUE(NextOk(*src, &r));
  EXPECT_EQ(clock.Steady(), before) << "a due post needs no sleep";
  auto unpaced = Open("generate:?count=10&pace=0&seed=1");
  ASSERT_TRUE(NextOk(*unpaced, &r));
  EXPECT_FALSE(unpaced->WouldWait());
}

}  // namespace
}  // namespace starling::source

namespace starling::source {
namespace {

// Yields "name-i" records, saying TryAgain before every `idle_every`-th one.
class Scripted final : public RecordSource {
 public:
  Scripted(std::string name, int n, int idle_every = 0)
      : name_(std::move(name)), n_(n), idle_every_(idle_every) {}
  Result<bool> Next(Record* out) override {
    if (i_ >= n_) return false;
    if (idle_every_ > 0 && i_ % idle_every_ == 0 && !idled_) {
      idled_ = true;
      return TryAgain("idle");
    }
    idled_ = false;
    line_ = name_ + "-" + std::to_string(i_++);
    out->bytes = line_;
    return true;
  }
  std::string Describe() const override { return name_; }

 private:
  std::string name_;
  int n_, idle_every_, i_ = 0;
  bool idled_ = false;
  std::string line_;
};

std::vector<std::string> Drain(RecordSource& s, int* idles) {
  std::vector<std::string> out;
  Record r;
  for (int guard = 0; guard < 1000; ++guard) {
    auto more = s.Next(&r);
    if (!more.ok()) {
      EXPECT_EQ(more.status().code(), StatusCode::kTryAgain);
      ++*idles;
      continue;
    }
    if (!*more) break;
    out.emplace_back(r.bytes);
  }
  return out;
}

TEST(UnionSource, InterleavesAndSkipsIdleSources) {
  std::vector<std::unique_ptr<RecordSource>> v;
  v.push_back(std::make_unique<Scripted>("a", 3));
  v.push_back(std::make_unique<Scripted>("b", 1));
  v.push_back(std::make_unique<Scripted>("c", 2));
  auto u = Union(std::move(v));
  int idles = 0;
  EXPECT_EQ(Drain(*u, &idles),
            (std::vector<std::string>{"a-0", "b-0", "c-0", "a-1", "c-1", "a-2"}));
  EXPECT_EQ(idles, 0);

  std::vector<std::unique_ptr<RecordSource>> w;
  w.push_back(std::make_unique<Scripted>("slow", 2, 1));  // idle before each record
  w.push_back(std::make_unique<Scripted>("fast", 3));
  auto u2 = Union(std::move(w));
  idles = 0;
  auto got = Drain(*u2, &idles);
  EXPECT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], "fast-0");  // the idle one does not hold the other back
}

}  // namespace
}  // namespace starling::source
