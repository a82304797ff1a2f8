// File: sink/sqlite/post_sink.h
// The SQLite store's post writer: one `posts` row per post id plus entity
// tables, upserted so that re-running the same input never duplicates rows.
// The schema is sink/sqlite/schema.h (docs/formats/sqlite.md); the reader is
// sink/sqlite/post_store.h.
#pragma once

#include <memory>
#include <string>

#include "common/status.h"
#include "model/post.h"
#include "sink/sink.h"
#include "sink/sqlite/database.h"

namespace starling::sink {

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
  sqlite::Database db_;
  // Declared after db_: finalized before the connection closes.
  sqlite::Statement upsert_post_;
  sqlite::Statement delete_[6];  // hashtags, mentions, urls, cashtags, references, rules
  sqlite::Statement insert_hashtag_;
  sqlite::Statement insert_mention_;
  sqlite::Statement insert_url_;
  sqlite::Statement insert_cashtag_;
  sqlite::Statement insert_reference_;
  sqlite::Statement insert_rule_;
  std::string tag_lower_;  // scratch
  bool in_transaction_ = false;
  int pending_ = 0;
  bool closed_ = false;
};

}  // namespace starling::sink
