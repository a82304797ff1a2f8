// File: sink/sink.h
// Where normalized posts go. A sink is opened from a spec ("jsonl:out.jsonl",
// "csv:out.csv", "sqlite:out.db") and owned by one thread: Write/Flush/Close
// are not safe to call concurrently.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "common/status.h"
#include "model/post.h"

namespace starling::sink {

class PostSink {
 public:
  virtual ~PostSink() = default;
  // Takes a copy of what it needs; the post may be reused after the call.
  virtual Status Write(const model::Post& post) = 0;
  // Makes everything written so far durable (file flushed, transaction committed).
  virtual Status Flush() = 0;
  // Flushes and releases the resource; further calls are errors. Idempotent.
  virtual Status Close() = 0;
  // Human-readable location for the summary line ("out.db (SQLite)").
  virtual std::string Describe() const = 0;
};

// Opens a sink from its spec. Specs:
//   jsonl:PATH[?raw=1&rotate=SIZE]   normalized posts as JSON lines (raw=1: provider JSON as
//   received);
//                                    rotate=64M starts PATH.1, PATH.2, ... past that size
//   csv:PATH                         one row per post, twarc-csv style columns
//   sqlite:PATH[?batch=N]            posts + entity tables, WAL, upsert by id
//   -  or jsonl:-                    normalized JSON lines to stdout
// A bare path is accepted and typed by its extension (.jsonl/.json/.ndjson, .csv,
// .db/.sqlite/.sqlite3; case does not matter).
Result<std::unique_ptr<PostSink>> OpenSink(std::string_view spec);

}  // namespace starling::sink
