// File: query/internal/operators.cc
#include "query/internal/operators.h"

#include <algorithm>
#include <limits>
#include <unordered_set>

#include "query/internal/eval.h"

namespace starling::query::internal {
namespace {

std::uint64_t Combine(std::uint64_t h, std::uint64_t v) {
  return (h ^ v) * 0x9e3779b97f4a7c15ULL + (h >> 29);
}

class Filter : public Operator {
 public:
  Filter(const Node& n, Operator* next, RunState* st) : n_(n), next_(next), st_(st) {}
  Status Push(const Value* row) override {
    if (!Holds(Eval(n_.predicate, row, &st_->scratch))) return Status::Ok();
    return next_->Push(row);
  }
  Status Finish() override { return next_->Finish(); }
  bool Done() const override { return next_->Done(); }

 private:
  const Node& n_;
  Operator* next_;
  RunState* st_;
};

class Project : public Operator {
 public:
  Project(const Node& n, Operator* next, RunState* st)
      : n_(n), next_(next), st_(st), out_(n.columns.size()) {}
  Status Push(const Value* row) override {
    for (std::size_t i = 0; i < out_.size(); ++i) {
      out_[i] = n_.needed[i] ? Eval(n_.exprs[i], row, &st_->scratch) : Value::Null();
    }
    return next_->Push(out_.data());
  }
  Status Finish() override { return next_->Finish(); }
  bool Done() const override { return next_->Done(); }

 private:
  const Node& n_;
  Operator* next_;
  RunState* st_;
  std::vector<Value> out_;
};

class Take : public Operator {
 public:
  Take(const Node& n, Operator* next) : offset_(n.offset), limit_(n.limit), next_(next) {}
  Status Push(const Value* row) override {
    if (skipped_ < offset_) {
      ++skipped_;
      return Status::Ok();
    }
    if (kept_ >= limit_) return Status::Ok();
    ++kept_;
    return next_->Push(row);
  }
  Status Finish() override { return next_->Finish(); }
  bool Done() const override { return kept_ >= limit_ || next_->Done(); }

 private:
  std::int64_t offset_, limit_;
  std::int64_t skipped_ = 0, kept_ = 0;
  Operator* next_;
};

// sort: every row kept (or, before a take, only the best take_after rows in
// a heap), ordered by the keys, then by every column ascending; NULL last
// ascending, first descending.
class Sort : public Operator {
 public:
  Sort(const Node& n, std::size_t width, std::int64_t cap, Operator* next, RunState* st)
      : n_(n),
        width_(width),
        stride_(width + n.sort_keys.size()),
        cap_(cap),
        next_(next),
        st_(st),
        tmp_(stride_) {}

  Status Push(const Value* row) override {
    if (cap_ == 0) return Status::Ok();
    std::copy(row, row + width_, tmp_.begin());
    for (std::size_t k = 0; k < n_.sort_keys.size(); ++k) {
      tmp_[width_ + k] = Eval(n_.sort_keys[k].expr, row, &st_->scratch);
    }
    if (cap_ < 0 || static_cast<std::int64_t>(order_.size()) < cap_) {
      order_.push_back(static_cast<std::uint32_t>(rows_.size() / stride_));
      for (const Value& v : tmp_) rows_.push_back(arena_.Keep(v));
      if (cap_ >= 0) std::push_heap(order_.begin(), order_.end(), Less());
      return Status::Ok();
    }
    // Bounded: replace the worst kept row when this one comes before it.
    const std::uint32_t worst = order_.front();
    if (!Before(tmp_.data(), Row(worst))) return Status::Ok();
    std::pop_heap(order_.begin(), order_.end(), Less());
    for (std::size_t i = 0; i < stride_; ++i) rows_[worst * stride_ + i] = arena_.Keep(tmp_[i]);
    std::push_heap(order_.begin(), order_.end(), Less());
    return Status::Ok();
  }

