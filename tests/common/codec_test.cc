#include "common/codec.h"

#include <gtest/gtest.h>

#include <limits>

namespace starling {
namespace {

TEST(Codec, RoundTripsEveryType) {
  std::string buf;
  ByteWriter w(&buf);
  w.PutU8(7);
  w.PutFixed32(0xdeadbeef);
  w.PutFixed64(std::numeric_limits<std::uint64_t>::max());
  w.PutVarint(0);
  w.PutVarint(300);
  w.PutVarint(std::numeric_limits<std::uint64_t>::max());
  w.PutSigned(-1);
  w.PutSigned(std::numeric_limits<std::int64_t>::min());
  w.PutDouble(-2.5);
  w.PutString("héllo");
  ByteReader r(buf);
  std::uint8_t u8;
  std::uint32_t u32;
  std::uint64_t u64, a, b, c;
  std::int64_t s1, s2;
  double d;
  std::string s;
  ASSERT_TRUE(r.GetU8(&u8) && r.GetFixed32(&u32) && r.GetFixed64(&u64) && r.GetVarint(&a) &&
              r.GetVarint(&b) && r.GetVarint(&c) && r.GetSigned(&s1) && r.GetSigned(&s2) &&
              r.GetDouble(&d) && r.GetString(&s));
  EXPECT_EQ(u8, 7);
  EXPECT_EQ(u32, 0xdeadbeef);
  EXPECT_EQ(u64, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 300u);
  EXPECT_EQ(c, std::numeric_limits<std::uint64_t>::max());
  EXPECT_EQ(s1, -1);
  EXPECT_EQ(s2, std::numeric_limits<std::int64_t>::min());
  EXPECT_EQ(d, -2.5);
  EXPECT_EQ(s, "héllo");
  EXPECT_TRUE(r.done());
}

TEST(Codec, ShortInputFailsAndStaysFailed) {
  std::string buf;
  ByteWriter w(&buf);
  w.PutString("abcdef");
  buf.resize(4);
  ByteReader r(buf);
  std::string s;
  EXPECT_FALSE(r.GetString(&s));
  std::uint8_t u8;
  EXPECT_FALSE(r.GetU8(&u8));
  EXPECT_EQ(r.status("state").code(), StatusCode::kMalformedInput);
}

TEST(Codec, RefusesImplausibleCounts) {
  std::string buf;
  ByteWriter w(&buf);
  w.PutVarint(1u << 30);
  w.PutU8(1);
  ByteReader r(buf);
  std::uint64_t n;
  EXPECT_FALSE(r.GetCount(&n, 8));
}

}  // namespace
}  // namespace starling
