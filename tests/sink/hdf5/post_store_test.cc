// Tests for the HDF5 store's posts (sink/hdf5/post_sink.h, post_store.h):
// written through OpenSink, read back through OpenPostStore, looked at with
// the library itself and with h5dump.
#include "sink/hdf5/post_store.h"

#include <gtest/gtest.h>
#include <hdf5.h>

#include <cstdio>
#include <fstream>

#include "sink/hdf5/edge_posts.h"
#include "sink/hdf5/post_sink.h"
#include "sink/hdf5/table_reader.h"
#include "sink/post_fixtures.h"
#include "sink/registry.h"

namespace starling::sink {
namespace {

using testing::EdgePosts;
using testing::SamplePosts;
using testing::TempPath;

void WriteAll(const std::string& spec, const std::vector<model::Post>& posts,
              const OpenOptions& open = {}) {
  auto sink = OpenSink(spec, open);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  for (const auto& p : posts) ASSERT_TRUE((*sink)->Write(p).ok()) << p.id;
  ASSERT_TRUE((*sink)->Close().ok());
}

std::vector<model::Post> ReadAll(const std::string& spec) {
  auto store = OpenPostStore(spec);
  EXPECT_TRUE(store.ok()) << store.status().ToString();
  if (!store.ok()) return {};
  std::vector<model::Post> out;
  Status st = (*store)->ReadAll([&](model::Post&& p) {
    out.push_back(std::move(p));
    return Status::Ok();
  });
  EXPECT_TRUE(st.ok()) << st.ToString();
  return out;
}

void ExpectSame(const std::vector<model::Post>& back, const std::vector<model::Post>& want) {
  ASSERT_EQ(back.size(), want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_TRUE(back[i].SameContent(want[i])) << want[i].id;
    EXPECT_EQ(back[i].raw, want[i].raw) << want[i].id;
    EXPECT_EQ(back[i].source_format, want[i].source_format) << want[i].id;
    EXPECT_EQ(back[i].entities_extracted, want[i].entities_extracted) << want[i].id;
    EXPECT_EQ(back[i].urls, want[i].urls) << want[i].id;
  }
}

std::uint64_t Rows(const std::string& path, const std::string& table) {
  auto reader = Hdf5TableReader::Open(path);
  EXPECT_TRUE(reader.ok()) << reader.status().ToString();
  if (!reader.ok()) return 0;
  auto n = (*reader)->Rows(table);
  EXPECT_TRUE(n.ok()) << n.status().ToString();
  return n.ok() ? *n : 0;
}

std::string Shell(const std::string& cmd) {
  std::string out;
  FILE* p = ::popen(cmd.c_str(), "r");
  if (p == nullptr) return out;
  char buf[4096];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof(buf), p)) > 0) out.append(buf, n);
  ::pclose(p);
  return out;
}

TEST(Hdf5PostStore, EveryFieldComesBackInWriteOrder) {
  const std::string path = TempPath(".h5");
  auto posts = SamplePosts();
  for (const auto& p : testing::ChannelPosts()) posts.push_back(p);
  WriteAll("hdf5:" + path, posts);
  ExpectSame(ReadAll(path), posts);  // a bare .h5 path is the HDF5 store
}

TEST(Hdf5PostStore, EmojiRtlLongTextLongUrlsAndNullsComeBackExactly) {
  const std::string path = TempPath(".h5");
  const auto posts = EdgePosts();
  ASSERT_GT(posts[2].text.size(), 280u * 2);
  ASSERT_GT(posts[2].urls[0].expanded_url.size(), 4000u);
  WriteAll("hdf5:" + path + "?batch=2", posts);
  ExpectSame(ReadAll("hdf5:" + path), posts);
}

