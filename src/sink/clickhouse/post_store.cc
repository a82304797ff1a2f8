// File: sink/clickhouse/post_store.cc
// Posts read back from ClickHouse: one SELECT ... FINAL ORDER BY created_at,
// id over posts_data, streamed as JSONEachRow and turned into posts line by
// line as it arrives, each row holding the post's entities. The reader
// keeps one line at a time; the server sorts (spilling to disk past
// kSortMemory), and reads the parts that existed when the query began, so
// the answer is one consistent snapshot.
#include <algorithm>

#include "sink/clickhouse/answer.h"
#include "sink/clickhouse/client.h"
#include "sink/clickhouse/schema.h"
#include "sink/clickhouse/store.h"

namespace starling::sink::clickhouse {
namespace {

constexpr std::string_view kSortMemory = "268435456";  // bytes, then the sort spills

class ChPostStore final : public PostStore {
 public:
  ChPostStore(Options o, Client client) : o_(std::move(o)), client_(std::move(client)) {}

  const std::string& Name() const override { return o_.address.display; }

  Result<std::vector<model::Post>> RecentPosts(std::size_t limit) override {
    STARLING_RETURN_IF_ERROR(Present());
    std::vector<model::Post> posts;
    STARLING_RETURN_IF_ERROR(Read(" ORDER BY created_at DESC, id DESC LIMIT " +
                                      std::to_string(std::min<std::size_t>(limit, INT64_MAX)),
                                  [&](model::Post&& p) {
                                    posts.push_back(std::move(p));
                                    return Status::Ok();
                                  }));
    std::reverse(posts.begin(), posts.end());
    return posts;
  }

  Status ReadAll(const PostCallback& on_post) override {
    STARLING_RETURN_IF_ERROR(Present());
    return Read(" ORDER BY created_at, id", on_post);
  }

 private:
  Status Read(const std::string& tail, const PostCallback& on_post) {
    Settings settings = JsonReadSettings();
    settings.emplace_back("max_bytes_before_external_sort", kSortMemory);
    const std::string sql = "SELECT " + PostsDataColumns() + " FROM " + std::string(kPostsData) +
                            " FINAL" + tail + " FORMAT JSONEachRow";
    const TableInfo& posts = TableInfoOf(LogicalTable::kPosts);
    const std::size_t width = posts.columns.size();
    std::vector<JsonField> fields;
    std::vector<Value> row;
    return client_.Lines(sql, settings, [&](std::string_view line) -> Status {
      if (line.empty()) return Status::Ok();
      STARLING_RETURN_IF_ERROR(reader_.Read(line, &fields));
      row.clear();
      for (std::size_t c = 0; c < width && c < fields.size(); ++c) {
        row.push_back(std::move(fields[c].value));
      }
      STARLING_ASSIGN_OR_RETURN(model::Post p, PostFromRow(row));
      std::size_t at = width;  // the entity tables' arrays follow, in Tables() order
      for (const TableInfo& t : Tables()) {
        if (t.table == LogicalTable::kPosts) continue;
        const std::size_t cols = t.columns.size() - 1;
        if (at + cols > fields.size()) {
          return MalformedInput(Name() + ": a posts_data row lacks the columns of " +
                                std::string(t.name));
        }
        const std::size_t n = fields[at].items.size();
        for (std::size_t i = 0; i < n; ++i) {
          row.clear();
          row.emplace_back(p.id);
          for (std::size_t c = 0; c < cols; ++c) {
            const std::vector<Value>& items = fields[at + c].items;
            if (i >= items.size()) {
              return MalformedInput(Name() + ": post " + p.id + " has arrays of " +
                                    std::string(t.name) + " of different lengths");
            }
            row.push_back(items[i]);
          }
          STARLING_RETURN_IF_ERROR(AddEntityRow(t.table, row, &p));
        }
        at += cols;
      }
      return on_post(std::move(p));
    });
  }

  Status Present() {
    STARLING_ASSIGN_OR_RETURN(const std::string exists,
                              client_.Fetch("EXISTS TABLE " + std::string(kPostsData)));
    if (exists.rfind('1', 0) != 0) {
      return NotFound("ClickHouse " + o_.address.display + " holds no posts table");
    }
    return Status::Ok();
  }

  Options o_;
  Client client_;
  JsonRowReader reader_;
};

}  // namespace

Result<std::unique_ptr<PostStore>> OpenPostStore(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Client client, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<PostStore>(new ChPostStore(options, std::move(client)));
}

}  // namespace starling::sink::clickhouse
