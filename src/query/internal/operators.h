// File: query/internal/operators.h
// The native executor's operators, one per plan node kind, connected
// push-style: a scan pushes each row into the first, which pushes what it
// makes into the next. A row handed to Push is valid only during the call
// (its text may point into the post being scanned); an operator that keeps
// rows (sort, aggregate, join's right side, the answer) copies them.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "common/status.h"
#include "query/plan.h"
#include "query/value.h"

namespace starling::query::internal {

// What the operators of one run share.
struct RunState {
  Arena scratch;  // text that expressions make (text.lower)
};

class Operator {
 public:
  virtual ~Operator() = default;
  // One input row (the node's input width).
  virtual Status Push(const Value* row) = 0;
  // The input has ended: blocking operators emit now; then the next's Finish.
  virtual Status Finish() = 0;
  // True once nothing pushed from now on can change the answer (a take
  // downstream has all its rows): a scan or an emitting sort stops.
  virtual bool Done() const = 0;
};

// The operator for `node` (not a scan), pushing into `next` (nullptr for
// the last). `input_width`: the columns of the node's input.
// `take_after`: for a sort followed by a take, how many rows that take can
// ever keep (offset + limit), so the sort keeps a bounded heap; -1 otherwise.
std::unique_ptr<Operator> MakeOperator(const Node& node, std::size_t input_width,
                                       std::int64_t take_after, Operator* next, RunState* state);

// Collects rows (copied) into an answer, or any row store.
class Collect : public Operator {
 public:
  Collect(std::size_t width, std::vector<Value>* cells, Arena* arena)
      : width_(width), cells_(cells), arena_(arena) {}
  Status Push(const Value* row) override {
    for (std::size_t i = 0; i < width_; ++i) cells_->push_back(arena_->Keep(row[i]));
    return Status::Ok();
  }
  Status Finish() override { return Status::Ok(); }
  bool Done() const override { return false; }

 private:
  std::size_t width_;
  std::vector<Value>* cells_;
  Arena* arena_;
};

// The probe side of a join, built from the right table's rows first.
class JoinProbe : public Operator {
 public:
  JoinProbe(const Node& node, std::size_t left_width, Operator* next);
  // Adds the right table's rows (right width each, text kept by the caller).
  void Build(std::vector<Value> right_rows);
  Status Push(const Value* row) override;
  Status Finish() override { return next_->Finish(); }
  bool Done() const override { return next_->Done(); }

 private:
  const Node& node_;
  std::size_t left_width_, right_width_;
  Operator* next_;
  std::vector<Value> right_;
  std::vector<std::uint32_t> chain_;  // next row with the same bucket, per right row (+1)
  std::vector<std::uint32_t> heads_;  // first row per bucket (+1)
  std::uint64_t mask_ = 0;
  std::vector<Value> out_;
  std::vector<std::uint32_t> hits_;
};

}  // namespace starling::query::internal