  Status Finish() override {
    std::sort(order_.begin(), order_.end(), Less());
    for (const std::uint32_t r : order_) {
      if (next_->Done()) break;
      STARLING_RETURN_IF_ERROR(next_->Push(Row(r)));
    }
    return next_->Finish();
  }
  bool Done() const override { return false; }

 private:
  const Value* Row(std::uint32_t r) const { return rows_.data() + r * stride_; }

  bool Before(const Value* a, const Value* b) const {
    for (std::size_t k = 0; k < n_.sort_keys.size(); ++k) {
      int c = CompareValues(a[width_ + k], b[width_ + k]);
      if (n_.sort_keys[k].descending) c = -c;
      if (c != 0) return c < 0;
    }
    for (std::size_t i = 0; i < n_.tie_columns; ++i) {
      const int c = CompareValues(a[i], b[i]);
      if (c != 0) return c < 0;
    }
    return false;
  }

  struct LessFn {
    const Sort* s;
    bool operator()(std::uint32_t a, std::uint32_t b) const {
      return s->Before(s->Row(a), s->Row(b));
    }
  };
  LessFn Less() const { return LessFn{this}; }

  const Node& n_;
  std::size_t width_, stride_;
  std::int64_t cap_;
  Operator* next_;
  RunState* st_;
  std::vector<Value> tmp_;
  std::vector<Value> rows_;
  std::vector<std::uint32_t> order_;
  Arena arena_;
};

// Sums of 64-bit integers are exact in 128 bits (GCC and Clang have them).
__extension__ typedef __int128 Int128;

// The state of one aggregate in one group.
struct Acc {
  std::int64_t count = 0;
  Int128 isum = 0;
  double dsum = 0;
  bool any = false;
  Value best;
  struct Hash {
    std::size_t operator()(const Value& v) const { return HashValue(v); }
  };
  struct Eq {
    bool operator()(const Value& a, const Value& b) const { return SameValue(a, b); }
  };
  std::unique_ptr<std::unordered_set<Value, Hash, Eq>> distinct;
};

// group/aggregate: a hash table from the keys to each group's accumulators;
// groups come out in the order they were first seen.
class Aggregate : public Operator {
 public:
  Aggregate(const Node& n, Operator* next, RunState* st)
      : n_(n),
        nk_(n.group_keys.size()),
        na_(n.aggregates.size()),
        next_(next),
        st_(st),
        key_(nk_),
        out_(nk_ + na_) {
    slots_.assign(1024, 0);
  }

  Status Push(const Value* row) override {
    std::uint64_t h = 0x12345;
    for (std::size_t k = 0; k < nk_; ++k) {
      key_[k] = Eval(n_.group_keys[k], row, &st_->scratch);
      h = Combine(h, HashValue(key_[k]));
    }
    const std::uint32_t g = Find(h);
    Acc* accs = &accs_[g * na_];
    for (std::size_t j = 0; j < na_; ++j) {
      if (!n_.needed[nk_ + j]) continue;  // nothing reads it: never computed
      const query::Aggregate& a = n_.aggregates[j];
      Acc& acc = accs[j];
      if (a.star) {
        ++acc.count;
        continue;
      }
      const Value v = Eval(a.arg, row, &st_->scratch);
      if (v.null()) continue;
      switch (a.fn) {
        case Fn::kCount:
          ++acc.count;
          break;
        case Fn::kCountDistinct:
          if (!acc.distinct)
            acc.distinct = std::make_unique<decltype(acc.distinct)::element_type>();
          if (acc.distinct->find(v) == acc.distinct->end()) acc.distinct->insert(arena_.Keep(v));
          break;
        case Fn::kSum:
        case Fn::kAverage:
          acc.any = true;
          ++acc.count;
          if (v.type == Type::kInt) {
            acc.isum += v.i;
          } else {
            acc.dsum += v.d;
          }
          break;
        case Fn::kMin:
        case Fn::kMax: {
          const int c = acc.any ? CompareValues(v, acc.best) : 0;
          if (!acc.any || (a.fn == Fn::kMin ? c < 0 : c > 0)) acc.best = arena_.Keep(v);
          acc.any = true;
          break;
        }
        default:
          break;
      }
    }
    return Status::Ok();
  }

