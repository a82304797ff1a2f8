// A PostSink that keeps posts in memory, for tests of the pipeline itself.
// (Sinks that touch real files and databases are tested with the real thing.)
#pragma once

#include <vector>

#include "sink/sink.h"

namespace starling::testing {

class CollectingSink final : public sink::PostSink {
 public:
  Status Write(const model::Post& post) override {
    posts.push_back(post);
    return Status::Ok();
  }
  Status Flush() override {
    ++flushes;
    return Status::Ok();
  }
  Status Close() override { return Status::Ok(); }
  std::string Describe() const override { return "memory"; }

  std::vector<model::Post> posts;
  int flushes = 0;
};

}  // namespace starling::testing
