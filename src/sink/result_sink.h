// File: sink/result_sink.h
// Where window results go. A result replaces every earlier result of the same
// (pipeline, analysis, window): stores upsert, so a replay after a crash or a
// late post that changes a window never duplicates a row. Owned by one
// thread (the engine's collector).
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "model/window_result.h"

namespace starling::sink {

class ResultSink {
 public:
  virtual ~ResultSink() = default;
  // Called once before the first result: what the pipeline's analyses are
  // (a store may keep it beside the results). Default: ignored.
  virtual Status DeclareAnalyses(const std::vector<model::AnalysisMeta>& /*analyses*/) {
    return Status::Ok();
  }
  virtual Status Write(const model::WindowResult& result) = 0;
  // Makes everything written so far durable (one transaction per flush).
  virtual Status Flush() = 0;
  virtual Status Close() = 0;
  virtual std::string Describe() const = 0;
};

// Specs:
//   sqlite:PATH     one table per result kind (docs/formats/results.md), WAL,
//                   results of a window replaced in place
//   jsonl:PATH | -  one JSON object per emitted result (previews included;
//                   the last line of a window is its final value)
// A bare path is typed by its extension (.db/.sqlite/.sqlite3, .jsonl/.json).
Result<std::unique_ptr<ResultSink>> OpenResultSink(std::string_view spec);

// One result as a JSON object (the jsonl sink's line, without newline).
void AppendResultJson(const model::WindowResult& result, std::string* out);

// The DDL of the results tables (CREATE ... IF NOT EXISTS).
std::string_view ResultsSchemaSql();

}  // namespace starling::sink
