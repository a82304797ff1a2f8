// File: sink/sqlite_sink.cc
#include "sink/sqlite_sink.h"

#include <sqlite3.h>
#include <sys/stat.h>
#include <unicode/locid.h>
#include <unicode/unistr.h>

#include "common/files.h"
#include "model/time.h"

namespace starling::sink {
namespace {

constexpr std::string_view kSchema = R"sql(
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

constexpr const char* kUpsertPost = R"sql(
INSERT INTO posts (id, provider, created_at, created_at_iso, author_id, author_handle,
  author_name, text, lang, kind, ref_id, repost_count, reply_count, like_count, quote_count,
  impression_count, lon, lat, place_id, place_name, country_code, entities_extracted,
  source_format, raw)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
  ?20, ?21, ?22, ?23, ?24)
ON CONFLICT(id) DO UPDATE SET
  provider = excluded.provider, created_at = excluded.created_at,
  created_at_iso = excluded.created_at_iso, author_id = excluded.author_id,
  author_handle = excluded.author_handle, author_name = excluded.author_name,
  text = excluded.text, lang = excluded.lang, kind = excluded.kind, ref_id = excluded.ref_id,
  repost_count = excluded.repost_count, reply_count = excluded.reply_count,
  like_count = excluded.like_count, quote_count = excluded.quote_count,
  impression_count = excluded.impression_count, lon = excluded.lon, lat = excluded.lat,
  place_id = excluded.place_id, place_name = excluded.place_name,
  country_code = excluded.country_code, entities_extracted = excluded.entities_extracted,
  source_format = excluded.source_format, raw = excluded.raw
)sql";

constexpr const char* kEntityTables[6] = {"hashtags", "mentions",        "urls",
                                          "cashtags", "post_references", "matching_rules"};

Status SqliteError(sqlite3* db, std::string_view what) {
  return IoError(std::string(what) + ": " + (db ? sqlite3_errmsg(db) : "out of memory"));
}

Status Exec(sqlite3* db, const char* sql) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : sqlite3_errmsg(db);
    sqlite3_free(err);
    return IoError(std::string("SQLite: ") + msg);
  }
  return Status::Ok();
}

Status Prepare(sqlite3* db, const char* sql, sqlite3_stmt** stmt) {
  if (sqlite3_prepare_v3(db, sql, -1, SQLITE_PREPARE_PERSISTENT, stmt, nullptr) != SQLITE_OK) {
    return SqliteError(db, "SQLite prepare");
  }
  return Status::Ok();
}

// Binds text (not copied: valid until the statement is reset); NULL when empty
// and null_if_empty.
void BindText(sqlite3_stmt* s, int i, std::string_view v, bool null_if_empty = false) {
  if (v.empty() && null_if_empty) {
    sqlite3_bind_null(s, i);
  } else {
    sqlite3_bind_text64(s, i, v.data(), v.size(), SQLITE_STATIC, SQLITE_UTF8);
  }
}
void BindInt(sqlite3_stmt* s, int i, const std::optional<std::int64_t>& v) {
  if (v)
    sqlite3_bind_int64(s, i, *v);
  else
    sqlite3_bind_null(s, i);
}
void BindDouble(sqlite3_stmt* s, int i, const std::optional<double>& v) {
  if (v)
    sqlite3_bind_double(s, i, *v);
  else
    sqlite3_bind_null(s, i);
}
void BindPos(sqlite3_stmt* s, int i, std::int32_t v) {
  if (v >= 0)
    sqlite3_bind_int(s, i, v);
  else
    sqlite3_bind_null(s, i);
}

// Steps a statement that returns no rows, then resets it.
Status Run(sqlite3* db, sqlite3_stmt* s) {
  const int rc = sqlite3_step(s);
  sqlite3_reset(s);
  sqlite3_clear_bindings(s);
  if (rc != SQLITE_DONE) return SqliteError(db, "SQLite write");
  return Status::Ok();
}

std::string ColumnText(sqlite3_stmt* s, int i) {
  const auto* p = reinterpret_cast<const char*>(sqlite3_column_text(s, i));
  if (!p) return {};
  return std::string(p, static_cast<std::size_t>(sqlite3_column_bytes(s, i)));
}
std::optional<std::int64_t> ColumnOptInt(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_int64(s, i);
}
std::optional<double> ColumnOptDouble(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return std::nullopt;
  return sqlite3_column_double(s, i);
}
std::int32_t ColumnPos(sqlite3_stmt* s, int i) {
  if (sqlite3_column_type(s, i) == SQLITE_NULL) return -1;
  return sqlite3_column_int(s, i);
}

