// File: sink/mongodb/post_store.cc
// Posts read back from MongoDB: one find sorted by (created_at_us, _id) (an
// index has that order), walked through its cursor batch by batch, so any
// store size streams in bounded memory here. There is no snapshot: posts
// written while it reads may or may not be seen.
#include <algorithm>

#include "sink/mongodb/client.h"
#include "sink/mongodb/documents.h"
#include "sink/mongodb/store.h"

namespace starling::sink::mongodb {
namespace {

// Documents per cursor batch: posts with their raw JSON run to a few KB.
constexpr std::int32_t kBatch = 1000;

class MongoPostStore final : public PostStore {
 public:
  MongoPostStore(Options o, Client client) : o_(std::move(o)), client_(std::move(client)) {}

  const std::string& Name() const override { return o_.address.display; }

  Result<std::vector<model::Post>> RecentPosts(std::size_t limit) override {
    STARLING_RETURN_IF_ERROR(Present());
    std::vector<model::Post> posts;
    if (limit == 0) return posts;
    STARLING_RETURN_IF_ERROR(Find(-1,
                                  static_cast<std::int64_t>(std::min<std::size_t>(
                                      limit, static_cast<std::size_t>(INT64_MAX))),
                                  [&](model::Post&& p) -> Status {
                                    posts.push_back(std::move(p));
                                    return Status::Ok();
                                  }));
    std::reverse(posts.begin(), posts.end());
    return posts;
  }

  Status ReadAll(const PostCallback& on_post) override {
    STARLING_RETURN_IF_ERROR(Present());
    return Find(1, 0, on_post);
  }

 private:
  // The posts in (created_at, id) order (direction 1) or its reverse (-1),
  // at most `limit` (0: all).
  Status Find(int direction, std::int64_t limit, const PostCallback& on_post) {
    Collection posts = client_.Get("posts");
    Bson opts = NewBson();
    bson_t sort;
    BSON_APPEND_DOCUMENT_BEGIN(opts.get(), "sort", &sort);
    bson_append_int32(&sort, kCreatedAtUs.data(), static_cast<int>(kCreatedAtUs.size()), direction);
    BSON_APPEND_INT32(&sort, "_id", direction);
    bson_append_document_end(opts.get(), &sort);
    BSON_APPEND_INT32(opts.get(), "batchSize", kBatch);
    if (limit > 0) BSON_APPEND_INT64(opts.get(), "limit", limit);
    Bson filter = NewBson();
    Cursor cursor(mongoc_collection_find_with_opts(posts.get(), filter.get(), opts.get(), nullptr));
    return client_.Walk(cursor.get(), "reading posts", [&](const bson_t& doc) -> Status {
      STARLING_ASSIGN_OR_RETURN(model::Post p, DecodePost(doc));
      return on_post(std::move(p));
    });
  }

  Status Present() {
    STARLING_ASSIGN_OR_RETURN(const bool has, client_.Has("posts"));
    if (!has) return NotFound("MongoDB " + o_.address.display + " holds no posts collection");
    return Status::Ok();
  }

  Options o_;
  Client client_;
};

}  // namespace

Result<std::unique_ptr<PostStore>> OpenPostStore(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Client client, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<PostStore>(new MongoPostStore(options, std::move(client)));
}

}  // namespace starling::sink::mongodb
