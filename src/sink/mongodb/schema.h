// File: sink/mongodb/schema.h
// The MongoDB store's collections and indexes, owned here and nowhere else
// (docs/stores.md): `posts` (documents.h) with the indexes SQLite has
// (created_at, author, channel, hashtags.tag_lower, ...) and one on
// (created_at_us, _id), the order posts are read back in; `meta` holding
// the schema version; the results: `analyses`, `windows` (one document per
// window: its head, totals and `seq`, the order windows were first stored
// in) and one collection per result kind, named as the result tables
// (model/result_columns.h), one document per row: the window's head and
// the kind's columns. Created on first use; createIndexes is idempotent.
#pragma once

#include <string_view>

#include "common/status.h"
#include "sink/mongodb/client.h"

namespace starling::sink::mongodb {

inline constexpr std::string_view kSchemaVersion = "1";

// Creates the posts' indexes and the schema version, checks a stored
// version (Unsupported for another); with `replace`, drops the posts first.
Status EnsurePostsSchema(Client& client, bool replace);
// Creates the results' indexes; with `replace`, drops them first.
Status EnsureResultsSchema(Client& client, bool replace);

}  // namespace starling::sink::mongodb
