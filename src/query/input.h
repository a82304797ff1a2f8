// File: query/input.h
// What `starling query --on SPEC` reads: a store that runs SQL itself
// (sink::QueryableStore: SQLite, ...) or posts that the native executor
// scans: a file of posts any `convert` reads (JSONL in any provider's
// format, normalized JSON, CSV, HDF5), or posts in memory; and the window
// results of a file that keeps them (HDF5), which any ResultStore reads.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/post.h"
#include "model/window_result.h"
#include "parse/post_parser.h"
#include "sink/store.h"

namespace starling::query {

using PostVisitor = std::function<Status(const model::Post&)>;
using WindowVisitor = std::function<Status(const model::WindowResult&)>;

// Posts for the native executor. One scan at a time.
class PostInput {
 public:
  virtual ~PostInput() = default;
  // The input as messages name it (its file).
  virtual std::string Describe() const = 0;
  // Calls on_post for each post in the input's order; `fields` (and
  // keep_raw) say what of a post the query reads, so a parser may skip the
  // rest. Stops at the first non-OK Status on_post returns, and before the
  // next post once *stop() is true. A record that does not parse is skipped
  // and counted (skipped()); NotFound/IoError when the input cannot be read.
  virtual Status ForEachPost(const parse::Fields& fields, bool keep_raw, const PostVisitor& on_post,
                             const std::function<bool()>& stop) = 0;
  // Records passed over because they did not parse, over all scans.
  virtual std::uint64_t skipped() const { return 0; }
  // Calls on_window for every stored window of `kind` (each pipeline's, each
  // analysis's, final values only), for a file that keeps window results as
  // well as posts (HDF5). InvalidArgument for an input of posts only (the
  // default) and for a file that holds no results; its read errors.
  virtual Status ForEachWindow(model::ResultKind kind, const WindowVisitor& on_window,
                               const std::function<bool()>& stop);
};

// Posts held in memory, scanned as they are (whatever the fields).
class MemoryPostInput : public PostInput {
 public:
  explicit MemoryPostInput(std::vector<model::Post> posts) : posts_(std::move(posts)) {}
  std::string Describe() const override { return "posts in memory"; }
  Status ForEachPost(const parse::Fields&, bool, const PostVisitor& on_post,
                     const std::function<bool()>& stop) override;

 private:
  std::vector<model::Post> posts_;
};

// What a spec names for a query: exactly one of the two is set.
struct Target {
  std::unique_ptr<sink::QueryableStore> store;
  std::unique_ptr<PostInput> posts;
};

// A store spec whose kind runs queries (sqlite:x.db, x.db, ...) opens the
// store; a spec whose kind reads its posts back (x.csv) or a source spec
// (x.jsonl, a provider's recording, .gz/.zst) is scanned natively.
// InvalidArgument for a spec that names nothing readable; the store's or
// file's own errors (NotFound for a missing file).
Result<Target> OpenTarget(std::string_view spec);

}  // namespace starling::query
