#include "dataflow/result_bus.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

namespace starling::dataflow {
namespace {

model::WindowResult Result(const char* analysis, std::int64_t start, std::int64_t count) {
  model::WindowResult r;
  r.analysis = analysis;
  r.window_start = start;
  r.window_end = start + 10;
  model::ResultRow row;
  row.key = "k";
  row.count = count;
  r.rows.push_back(row);
  return r;
}

TEST(ResultBus, FansOutAndKeepsRecentWindows) {
  ResultBus bus(3);
  std::vector<std::int64_t> a, b;
  auto sa = bus.Subscribe([&](const model::WindowResult& r) { a.push_back(r.rows[0].count); });
  {
    auto sb = bus.Subscribe([&](const model::WindowResult& r) { b.push_back(r.rows[0].count); });
    bus.Publish(Result("top", 0, 1));
  }
  bus.Publish(Result("top", 0, 2));  // the same window again: replaces in Recent
  bus.Publish(Result("top", 10, 3));
  bus.Publish(Result("top", 20, 4));
  bus.Publish(Result("top", 30, 5));
  bus.Publish(Result("langs", 0, 6));
  EXPECT_EQ(a, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(b, (std::vector<std::int64_t>{1}));
  auto recent = bus.Recent("top", 10);
  ASSERT_EQ(recent.size(), 3u);
  EXPECT_EQ(recent[0].window_start, 10);
  EXPECT_EQ(bus.Recent("top", 1)[0].rows[0].count, 5);
  EXPECT_EQ(bus.Analyses(), (std::vector<std::string>{"langs", "top"}));
  EXPECT_EQ(bus.published(), 6u);
}

TEST(ResultBus, SubscribersComeAndGoWhilePublishing) {
  ResultBus bus;
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> seen{0};
  std::thread publisher([&] {
    for (int i = 0; i < 20000 && !stop; ++i) bus.Publish(Result("top", i, i));
  });
  for (int i = 0; i < 200; ++i) {
    auto s = bus.Subscribe([&](const model::WindowResult&) { seen.fetch_add(1); });
    (void)bus.Recent("top", 5);
  }
  stop = true;
  publisher.join();
  const std::uint64_t after = seen.load();
  bus.Publish(Result("top", 1, 1));  // nobody listens any more
  EXPECT_EQ(seen.load(), after);
}

}  // namespace
}  // namespace starling::dataflow