TEST(Hdf5PostStore, NullIsItsOwnFlagNotAZeroOrAnEmptyString) {
  const std::string path = TempPath(".h5");
  WriteAll(path, EdgePosts());
  auto reader = Hdf5TableReader::Open(path);
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto columns = (*reader)->Columns("posts");
  ASSERT_TRUE(columns.ok());
  std::map<std::string, std::vector<Value>> by_id;
  ASSERT_TRUE((*reader)
                  ->Scan("posts",
                         [&](std::span<const Value> row) {
                           by_id[std::get<std::string>(row[0])] = {row.begin(), row.end()};
                           return Status::Ok();
                         })
                  .ok());
  const auto& nulls = by_id.at("n4");
  const auto& zeros = by_id.at("z5");
  int nullable = 0;
  for (std::size_t i = 0; i < columns->size(); ++i) {
    const Hdf5Column& c = (*columns)[i];
    if (!c.nullable) {
      EXPECT_FALSE(std::holds_alternative<std::monostate>(nulls[i])) << c.name;
      continue;
    }
    ++nullable;
    EXPECT_TRUE(std::holds_alternative<std::monostate>(nulls[i])) << c.name;
  }
  EXPECT_EQ(nullable, 13);  // ref_id, 5 metrics, lon, lat, 3 place columns, raw, channel
  for (const char* c :
       {"repost_count", "reply_count", "like_count", "quote_count", "impression_count"}) {
    const int i = ColumnIndex(*FindTable("posts"), c);
    EXPECT_EQ(zeros[static_cast<std::size_t>(i)], Value(std::int64_t{0})) << c;
  }
  EXPECT_EQ(zeros[static_cast<std::size_t>(ColumnIndex(*FindTable("posts"), "lon"))], Value(0.0));
  // The entity tables' NULLs: a mention without user id, offsets unknown.
  std::vector<std::vector<Value>> mentions;
  ASSERT_TRUE((*reader)
                  ->Scan("mentions",
                         [&](std::span<const Value> row) {
                           mentions.emplace_back(row.begin(), row.end());
                           return Status::Ok();
                         })
                  .ok());
  ASSERT_EQ(mentions.size(), 2u);  // r2's and n4's
  EXPECT_EQ(mentions[1][0], Value(std::string("n4")));
  EXPECT_EQ(mentions[1][1], Value(std::string("nobody")));
  for (int i : {2, 3, 4}) EXPECT_TRUE(std::holds_alternative<std::monostate>(mentions[1][i]));
  EXPECT_EQ(mentions[0][3], Value(std::int64_t{20}));
  EXPECT_EQ(mentions[0][4], Value(std::int64_t{24}));
}

TEST(Hdf5PostStore, ReopeningAppendsAndNeverDoubles) {
  const std::string path = TempPath(".h5");
  const auto posts = SamplePosts();
  WriteAll("hdf5:" + path, posts);
  ASSERT_EQ(Rows(path, "posts"), 3u);
  ASSERT_EQ(Rows(path, "hashtags"), 3u);
  // The same posts again, one of them twice in one batch, and a new one.
  std::vector<model::Post> again = posts;
  again.push_back(posts[1]);
  auto more = testing::ChannelPosts();
  again.push_back(more[1]);
  {
    auto sink = Hdf5PostSink::Open({.path = path, .batch = 2});
    ASSERT_TRUE(sink.ok()) << sink.status().ToString();
    for (const auto& p : again) ASSERT_TRUE((*sink)->Write(p).ok());
    ASSERT_TRUE((*sink)->Close().ok());
    EXPECT_EQ((*sink)->skipped(), 4u);
  }
  EXPECT_EQ(Rows(path, "posts"), 4u);
  EXPECT_EQ(Rows(path, "hashtags"), 4u);  // 1 + 2 + the event's 1
  EXPECT_EQ(Rows(path, "post_references"), 4u);
  std::vector<model::Post> want = posts;
  want.push_back(more[1]);
  ExpectSame(ReadAll(path), want);
  // --replace starts afresh.
  WriteAll("hdf5:" + path, {more[0]}, {.replace = true});
  ExpectSame(ReadAll(path), {more[0]});
}

TEST(Hdf5PostStore, FlushMakesABatchReadableBeforeClose) {
  const std::string path = TempPath(".h5");
  auto sink = OpenSink("hdf5:" + path + "?batch=1000");
  ASSERT_TRUE(sink.ok());
  for (const auto& p : SamplePosts()) ASSERT_TRUE((*sink)->Write(p).ok());
  ASSERT_TRUE((*sink)->Flush().ok());
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ(ReadAll(path).size(), 3u);
}

