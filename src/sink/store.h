// File: sink/store.h
// The read side of the stores: what a store that keeps posts (PostStore) or
// window results (ResultStore) gives back, as plain model types. `serve`,
// `report`, `convert` and the demo's closing summary read stores only
// through these; each store implements them in its own module (SQLite:
// sink/sqlite/) and registers an opener with its sink kind (sink/registry.h:
// OpenPostStore, OpenResultStore), so a new store (PostgreSQL, ...) is only
// its own reader. A store object belongs to one thread at a time.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"
#include "model/post.h"
#include "model/window_result.h"
#include "sink/tables.h"

namespace starling::sink {

using PostCallback = std::function<Status(model::Post&&)>;

struct StoreOptions {
  // The run that wrote the store has ended and nothing writes it any more,
  // so it may be read as a snapshot, without locks (SQLite: as an immutable
  // file, leaving no -wal/-shm files behind).
  bool finished = false;
};

// A store of posts, read back.
class PostStore {
 public:
  virtual ~PostStore() = default;

  // The store as messages name it: its file's path (a server: its URL,
  // without a password).
  virtual const std::string& Name() const = 0;

  // The `limit` most recent posts by created_at, the oldest of them first,
  // as a feed shows them: id, provider, created_at, author, text, lang,
  // kind, hashtags and mentions (other fields may stay empty). NotFound
  // when the store holds no posts table; IoError when a read fails.
  virtual Result<std::vector<model::Post>> RecentPosts(std::size_t limit) = 0;

  // Every post, complete (entities with their offsets, references, matching
  // rules, raw and source_format), in the store's order (SQLite: by
  // created_at, then id; a file: as written), each passed to on_post; stops
  // at, and returns, the first non-OK Status it returns. MalformedInput or
  // Unsupported for a store this build cannot read (another schema
  // version); IoError when a read fails.
  virtual Status ReadAll(const PostCallback& on_post) = 0;
};

// A pipeline a result store holds windows of.
struct StoredPipeline {
  std::string name;
  std::uint64_t windows = 0;  // windows stored, over all its analyses
};

// A store of window results (a run of one or more pipelines), read back.
class ResultStore {
 public:
  virtual ~ResultStore() = default;

  // The store as messages name it (see PostStore::Name).
  virtual const std::string& Name() const = 0;

  // The pipelines with at least one stored window, the one with the most
  // windows first (ties by name). NotFound when the store holds no results
  // tables.
  virtual Result<std::vector<StoredPipeline>> Pipelines() = 0;

  // The analyses of `pipeline` that have stored windows, in the order their
  // first window was stored, with what the run declared of them: by,
  // window, k and of (left empty and 0 by a store written before they were
  // declared). Analyses of a kind this build does not know are left out.
  virtual Result<std::vector<model::AnalysisMeta>> Analyses(const std::string& pipeline) = 0;

  // The latest `limit` windows of one analysis (by window end, then start),
  // newest first, each with its rows in the order its kind ranks them
  // (clusters: by posts, ranked 1..n). The global window has the bounds
  // INT64_MIN and INT64_MAX. MalformedInput for a window whose bounds do not
  // read as times; NotFound when the kind's table is missing.
  virtual Result<std::vector<model::WindowResult>> RecentWindows(
      const model::AnalysisMeta& analysis, std::size_t limit) = 0;
};

// --- Queries in a store's own language (`starling query`) -------------------

// A store that runs queries: the query layer (query/) compiles a query for
// the store's dialect and hands it the statement. The logical tables
// (sink/tables.h) and the result tables (model/result_columns.h) have the
// same names and columns in every store; a store whose engine keeps a column
// in another form (PostgreSQL: created_at as timestamptz) says how to read
// it as the logical column (ColumnSql).
class QueryableStore {
 public:
  virtual ~QueryableStore() = default;

  // The store as messages name it (see PostStore::Name).
  virtual const std::string& Name() const = 0;

  // The language the store runs: "sqlite", "postgres", "mysql" and
  // "clickhouse" (SQL dialects), "mongodb" (an aggregation, as the JSON
  // document {"aggregate": COLLECTION, "pipeline": [...]}).
  virtual std::string_view Dialect() const = 0;

  // An expression of the store's language that reads `column` of `table`
  // as the logical column's type (a timestamp as UTC microseconds), given
  // the table's alias or name as `qualifier` ("" for none); empty when the
  // column is read as it is.
  virtual std::string ColumnSql(std::string_view /*table*/, std::string_view /*column*/,
                                std::string_view /*qualifier*/) const {
    return {};
  }

  // Runs one read-only statement: on_columns once with the answer's column
  // names, then on_row for each row, its cells in that order (integers as
  // int64, reals as double, text as string, NULL as monostate); stops at,
  // and returns, the first non-OK Status a callback returns.
  // InvalidArgument when the store refuses the statement (its message
  // says why); Unavailable or IoError when the store cannot be reached or read.
  virtual Status Query(std::string_view statement,
                       const std::function<Status(std::vector<std::string>)>& on_columns,
                       const std::function<Status(std::span<const Value>)>& on_row) = 0;
};

// --- Tables a pipeline joins posts with -------------------------------------

// The rows of a query: each row's key (its first column) and labels (the
// others, in order; NULL as ""), and the labels' column names.
struct JoinRows {
  std::vector<std::string> label_columns;
  std::vector<std::pair<std::string, std::vector<std::string>>> rows;
};

// Runs `query` on the SQLite database at `path`, opened read-only
// (sink/sqlite/join.cc): NotFound ("join database PATH cannot be opened"),
// InvalidArgument for a query SQLite refuses or one with fewer than two
// columns, IoError when a row cannot be read.
Result<JoinRows> ReadSqliteJoin(const std::string& path, const std::string& query);

// The shape such a query takes (its key column, then its labels), for messages.
std::string_view SqliteJoinQueryShape();

}  // namespace starling::sink
