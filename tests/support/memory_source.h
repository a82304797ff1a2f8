// A RecordSource over lines held in memory, for engine tests. It can pretend
// to be a live stream that is idle now and then (TryAgain every `idle_every`
// records), which cuts the input into chunks at different places.
#pragma once

#include <string>
#include <vector>

#include "source/record_source.h"

namespace starling::testing {

class MemorySource final : public source::RecordSource {
 public:
  explicit MemorySource(std::vector<std::string> lines, std::size_t idle_every = 0)
      : idle_every_(idle_every) {
    for (std::string& l : lines) {
      l.append(source::kRecordPadding, '\0');
      lines_.push_back(std::move(l));
    }
  }
  Result<bool> Next(source::Record* out) override {
    if (idle_every_ > 0 && !idle_now_ && next_ > 0 && next_ % idle_every_ == 0 && !was_idle_at_) {
      was_idle_at_ = true;
      return TryAgain("idle");
    }
    was_idle_at_ = false;
    if (next_ >= lines_.size()) return false;
    const std::string& l = lines_[next_];
    out->bytes = std::string_view(l.data(), l.size() - source::kRecordPadding);
    out->origin = "memory";
    out->line = next_ + 1;
    out->offset = 0;
    out->padding = source::kRecordPadding;
    out->truncated = false;
    ++next_;
    return true;
  }
  std::string Describe() const override { return "memory"; }

 private:
  std::vector<std::string> lines_;
  std::size_t next_ = 0;
  std::size_t idle_every_;
  bool idle_now_ = false;
  bool was_idle_at_ = false;
};

}  // namespace starling::testing
