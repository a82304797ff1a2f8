// File: sink/postgres/post_store.cc
// Posts read back from PostgreSQL: the posts in order and each entity
// table in the same order (by the post's created_at and id, then the
// entity's ordinal), read side by side through cursors in one read-only
// transaction, so a store of any size streams in constant memory.
#include <algorithm>
#include <array>

#include "sink/postgres/connection.h"
#include "sink/postgres/schema.h"
#include "sink/postgres/store.h"

namespace starling::sink::postgres {
namespace {

class PgPostStore final : public PostStore {
 public:
  PgPostStore(Options o, Connection conn) : o_(std::move(o)), conn_(std::move(conn)) {}

  const std::string& Name() const override { return o_.address.display; }

  Result<std::vector<model::Post>> RecentPosts(std::size_t limit) override {
    const std::string n = std::to_string(std::min<std::size_t>(limit, INT64_MAX));
    std::vector<model::Post> posts;
    STARLING_RETURN_IF_ERROR(
        Read("(SELECT * FROM posts ORDER BY created_at DESC, id DESC LIMIT " + n + ")",
             [&](model::Post&& p) {
               posts.push_back(std::move(p));
               return Status::Ok();
             }));
    return posts;
  }

  Status ReadAll(const PostCallback& on_post) override { return Read("posts", on_post); }

 private:
  // Reads the posts of `from` (a table or a parenthesised SELECT of posts)
  // oldest first, each with its entities.
  Status Read(const std::string& from, const PostCallback& on_post) {
    STARLING_RETURN_IF_ERROR(MissingTables());
    STARLING_RETURN_IF_ERROR(conn_.Exec("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"));
    Status st = ReadInTransaction(from, on_post);
    (void)conn_.Exec("COMMIT");
    return st;
  }

  Status ReadInTransaction(const std::string& from, const PostCallback& on_post) {
    const TableInfo& posts_info = TableInfoOf(LogicalTable::kPosts);
    STARLING_ASSIGN_OR_RETURN(
        Cursor posts, Cursor::Declare(conn_, "starling_posts",
                                      "SELECT " + SelectList(posts_info, "p") + " FROM " + from +
                                          " p ORDER BY p.created_at, p.id"));
    std::array<Cursor, 6> entities;
    std::array<bool, 6> has{};
    for (std::size_t i = 0; i < entities.size(); ++i) {
      const TableInfo& t = Tables()[i + 1];
      STARLING_ASSIGN_OR_RETURN(
          entities[i],
          Cursor::Declare(conn_, "starling_" + std::string(t.name),
                          "SELECT " + SelectList(t, "e") + " FROM " + std::string(t.name) +
                              " e JOIN " + from +
                              " p ON p.id = e.post_id ORDER BY p.created_at, p.id, e.ordinal"));
      STARLING_ASSIGN_OR_RETURN(has[i], entities[i].Next());
    }
    std::vector<Value> row;
    for (;;) {
      STARLING_ASSIGN_OR_RETURN(const bool more, posts.Next());
      if (!more) break;
      row.clear();
      for (int c = 0; c < posts.columns(); ++c) row.push_back(posts.Cell(c));
      STARLING_ASSIGN_OR_RETURN(model::Post p, PostFromRow(row));
      for (std::size_t i = 0; i < entities.size(); ++i) {
        while (has[i]) {
          const Value id = entities[i].Cell(0);
          if (const auto* s = std::get_if<std::string>(&id); s == nullptr || *s != p.id) break;
          row.clear();
          for (int c = 0; c < entities[i].columns(); ++c) row.push_back(entities[i].Cell(c));
          STARLING_RETURN_IF_ERROR(AddEntityRow(Tables()[i + 1].table, row, &p));
          STARLING_ASSIGN_OR_RETURN(has[i], entities[i].Next());
        }
      }
      STARLING_RETURN_IF_ERROR(on_post(std::move(p)));
    }
    return Status::Ok();
  }

  Status MissingTables() {
    STARLING_ASSIGN_OR_RETURN(PgResult r, conn_.Query("SELECT to_regclass('posts') IS NOT NULL"));
    if (std::string_view(PQgetvalue(r.get(), 0, 0)) != "t") {
      return NotFound("PostgreSQL " + o_.address.display + " holds no posts table");
    }
    return Status::Ok();
  }

  Options o_;
  Connection conn_;
};

}  // namespace

Result<std::unique_ptr<PostStore>> OpenPostStore(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Connection conn, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<PostStore>(new PgPostStore(options, std::move(conn)));
}

}  // namespace starling::sink::postgres
