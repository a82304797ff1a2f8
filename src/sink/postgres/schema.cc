// File: sink/postgres/schema.cc
#include "sink/postgres/schema.h"

#include "model/result_columns.h"
#include "sink/postgres/connection.h"

namespace starling::sink::postgres {
namespace {

std::string TypeOf(const TableInfo& t, const TableColumn& c) {
  if (c.timestamp) return "timestamptz";
  if (t.table == LogicalTable::kPosts && c.name == "raw") return "jsonb";
  switch (c.type) {
    case model::ColumnType::kInt:
      return "bigint";
    case model::ColumnType::kReal:
      return "double precision";
    case model::ColumnType::kText:
      return "text COLLATE \"C\"";
  }
  return "text";
}

std::string_view ResultType(model::ColumnType t) {
  switch (t) {
    case model::ColumnType::kInt:
      return "bigint";
    case model::ColumnType::kReal:
      return "double precision";
    case model::ColumnType::kText:
      return "text COLLATE \"C\"";
  }
  return "text";
}

// The indexes SQLite has (docs/formats/sqlite.md), by table.
constexpr std::string_view kIndexes = R"sql(
CREATE INDEX IF NOT EXISTS posts_created_at ON posts (created_at);
CREATE INDEX IF NOT EXISTS posts_author_id ON posts (author_id);
CREATE INDEX IF NOT EXISTS posts_author_handle ON posts (author_handle);
CREATE INDEX IF NOT EXISTS posts_channel ON posts (channel);
CREATE INDEX IF NOT EXISTS hashtags_tag_lower ON hashtags (tag_lower);
CREATE INDEX IF NOT EXISTS mentions_handle ON mentions (handle);
CREATE INDEX IF NOT EXISTS post_references_ref_id ON post_references (ref_id);
CREATE INDEX IF NOT EXISTS matching_rules_rule_id ON matching_rules (rule_id);
)sql";

}  // namespace

std::string ColumnList(const TableInfo& table, bool with_ordinal, std::string_view qualifier) {
  std::string s;
  const std::string q = qualifier.empty() ? "" : std::string(qualifier) + ".";
  for (const TableColumn& c : table.columns) {
    s += (s.empty() ? "" : ", ") + q + Quote(c.name);
  }
  if (with_ordinal && table.table != LogicalTable::kPosts) s += ", " + q + "ordinal";
  return s;
}

std::string LogicalColumnSql(std::string_view table, std::string_view column,
                             std::string_view qualifier) {
  const TableInfo* t = FindTable(table);
  if (t == nullptr) return {};
  const int i = ColumnIndex(*t, column);
  if (i < 0) return {};
  const TableColumn& c = t->columns[static_cast<std::size_t>(i)];
  const std::string q = (qualifier.empty() ? "" : std::string(qualifier) + ".") + Quote(c.name);
  // EXTRACT gives numeric (exact) since PostgreSQL 14.
  if (c.timestamp) return "(EXTRACT(EPOCH FROM " + q + ") * 1000000)::bigint";
  if (t->table == LogicalTable::kPosts && c.name == "raw") return "(" + q + ")::text";
  return {};
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

std::string PostsSchemaSql() {
  std::string sql =
      "CREATE TABLE IF NOT EXISTS meta (key text PRIMARY KEY, value text NOT NULL);\n";
  for (const TableInfo& t : Tables()) {
    sql += "CREATE TABLE IF NOT EXISTS " + std::string(t.name) + " (";
    bool first = true;
    for (const TableColumn& c : t.columns) {
      sql += std::string(first ? "\n  " : ",\n  ") + Quote(c.name) + " " + TypeOf(t, c) +
             (c.nullable ? "" : " NOT NULL");
      if (t.table == LogicalTable::kPosts && c.name == "id") sql += " PRIMARY KEY";
      first = false;
    }
    if (t.table != LogicalTable::kPosts) {
      sql += ",\n  ordinal integer NOT NULL,\n  PRIMARY KEY (post_id, ordinal)";
    }
    sql += "\n);\n";
  }
  sql += kIndexes;
  sql += "INSERT INTO meta (key, value) VALUES ('schema_version', '" + std::string(kSchemaVersion) +
         "') ON CONFLICT (key) DO NOTHING;\n";
  return sql;
}

std::string ResultColumnList(model::ResultKind kind) {
  std::string s;
  for (const model::ResultColumn& c : model::ResultKindInfoOf(kind).columns) {
    s += (s.empty() ? "" : ", ") + Quote(c.name);
  }
  return s;
}

std::string ResultsSchemaSql() {
  std::string sql = R"sql(
CREATE TABLE IF NOT EXISTS analyses (
  pipeline text COLLATE "C" NOT NULL, analysis text COLLATE "C" NOT NULL,
  kind text COLLATE "C" NOT NULL, "by" text COLLATE "C" NOT NULL,
  "window" text COLLATE "C" NOT NULL, k bigint NOT NULL DEFAULT 0,
  "of" text COLLATE "C" NOT NULL DEFAULT '',
  PRIMARY KEY (pipeline, analysis));
CREATE TABLE IF NOT EXISTS windows (
  pipeline text COLLATE "C" NOT NULL, analysis text COLLATE "C" NOT NULL,
  kind text COLLATE "C" NOT NULL,
  window_start text COLLATE "C" NOT NULL, window_end text COLLATE "C" NOT NULL,
  total bigint NOT NULL, error_bound bigint NOT NULL, final smallint NOT NULL,
  rows bigint NOT NULL, seq bigint GENERATED ALWAYS AS IDENTITY,
  PRIMARY KEY (pipeline, analysis, window_start, window_end));
)sql";
  for (const model::ResultKindInfo& k : model::ResultKinds()) {
    sql += "CREATE TABLE IF NOT EXISTS " + std::string(k.table) +
           " (\n  pipeline text COLLATE \"C\" NOT NULL, analysis text COLLATE \"C\" NOT NULL,"
           "\n  window_start text COLLATE \"C\" NOT NULL, window_end text COLLATE \"C\" NOT NULL";
    for (const model::ResultColumn& c : k.columns) {
      sql += ",\n  " + Quote(c.name) + " " + std::string(ResultType(c.type)) + " NOT NULL";
    }
    // No unique key over the row's key columns: a key (a URL) can pass the
    // 2,704 bytes a btree row holds. A window's rows are deleted before
    // they are written, in the same transaction, so nothing doubles.
    sql += ");\nCREATE INDEX IF NOT EXISTS " + std::string(k.table) + "_window ON " +
           std::string(k.table) + " (pipeline, analysis, window_start, window_end);\n";
  }
  return sql;
}

}  // namespace starling::sink::postgres