  Status Finish() override {
    // Without group, an empty input still gives its one row.
    if (nk_ == 0 && groups_ == 0) Find(0x12345);
    for (std::uint32_t g = 0; g < groups_; ++g) {
      if (next_->Done()) break;
      for (std::size_t k = 0; k < nk_; ++k) out_[k] = keys_[g * nk_ + k];
      for (std::size_t j = 0; j < na_; ++j) {
        if (!n_.needed[nk_ + j]) continue;  // stays NULL
        STARLING_ASSIGN_OR_RETURN(out_[nk_ + j], Final(n_.aggregates[j], accs_[g * na_ + j], j));
      }
      STARLING_RETURN_IF_ERROR(next_->Push(out_.data()));
    }
    return next_->Finish();
  }
  bool Done() const override { return false; }

 private:
  Result<Value> Final(const query::Aggregate& a, const Acc& acc, std::size_t j) const {
    switch (a.fn) {
      case Fn::kCount:
        return Value::Int(acc.count);
      case Fn::kCountDistinct:
        return Value::Int(acc.distinct ? static_cast<std::int64_t>(acc.distinct->size()) : 0);
      case Fn::kSum:
        if (!acc.any) return Value::Null();
        if (a.type == Type::kReal) return Value::Real(acc.dsum);
        if (acc.isum > std::numeric_limits<std::int64_t>::max() ||
            acc.isum < std::numeric_limits<std::int64_t>::min()) {
          return ResourceExhausted("integer overflow: " + n_.columns[nk_ + j].name +
                                   " (a sum) does not fit 64 bits");
        }
        return Value::Int(static_cast<std::int64_t>(acc.isum));
      case Fn::kAverage:
        if (!acc.any) return Value::Null();
        if (a.arg.type == Type::kInt) {
          return Value::Real(static_cast<double>(acc.isum) / static_cast<double>(acc.count));
        }
        return Value::Real(acc.dsum / static_cast<double>(acc.count));
      case Fn::kMin:
      case Fn::kMax:
        return acc.any ? acc.best : Value::Null();
      default:
        return Value::Null();
    }
  }

  // The group of the keys in key_ (hash h), made when new.
  std::uint32_t Find(std::uint64_t h) {
    const std::uint64_t mask = slots_.size() - 1;
    for (std::uint64_t i = h & mask;; i = (i + 1) & mask) {
      const std::uint32_t s = slots_[i];
      if (s == 0) break;
      const std::uint32_t g = s - 1;
      if (hashes_[g] != h) continue;
      bool same = true;
      for (std::size_t k = 0; k < nk_ && same; ++k) same = SameValue(keys_[g * nk_ + k], key_[k]);
      if (same) return g;
    }
    const std::uint32_t g = groups_++;
    for (std::size_t k = 0; k < nk_; ++k) keys_.push_back(arena_.Keep(key_[k]));
    hashes_.push_back(h);
    accs_.resize(accs_.size() + na_);
    if (groups_ * 2 > slots_.size()) {
      Rehash();
    } else {
      Place(g);
    }
    return g;
  }

  void Place(std::uint32_t g) {
    const std::uint64_t mask = slots_.size() - 1;
    std::uint64_t i = hashes_[g] & mask;
    while (slots_[i] != 0) i = (i + 1) & mask;
    slots_[i] = g + 1;
  }

  void Rehash() {
    slots_.assign(slots_.size() * 2, 0);
    for (std::uint32_t g = 0; g < groups_; ++g) Place(g);
  }

