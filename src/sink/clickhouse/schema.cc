// File: sink/clickhouse/schema.cc
#include "sink/clickhouse/schema.h"

namespace starling::sink::clickhouse {
namespace {

// No PARTITION BY: ReplacingMergeTree replaces only within a partition, and
// a post's later rendering must replace it whatever its created_at says.
constexpr std::string_view kReplacing = " ENGINE = ReplacingMergeTree(version) ORDER BY ";

// Posts columns few distinct values fill: dictionary-encoded.
bool LowCardinality(const TableInfo& t, const TableColumn& c) {
  return t.table == LogicalTable::kPosts && (c.name == "provider" || c.name == "lang" ||
                                             c.name == "kind" || c.name == "source_format");
}

std::string ScalarType(model::ColumnType type) {
  switch (type) {
    case model::ColumnType::kInt:
      return "Int64";
    case model::ColumnType::kReal:
      return "Float64";
    case model::ColumnType::kText:
      return "String";
  }
  return "String";
}

std::string TypeOf(const TableInfo& t, const TableColumn& c) {
  std::string type = ScalarType(c.type);  // a timestamp: Int64 microseconds
  if (c.nullable) type = "Nullable(" + type + ")";
  if (LowCardinality(t, c)) type = "LowCardinality(" + type + ")";
  return type;
}

std::string PostsData() {
  std::string sql = "CREATE TABLE IF NOT EXISTS " + std::string(kPostsData) + " (";
  bool first = true;
  for (const TableInfo& t : Tables()) {
    if (t.table == LogicalTable::kPosts) {
      for (const TableColumn& c : t.columns) {
        sql += std::string(first ? "\n  " : ",\n  ") + Quote(c.name) + " " + TypeOf(t, c);
        first = false;
      }
      continue;
    }
    std::string nested;
    for (const TableColumn& c : t.columns) {
      if (c.name == "post_id") continue;
      nested += (nested.empty() ? "" : ", ") + Quote(c.name) + " " + TypeOf(t, c);
    }
    sql += ",\n  " + Quote(t.name) + " Nested(" + nested + ")";
  }
  // The newest write of a post wins. created_at_time is for people's SQL
  // (DateTime is unsigned seconds: times before 1970 read as its 0).
  sql +=
      ",\n  version UInt64"
      ",\n  created_at_time DateTime ALIAS "
      "toDateTime(greatest(intDiv(created_at, 1000000), 0))"
      "\n)" +
      std::string(kReplacing) + "id";
  return sql;
}

std::string PostView(const TableInfo& t) {
  std::string sql = "CREATE VIEW IF NOT EXISTS " + Quote(t.name) + " AS SELECT ";
  bool first = true;
  for (const TableColumn& c : t.columns) {
    sql += first ? "" : ", ";
    first = false;
    if (t.table == LogicalTable::kPosts) {
      sql += Quote(c.name);
    } else if (c.name == "post_id") {
      sql += "id AS post_id";
    } else {
      sql += Quote(EntityColumn(t, c)) + " AS " + Quote(c.name);
    }
  }
  sql += " FROM " + std::string(kPostsData) + " FINAL";
  if (t.table != LogicalTable::kPosts) sql += " ARRAY JOIN " + Quote(t.name);
  return sql;
}

constexpr std::string_view kWindowHead =
    "pipeline String, analysis String, window_start String, window_end String, total Int64, "
    "error_bound Int64, `final` UInt8, `rows` Int64, version UInt64";

}  // namespace

const Settings& SchemaSettings() {
  static const Settings settings = {{"allow_experimental_low_cardinality_type", "1"}};
  return settings;
}

std::vector<std::string> PostsSchema() {
  std::vector<std::string> out;
  out.push_back("CREATE TABLE IF NOT EXISTS meta (key String, value String, version UInt64)" +
                std::string(kReplacing) + "key");
  out.push_back(PostsData());
  for (const TableInfo& t : Tables()) out.push_back(PostView(t));
  return out;
}

std::vector<std::string> ResultsSchema() {
  std::vector<std::string> out;
  out.push_back(
      "CREATE TABLE IF NOT EXISTS analyses_data (pipeline String, analysis String, kind String, "
      "`by` String, `window` String, k Int64, `of` String, version UInt64)" +
      std::string(kReplacing) + "(pipeline, analysis)");
  out.push_back(
      "CREATE VIEW IF NOT EXISTS analyses AS SELECT pipeline, analysis, kind, `by`, `window`, k, "
      "`of` FROM analyses_data FINAL");
  // When each analysis first stored a window (the order Analyses() gives);
  // one row per analysis and writing process, the earliest counts.
  out.push_back(
      "CREATE TABLE IF NOT EXISTS analysis_order (pipeline String, analysis String, kind String, "
      "first UInt64) ENGINE = MergeTree ORDER BY (pipeline, analysis)");
  std::string windows;
  for (const model::ResultKindInfo& k : model::ResultKinds()) {
    const std::string data = ResultDataTable(k);
    std::string sql = "CREATE TABLE IF NOT EXISTS " + data + " (" + std::string(kWindowHead);
    std::string columns;
    for (const model::ResultColumn& c : k.columns) {
      sql += ", " + Quote(c.name) + " Array(" + ScalarType(c.type) + ")";
      columns += ", " + Quote(c.name);
    }
    out.push_back(sql + ")" + std::string(kReplacing) +
                  "(pipeline, analysis, window_start, window_end)");
    out.push_back("CREATE VIEW IF NOT EXISTS " + Quote(k.table) +
                  " AS SELECT pipeline, analysis, window_start, window_end" + columns + " FROM " +
                  data + " FINAL ARRAY JOIN " + columns.substr(2));
    windows += std::string(windows.empty() ? "" : " UNION ALL ") + "SELECT pipeline, analysis, '" +
               std::string(k.name) +
               "' AS kind, window_start, window_end, total, error_bound, `final`, `rows` FROM " +
               data + " FINAL";
  }
  out.push_back("CREATE VIEW IF NOT EXISTS windows AS " + windows);
  return out;
}

std::string PostsDataColumns() {
  std::string s;
  for (const TableInfo& t : Tables()) {
    for (const TableColumn& c : t.columns) {
      if (t.table != LogicalTable::kPosts && c.name == "post_id") continue;
      s += (s.empty() ? "" : ", ") +
           Quote(t.table == LogicalTable::kPosts ? std::string(c.name) : EntityColumn(t, c));
    }
  }
  return s + ", version";
}

std::string EntityColumn(const TableInfo& table, const TableColumn& column) {
  return std::string(table.name) + "." + std::string(column.name);
}

std::string ResultDataTable(const model::ResultKindInfo& kind) {
  return std::string(kind.table) + "_data";
}

std::string ResultDataColumns(const model::ResultKindInfo& kind) {
  std::string s =
      "pipeline, analysis, window_start, window_end, total, error_bound, `final`, `rows`, version";
  for (const model::ResultColumn& c : kind.columns) s += ", " + Quote(c.name);
  return s;
}

}  // namespace starling::sink::clickhouse
