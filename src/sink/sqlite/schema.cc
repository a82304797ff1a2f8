// File: sink/sqlite/schema.cc
#include "sink/sqlite/schema.h"

#include "model/result_columns.h"

namespace starling::sink {
namespace {

constexpr std::string_view kPostsSchema = R"sql(
CREATE TABLE IF NOT EXISTS meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS posts (
  id                 TEXT PRIMARY KEY,
  provider           TEXT NOT NULL,
  created_at         INTEGER NOT NULL,
  created_at_iso     TEXT NOT NULL,
  author_id          TEXT NOT NULL,
  author_handle      TEXT NOT NULL,
  author_name        TEXT NOT NULL,
  text               TEXT NOT NULL,
  lang               TEXT NOT NULL,
  kind               TEXT NOT NULL,
  ref_id             TEXT,
  repost_count       INTEGER,
  reply_count        INTEGER,
  like_count         INTEGER,
  quote_count        INTEGER,
  impression_count   INTEGER,
  lon                REAL,
  lat                REAL,
  place_id           TEXT,
  place_name         TEXT,
  country_code       TEXT,
  entities_extracted INTEGER NOT NULL DEFAULT 0,
  source_format      TEXT NOT NULL,
  raw                TEXT,
  channel            TEXT
);
CREATE INDEX IF NOT EXISTS posts_created_at ON posts(created_at);
CREATE INDEX IF NOT EXISTS posts_author_id ON posts(author_id);
CREATE INDEX IF NOT EXISTS posts_author_handle ON posts(author_handle);
CREATE TABLE IF NOT EXISTS hashtags (
  post_id   TEXT NOT NULL REFERENCES posts(id),
  tag       TEXT NOT NULL,
  tag_lower TEXT NOT NULL,
  start     INTEGER,
  "end"     INTEGER
);
CREATE INDEX IF NOT EXISTS hashtags_post_id ON hashtags(post_id);
CREATE INDEX IF NOT EXISTS hashtags_tag_lower ON hashtags(tag_lower);
CREATE TABLE IF NOT EXISTS mentions (
  post_id TEXT NOT NULL REFERENCES posts(id),
  handle  TEXT NOT NULL,
  user_id TEXT,
  start   INTEGER,
  "end"   INTEGER
);
CREATE INDEX IF NOT EXISTS mentions_post_id ON mentions(post_id);
CREATE INDEX IF NOT EXISTS mentions_handle ON mentions(handle);
CREATE TABLE IF NOT EXISTS urls (
  post_id      TEXT NOT NULL REFERENCES posts(id),
  url          TEXT NOT NULL,
  expanded_url TEXT,
  display_url  TEXT,
  unwound_url  TEXT,
  start        INTEGER,
  "end"        INTEGER
);
CREATE INDEX IF NOT EXISTS urls_post_id ON urls(post_id);
CREATE TABLE IF NOT EXISTS cashtags (
  post_id TEXT NOT NULL REFERENCES posts(id),
  tag     TEXT NOT NULL,
  start   INTEGER,
  "end"   INTEGER
);
CREATE INDEX IF NOT EXISTS cashtags_post_id ON cashtags(post_id);
CREATE TABLE IF NOT EXISTS post_references (
  post_id TEXT NOT NULL REFERENCES posts(id),
  type    TEXT NOT NULL,
  ref_id  TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS post_references_post_id ON post_references(post_id);
CREATE INDEX IF NOT EXISTS post_references_ref_id ON post_references(ref_id);
CREATE TABLE IF NOT EXISTS matching_rules (
  post_id TEXT NOT NULL REFERENCES posts(id),
  rule_id TEXT NOT NULL,
  tag     TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS matching_rules_post_id ON matching_rules(post_id);
CREATE INDEX IF NOT EXISTS matching_rules_rule_id ON matching_rules(rule_id);
)sql";

// The results database's own tables; each kind's follows (ResultTableDdl).
constexpr std::string_view kResultsSchema = R"sql(
CREATE TABLE IF NOT EXISTS analyses (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, kind TEXT NOT NULL, "by" TEXT NOT NULL,
  window TEXT NOT NULL, k INTEGER NOT NULL DEFAULT 0, "of" TEXT NOT NULL DEFAULT '',
  PRIMARY KEY (pipeline, analysis));
CREATE TABLE IF NOT EXISTS windows (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, kind TEXT NOT NULL,
  window_start TEXT NOT NULL, window_end TEXT NOT NULL,
  total INTEGER NOT NULL, error_bound INTEGER NOT NULL, final INTEGER NOT NULL,
  rows INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end));
)sql";

}  // namespace

std::string_view SqliteSchemaSql() { return kPostsSchema; }

std::string_view ResultsSchemaSql() {
  static const std::string sql = [] {
    std::string s(kResultsSchema);
    for (const model::ResultKindInfo& k : model::ResultKinds()) {
      s += sqlite::ResultTableDdl(k.kind) + "\n";
    }
    return s;
  }();
  return sql;
}