TEST(Hdf5PostStore, TextWithANulIsRefusedAndTheRestIsKept) {
  const std::string path = TempPath(".h5");
  auto sink = OpenSink("hdf5:" + path);
  ASSERT_TRUE(sink.ok());
  const auto posts = SamplePosts();
  ASSERT_TRUE((*sink)->Write(posts[0]).ok());
  model::Post bad = posts[1];
  bad.hashtags[1].tag = std::string("a\0b", 3);  // its posts row was buffered first
  Status st = (*sink)->Write(bad);
  EXPECT_EQ(st.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(st.message().find("NUL"), std::string::npos) << st.ToString();
  ASSERT_TRUE((*sink)->Write(posts[2]).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  ExpectSame(ReadAll(path), {posts[0], posts[2]});
  EXPECT_EQ(Rows(path, "hashtags"), 1u);
}

TEST(Hdf5PostStore, RecentPostsAreTheNewestOldestFirst) {
  const std::string path = TempPath(".h5");
  WriteAll(path, SamplePosts());  // created_at: a 2nd, b last, c first
  auto store = OpenPostStore(path);
  ASSERT_TRUE(store.ok());
  auto recent = (*store)->RecentPosts(2);
  ASSERT_TRUE(recent.ok()) << recent.status().ToString();
  ASSERT_EQ(recent->size(), 2u);
  EXPECT_EQ((*recent)[0].id, "1377650090978992134");
  EXPECT_EQ((*recent)[1].id, "b2");
  EXPECT_EQ((*recent)[1].hashtags.size(), 2u);
}

TEST(Hdf5PostStore, H5dumpShowsTheTablesAndTheirColumns) {
  const std::string path = TempPath(".h5");
  WriteAll(path, SamplePosts());
  const std::string out = Shell("h5dump -H '" + path + "' 2>&1");
  for (const char* want : {"DATASET \"posts\"",
                           "DATASET \"hashtags\"",
                           "DATASET \"mentions\"",
                           "DATASET \"urls\"",
                           "DATASET \"cashtags\"",
                           "DATASET \"post_references\"",
                           "DATASET \"matching_rules\"",
                           "H5T_COMPOUND",
                           "\"created_at\"",
                           "\"like_count_null\"",
                           "\"tag_lower\"",
                           "H5T_STR_NULLTERM",
                           "CSET H5T_CSET_UTF8",
                           "H5T_STD_I64LE",
                           "H5T_IEEE_F64LE",
                           "H5T_ENUM",
                           "ATTRIBUTE \"schema_version\"",
                           "ATTRIBUTE \"format\"",
                           "ATTRIBUTE \"contents\"",
                           "( 3 ) / ( H5S_UNLIMITED )"}) {
    EXPECT_NE(out.find(want), std::string::npos) << "missing " << want << " in:\n" << out;
  }
  // The values of a small dataset, as a person reading the file sees them
  // (h5dump 1.10 prints bytes past ASCII as octal escapes).
  const std::string tags = Shell("h5dump -d /hashtags '" + path + "' 2>&1");
  EXPECT_NE(
      tags.find("\"SECOND\",\n         \"second\",\n         6,\n         FALSE,\n         13"),
      std::string::npos)
      << tags;
}

TEST(Hdf5PostStore, AFileThatIsNotAStoreIsAClearError) {
  const std::string text = TempPath(".h5");
  std::ofstream(text) << "{\"this\": \"is not HDF5\"}\n";
  auto store = OpenPostStore(text);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kMalformedInput);
  EXPECT_NE(store.status().message().find("is not an HDF5 file"), std::string::npos);
  // Writing to it is refused, and it is left alone.
  auto sink = OpenSink("hdf5:" + text);
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(testing::ReadFile(text), "{\"this\": \"is not HDF5\"}\n");
  EXPECT_EQ(OpenSink("hdf5:" + text, {.replace = true}).status().code(),
            StatusCode::kInvalidArgument);

  // An HDF5 file some other program wrote.
  const std::string other = TempPath(".h5");
  hid_t f = H5Fcreate(other.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  ASSERT_GE(f, 0);
  H5Fclose(f);
  store = OpenPostStore(other);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kMalformedInput);
  EXPECT_NE(store.status().message().find("not a Starling HDF5 store"), std::string::npos);

  EXPECT_EQ(OpenPostStore(TempPath(".h5")).status().code(), StatusCode::kNotFound);
}

TEST(Hdf5PostStore, ATruncatedOrHeadlessFileIsAClearError) {
  const std::string path = TempPath(".h5");
  std::vector<model::Post> many;
  for (int i = 0; i < 3000; ++i) {
    model::Post p = SamplePosts()[i % 3];
    p.id = "p" + std::to_string(i);
    many.push_back(p);
  }
  WriteAll(path, many);
  std::string bytes = testing::ReadFile(path);
  ASSERT_GT(bytes.size(), 20000u);
  // Cut in half: the library finds the end of its data missing.
  const std::string cut = TempPath("-cut.h5");
  std::ofstream(cut, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  auto store = OpenPostStore(cut);
  Status st =
      store.ok() ? (*store)->ReadAll([](model::Post&&) { return Status::Ok(); }) : store.status();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find(cut), std::string::npos) << st.ToString();
  // Its signature overwritten: not HDF5 at all.
  const std::string headless = TempPath("-headless.h5");
  std::string copy = bytes;
  for (std::size_t i = 0; i < 8; ++i) copy[i] = 'x';
  std::ofstream(headless, std::ios::binary) << copy;
  EXPECT_EQ(OpenPostStore(headless).status().code(), StatusCode::kMalformedInput);
  // (Bytes scribbled over inside the file are not tested: libhdf5 1.10 reads
  // its global heap without bounds checks, and valgrind shows it writing
  // past a buffer on such a file; docs/formats/hdf5.md says so.)
}

TEST(Hdf5PostStore, ABadSpecIsRefused) {
  EXPECT_EQ(OpenSink("hdf5:-").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSink("hdf5:x.h5?batch=0").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSink("hdf5:x.h5?deflate=10").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(OpenSink("hdf5:x.h5?level=1").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace starling::sink
