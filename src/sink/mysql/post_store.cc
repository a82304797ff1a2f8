// File: sink/mysql/post_store.cc
// Posts read back from MariaDB: pages of posts in order (by created_at and
// id, each page starting after the last), each page's entity rows fetched by
// post id, inside one consistent snapshot; any store size streams in
// bounded memory.
#include <algorithm>
#include <unordered_map>

#include "sink/mysql/connection.h"
#include "sink/mysql/schema.h"
#include "sink/mysql/store.h"

namespace starling::sink::mysql {
namespace {

constexpr std::size_t kPage = 2000;

class MyPostStore final : public PostStore {
 public:
  MyPostStore(Options o, Connection conn) : o_(std::move(o)), conn_(std::move(conn)) {}

  const std::string& Name() const override { return o_.address.display; }

  Result<std::vector<model::Post>> RecentPosts(std::size_t limit) override {
    STARLING_RETURN_IF_ERROR(Present());
    std::vector<model::Post> posts;
    STARLING_RETURN_IF_ERROR(Page(" ORDER BY created_at DESC, id DESC LIMIT " +
                                      std::to_string(std::min<std::size_t>(limit, INT64_MAX)),
                                  &posts));
    std::reverse(posts.begin(), posts.end());
    return posts;
  }

  Status ReadAll(const PostCallback& on_post) override {
    STARLING_RETURN_IF_ERROR(Present());
    STARLING_RETURN_IF_ERROR(conn_.Exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"));
    Status st = ReadPages(on_post);
    (void)conn_.Exec("COMMIT");
    return st;
  }

 private:
  Status ReadPages(const PostCallback& on_post) {
    std::string after;  // the WHERE of the next page
    std::vector<model::Post> posts;
    for (;;) {
      posts.clear();
      STARLING_RETURN_IF_ERROR(
          Page(after + " ORDER BY created_at, id LIMIT " + std::to_string(kPage), &posts));
      if (posts.empty()) return Status::Ok();
      after = " WHERE created_at > " + last_created_ + " OR (created_at = " + last_created_ +
              " AND id > ";
      conn_.AppendLiteral(&after, posts.back().id);
      after += ")";
      const bool more = posts.size() == kPage;
      for (model::Post& p : posts) STARLING_RETURN_IF_ERROR(on_post(std::move(p)));
      if (!more) return Status::Ok();
    }
  }

  // Reads the posts `tail` selects (WHERE/ORDER/LIMIT), with their entities.
  Status Page(const std::string& tail, std::vector<model::Post>* out) {
    const TableInfo& posts_info = TableInfoOf(LogicalTable::kPosts);
    STARLING_ASSIGN_OR_RETURN(Rows rows,
                              conn_.Query("SELECT " + SelectList(posts_info, "") +
                                          ", CAST(created_at AS CHAR) FROM posts" + tail));
    if (rows.rows.empty()) return Status::Ok();
    std::unordered_map<std::string, std::size_t> index;
    std::string ids;
    const std::size_t n = posts_info.columns.size();
    for (std::vector<Value>& row : rows.rows) {
      STARLING_ASSIGN_OR_RETURN(model::Post p, PostFromRow(std::span<const Value>(row).first(n)));
      ids += ids.empty() ? "" : ",";
      conn_.AppendLiteral(&ids, p.id);
      index[p.id] = out->size();
      out->push_back(std::move(p));
    }
    last_created_ = "'" + std::get<std::string>(rows.rows.back()[n]) + "'";
    for (const TableInfo& t : Tables()) {
      if (t.table == LogicalTable::kPosts) continue;
      STARLING_ASSIGN_OR_RETURN(
          Rows entities,
          conn_.Query("SELECT " + SelectList(t, "") + " FROM " + std::string(t.name) +
                      " WHERE post_id IN (" + ids + ") ORDER BY post_id, ordinal"));
      for (const std::vector<Value>& row : entities.rows) {
        const auto it = index.find(std::get<std::string>(row[0]));
        if (it == index.end()) continue;
        STARLING_RETURN_IF_ERROR(AddEntityRow(t.table, row, &(*out)[it->second]));
      }
    }
    return Status::Ok();
  }

  Status Present() {
    STARLING_ASSIGN_OR_RETURN(
        Rows r, conn_.Query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                            "DATABASE() AND table_name = 'posts'"));
    if (r.rows.empty() || r.rows[0][0] == Value{std::int64_t{0}}) {
      return NotFound("MariaDB " + o_.address.display + " holds no posts table");
    }
    return Status::Ok();
  }

  Options o_;
  Connection conn_;
  std::string last_created_;  // the last page's last created_at, quoted
};

}  // namespace

Result<std::unique_ptr<PostStore>> OpenPostStore(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Connection conn, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<PostStore>(new MyPostStore(options, std::move(conn)));
}

}  // namespace starling::sink::mysql
