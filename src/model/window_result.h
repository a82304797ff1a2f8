// File: model/window_result.h
// What the engine's windowed analyses produce: for one analysis and one
// window, a set of rows that replaces any earlier result of that window (a
// late post can change a window that was already reported). Plain data,
// shared by dataflow/ (which makes them) and sink/ (which stores them).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/post.h"

namespace starling::model {

// The kind of an analysis decides what a row's fields mean (and which table
// a store keeps it in; docs/formats/results.md).
enum class ResultKind : std::uint8_t {
  kCount,         // key, count
  kTopK,          // rank, key, count, error
  kDistinct,      // key (group), estimate in value, relative standard error in value2
  kSentiment,     // key ("*" = all posts), count, mean compound in value, pos/neu/neg counts
  kBurst,         // key (term), count, baseline mean in value, z-score in value2
  kCluster,       // rank = cluster id, count (posts in window), weight in value, top terms in text
  kCooccurrence,  // key and key2 (a pair, key < key2), count, rank
  kSession,       // key, count; the window is the session [first post, last post + gap)
};

std::string_view ResultKindName(ResultKind kind);
// The kind a name of ResultKindName stands for; nullopt for any other text.
std::optional<ResultKind> ResultKindFromName(std::string_view name);

struct ResultRow {
  std::int32_t rank = 0;  // 1-based where the kind ranks rows, else 0
  std::string key;
  std::string key2;
  std::int64_t count = 0;
  double value = 0;
  double value2 = 0;
  std::int64_t pos = 0;  // sentiment distribution (compound >= 0.05 / between / <= -0.05)
  std::int64_t neu = 0;
  std::int64_t neg = 0;
  std::uint64_t error = 0;  // top-k: maximum overestimate of count (0 when exact)
  std::string text;         // cluster top terms, space-separated
  bool operator==(const ResultRow&) const = default;
};

// What an analysis is, for stores and viewers that only see its results
// (the `analyses` table of a results database).
struct AnalysisMeta {
  std::string pipeline;
  std::string analysis;
  ResultKind kind = ResultKind::kCount;
  std::string by;      // "hashtag", "lang", ... (empty where the kind has none)
  std::string window;  // as written in a pipeline file ("tumbling 5s", "session 5m")
  // The analysis's k (top, cooccurrence, count, sentiment: rows kept;
  // clusters: terms per cluster); 0 where the kind has none or keeps all.
  std::uint64_t k = 0;
  std::string of;  // distinct: what is counted ("author", ...); else empty
};

struct WindowResult {
  std::string pipeline;
  std::string analysis;  // the analysis's name in the pipeline ("trending", ...)
  ResultKind kind = ResultKind::kCount;
  TimestampUs window_start = 0;  // inclusive, event time (epoch-aligned for tumbling/sliding)
  TimestampUs window_end = 0;    // exclusive
  // Session results are per key: key identifies the session together with
  // the window; other kinds replace all rows of (analysis, window).
  std::vector<ResultRow> rows;
  // Items the window counted (posts, or hashtags for a hashtag top-k), and
  // for Space-Saving top-k the largest possible count of a key not listed.
  std::uint64_t total = 0;
  std::uint64_t error_bound = 0;
  // true once the window can no longer change (watermark past end + allowed
  // lateness); earlier emissions of the same window are previews.
  bool final = false;
  bool operator==(const WindowResult&) const = default;
};

// One result as a JSON object, without a newline: the line of a JSONL
// results file, of `top --format json`, and of the API's windows.
void AppendResultJson(const WindowResult& result, std::string* out);

}  // namespace starling::model