namespace sqlite {

namespace {

std::string_view SqlType(model::ColumnType t) {
  switch (t) {
    case model::ColumnType::kInt:
      return "INTEGER";
    case model::ColumnType::kReal:
      return "REAL";
    case model::ColumnType::kText:
      return "TEXT";
  }
  return "TEXT";
}

std::string Quoted(std::string_view name) { return "\"" + std::string(name) + "\""; }

}  // namespace

std::string ResultTableDdl(model::ResultKind kind) {
  const model::ResultKindInfo& k = model::ResultKindInfoOf(kind);
  std::string ddl = "CREATE TABLE IF NOT EXISTS " + std::string(k.table) +
                    " (\n  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT "
                    "NULL, window_end TEXT NOT NULL";
  std::string key = "pipeline, analysis, window_start, window_end";
  for (const model::ResultColumn& c : k.columns) {
    ddl += ",\n  " + Quoted(c.name) + " " + std::string(SqlType(c.type)) + " NOT NULL";
    if (c.key) key += ", " + Quoted(c.name);
  }
  return ddl + ",\n  PRIMARY KEY (" + key + "));";
}

std::string ResultInsertSql(model::ResultKind kind) {
  const model::ResultKindInfo& k = model::ResultKindInfoOf(kind);
  std::string sql = "INSERT OR REPLACE INTO " + std::string(k.table) + " VALUES (?1,?2,?3,?4";
  for (std::size_t i = 0; i < k.columns.size(); ++i) sql += ",?" + std::to_string(5 + i);
  return sql + ")";
}

std::string ResultDeleteSql(model::ResultKind kind) {
  return "DELETE FROM " + std::string(model::ResultKindInfoOf(kind).table) +
         " WHERE pipeline=?1 AND analysis=?2 AND window_start=?3 AND window_end=?4";
}

std::string ResultSelectSql(model::ResultKind kind) {
  const model::ResultKindInfo& k = model::ResultKindInfoOf(kind);
  std::string sql = "SELECT ";
  for (std::size_t i = 0; i < k.columns.size(); ++i) {
    sql += (i == 0 ? "" : ", ") + Quoted(k.columns[i].name);
  }
  return sql + " FROM " + std::string(k.table);
}

std::string ResultOrderSql(model::ResultKind kind) {
  std::string sql;
  for (const model::SortTerm& t : model::ResultKindInfoOf(kind).order) {
    sql += (sql.empty() ? " ORDER BY " : ", ") + Quoted(t.column) + (t.descending ? " DESC" : "");
  }
  return sql;
}

void BindRow(model::ResultKind kind, const model::ResultRow& row, Statement& st) {
  const model::ResultKindInfo& k = model::ResultKindInfoOf(kind);
  for (std::size_t i = 0; i < k.columns.size(); ++i) {
    const model::ResultColumn& c = k.columns[i];
    const int param = static_cast<int>(5 + i);
    switch (c.type) {
      case model::ColumnType::kInt:
        st.BindInt(param, model::IntField(row, c.field));
        break;
      case model::ColumnType::kReal:
        st.BindDouble(param, model::RealField(row, c.field));
        break;
      case model::ColumnType::kText:
        st.BindText(param, model::TextField(row, c.field));
        break;
    }
  }
}

model::ResultRow ReadRow(model::ResultKind kind, const Statement& st) {
  const model::ResultKindInfo& k = model::ResultKindInfoOf(kind);
  model::ResultRow row;
  for (std::size_t i = 0; i < k.columns.size(); ++i) {
    const model::ResultColumn& c = k.columns[i];
    const int col = static_cast<int>(i);
    switch (c.type) {
      case model::ColumnType::kInt:
        model::SetIntField(&row, c.field, st.Int(col));
        break;
      case model::ColumnType::kReal:
        model::SetRealField(&row, c.field, st.Double(col));
        break;
      case model::ColumnType::kText:
        model::SetTextField(&row, c.field, st.Text(col));
        break;
    }
  }
  return row;
}

bool HasChannelColumn(Database& db) {
  return db.Prepare("SELECT channel FROM posts LIMIT 0", "SQLite prepare").ok();
}

Status AddChannelColumn(Database& db) {
  if (!HasChannelColumn(db)) {
    STARLING_RETURN_IF_ERROR(db.Exec("ALTER TABLE posts ADD COLUMN channel TEXT", "SQLite"));
  }
  return db.Exec("CREATE INDEX IF NOT EXISTS posts_channel ON posts(channel)", "SQLite");
}

Status CheckSchemaVersion(Database& db, const std::string& path, bool* has_version) {
  *has_version = false;
  // The meta table may not exist yet (a new database).
  auto s = db.Prepare("SELECT value FROM meta WHERE key = 'schema_version'", "SQLite prepare");
  if (!s.ok()) return Status::Ok();
  STARLING_ASSIGN_OR_RETURN(const bool row, s->Step("SQLite read of meta"));
  if (!row) return Status::Ok();
  *has_version = true;
  const std::string v = s->Text(0);
  if (v != kSqliteSchemaVersion) {
    return Unsupported(path + " has Starling schema version " + v + "; this build reads version " +
                       std::string(kSqliteSchemaVersion));
  }
  return Status::Ok();
}

}  // namespace sqlite
}  // namespace starling::sink