// Unsupported when the database holds another schema version; Ok when it has
// none yet (*has_version false) or the same.
Status CheckSchemaVersion(sqlite3* db, const std::string& path, bool* has_version) {
  *has_version = false;
  sqlite3_stmt* s = nullptr;
  // The meta table may not exist yet (new database).
  if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key = 'schema_version'", -1, &s,
                         nullptr) != SQLITE_OK) {
    sqlite3_finalize(s);
    return Status::Ok();
  }
  Status st;
  const int rc = sqlite3_step(s);
  if (rc == SQLITE_ROW) {
    *has_version = true;
    const std::string v = ColumnText(s, 0);
    if (v != kSqliteSchemaVersion) {
      st = Unsupported(path + " has Starling schema version " + v + "; this build reads version " +
                       std::string(kSqliteSchemaVersion));
    }
  } else if (rc != SQLITE_DONE) {
    st = SqliteError(db, "SQLite read of meta");
  }
  sqlite3_finalize(s);
  return st;
}

}  // namespace

std::string_view SqliteSchemaSql() { return kSchema; }

std::string LowerTag(std::string_view tag) {
  bool ascii = true;
  for (char c : tag) ascii &= static_cast<unsigned char>(c) < 0x80;
  std::string out;
  if (ascii) {
    out.assign(tag);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(
      icu::StringPiece(tag.data(), static_cast<std::int32_t>(tag.size())));
  u.toLower(icu::Locale::getRoot());
  u.toUTF8String(out);
  return out;
}

Result<std::unique_ptr<SqliteSink>> SqliteSink::Open(SqliteSinkOptions options) {
  if (options.path.empty()) return InvalidArgument("sqlite sink: empty path");
  if (options.batch < 1) return InvalidArgument("sqlite sink: batch must be >= 1");
  std::unique_ptr<SqliteSink> sink(new SqliteSink(std::move(options)));
  STARLING_RETURN_IF_ERROR(sink->Init());
  return sink;
}

Status SqliteSink::Init() {
  STARLING_RETURN_IF_ERROR(CreateParentDirs(options_.path));
  const int rc = sqlite3_open_v2(options_.path.c_str(), &db_,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr);
  if (rc != SQLITE_OK) {
    Status st = IoError("cannot open SQLite database " + options_.path + ": " +
                        (db_ ? sqlite3_errmsg(db_) : "out of memory"));
    sqlite3_close(db_);
    db_ = nullptr;
    return st;
  }
  sqlite3_busy_timeout(db_, 5000);
  STARLING_RETURN_IF_ERROR(Exec(db_, "PRAGMA journal_mode=WAL"));
  STARLING_RETURN_IF_ERROR(Exec(db_, "PRAGMA synchronous=NORMAL"));
  bool has_version = false;
  STARLING_RETURN_IF_ERROR(CheckSchemaVersion(db_, options_.path, &has_version));
  STARLING_RETURN_IF_ERROR(Exec(db_, "BEGIN"));
  Status st = Exec(db_, std::string(kSchema).c_str());
  if (st.ok() && !has_version) {
    st = Exec(db_, (std::string("INSERT OR REPLACE INTO meta(key, value) VALUES "
                                "('schema_version', '") +
                    std::string(kSqliteSchemaVersion) + "')")
                       .c_str());
  }
  if (!st.ok()) {
    (void)Exec(db_, "ROLLBACK");
    return st;
  }
  STARLING_RETURN_IF_ERROR(Exec(db_, "COMMIT"));

  STARLING_RETURN_IF_ERROR(Prepare(db_, kUpsertPost, &upsert_post_));
  for (int i = 0; i < 6; ++i) {
    const std::string sql = std::string("DELETE FROM ") + kEntityTables[i] + " WHERE post_id = ?1";
    STARLING_RETURN_IF_ERROR(Prepare(db_, sql.c_str(), &delete_[i]));
  }
  STARLING_RETURN_IF_ERROR(Prepare(
      db_, "INSERT INTO hashtags(post_id, tag, tag_lower, start, \"end\") VALUES (?1,?2,?3,?4,?5)",
      &insert_hashtag_));
  STARLING_RETURN_IF_ERROR(Prepare(
      db_, "INSERT INTO mentions(post_id, handle, user_id, start, \"end\") VALUES (?1,?2,?3,?4,?5)",
      &insert_mention_));
  STARLING_RETURN_IF_ERROR(Prepare(db_,
                                   "INSERT INTO urls(post_id, url, expanded_url, display_url, "
                                   "unwound_url, start, \"end\") VALUES (?1,?2,?3,?4,?5,?6,?7)",
                                   &insert_url_));
  STARLING_RETURN_IF_ERROR(
      Prepare(db_, "INSERT INTO cashtags(post_id, tag, start, \"end\") VALUES (?1,?2,?3,?4)",
              &insert_cashtag_));
  STARLING_RETURN_IF_ERROR(
      Prepare(db_, "INSERT INTO post_references(post_id, type, ref_id) VALUES (?1,?2,?3)",
              &insert_reference_));
  STARLING_RETURN_IF_ERROR(Prepare(
      db_, "INSERT INTO matching_rules(post_id, rule_id, tag) VALUES (?1,?2,?3)", &insert_rule_));
  return Status::Ok();
}

SqliteSink::~SqliteSink() { (void)Close(); }

Status SqliteSink::WriteInTransaction(const model::Post& p) {
  const std::string iso = model::FormatTimestamp(p.created_at);
  sqlite3_stmt* s = upsert_post_;
  BindText(s, 1, p.id);
  BindText(s, 2, model::ProviderName(p.provider));
  sqlite3_bind_int64(s, 3, p.created_at);
  BindText(s, 4, iso);
  BindText(s, 5, p.author.id);
  BindText(s, 6, p.author.handle);
  BindText(s, 7, p.author.name);
  BindText(s, 8, p.text);
  BindText(s, 9, p.lang);
  BindText(s, 10, model::PostKindName(p.kind));
  BindText(s, 11, p.ReferencedId(), true);
  BindInt(s, 12, p.metrics.reposts);
  BindInt(s, 13, p.metrics.replies);
  BindInt(s, 14, p.metrics.likes);
  BindInt(s, 15, p.metrics.quotes);
  BindInt(s, 16, p.metrics.impressions);
  BindDouble(s, 17, p.geo.lon);
  BindDouble(s, 18, p.geo.lat);
  BindText(s, 19, p.geo.place_id, true);
  BindText(s, 20, p.geo.place_name, true);
  BindText(s, 21, p.geo.country_code, true);
  sqlite3_bind_int(s, 22, p.entities_extracted ? 1 : 0);
  BindText(s, 23, p.source_format);
  BindText(s, 24, p.raw, true);
  STARLING_RETURN_IF_ERROR(Run(db_, s));

  for (sqlite3_stmt* d : delete_) {
    BindText(d, 1, p.id);
    STARLING_RETURN_IF_ERROR(Run(db_, d));
  }
  for (const auto& h : p.hashtags) {
    tag_lower_ = LowerTag(h.tag);
    BindText(insert_hashtag_, 1, p.id);
    BindText(insert_hashtag_, 2, h.tag);
    BindText(insert_hashtag_, 3, tag_lower_);
    BindPos(insert_hashtag_, 4, h.range.start);
    BindPos(insert_hashtag_, 5, h.range.end);
    STARLING_RETURN_IF_ERROR(Run(db_, insert_hashtag_));
  }
  for (const auto& m : p.mentions) {
    BindText(insert_mention_, 1, p.id);
    BindText(insert_mention_, 2, m.handle);
    BindText(insert_mention_, 3, m.user_id, true);
    BindPos(insert_mention_, 4, m.range.start);
    BindPos(insert_mention_, 5, m.range.end);
    STARLING_RETURN_IF_ERROR(Run(db_, insert_mention_));
  }
  for (const auto& u : p.urls) {
    BindText(insert_url_, 1, p.id);
    BindText(insert_url_, 2, u.url);
    BindText(insert_url_, 3, u.expanded_url, true);
    BindText(insert_url_, 4, u.display_url, true);
    BindText(insert_url_, 5, u.unwound_url, true);
    BindPos(insert_url_, 6, u.range.start);
    BindPos(insert_url_, 7, u.range.end);
    STARLING_RETURN_IF_ERROR(Run(db_, insert_url_));
  }
  for (const auto& c : p.cashtags) {
    BindText(insert_cashtag_, 1, p.id);
    BindText(insert_cashtag_, 2, c.tag);
    BindPos(insert_cashtag_, 3, c.range.start);
    BindPos(insert_cashtag_, 4, c.range.end);
    STARLING_RETURN_IF_ERROR(Run(db_, insert_cashtag_));
  }
  for (const auto& r : p.references) {
    BindText(insert_reference_, 1, p.id);
    BindText(insert_reference_, 2, model::ReferenceTypeName(r.type));
    BindText(insert_reference_, 3, r.id);
    STARLING_RETURN_IF_ERROR(Run(db_, insert_reference_));
  }
  for (const auto& r : p.matching_rules) {
    BindText(insert_rule_, 1, p.id);
    BindText(insert_rule_, 2, r.id);
    BindText(insert_rule_, 3, r.tag);
    STARLING_RETURN_IF_ERROR(Run(db_, insert_rule_));
  }
  return Status::Ok();
}

Status SqliteSink::Write(const model::Post& post) {
  if (closed_) return Internal("sqlite sink: Write after Close");
  if (!in_transaction_) {
    STARLING_RETURN_IF_ERROR(Exec(db_, "BEGIN"));
    in_transaction_ = true;
  }
  Status st = WriteInTransaction(post);
  if (!st.ok()) {
    (void)Exec(db_, "ROLLBACK");
    in_transaction_ = false;
    pending_ = 0;
    return st;
  }
  if (++pending_ >= options_.batch) return Commit();
  return Status::Ok();
}

Status SqliteSink::Commit() {
  if (!in_transaction_) return Status::Ok();
  Status st = Exec(db_, "COMMIT");
  if (!st.ok()) (void)Exec(db_, "ROLLBACK");
  in_transaction_ = false;
  pending_ = 0;
  return st;
}

Status SqliteSink::Flush() {
  if (closed_) return Status::Ok();
  return Commit();
}

Status SqliteSink::Close() {
  if (closed_) return Status::Ok();
  closed_ = true;
  Status st = db_ ? Commit() : Status::Ok();
  sqlite3_finalize(upsert_post_);
  for (sqlite3_stmt* d : delete_) sqlite3_finalize(d);
  for (sqlite3_stmt* s : {insert_hashtag_, insert_mention_, insert_url_, insert_cashtag_,
                          insert_reference_, insert_rule_}) {
    sqlite3_finalize(s);
  }
  if (db_ && sqlite3_close(db_) != SQLITE_OK && st.ok()) {
    st = SqliteError(db_, "SQLite close of " + options_.path);
  }
  db_ = nullptr;
  return st;
}

std::string SqliteSink::Describe() const { return options_.path + " (SQLite)"; }

Status ReadSqlitePosts(const std::string& path,
                       const std::function<Status(model::Post&&)>& on_post) {
  struct stat sb;
  if (::stat(path.c_str(), &sb) != 0) return NotFound("no such SQLite database: " + path);

  struct Db {
    sqlite3* db = nullptr;
    std::vector<sqlite3_stmt*> stmts;
    ~Db() {
      for (auto* s : stmts) sqlite3_finalize(s);
      sqlite3_close(db);
    }
    Status Prepare(const char* sql, sqlite3_stmt** s) {
      if (sqlite3_prepare_v2(db, sql, -1, s, nullptr) != SQLITE_OK) {
        return SqliteError(db, "SQLite prepare");
      }
      stmts.push_back(*s);
      return Status::Ok();
    }
  } d;
  if (sqlite3_open_v2(path.c_str(), &d.db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return SqliteError(d.db, "cannot open SQLite database " + path);
  }
  sqlite3_busy_timeout(d.db, 5000);
  bool has_version = false;
  STARLING_RETURN_IF_ERROR(CheckSchemaVersion(d.db, path, &has_version));
  if (!has_version) return MalformedInput(path + " is not a Starling SQLite store (no meta table)");

  sqlite3_stmt *posts, *hashtags, *mentions, *urls, *cashtags, *refs, *rules;
  STARLING_RETURN_IF_ERROR(d.Prepare(
      "SELECT id, provider, created_at, author_id, author_handle, author_name, text, lang, kind, "
      "repost_count, reply_count, like_count, quote_count, impression_count, lon, lat, "
      "place_id, place_name, country_code, entities_extracted, source_format, raw "
      "FROM posts ORDER BY created_at, id",
      &posts));
  STARLING_RETURN_IF_ERROR(d.Prepare(
      "SELECT tag, start, \"end\" FROM hashtags WHERE post_id = ?1 ORDER BY rowid", &hashtags));
  STARLING_RETURN_IF_ERROR(d.Prepare(
      "SELECT handle, user_id, start, \"end\" FROM mentions WHERE post_id = ?1 ORDER BY rowid",
      &mentions));
  STARLING_RETURN_IF_ERROR(
      d.Prepare("SELECT url, expanded_url, display_url, unwound_url, start, \"end\" FROM urls "
                "WHERE post_id = ?1 ORDER BY rowid",
                &urls));
  STARLING_RETURN_IF_ERROR(d.Prepare(
      "SELECT tag, start, \"end\" FROM cashtags WHERE post_id = ?1 ORDER BY rowid", &cashtags));
  STARLING_RETURN_IF_ERROR(d.Prepare(
      "SELECT type, ref_id FROM post_references WHERE post_id = ?1 ORDER BY rowid", &refs));
  STARLING_RETURN_IF_ERROR(d.Prepare(
      "SELECT rule_id, tag FROM matching_rules WHERE post_id = ?1 ORDER BY rowid", &rules));

  // Runs `stmt` for one post id, calling row(stmt) per row.
  auto for_rows = [&](sqlite3_stmt* stmt, const std::string& id, auto row) -> Status {
    BindText(stmt, 1, id);
    Status st;
    int rc;
    while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
      st = row(stmt);
      if (!st.ok()) break;
    }
    if (st.ok() && rc != SQLITE_DONE) st = SqliteError(d.db, "SQLite read of " + path);
    sqlite3_reset(stmt);
    return st;
  };

  int rc;
  while ((rc = sqlite3_step(posts)) == SQLITE_ROW) {
    model::Post p;
    sqlite3_stmt* s = posts;
    p.id = ColumnText(s, 0);
    const std::string provider = ColumnText(s, 1);
    p.provider = model::ProviderFromName(provider).value_or(model::Provider::kUnknown);
    p.created_at = sqlite3_column_int64(s, 2);
    p.author.id = ColumnText(s, 3);
    p.author.handle = ColumnText(s, 4);
    p.author.name = ColumnText(s, 5);
    p.text = ColumnText(s, 6);
    p.lang = ColumnText(s, 7);
    const std::string kind = ColumnText(s, 8);
    auto k = model::PostKindFromName(kind);
    if (!k) return MalformedInput(path + ": post " + p.id + " has unknown kind '" + kind + "'");
    p.kind = *k;
    p.metrics.reposts = ColumnOptInt(s, 9);
    p.metrics.replies = ColumnOptInt(s, 10);
    p.metrics.likes = ColumnOptInt(s, 11);
    p.metrics.quotes = ColumnOptInt(s, 12);
    p.metrics.impressions = ColumnOptInt(s, 13);
    p.geo.lon = ColumnOptDouble(s, 14);
    p.geo.lat = ColumnOptDouble(s, 15);
    p.geo.place_id = ColumnText(s, 16);
    p.geo.place_name = ColumnText(s, 17);
    p.geo.country_code = ColumnText(s, 18);
    p.entities_extracted = sqlite3_column_int(s, 19) != 0;
    p.source_format = ColumnText(s, 20);
    p.raw = ColumnText(s, 21);

    STARLING_RETURN_IF_ERROR(for_rows(hashtags, p.id, [&](sqlite3_stmt* r) {
      p.hashtags.push_back({ColumnText(r, 0), {ColumnPos(r, 1), ColumnPos(r, 2)}});
      return Status::Ok();
    }));
    STARLING_RETURN_IF_ERROR(for_rows(mentions, p.id, [&](sqlite3_stmt* r) {
      p.mentions.push_back(
          {ColumnText(r, 0), ColumnText(r, 1), {ColumnPos(r, 2), ColumnPos(r, 3)}});
      return Status::Ok();
    }));
    STARLING_RETURN_IF_ERROR(for_rows(urls, p.id, [&](sqlite3_stmt* r) {
      p.urls.push_back({ColumnText(r, 0),
                        ColumnText(r, 1),
                        ColumnText(r, 2),
                        ColumnText(r, 3),
                        {ColumnPos(r, 4), ColumnPos(r, 5)}});
      return Status::Ok();
    }));
    STARLING_RETURN_IF_ERROR(for_rows(cashtags, p.id, [&](sqlite3_stmt* r) {
      p.cashtags.push_back({ColumnText(r, 0), {ColumnPos(r, 1), ColumnPos(r, 2)}});
      return Status::Ok();
    }));
    STARLING_RETURN_IF_ERROR(for_rows(refs, p.id, [&](sqlite3_stmt* r) -> Status {
      const std::string type = ColumnText(r, 0);
      auto t = model::ReferenceTypeFromName(type);
      if (!t) return MalformedInput(path + ": post " + p.id + " has reference type '" + type + "'");
      p.references.push_back({*t, ColumnText(r, 1)});
      return Status::Ok();
    }));
    STARLING_RETURN_IF_ERROR(for_rows(rules, p.id, [&](sqlite3_stmt* r) {
      p.matching_rules.push_back({ColumnText(r, 0), ColumnText(r, 1)});
      return Status::Ok();
    }));
    STARLING_RETURN_IF_ERROR(on_post(std::move(p)));
  }
  if (rc != SQLITE_DONE) return SqliteError(d.db, "SQLite read of " + path);
  return Status::Ok();
}

}  // namespace starling::sink
