// --record (source/record_tap.h): the records as they came, one a line, cut
// back to a checkpoint on resume, never written twice.
#include "source/record_tap.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "source/registry.h"
#include "support/memory_source.h"

namespace starling::source {
namespace {

std::string Read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Dir() {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  const std::string d = STARLING_TEST_TMP "/record_tap_test/" + std::string(info->name());
  std::filesystem::remove_all(d);
  std::filesystem::create_directories(d);
  return d;
}

std::vector<std::string> Lines(int n) {
  std::vector<std::string> v;
  for (int i = 0; i < n; ++i) v.push_back("{\"n\":" + std::to_string(i) + "}");
  return v;
}

std::string Joined(int from, int to) {
  std::string s;
  for (int i = from; i < to; ++i) s += "{\"n\":" + std::to_string(i) + "}\n";
  return s;
}

TEST(RecordTap, WritesEveryRecordAsItCame) {
  const std::string path = Dir() + "/rec.jsonl";
  auto tap = RecordTo(std::make_unique<testing::MemorySource>(Lines(5)), path, false);
  ASSERT_TRUE(tap.ok()) << tap.status().ToString();
  Record r;
  int n = 0;
  while (*(*tap)->Next(&r)) ++n;
  EXPECT_EQ(n, 5);
  tap->reset();
  EXPECT_EQ(Read(path), Joined(0, 5));
}

TEST(RecordTap, ResumeBySkippingCutsBackAndNeverWritesTwice) {
  // A source that cannot seek: the position holds only the tap's count.
  const std::string path = Dir() + "/rec.jsonl";
  std::string position;
  {
    auto tap = RecordTo(std::make_unique<testing::MemorySource>(Lines(10)), path, false);
    Record r;
    for (int i = 0; i < 4; ++i) ASSERT_TRUE(*(*tap)->Next(&r));
    position = (*tap)->Position();                               // a checkpoint after 4 records
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(*(*tap)->Next(&r));  // then 3 more, and a crash
  }
  EXPECT_EQ(Read(path), Joined(0, 7));
  auto tap = RecordTo(std::make_unique<testing::MemorySource>(Lines(10)), path, true);
  ASSERT_TRUE(tap.ok());
  auto moved = (*tap)->Seek(position);
  ASSERT_TRUE(moved.ok()) << moved.status().ToString();
  EXPECT_FALSE(*moved);  // the reader skips the 4 records: the tap does not write them again
  EXPECT_EQ(Read(path), Joined(0, 4));
  Record r;
  while (*(*tap)->Next(&r)) {
  }
  tap->reset();
  EXPECT_EQ(Read(path), Joined(0, 10));
}

TEST(RecordTap, ResumeBySeekKeepsTheSourcesPosition) {
  const std::string dir = Dir();
  const std::string input = dir + "/in.jsonl";
  std::ofstream(input) << Joined(0, 8);
  const std::string path = dir + "/rec.jsonl";
  std::string position;
  {
    auto tap = RecordTo(*OpenSource(input), path, false);
    Record r;
    for (int i = 0; i < 3; ++i) ASSERT_TRUE(*(*tap)->Next(&r));
    position = (*tap)->SealPosition((*tap)->Position());
    ASSERT_TRUE(*(*tap)->Next(&r));
  }
  auto tap = RecordTo(*OpenSource(input), path, true);
  ASSERT_TRUE(*(*tap)->Seek(position));  // the file source moved: nothing to skip
  Record r;
  ASSERT_TRUE(*(*tap)->Next(&r));
  EXPECT_EQ(r.bytes, "{\"n\":3}");
  while (*(*tap)->Next(&r)) {
  }
  tap->reset();
  EXPECT_EQ(Read(path), Joined(0, 8));
}

TEST(RecordTap, ARecordingShorterThanItsCheckpointIsRefused) {
  const std::string path = Dir() + "/rec.jsonl";
  std::ofstream(path) << Joined(0, 2);
  auto tap = RecordTo(std::make_unique<testing::MemorySource>(Lines(10)), path, true);
  auto moved = (*tap)->Seek("tap:5:");
  ASSERT_FALSE(moved.ok());
  EXPECT_NE(moved.status().message().find("fewer than the checkpoint"), std::string::npos);
  EXPECT_FALSE((*tap)->Seek("something else").ok());
}

}  // namespace
}  // namespace starling::source
