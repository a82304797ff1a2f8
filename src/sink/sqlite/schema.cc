// File: sink/sqlite/schema.cc
#include "sink/sqlite/schema.h"

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
  raw                TEXT
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
CREATE TABLE IF NOT EXISTS counts (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, rank INTEGER NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, key));
CREATE TABLE IF NOT EXISTS trending (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, rank INTEGER NOT NULL, key TEXT NOT NULL, count INTEGER NOT NULL,
  error INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, key));
CREATE TABLE IF NOT EXISTS distinct_counts (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, key TEXT NOT NULL, estimate REAL NOT NULL,
  relative_error REAL NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, key));
CREATE TABLE IF NOT EXISTS sentiment (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, rank INTEGER NOT NULL, key TEXT NOT NULL, posts INTEGER NOT NULL,
  mean_compound REAL NOT NULL, positive INTEGER NOT NULL, neutral INTEGER NOT NULL,
  negative INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, key));
CREATE TABLE IF NOT EXISTS bursts (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, rank INTEGER NOT NULL, term TEXT NOT NULL, count INTEGER NOT NULL,
  baseline REAL NOT NULL, z REAL NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, term));
CREATE TABLE IF NOT EXISTS clusters (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, cluster INTEGER NOT NULL, posts INTEGER NOT NULL,
  weight REAL NOT NULL, top_terms TEXT NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, cluster));
CREATE TABLE IF NOT EXISTS cooccurrence (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, rank INTEGER NOT NULL, tag_a TEXT NOT NULL, tag_b TEXT NOT NULL,
  count INTEGER NOT NULL, error INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, tag_a, tag_b));
CREATE TABLE IF NOT EXISTS sessions (
  pipeline TEXT NOT NULL, analysis TEXT NOT NULL, window_start TEXT NOT NULL,
  window_end TEXT NOT NULL, key TEXT NOT NULL, posts INTEGER NOT NULL,
  PRIMARY KEY (pipeline, analysis, window_start, window_end, key));
)sql";

}  // namespace

std::string_view SqliteSchemaSql() { return kPostsSchema; }

std::string_view ResultsSchemaSql() { return kResultsSchema; }

namespace sqlite {

const char* ResultTable(model::ResultKind kind) {
  using model::ResultKind;
  switch (kind) {
    case ResultKind::kCount:
      return "counts";
    case ResultKind::kTopK:
      return "trending";
    case ResultKind::kDistinct:
      return "distinct_counts";
    case ResultKind::kSentiment:
      return "sentiment";
    case ResultKind::kBurst:
      return "bursts";
    case ResultKind::kCluster:
      return "clusters";
    case ResultKind::kCooccurrence:
      return "cooccurrence";
    case ResultKind::kSession:
      return "sessions";
  }
  return "counts";
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
