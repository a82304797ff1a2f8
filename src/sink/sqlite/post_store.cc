// File: sink/sqlite/post_store.cc
#include "sink/sqlite/post_store.h"

#include <algorithm>
#include <filesystem>

#include "sink/sqlite/database.h"
#include "sink/sqlite/schema.h"

namespace starling::sink {
namespace {

// An entity offset, -1 when NULL (unknown).
std::int32_t Pos(const sqlite::Statement& s, int col) {
  return s.IsNull(col) ? -1 : static_cast<std::int32_t>(s.Int(col));
}

class SqlitePostStore final : public PostStore {
 public:
  explicit SqlitePostStore(sqlite::Database db) : db_(std::move(db)) {}

  const std::string& Name() const override { return db_.path(); }

  Result<std::vector<model::Post>> RecentPosts(std::size_t limit) override {
    db_.SetBusyTimeout(std::chrono::milliseconds(2000));
    // (A database written before the channel column: '' in its place.)
    const std::string channel = sqlite::HasChannelColumn(db_) ? "channel" : "''";
    STARLING_ASSIGN_OR_RETURN(sqlite::Statement st,
                              Prepare("SELECT id, provider, created_at, author_id, author_handle, "
                                      "author_name, text, lang, kind, " +
                                      channel +
                                      " FROM posts ORDER BY "
                                      "created_at DESC LIMIT ?1"));
    st.BindInt(1, Limit(limit));
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement tags,
        Prepare("SELECT tag, start, \"end\" FROM hashtags WHERE post_id = ?1"));
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement mentions,
        Prepare("SELECT handle, user_id, start, \"end\" FROM mentions WHERE post_id = ?1"));
    const std::string what = Name();
    std::vector<model::Post> posts;
    for (;;) {
      STARLING_ASSIGN_OR_RETURN(const bool row, st.Step(what));
      if (!row) break;
      model::Post p;
      p.id = st.Text(0);
      p.provider = model::ProviderFromName(st.Text(1)).value_or(model::Provider::kUnknown);
      p.created_at = st.Int(2);
      p.author.id = st.Text(3);
      p.author.handle = st.Text(4);
      p.author.name = st.Text(5);
      p.text = st.Text(6);
      p.lang = st.Text(7);
      p.kind = model::PostKindFromName(st.Text(8)).value_or(model::PostKind::kPost);
      p.channel = st.Text(9);
      tags.Reset();
      tags.BindText(1, p.id);
      for (;;) {
        STARLING_ASSIGN_OR_RETURN(const bool tag, tags.Step(what));
        if (!tag) break;
        p.hashtags.push_back({tags.Text(0), {Pos(tags, 1), Pos(tags, 2)}});
      }
      tags.Reset();
      mentions.Reset();
      mentions.BindText(1, p.id);
      for (;;) {
        STARLING_ASSIGN_OR_RETURN(const bool mention, mentions.Step(what));
        if (!mention) break;
        p.mentions.push_back(
            {mentions.Text(0), mentions.Text(1), {Pos(mentions, 2), Pos(mentions, 3)}});
      }
      mentions.Reset();
      posts.push_back(std::move(p));
    }
    std::reverse(posts.begin(), posts.end());  // oldest first
    return posts;
  }