  const Node& n_;
  std::size_t nk_, na_;
  Operator* next_;
  RunState* st_;
  std::vector<Value> key_, out_;
  std::vector<Value> keys_;
  std::vector<std::uint64_t> hashes_;
  std::vector<std::uint32_t> slots_;
  std::vector<Acc> accs_;
  std::uint32_t groups_ = 0;
  Arena arena_;
};

}  // namespace

JoinProbe::JoinProbe(const Node& node, std::size_t left_width, Operator* next)
    : node_(node),
      left_width_(left_width),
      right_width_(node.right[0].columns.size()),
      next_(next),
      out_(left_width + right_width_) {}

void JoinProbe::Build(std::vector<Value> right_rows) {
  right_ = std::move(right_rows);
  const std::size_t rows = right_width_ == 0 ? 0 : right_.size() / right_width_;
  std::size_t buckets = 16;
  while (buckets < rows * 2) buckets *= 2;
  mask_ = buckets - 1;
  heads_.assign(buckets, 0);
  chain_.assign(rows, 0);
  for (std::size_t r = 0; r < rows; ++r) {
    const Value* row = right_.data() + r * right_width_;
    std::uint64_t h = 0x777;
    bool null_key = false;
    for (const auto& [l, rc] : node_.join_keys) {
      null_key |= row[rc].null();
      h = Combine(h, HashValue(row[rc]));
    }
    if (null_key) continue;  // NULL equals nothing
    chain_[r] = heads_[h & mask_];
    heads_[h & mask_] = static_cast<std::uint32_t>(r + 1);
  }
}

Status JoinProbe::Push(const Value* row) {
  std::uint64_t h = 0x777;
  bool null_key = false;
  for (const auto& [l, rc] : node_.join_keys) {
    null_key |= row[l].null();
    h = Combine(h, HashValue(row[l]));
  }
  std::copy(row, row + left_width_, out_.begin());
  bool matched = false;
  if (!null_key) {
    // The chain holds rows in reverse build order; walk it into build order.
    std::vector<std::uint32_t>& hits = hits_;
    hits.clear();
    for (std::uint32_t r = heads_[h & mask_]; r != 0; r = chain_[r - 1]) {
      const Value* right = right_.data() + (r - 1) * right_width_;
      bool same = true;
      for (const auto& [l, rc] : node_.join_keys) same = same && SameValue(row[l], right[rc]);
      if (same) hits.push_back(r - 1);
    }
    for (auto it = hits.rbegin(); it != hits.rend(); ++it) {
      if (next_->Done()) return Status::Ok();
      const Value* right = right_.data() + *it * right_width_;
      std::copy(right, right + right_width_,
                out_.begin() + static_cast<std::ptrdiff_t>(left_width_));
      matched = true;
      STARLING_RETURN_IF_ERROR(next_->Push(out_.data()));
    }
  }
  if (!matched && node_.side == JoinSide::kLeft) {
    std::fill(out_.begin() + static_cast<std::ptrdiff_t>(left_width_), out_.end(), Value::Null());
    return next_->Push(out_.data());
  }
  return Status::Ok();
}

std::unique_ptr<Operator> MakeOperator(const Node& node, std::size_t input_width,
                                       std::int64_t take_after, Operator* next, RunState* state) {
  switch (node.kind) {
    case NodeKind::kFilter:
      return std::make_unique<Filter>(node, next, state);
    case NodeKind::kProject:
      return std::make_unique<Project>(node, next, state);
    case NodeKind::kTake:
      return std::make_unique<Take>(node, next);
    case NodeKind::kSort:
      return std::make_unique<Sort>(node, input_width, take_after, next, state);
    case NodeKind::kAggregate:
      return std::make_unique<Aggregate>(node, next, state);
    case NodeKind::kJoin:
      return std::make_unique<JoinProbe>(node, input_width, next);
    case NodeKind::kScan:
      break;
  }
  return nullptr;
}

}  // namespace starling::query::internal
