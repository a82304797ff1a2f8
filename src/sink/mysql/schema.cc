// File: sink/mysql/schema.cc
#include "sink/mysql/schema.h"

#include "model/result_columns.h"
#include "sink/mysql/connection.h"

namespace starling::sink::mysql {
namespace {

constexpr std::string_view kTableOptions =
    " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_nopad_bin";

bool IsId(const TableInfo& t, const TableColumn& c) {
  return (t.table == LogicalTable::kPosts && c.name == "id") || c.name == "post_id";
}

std::string TypeOf(const TableInfo& t, const TableColumn& c) {
  if (c.timestamp) return "DATETIME(6)";
  if (t.table == LogicalTable::kPosts && c.name == "raw") return "LONGTEXT";
  switch (c.type) {
    case model::ColumnType::kInt:
      return "BIGINT";
    case model::ColumnType::kReal:
      return "DOUBLE";
    case model::ColumnType::kText:
      return IsId(t, c) ? "VARCHAR(255)" : "MEDIUMTEXT";
  }
  return "MEDIUMTEXT";
}

// The indexes SQLite has (docs/formats/sqlite.md); text by a prefix.
struct Index {
  std::string_view table, name, columns;
};
constexpr Index kIndexes[] = {
    {"posts", "posts_created_at", "created_at"},
    {"posts", "posts_author_id", "author_id(64)"},
    {"posts", "posts_author_handle", "author_handle(64)"},
    {"posts", "posts_channel", "channel(128)"},
    {"hashtags", "hashtags_tag_lower", "tag_lower(128)"},
    {"mentions", "mentions_handle", "handle(64)"},
    {"post_references", "post_references_ref_id", "ref_id(64)"},
    {"matching_rules", "matching_rules_rule_id", "rule_id(64)"},
};

}  // namespace

std::vector<std::string> PostsSchema() {
  std::vector<std::string> out;
  out.push_back(
      "CREATE TABLE IF NOT EXISTS meta (`key` VARCHAR(64) PRIMARY KEY, value MEDIUMTEXT NOT "
      "NULL)" +
      std::string(kTableOptions));
  for (const TableInfo& t : Tables()) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + std::string(t.name) + " (";
    bool first = true;
    for (const TableColumn& c : t.columns) {
      sql += std::string(first ? "\n  " : ",\n  ") + Quote(c.name) + " " + TypeOf(t, c) +
             (c.nullable ? " NULL" : " NOT NULL");
      if (t.table == LogicalTable::kPosts && c.name == "id") sql += " PRIMARY KEY";
      first = false;
    }
    if (t.table != LogicalTable::kPosts) {
      sql += ",\n  ordinal INT NOT NULL,\n  PRIMARY KEY (post_id, ordinal)";
    }
    for (const Index& i : kIndexes) {
      if (i.table == t.name) {
        sql += ",\n  INDEX " + std::string(i.name) + " (" + std::string(i.columns) + ")";
      }
    }
    out.push_back(sql + "\n)" + std::string(kTableOptions));
  }
  out.push_back("INSERT IGNORE INTO meta (`key`, value) VALUES ('schema_version', '" +
                std::string(kSchemaVersion) + "')");
  return out;
}

std::vector<std::string> ResultsSchema() {
  std::vector<std::string> out;
  out.push_back(
      "CREATE TABLE IF NOT EXISTS analyses (pipeline VARCHAR(255) NOT NULL, analysis "
      "VARCHAR(255) NOT NULL, kind VARCHAR(64) NOT NULL, `by` MEDIUMTEXT NOT NULL, `window` "
      "MEDIUMTEXT NOT NULL, k BIGINT NOT NULL DEFAULT 0, `of` MEDIUMTEXT NOT NULL, PRIMARY KEY "
      "(pipeline, analysis))" +
      std::string(kTableOptions));
  out.push_back(
      "CREATE TABLE IF NOT EXISTS windows (pipeline VARCHAR(255) NOT NULL, analysis "
      "VARCHAR(255) NOT NULL, kind VARCHAR(64) NOT NULL, window_start VARCHAR(40) NOT NULL, "
      "window_end VARCHAR(40) NOT NULL, total BIGINT NOT NULL, error_bound BIGINT NOT NULL, "
      "final TINYINT NOT NULL, `rows` BIGINT NOT NULL, seq BIGINT NOT NULL AUTO_INCREMENT, "
      "PRIMARY KEY (pipeline, analysis, window_start, window_end), UNIQUE KEY (seq))" +
      std::string(kTableOptions));
  for (const model::ResultKindInfo& k : model::ResultKinds()) {
    std::string sql = "CREATE TABLE IF NOT EXISTS " + std::string(k.table) +
                      " (\n  pipeline VARCHAR(255) NOT NULL, analysis VARCHAR(255) NOT NULL,"
                      "\n  window_start VARCHAR(40) NOT NULL, window_end VARCHAR(40) NOT NULL";
    for (const model::ResultColumn& c : k.columns) {
      sql += ",\n  " + Quote(c.name) + " " +
             (c.type == model::ColumnType::kInt    ? "BIGINT"
              : c.type == model::ColumnType::kReal ? "DOUBLE"
                                                   : "MEDIUMTEXT") +
             " NOT NULL";
    }
    sql += ",\n  INDEX " + std::string(k.table) +
           "_window (pipeline(100), analysis(100), window_start, window_end)\n)";
    out.push_back(sql + std::string(kTableOptions));
  }
  return out;
}

std::string LogicalColumnSql(std::string_view table, std::string_view column,
                             std::string_view qualifier) {
  const TableInfo* t = FindTable(table);
  if (t == nullptr) return {};
  const int i = ColumnIndex(*t, column);
  if (i < 0 || !t->columns[static_cast<std::size_t>(i)].timestamp) return {};
  const std::string q = (qualifier.empty() ? "" : std::string(qualifier) + ".") + Quote(column);
  // DATETIME arithmetic: no time zone enters.
  return "TIMESTAMPDIFF(MICROSECOND, '1970-01-01 00:00:00', " + q + ")";
}

std::string SelectList(const TableInfo& table, std::string_view qualifier) {
  std::string s;
  for (const TableColumn& c : table.columns) {
    std::string e = LogicalColumnSql(table.name, c.name, qualifier);
    if (e.empty()) e = (qualifier.empty() ? "" : std::string(qualifier) + ".") + Quote(c.name);
    s += (s.empty() ? "" : ", ") + e;
  }
  return s;
}

std::string ColumnList(const TableInfo& table, bool with_ordinal) {
  std::string s;
  for (const TableColumn& c : table.columns) s += (s.empty() ? "" : ", ") + Quote(c.name);
  if (with_ordinal && table.table != LogicalTable::kPosts) s += ", ordinal";
  return s;
}

std::string ResultColumnList(model::ResultKind kind) {
  std::string s;
  for (const model::ResultColumn& c : model::ResultKindInfoOf(kind).columns) {
    s += (s.empty() ? "" : ", ") + Quote(c.name);
  }
  return s;
}

}  // namespace starling::sink::mysql
