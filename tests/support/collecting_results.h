// A ResultSink that keeps results in memory the way a store does: the latest
// result of each (analysis, window) replaces the earlier ones.
#pragma once

#include <map>
#include <tuple>
#include <vector>

#include "sink/result_sink.h"

namespace starling::testing {

class CollectingResults final : public sink::ResultSink {
 public:
  using Key = std::tuple<std::string, model::TimestampUs, model::TimestampUs>;
  Status Write(const model::WindowResult& r) override {
    all.push_back(r);
    latest[Key{r.analysis, r.window_start, r.window_end}] = r;
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  std::string Describe() const override { return "memory"; }

  std::vector<model::WindowResult> all;
  std::map<Key, model::WindowResult> latest;
};

}  // namespace starling::testing
