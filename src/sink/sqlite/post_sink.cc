// File: sink/sqlite/post_sink.cc
#include "sink/sqlite/post_sink.h"

#include "common/files.h"
#include "model/post_json.h"
#include "sink/sqlite/schema.h"
#include "text/case.h"

namespace starling::sink {
namespace {

constexpr std::string_view kUpsertPost = R"sql(
INSERT INTO posts (id, provider, created_at, created_at_iso, author_id, author_handle,
  author_name, text, lang, kind, ref_id, repost_count, reply_count, like_count, quote_count,
  impression_count, lon, lat, place_id, place_name, country_code, entities_extracted,
  source_format, raw, channel)
VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19,
  ?20, ?21, ?22, ?23, ?24, ?25)
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
  source_format = excluded.source_format, raw = excluded.raw, channel = excluded.channel
)sql";

constexpr const char* kEntityTables[6] = {"hashtags", "mentions",        "urls",
                                          "cashtags", "post_references", "matching_rules"};

// The messages of each kind of failure.
constexpr std::string_view kExec = "SQLite";
constexpr std::string_view kPrepare = "SQLite prepare";
constexpr std::string_view kWrite = "SQLite write";

// An entity offset: NULL when unknown (negative).
void BindPos(sqlite::Statement& s, int i, std::int32_t v) {
  if (v >= 0) {
    s.BindInt(i, v);
  } else {
    s.BindNull(i);
  }
}

}  // namespace

Result<std::unique_ptr<SqliteSink>> SqliteSink::Open(SqliteSinkOptions options) {
  if (options.path.empty()) return InvalidArgument("sqlite sink: empty path");
  if (options.batch < 1) return InvalidArgument("sqlite sink: batch must be >= 1");
  std::unique_ptr<SqliteSink> sink(new SqliteSink(std::move(options)));
  STARLING_RETURN_IF_ERROR(sink->Init());
  return sink;
}

Status SqliteSink::Init() {
  STARLING_RETURN_IF_ERROR(CreateParentDirs(options_.path));
  STARLING_ASSIGN_OR_RETURN(db_,
                            sqlite::Database::Open(options_.path, sqlite::OpenMode::kReadWrite));
  db_.SetBusyTimeout(std::chrono::milliseconds(5000));
  STARLING_RETURN_IF_ERROR(db_.Exec("PRAGMA journal_mode=WAL", kExec));
  STARLING_RETURN_IF_ERROR(db_.Exec("PRAGMA synchronous=NORMAL", kExec));
  bool has_version = false;
  STARLING_RETURN_IF_ERROR(sqlite::CheckSchemaVersion(db_, options_.path, &has_version));
  STARLING_RETURN_IF_ERROR(db_.Exec("BEGIN", kExec));
  Status st = db_.Exec(std::string(SqliteSchemaSql()), kExec);
  if (st.ok()) st = sqlite::AddChannelColumn(db_);
  if (st.ok() && !has_version) {
    st = db_.Exec(std::string("INSERT OR REPLACE INTO meta(key, value) VALUES "
                              "('schema_version', '") +
                      std::string(kSqliteSchemaVersion) + "')",
                  kExec);
  }
  if (!st.ok()) {
    (void)db_.Exec("ROLLBACK", kExec);
    return st;
  }
  STARLING_RETURN_IF_ERROR(db_.Exec("COMMIT", kExec));

  auto prepare = [&](std::string_view sql, sqlite::Statement* out) -> Status {
    STARLING_ASSIGN_OR_RETURN(*out, db_.Prepare(sql, kPrepare, /*persistent=*/true));
    return Status::Ok();
  };
  STARLING_RETURN_IF_ERROR(prepare(kUpsertPost, &upsert_post_));
  for (int i = 0; i < 6; ++i) {
    const std::string sql = std::string("DELETE FROM ") + kEntityTables[i] + " WHERE post_id = ?1";
    STARLING_RETURN_IF_ERROR(prepare(sql, &delete_[i]));
  }
  STARLING_RETURN_IF_ERROR(prepare(
      "INSERT INTO hashtags(post_id, tag, tag_lower, start, \"end\") VALUES (?1,?2,?3,?4,?5)",
      &insert_hashtag_));
  STARLING_RETURN_IF_ERROR(prepare(
      "INSERT INTO mentions(post_id, handle, user_id, start, \"end\") VALUES (?1,?2,?3,?4,?5)",
      &insert_mention_));
  STARLING_RETURN_IF_ERROR(prepare(
      "INSERT INTO urls(post_id, url, expanded_url, display_url, unwound_url, start, \"end\") "
      "VALUES (?1,?2,?3,?4,?5,?6,?7)",
      &insert_url_));
  STARLING_RETURN_IF_ERROR(prepare(
      "INSERT INTO cashtags(post_id, tag, start, \"end\") VALUES (?1,?2,?3,?4)", &insert_cashtag_));
  STARLING_RETURN_IF_ERROR(prepare(
      "INSERT INTO post_references(post_id, type, ref_id) VALUES (?1,?2,?3)", &insert_reference_));
  STARLING_RETURN_IF_ERROR(prepare(
      "INSERT INTO matching_rules(post_id, rule_id, tag) VALUES (?1,?2,?3)", &insert_rule_));
  return Status::Ok();
}

SqliteSink::~SqliteSink() { (void)Close(); }

