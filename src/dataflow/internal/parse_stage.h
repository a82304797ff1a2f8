// File: dataflow/internal/parse_stage.h
// The engine's first stage, run by each parse worker on whole chunks: parses
// the records, runs the pipeline's transforms (filter, map, flat-map, join),
// computes each post's features and extracts the items (keys) of every
// analysis. A record that does not parse becomes a dead letter of the chunk.
#pragma once

#include <cstddef>
#include <vector>

#include "dataflow/internal/chunk.h"
#include "dataflow/keys.h"
#include "dataflow/pipeline.h"
#include "model/post.h"
#include "parse/post_parser.h"

namespace starling::dataflow::internal {

// One per parse worker (it keeps a parser and scratch buffers); not
// thread-safe. The spec must outlive it.
class ParseStage {
 public:
  ParseStage(const PipelineSpec& spec, const parse::ParseOptions& parse);

  // Fills the chunk's posts, features, times, items and dead letters from
  // its records.
  void Run(Chunk& c);

 private:
  // Runs transforms from `stage` on, then adds the post to the chunk.
  void Emit(Chunk& c, const model::Post& post, std::size_t stage);

  const PipelineSpec& spec_;
  parse::PostParser parser_;
  FeatureNeeds needs_;
  std::vector<const model::Post*> views_;
  std::vector<parse::ControlMessage> controls_;
  std::uint32_t record_ = 0;  // the record being parsed (Chunk::post_record)
};

}  // namespace starling::dataflow::internal
