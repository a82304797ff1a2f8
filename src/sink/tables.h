// File: sink/tables.h
// The logical tables of posts, as data: every store keeps them (under these
// names, with these columns, typed for its engine) and `starling query`
// reads them, with the same names and columns on every store and in every
// file (docs/formats/sqlite.md describes them). `posts` has one row per
// post; each entity table (hashtags, mentions, urls, cashtags,
// post_references, matching_rules) one row per entity, in the post's order,
// keyed by post_id. A post becomes its rows through PostRows, and rows
// become a post again through PostFromRow and AddEntityRow, so a store's
// writer and reader are its engine's types and statements only.
#pragma once

#include <cstdint>
#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "common/status.h"
#include "model/post.h"
#include "model/result_columns.h"

namespace starling::sink {

enum class LogicalTable : std::uint8_t {
  kPosts,
  kHashtags,
  kMentions,
  kUrls,
  kCashtags,
  kPostReferences,
  kMatchingRules,
};

// A column: its type (kInt also holds timestamps, as UTC microseconds since
// the epoch), whether it may be NULL, and whether it is a timestamp.
struct TableColumn {
  std::string_view name;
  model::ColumnType type = model::ColumnType::kText;
  bool nullable = false;
  bool timestamp = false;    // kInt: UTC microseconds since the epoch
  std::string_view meaning;  // for the docs
};

struct TableInfo {
  LogicalTable table = LogicalTable::kPosts;
  std::string_view name;  // "posts", "hashtags", ...
  std::vector<TableColumn> columns;
  std::string_view meaning;  // for the docs
};

// Every table, in LogicalTable order (posts first).
std::span<const TableInfo> Tables();
const TableInfo& TableInfoOf(LogicalTable table);
// nullptr when no table has this name.
const TableInfo* FindTable(std::string_view name);
// The column's index in its table; -1 when it has none of this name.
int ColumnIndex(const TableInfo& table, std::string_view column);

// A cell as a post gives it: NULL, an integer, a real or text (a view into
// the post, or into a buffer that lives as long as the callback's call).
using Cell = std::variant<std::monostate, std::int64_t, double, std::string_view>;
// A cell as a store reads it back (owning).
using Value = std::variant<std::monostate, std::int64_t, double, std::string>;

using RowCallback = std::function<Status(std::span<const Cell>)>;

// Calls on_row with the row (posts) or rows (one per entity, in the post's
// order) that `post` gives `table`, its cells in the table's column order;
// stops at, and returns, the first non-OK Status.
Status PostRows(LogicalTable table, const model::Post& post, const RowCallback& on_row);

// A post from its `posts` row (cells in column order; an integer column may
// come as text when a store gives it so). MalformedInput when the row has
// the wrong number of cells or a cell the wrong type.
Result<model::Post> PostFromRow(std::span<const Value> row);
// Adds an entity row (cells in column order, post_id first) to its post.
// MalformedInput as PostFromRow; InvalidArgument for LogicalTable::kPosts.
Status AddEntityRow(LogicalTable table, std::span<const Value> row, model::Post* post);

// The tables as Markdown (docs/query.md, docs/stores.md).
std::string TablesMarkdown();

}  // namespace starling::sink
