// File: sink/clickhouse/schema.h
// The ClickHouse store's schema, owned here and nowhere else (docs/stores.md).
// ClickHouse has no in-place update, so each unit that is replaced whole is
// one row of a ReplacingMergeTree keyed by what identifies it, with a
// `version` (the newest wins):
//   posts_data      one row per post, its entities as Nested arrays in the
//                   post's order (hashtags.tag, hashtags.start, ...), so a
//                   later rendering with fewer entities replaces them all;
//   <kind>_data     one row per window of a result kind, its rows as arrays.
// The logical tables (sink/tables.h, model/result_columns.h) are views over
// these with FINAL (one row per key, the newest) and ARRAY JOIN (one row per
// entity or result row), so `starling query` and a user's own SQL read
// `posts`, `hashtags`, `trending`, `windows`, ... deduplicated, with the
// logical columns and types (created_at as Int64 UTC microseconds: 18.16
// has no DateTime64).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "model/result_columns.h"
#include "sink/clickhouse/client.h"
#include "sink/tables.h"

namespace starling::sink::clickhouse {

inline constexpr std::string_view kSchemaVersion = "1";
inline constexpr std::string_view kPostsData = "posts_data";

// The settings the schema's statements need (LowCardinality is behind a
// setting in 18.16).
const Settings& SchemaSettings();

// The CREATE ... IF NOT EXISTS statements, one per string.
std::vector<std::string> PostsSchema();
std::vector<std::string> ResultsSchema();

// posts_data's columns in the order the writer sends them and the reader
// reads them: the posts columns (in sink/tables.h order), each entity
// table's columns but post_id (as arrays, "hashtags.tag"), then `version`.
std::string PostsDataColumns();
// The name of an entity table's column in posts_data ("hashtags.tag").
std::string EntityColumn(const TableInfo& table, const TableColumn& column);

// A result kind's table of windows ("trending_data").
std::string ResultDataTable(const model::ResultKindInfo& kind);
// Its columns in the order the writer sends them: the window's head
// (pipeline, analysis, window_start, window_end, total, error_bound, final,
// rows, version), then one array per column of the kind.
std::string ResultDataColumns(const model::ResultKindInfo& kind);

}  // namespace starling::sink::clickhouse
