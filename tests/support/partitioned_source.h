// Shared by the tests of event time over partitions and of scale-out: a
// source of several partitions read interleaved, and an input dealt to
// partitions.
#pragma once

#include <memory>
#include <random>
#include <string>
#include <vector>

#include "common/clock.h"
#include "source/record_source.h"
#include "support/runtime_inputs.h"

namespace starling::dataflow::runtime_test {

// Partitions of records, each in its own order, handed out interleaved as a
// consumer of a partitioned log sees them: runs of 1 to 40 records of one
// partition (a fetch), the partition picked at random by `seed`. Bounded:
// a partition is held until its last record was read. Live: every
// partition is held until the end, even one that has no record.
class PartitionedSource final : public source::RecordSource {
 public:
  PartitionedSource(std::vector<std::vector<std::string>> parts, std::uint64_t seed,
                    bool bounded = true, ManualClock* clock = nullptr)
      : rng_(seed), bounded_(bounded), clock_(clock) {
    for (auto& lines : parts) {
      std::vector<std::string> padded;
      for (std::string& l : lines) padded.push_back(l + std::string(source::kRecordPadding, '\0'));
      parts_.push_back(std::move(padded));
    }
    next_.assign(parts_.size(), 0);
  }

  Result<bool> Next(source::Record* out) override {
    started_ = true;
    if (clock_ != nullptr) clock_->Advance(std::chrono::milliseconds(10));
    if (run_left_ == 0 || next_[current_] >= parts_[current_].size()) {
      std::vector<std::size_t> open;
      for (std::size_t p = 0; p < parts_.size(); ++p) {
        if (next_[p] < parts_[p].size()) open.push_back(p);
      }
      if (open.empty()) return false;
      current_ = open[rng_() % open.size()];
      run_left_ = 1 + rng_() % 40;
    }
    const std::string& l = parts_[current_][next_[current_]];
    out->bytes = std::string_view(l.data(), l.size() - source::kRecordPadding);
    out->origin = "partitioned";
    out->line = ++line_;
    out->offset = next_[current_]++;
    out->partition = static_cast<std::int32_t>(current_);
    out->padding = source::kRecordPadding;
    --run_left_;
    return true;
  }
  std::string Describe() const override { return "partitioned"; }
  std::uint64_t delivered() const { return line_; }

  std::uint64_t PartitionEpoch() const override {
    std::vector<std::int32_t> now;
    if (started_) {
      for (std::size_t p = 0; p < parts_.size(); ++p) {
        if (!bounded_ || next_[p] < parts_[p].size()) now.push_back(static_cast<std::int32_t>(p));
      }
    }
    if (now != held_) {
      held_ = std::move(now);
      ++epoch_;
    }
    return epoch_;
  }
  std::vector<std::int32_t> HeldPartitions() const override { return held_; }

 private:
  std::vector<std::vector<std::string>> parts_;
  std::vector<std::size_t> next_;
  std::mt19937_64 rng_;
  bool bounded_;
  ManualClock* clock_;
  bool started_ = false;
  std::size_t current_ = 0;
  std::size_t run_left_ = 0;
  std::uint64_t line_ = 0;
  mutable std::vector<std::int32_t> held_;
  mutable std::uint64_t epoch_ = 1;
};

// The input's posts dealt to `n` partitions by author (as a producer keyed
// by author would), each partition keeping the input's order.
inline std::vector<Input> Split(const Input& in, std::size_t n) {
  std::vector<Input> parts(n);
  for (std::size_t i = 0; i < in.posts.size(); ++i) {
    const std::size_t p = std::hash<std::string>{}(in.posts[i].author.id) % n;
    parts[p].posts.push_back(in.posts[i]);
    parts[p].lines.push_back(in.lines[i]);
  }
  return parts;
}

inline std::vector<std::vector<std::string>> Lines(const std::vector<Input>& parts) {
  std::vector<std::vector<std::string>> out;
  for (const Input& p : parts) out.push_back(p.lines);
  return out;
}

// One run over the partitions, read interleaved in the order `seed` picks.
inline std::map<CollectingResults::Key, model::WindowResult> RunPartitioned(
    const PipelineSpec& spec, const std::vector<Input>& parts, std::uint64_t seed,
    RunOptions options, RunStats* stats_out = nullptr) {
  PartitionedSource source(Lines(parts), seed);
  return RunSource(spec, source, std::move(options), stats_out);
}

}  // namespace starling::dataflow::runtime_test