  Status ReadAll(const PostCallback& on_post) override {
    db_.SetBusyTimeout(std::chrono::milliseconds(5000));
    const std::string& path = Name();
    bool has_version = false;
    STARLING_RETURN_IF_ERROR(sqlite::CheckSchemaVersion(db_, path, &has_version));
    if (!has_version) {
      return MalformedInput(path + " is not a Starling SQLite store (no meta table)");
    }
    constexpr std::string_view kPrepare = "SQLite prepare";
    const std::string what = "SQLite read of " + path;
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement posts,
        db_.Prepare("SELECT id, provider, created_at, author_id, author_handle, author_name, text, "
                    "lang, kind, repost_count, reply_count, like_count, quote_count, "
                    "impression_count, lon, lat, place_id, place_name, country_code, "
                    "entities_extracted, source_format, raw, " +
                        std::string(sqlite::HasChannelColumn(db_) ? "channel" : "''") +
                        " FROM posts ORDER BY created_at, id",
                    kPrepare));
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement hashtags,
        db_.Prepare("SELECT tag, start, \"end\" FROM hashtags WHERE post_id = ?1 ORDER BY rowid",
                    kPrepare));
    STARLING_ASSIGN_OR_RETURN(sqlite::Statement mentions,
                              db_.Prepare("SELECT handle, user_id, start, \"end\" FROM mentions "
                                          "WHERE post_id = ?1 ORDER BY rowid",
                                          kPrepare));
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement urls,
        db_.Prepare("SELECT url, expanded_url, display_url, unwound_url, start, \"end\" FROM urls "
                    "WHERE post_id = ?1 ORDER BY rowid",
                    kPrepare));
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement cashtags,
        db_.Prepare("SELECT tag, start, \"end\" FROM cashtags WHERE post_id = ?1 ORDER BY rowid",
                    kPrepare));
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement refs,
        db_.Prepare("SELECT type, ref_id FROM post_references WHERE post_id = ?1 ORDER BY rowid",
                    kPrepare));
    STARLING_ASSIGN_OR_RETURN(
        sqlite::Statement rules,
        db_.Prepare("SELECT rule_id, tag FROM matching_rules WHERE post_id = ?1 ORDER BY rowid",
                    kPrepare));

    // Runs `stmt` for one post id, calling row(stmt) per row.
    auto for_rows = [&](sqlite::Statement& stmt, const std::string& id, auto row) -> Status {
      stmt.BindText(1, id);
      Status st;
      for (;;) {
        auto more = stmt.Step(what);
        if (!more.ok()) {
          st = more.status();
          break;
        }
        if (!*more) break;
        st = row(stmt);
        if (!st.ok()) break;
      }
      stmt.Reset();
      return st;
    };

    for (;;) {
      STARLING_ASSIGN_OR_RETURN(const bool more, posts.Step(what));
      if (!more) break;
      model::Post p;
      const sqlite::Statement& s = posts;
      p.id = s.Text(0);
      p.provider = model::ProviderFromName(s.Text(1)).value_or(model::Provider::kUnknown);
      p.created_at = s.Int(2);
      p.author.id = s.Text(3);
      p.author.handle = s.Text(4);
      p.author.name = s.Text(5);
      p.text = s.Text(6);
      p.lang = s.Text(7);
      const std::string kind = s.Text(8);
      auto k = model::PostKindFromName(kind);
      if (!k) return MalformedInput(path + ": post " + p.id + " has unknown kind '" + kind + "'");
      p.kind = *k;
      p.metrics.reposts = s.OptInt(9);
      p.metrics.replies = s.OptInt(10);
      p.metrics.likes = s.OptInt(11);
      p.metrics.quotes = s.OptInt(12);
      p.metrics.impressions = s.OptInt(13);
      p.geo.lon = s.OptDouble(14);
      p.geo.lat = s.OptDouble(15);
      p.geo.place_id = s.Text(16);
      p.geo.place_name = s.Text(17);
      p.geo.country_code = s.Text(18);
      p.entities_extracted = s.Int(19) != 0;
      p.source_format = s.Text(20);
      p.raw = s.Text(21);
      p.channel = s.Text(22);

      STARLING_RETURN_IF_ERROR(for_rows(hashtags, p.id, [&](const sqlite::Statement& r) {
        p.hashtags.push_back({r.Text(0), {Pos(r, 1), Pos(r, 2)}});
        return Status::Ok();
      }));
      STARLING_RETURN_IF_ERROR(for_rows(mentions, p.id, [&](const sqlite::Statement& r) {
        p.mentions.push_back({r.Text(0), r.Text(1), {Pos(r, 2), Pos(r, 3)}});
        return Status::Ok();
      }));
      STARLING_RETURN_IF_ERROR(for_rows(urls, p.id, [&](const sqlite::Statement& r) {
        p.urls.push_back({r.Text(0), r.Text(1), r.Text(2), r.Text(3), {Pos(r, 4), Pos(r, 5)}});
        return Status::Ok();
      }));
      STARLING_RETURN_IF_ERROR(for_rows(cashtags, p.id, [&](const sqlite::Statement& r) {
        p.cashtags.push_back({r.Text(0), {Pos(r, 1), Pos(r, 2)}});
        return Status::Ok();
      }));
      STARLING_RETURN_IF_ERROR(for_rows(refs, p.id, [&](const sqlite::Statement& r) -> Status {
        const std::string type = r.Text(0);
        auto t = model::ReferenceTypeFromName(type);
        if (!t) {
          return MalformedInput(path + ": post " + p.id + " has reference type '" + type + "'");
        }
        p.references.push_back({*t, r.Text(1)});
        return Status::Ok();
      }));
      STARLING_RETURN_IF_ERROR(for_rows(rules, p.id, [&](const sqlite::Statement& r) {
        p.matching_rules.push_back({r.Text(0), r.Text(1)});
        return Status::Ok();
      }));
      STARLING_RETURN_IF_ERROR(on_post(std::move(p)));
    }
    return Status::Ok();
  }

 private:
  // SQLite's LIMIT: a negative one is none.
  static std::int64_t Limit(std::size_t limit) {
    return limit > static_cast<std::size_t>(INT64_MAX) ? -1 : static_cast<std::int64_t>(limit);
  }

  // A statement of RecentPosts: a missing table means this is not a posts
  // database.
  Result<sqlite::Statement> Prepare(std::string_view sql) {
    return sqlite::PrepareReader(db_, sql, "posts");
  }

  sqlite::Database db_;
};

}  // namespace

Result<std::unique_ptr<PostStore>> OpenSqlitePostStore(const std::string& path,
                                                       const StoreOptions& options) {
  STARLING_ASSIGN_OR_RETURN(sqlite::Database db, sqlite::OpenForReading(path, options.finished));
  return std::unique_ptr<PostStore>(new SqlitePostStore(std::move(db)));
}

}  // namespace starling::sink
