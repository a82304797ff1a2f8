// File: dataflow/pipeline_yaml.h
// Pipeline files: the YAML form of a pipeline (docs/pipelines.md has the
// grammar; examples/ has one per analysis). Loading checks everything a run
// needs before it starts, and names the offending key on error.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "dataflow/pipeline.h"

namespace starling::dataflow {

struct PipelineFile {
  PipelineSpec spec;
  std::vector<std::string> sources;       // source specs, read one after the other
  std::vector<std::string> result_sinks;  // sinks.results
  std::vector<std::string> post_sinks;    // sinks.posts
  std::string late_sink;                  // sinks.late
  std::string dead_letters;               // sinks.dead_letters
  int workers = 0;                        // 0: not set (the CLI decides)
  std::string checkpoint_dir;             // checkpoint.dir
  std::chrono::milliseconds checkpoint_interval{10000};
};

// Parses a pipeline from YAML text. `base_dir` resolves relative file paths
// of joins. InvalidArgument ("pipeline.yaml: analyses[2].window: ...") on
// any error; never throws.
Result<PipelineFile> ParsePipelineYaml(std::string_view yaml, const std::string& base_dir = ".");
Result<PipelineFile> LoadPipelineFile(const std::string& path);

// Builds a stream-table join from a CSV file with a header: posts whose key
// along `key` (e.g. author) equals a row's `key_column` get the row's other
// columns as labels (`label:COLUMN` dimensions).
Result<Transform> CsvJoin(const std::string& path, const std::string& key,
                          const std::string& key_column);

// The same from a SQLite query: its first column is the key, the others
// (by their names in the query) become labels.
Result<Transform> SqliteJoin(const std::string& path, const std::string& query,
                             const std::string& key);

}  // namespace starling::dataflow
