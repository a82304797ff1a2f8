// File: model/result_columns.cc
// The columns of every result kind (see result_columns.h; the tables of
// docs/formats/results.md are ResultTablesMarkdown's).
#include "model/result_columns.h"

#include <charconv>
#include <cstdlib>
#include <string>

namespace starling::model {
namespace {

using T = ColumnType;
using F = RowField;

std::vector<ResultKindInfo> Build() {
  std::vector<ResultKindInfo> kinds;
  // count: a row per key.
  kinds.push_back({ResultKind::kCount,
                   "count",
                   "counts",
                   {{"rank", F::kRank, T::kInt, false, "1 = most"},
                    {"key", F::kKey, T::kText, true, "the key of `by`; `*` for `all`"},
                    {"count", F::kCount, T::kInt, false, "posts"}},
                   {{"rank"}, {"key"}},
                   false,
                   {{"rank", F::kRank}, {"key", F::kKey, T::kText}, {"count", F::kCount}}});
  // top: ranked keys; error is Space-Saving's overestimate (0 when exact).
  kinds.push_back(
      {ResultKind::kTopK,
       "top",
       "trending",
       {{"rank", F::kRank, T::kInt, false, "1 = most"},
        {"key", F::kKey, T::kText, true, ""},
        {"count", F::kCount, T::kInt, false, ""},
        {"error", F::kError, T::kInt, false, "Space-Saving overestimate bound; 0 exact"}},
       {{"rank"}, {"key"}},
       false,
       {{"rank", F::kRank},
        {"key", F::kKey, T::kText},
        {"count", F::kCount},
        {"error", F::kError, T::kInt, true}}});
  // distinct: a HyperLogLog estimate per group (count is the rounded estimate).
  kinds.push_back({ResultKind::kDistinct,
                   "distinct",
                   "distinct_counts",
                   {{"key", F::kKey, T::kText, true, "group"},
                    {"estimate", F::kValue, T::kReal, false, "distinct values of `of`"},
                    {"relative_error", F::kValue2, T::kReal, false, "HyperLogLog standard error"}},
                   {{"key"}},
                   false,
                   {{"rank", F::kRank},
                    {"key", F::kKey, T::kText},
                    {"count", F::kCount},
                    {"estimate", F::kValue, T::kReal},
                    {"relative_error", F::kValue2, T::kReal}}});
  // sentiment: "*" (all posts, rank 0) and the ranked keys.
  kinds.push_back({ResultKind::kSentiment,
                   "sentiment",
                   "sentiment",
                   {{"rank", F::kRank, T::kInt, false, "0 for `*`"},
                    {"key", F::kKey, T::kText, true, "`*` = all posts"},
                    {"posts", F::kCount, T::kInt, false, ""},
                    {"mean_compound", F::kValue, T::kReal, false, "VADER compound, -1 to 1"},
                    {"positive", F::kPos, T::kInt, false, "posts with compound >= 0.05"},
                    {"neutral", F::kNeu, T::kInt, false, "between"},
                    {"negative", F::kNeg, T::kInt, false, "compound <= -0.05"}},
                   {{"rank"}, {"key"}},
                   false,
                   {{"rank", F::kRank, T::kInt, true},
                    {"key", F::kKey, T::kText},
                    {"count", F::kCount},
                    {"mean_compound", F::kValue, T::kReal},
                    {"positive", F::kPos},
                    {"neutral", F::kNeu},
                    {"negative", F::kNeg}}});
  // bursts: flagged terms with their baseline and z-score.
  kinds.push_back({ResultKind::kBurst,
                   "bursts",
                   "bursts",
                   {{"rank", F::kRank, T::kInt, false, ""},
                    {"term", F::kKey, T::kText, true, ""},
                    {"count", F::kCount, T::kInt, false, ""},
                    {"baseline", F::kValue, T::kReal, false, "EWMA mean before the window"},
                    {"z", F::kValue2, T::kReal, false, ""}},
                   {{"rank"}, {"term"}},
                   false,
                   {{"rank", F::kRank},
                    {"key", F::kKey, T::kText},
                    {"count", F::kCount},
                    {"baseline", F::kValue, T::kReal},
                    {"z", F::kValue2, T::kReal}}});
  // clusters: one row per cluster (its id is the live row's rank and key).
  kinds.push_back({ResultKind::kCluster,
                   "clusters",
                   "clusters",
                   {{"cluster", F::kKey, T::kInt, true, "id"},
                    {"posts", F::kCount, T::kInt, false, "assigned in the window"},
                    {"weight", F::kValue, T::kReal, false, "decayed size"},
                    {"top_terms", F::kText, T::kText, false, "space-separated"}},
                   {{"posts", true}, {"cluster"}},
                   true,
                   {{"rank", F::kRank},
                    {"key", F::kKey, T::kText},
                    {"count", F::kCount},
                    {"weight", F::kValue, T::kReal},
                    {"top_terms", F::kText, T::kText}}});
  // cooccurrence: ranked pairs of hashtags (tag_a < tag_b).
  kinds.push_back({ResultKind::kCooccurrence,
                   "cooccurrence",
                   "cooccurrence",
                   {{"rank", F::kRank, T::kInt, false, ""},
                    {"tag_a", F::kKey, T::kText, true, ""},
                    {"tag_b", F::kKey2, T::kText, true, "`tag_a < tag_b`"},
                    {"count", F::kCount, T::kInt, false, ""},
                    {"error", F::kError, T::kInt, false, ""}},
                   {{"rank"}, {"tag_a"}, {"tag_b"}},
                   false,
                   {{"rank", F::kRank},
                    {"key", F::kKey, T::kText},
                    {"key2", F::kKey2, T::kText},
                    {"count", F::kCount},
                    {"error", F::kError, T::kInt, true}}});
  // sessions: one row per key and session (the window is the session).
  kinds.push_back({ResultKind::kSession,
                   "sessions",
                   "sessions",
                   {{"key", F::kKey, T::kText, true, ""}, {"posts", F::kCount, T::kInt, false, ""}},
                   {{"key"}},
                   false,
                   {{"rank", F::kRank}, {"key", F::kKey, T::kText}, {"count", F::kCount}},
                   "the window is the session, `[first post, last post + gap)`"});
  for (std::size_t i = 0; i < kinds.size(); ++i) {
    if (static_cast<std::size_t>(kinds[i].kind) != i) std::abort();  // in ResultKind order
  }
  return kinds;
}

}  // namespace

std::span<const ResultKindInfo> ResultKinds() {
  static const std::vector<ResultKindInfo> kinds = Build();
  return kinds;
}

std::string ResultTablesMarkdown() {
  std::string out = "| table | kind | columns | key |\n|---|---|---|---|\n";
  for (const ResultKindInfo& k : ResultKinds()) {
    std::string columns, key = "window";
    for (const ResultColumn& c : k.columns) {
      if (!columns.empty()) columns += ", ";
      columns += "`" + std::string(c.name) + "`";
      if (!c.meaning.empty()) columns += " (" + std::string(c.meaning) + ")";
      if (c.key) key += ", " + std::string(c.name);
    }
    if (!k.note.empty()) columns += "; " + std::string(k.note);
    out += "| `" + std::string(k.table) + "` | `" + std::string(k.name) + "` | " + columns + " | " +
           key + " |\n";
  }
  return out;
}

const ResultKindInfo& ResultKindInfoOf(ResultKind kind) {
  const auto i = static_cast<std::size_t>(kind);
  const auto kinds = ResultKinds();
  if (i >= kinds.size()) std::abort();  // not a ResultKind
  return kinds[i];
}

std::int64_t IntField(const ResultRow& row, RowField field) {
  switch (field) {
    case RowField::kRank:
      return row.rank;
    case RowField::kCount:
      return row.count;
    case RowField::kError:
      return static_cast<std::int64_t>(row.error);
    case RowField::kPos:
      return row.pos;
    case RowField::kNeu:
      return row.neu;
    case RowField::kNeg:
      return row.neg;
    case RowField::kValue:
      return static_cast<std::int64_t>(row.value);
    case RowField::kValue2:
      return static_cast<std::int64_t>(row.value2);
    case RowField::kKey: {
      std::int64_t v = 0;
      const char* end = row.key.data() + row.key.size();
      const auto r = std::from_chars(row.key.data(), end, v);
      return r.ec == std::errc() && r.ptr == end ? v : 0;
    }
    default:
      return 0;
  }
}

double RealField(const ResultRow& row, RowField field) {
  switch (field) {
    case RowField::kValue:
      return row.value;
    case RowField::kValue2:
      return row.value2;
    default:
      return static_cast<double>(IntField(row, field));
  }
}

const std::string& TextField(const ResultRow& row, RowField field) {
  switch (field) {
    case RowField::kKey2:
      return row.key2;
    case RowField::kText:
      return row.text;
    default:
      return row.key;
  }
}

void SetIntField(ResultRow* row, RowField field, std::int64_t v) {
  switch (field) {
    case RowField::kRank:
      row->rank = static_cast<std::int32_t>(v);
      break;
    case RowField::kCount:
      row->count = v;
      break;
    case RowField::kError:
      row->error = static_cast<std::uint64_t>(v);
      break;
    case RowField::kPos:
      row->pos = v;
      break;
    case RowField::kNeu:
      row->neu = v;
      break;
    case RowField::kNeg:
      row->neg = v;
      break;
    case RowField::kKey:
      row->key = std::to_string(v);
      break;
    default:
      SetRealField(row, field, static_cast<double>(v));
  }
}

void SetRealField(ResultRow* row, RowField field, double v) {
  switch (field) {
    case RowField::kValue:
      row->value = v;
      break;
    case RowField::kValue2:
      row->value2 = v;
      break;
    default:
      break;
  }
}

void SetTextField(ResultRow* row, RowField field, std::string v) {
  switch (field) {
    case RowField::kKey2:
      row->key2 = std::move(v);
      break;
    case RowField::kText:
      row->text = std::move(v);
      break;
    default:
      row->key = std::move(v);
  }
}

}  // namespace starling::model