Status SqliteSink::WriteInTransaction(const model::Post& p) {
  const std::string iso = model::FormatTimestamp(p.created_at);
  sqlite::Statement& s = upsert_post_;
  s.BindText(1, p.id);
  s.BindText(2, model::ProviderName(p.provider));
  s.BindInt(3, p.created_at);
  s.BindText(4, iso);
  s.BindText(5, p.author.id);
  s.BindText(6, p.author.handle);
  s.BindText(7, p.author.name);
  s.BindText(8, p.text);
  s.BindText(9, p.lang);
  s.BindText(10, model::PostKindName(p.kind));
  s.BindTextOrNull(11, p.ReferencedId());
  s.BindIntOrNull(12, p.metrics.reposts);
  s.BindIntOrNull(13, p.metrics.replies);
  s.BindIntOrNull(14, p.metrics.likes);
  s.BindIntOrNull(15, p.metrics.quotes);
  s.BindIntOrNull(16, p.metrics.impressions);
  s.BindDoubleOrNull(17, p.geo.lon);
  s.BindDoubleOrNull(18, p.geo.lat);
  s.BindTextOrNull(19, p.geo.place_id);
  s.BindTextOrNull(20, p.geo.place_name);
  s.BindTextOrNull(21, p.geo.country_code);
  s.BindInt(22, p.entities_extracted ? 1 : 0);
  s.BindText(23, p.source_format);
  s.BindTextOrNull(24, p.raw);
  s.BindTextOrNull(25, p.channel);
  STARLING_RETURN_IF_ERROR(s.Run(kWrite));

  for (sqlite::Statement& d : delete_) {
    d.BindText(1, p.id);
    STARLING_RETURN_IF_ERROR(d.Run(kWrite));
  }
  for (const auto& h : p.hashtags) {
    tag_lower_ = text::LowerTag(h.tag);
    insert_hashtag_.BindText(1, p.id);
    insert_hashtag_.BindText(2, h.tag);
    insert_hashtag_.BindText(3, tag_lower_);
    BindPos(insert_hashtag_, 4, h.range.start);
    BindPos(insert_hashtag_, 5, h.range.end);
    STARLING_RETURN_IF_ERROR(insert_hashtag_.Run(kWrite));
  }
  for (const auto& m : p.mentions) {
    insert_mention_.BindText(1, p.id);
    insert_mention_.BindText(2, m.handle);
    insert_mention_.BindTextOrNull(3, m.user_id);
    BindPos(insert_mention_, 4, m.range.start);
    BindPos(insert_mention_, 5, m.range.end);
    STARLING_RETURN_IF_ERROR(insert_mention_.Run(kWrite));
  }
  for (const auto& u : p.urls) {
    insert_url_.BindText(1, p.id);
    insert_url_.BindText(2, u.url);
    insert_url_.BindTextOrNull(3, u.expanded_url);
    insert_url_.BindTextOrNull(4, u.display_url);
    insert_url_.BindTextOrNull(5, u.unwound_url);
    BindPos(insert_url_, 6, u.range.start);
    BindPos(insert_url_, 7, u.range.end);
    STARLING_RETURN_IF_ERROR(insert_url_.Run(kWrite));
  }
  for (const auto& c : p.cashtags) {
    insert_cashtag_.BindText(1, p.id);
    insert_cashtag_.BindText(2, c.tag);
    BindPos(insert_cashtag_, 3, c.range.start);
    BindPos(insert_cashtag_, 4, c.range.end);
    STARLING_RETURN_IF_ERROR(insert_cashtag_.Run(kWrite));
  }
  for (const auto& r : p.references) {
    insert_reference_.BindText(1, p.id);
    insert_reference_.BindText(2, model::ReferenceTypeName(r.type));
    insert_reference_.BindText(3, r.id);
    STARLING_RETURN_IF_ERROR(insert_reference_.Run(kWrite));
  }
  for (const auto& r : p.matching_rules) {
    insert_rule_.BindText(1, p.id);
    insert_rule_.BindText(2, r.id);
    insert_rule_.BindText(3, r.tag);
    STARLING_RETURN_IF_ERROR(insert_rule_.Run(kWrite));
  }
  return Status::Ok();
}

Status SqliteSink::Write(const model::Post& post) {
  if (closed_) return Internal("sqlite sink: Write after Close");
  if (!in_transaction_) {
    STARLING_RETURN_IF_ERROR(db_.Exec("BEGIN", kExec));
    in_transaction_ = true;
  }
  Status st = WriteInTransaction(post);
  if (!st.ok()) {
    (void)db_.Exec("ROLLBACK", kExec);
    in_transaction_ = false;
    pending_ = 0;
    return st;
  }
  if (++pending_ >= options_.batch) return Commit();
  return Status::Ok();
}

Status SqliteSink::Commit() {
  if (!in_transaction_) return Status::Ok();
  Status st = db_.Exec("COMMIT", kExec);
  if (!st.ok()) (void)db_.Exec("ROLLBACK", kExec);
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
  Status st = db_.is_open() ? Commit() : Status::Ok();
  upsert_post_ = {};
  for (sqlite::Statement& d : delete_) d = {};
  for (sqlite::Statement* s : {&insert_hashtag_, &insert_mention_, &insert_url_, &insert_cashtag_,
                               &insert_reference_, &insert_rule_}) {
    *s = {};
  }
  Status closed = db_.Close("SQLite close of " + options_.path);
  if (st.ok()) st = closed;
  return st;
}

std::string SqliteSink::Describe() const { return options_.path + " (SQLite)"; }

}  // namespace starling::sink
