// File: sink/mongodb/post_sink.cc
// Posts into MongoDB. Each post becomes its document as it is written
// (documents.h); documents are kept until a batch is full or the run
// flushes, then inserted in one unordered bulk, and those stored already
// (a taken _id) replaced by _id in unordered bulks of upserts (a post is
// replaced whole, entities included). A batch the
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
  // Inserts the batch (unordered); the posts whose _id is taken (E11000)
  // are then replaced, upserting: a fresh load runs at the speed of
  // inserts, which FerretDB takes many times faster than replaces.
  Status WriteBatch(const std::unordered_map<std::string_view, std::size_t>& last) {
    std::vector<const bson_t*> docs;
    std::vector<std::size_t> which;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      if (last.at(pending_[i].first) != i) continue;
      docs.push_back(pending_[i].second.get());
      which.push_back(i);
    }
    Collection posts = client_.Get("posts");
    Bson opts = NewBson();
    BSON_APPEND_BOOL(opts.get(), "ordered", false);
    // The documents are ours (documents.h checks raw's keys); libmongoc's
    // checks would refuse raw's empty keys, which MongoDB takes.
    BSON_APPEND_BOOL(opts.get(), "validate", false);
    bson_t reply;
    bson_error_t error;
    const bool ok = mongoc_collection_insert_many(posts.get(), docs.data(), docs.size(), opts.get(),
                                                  &reply, &error);
    std::vector<std::size_t> taken;
    Status refused = Status::Ok();
    bool write_errors = false;
    bson_iter_t it, errors;
    if (!ok && bson_iter_init_find(&it, &reply, "writeErrors") && BSON_ITER_HOLDS_ARRAY(&it) &&
        bson_iter_recurse(&it, &errors)) {
      while (bson_iter_next(&errors)) {
        write_errors = true;
        bson_iter_t f;
        std::int64_t index = -1, code = 0;
        std::string message;
        if (!BSON_ITER_HOLDS_DOCUMENT(&errors) || !bson_iter_recurse(&errors, &f)) continue;
        while (bson_iter_next(&f)) {
          const std::string_view key = bson_iter_key(&f);
          if (key == "index") index = bson_iter_as_int64(&f);
          if (key == "code") code = bson_iter_as_int64(&f);
          if (key == "errmsg" && BSON_ITER_HOLDS_UTF8(&f)) message = bson_iter_utf8(&f, nullptr);
        }
        if (index < 0 || static_cast<std::size_t>(index) >= which.size()) continue;
        if (code == 11000) {
          taken.push_back(which[static_cast<std::size_t>(index)]);
        } else if (refused.ok()) {
          refused = InvalidArgument("MongoDB " + o_.address.display + ": post " +
                                    pending_[which[static_cast<std::size_t>(index)]].first + ": " +
                                    message);
        }
      }
    }
    bson_destroy(&reply);
    if (!ok && !write_errors) return client_.Failure("inserting posts", error);
    STARLING_RETURN_IF_ERROR(refused);
    Writes replace(client_, "posts", false);
    for (const std::size_t i : taken) {
      Bson selector = NewBson();
      AppendText(selector.get(), "_id", pending_[i].first);
      STARLING_RETURN_IF_ERROR(replace.ReplaceUpsert(*selector, *pending_[i].second));
    }
    return replace.Finish();
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
