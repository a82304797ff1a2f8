// File: sink/mongodb/post_sink.cc
// Posts into MongoDB. Each post becomes its document as it is written
// (documents.h); documents are kept until a batch is full or the run
// flushes, then written in one unordered bulk of replace-by-_id upserts (a
// post stored already is replaced whole, entities included). A batch the
// server did not take is written again whole on a new client: a replace by
// _id is idempotent, so nothing doubles and nothing is lost even though
// MongoDB has no transaction around the batch; after the retries the run
// stops with the error.
#include <unordered_map>

#include "sink/mongodb/client.h"
#include "sink/mongodb/documents.h"
#include "sink/mongodb/schema.h"
#include "sink/mongodb/store.h"

namespace starling::sink::mongodb {
namespace {

class MongoPostSink final : public PostSink {
 public:
  explicit MongoPostSink(Options o) : o_(std::move(o)) {}
  ~MongoPostSink() override { (void)Close(); }

  Status Open() {
    STARLING_ASSIGN_OR_RETURN(client_, ConnectRetrying(o_.address, o_.retry));
    return EnsurePostsSchema(client_, o_.replace);
  }

  Status Write(const model::Post& post) override {
    if (closed_) return Internal("MongoDB sink: Write after Close");
    pending_.emplace_back(post.id, encoder_.Encode(post));
    if (pending_.size() >= o_.batch) return Flush();
    return Status::Ok();
  }

  Status Flush() override {
    if (closed_ || pending_.empty()) return Status::Ok();
    // The last rendering of a post given twice wins (an unordered bulk
    // would apply two replaces of one _id in any order).
    std::unordered_map<std::string_view, std::size_t> last;
    for (std::size_t i = 0; i < pending_.size(); ++i) last[pending_[i].first] = i;
    std::size_t n = 0;
    for (std::size_t i = 0; i < pending_.size(); ++i) n += last[pending_[i].first] == i ? 1 : 0;
    const std::string what =
        "writing " + std::to_string(n) + " posts to MongoDB " + o_.address.display;
    STARLING_RETURN_IF_ERROR(server::WithRetries(o_.retry, what, [&]() -> Status {
      if (!client_.is_open()) {
        STARLING_ASSIGN_OR_RETURN(client_, Client::Open(o_.address, o_.retry.connect_timeout));
      }
      Status st = WriteBatch(last);
      if (server::Retryable(st)) client_ = Client();
      return st;
    }));
    pending_.clear();
    return Status::Ok();
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    Status st = Flush();
    closed_ = true;
    client_ = Client();
    return st;
  }

  std::string Describe() const override { return o_.address.display + " (MongoDB)"; }

 private:
  Status WriteBatch(const std::unordered_map<std::string_view, std::size_t>& last) {
    Collection posts = client_.Get("posts");
    Bson opts = NewBson();
    BSON_APPEND_BOOL(opts.get(), "ordered", false);
    Bulk bulk(mongoc_collection_create_bulk_operation_with_opts(posts.get(), opts.get()));
    Bson upsert = NewBson();
    BSON_APPEND_BOOL(upsert.get(), "upsert", true);
    bson_error_t error;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const auto& [id, doc] = pending_[i];
      if (last.at(id) != i) continue;
      Bson selector = NewBson();
      AppendText(selector.get(), "_id", id);
      if (!mongoc_bulk_operation_replace_one_with_opts(bulk.get(), selector.get(), doc.get(),
                                                       upsert.get(), &error)) {
        return client_.Failure("post " + id, error);
      }
    }
    bson_t reply;
    const bool ok = mongoc_bulk_operation_execute(bulk.get(), &reply, &error) != 0;
    bson_destroy(&reply);
    return ok ? Status::Ok() : client_.Failure("bulk upsert of posts", error);
  }

  Options o_;
  Client client_;
  PostEncoder encoder_;
  std::vector<std::pair<std::string, Bson>> pending_;  // (id, document)
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<PostSink>> OpenPostSink(const Options& options) {
  auto sink = std::make_unique<MongoPostSink>(options);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<PostSink>(std::move(sink));
}

}  // namespace starling::sink::mongodb
