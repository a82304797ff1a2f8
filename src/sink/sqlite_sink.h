// File: sink/sqlite_sink.h
// A SQLite store of posts: one `posts` row per post id plus entity tables,
// upserted so that re-running the same input never duplicates rows. The
// schema is documented in docs/formats/sqlite.md; ReadSqlitePosts brings the
// posts back for `starling convert`.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model/post.h"
#include "sink/sink.h"

struct sqlite3;
struct sqlite3_stmt;

namespace starling::sink {

// Bumped on any incompatible schema change; stored in meta(key='schema_version').
inline constexpr std::string_view kSqliteSchemaVersion = "1";

// The DDL (CREATE ... IF NOT EXISTS) the sink runs on open.
std::string_view SqliteSchemaSql();

// Lower-cases a hashtag for hashtags.tag_lower (Unicode lower case, root locale).
std::string LowerTag(std::string_view tag);

struct SqliteSinkOptions {
  std::string path;
  int batch = 1000;  // posts per transaction; >= 1
};

class SqliteSink final : public PostSink {
 public:
  // Opens or creates the database, sets WAL + synchronous=NORMAL, creates the
  // schema. IoError when it cannot be opened; Unsupported when it holds a
  // different schema_version.
  static Result<std::unique_ptr<SqliteSink>> Open(SqliteSinkOptions options);
  ~SqliteSink() override;

  // Upserts the post (posts row updated in place, its entity rows replaced),
  // inside the current batch transaction, committed every `batch` posts.
  // IoError on a SQLite failure: the current batch is then rolled back (its
  // posts are lost), and later writes start a new one.
  Status Write(const model::Post& post) override;
  // Commits the open batch.
  Status Flush() override;
  Status Close() override;
  std::string Describe() const override;

 private:
  explicit SqliteSink(SqliteSinkOptions options) : options_(std::move(options)) {}
  Status Init();
  Status WriteInTransaction(const model::Post& post);
  Status Commit();

  SqliteSinkOptions options_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* upsert_post_ = nullptr;
  sqlite3_stmt* delete_[6] = {};  // hashtags, mentions, urls, cashtags, references, rules
  sqlite3_stmt* insert_hashtag_ = nullptr;
  sqlite3_stmt* insert_mention_ = nullptr;
  sqlite3_stmt* insert_url_ = nullptr;
  sqlite3_stmt* insert_cashtag_ = nullptr;
  sqlite3_stmt* insert_reference_ = nullptr;
  sqlite3_stmt* insert_rule_ = nullptr;
  std::string tag_lower_;  // scratch
  bool in_transaction_ = false;
  int pending_ = 0;
  bool closed_ = false;
};

// Reads every post of a database written by SqliteSink, ordered by
// (created_at, id), with entities (indices included) in their original order,
// references, matching rules, raw (byte-exact) and source_format, and calls
// on_post for each, stopping at the first non-OK Status it returns.
// NotFound when the file does not exist; Unsupported for another
// schema_version; IoError on SQLite failures.
Status ReadSqlitePosts(const std::string& path,
                       const std::function<Status(model::Post&&)>& on_post);

}  // namespace starling::sink
