// File: sink/hdf5/post_store.cc
#include "sink/hdf5/post_store.h"

#include <algorithm>

#include "sink/hdf5/schema.h"

namespace starling::sink {
namespace {

class Hdf5PostStore final : public PostStore {
 public:
  Hdf5PostStore(std::string path, hdf5::Handle file)
      : path_(std::move(path)), file_(std::move(file)) {}

  const std::string& Name() const override { return path_; }

  Result<std::vector<model::Post>> RecentPosts(std::size_t limit) override {
    // Posts are in write order, not time order: keep the newest `limit`
    // in a heap whose top is the oldest kept.
    struct Kept {
      model::Post post;
      std::size_t order;
    };
    auto newer = [](const Kept& a, const Kept& b) {
      return a.post.created_at != b.post.created_at ? a.post.created_at > b.post.created_at
                                                    : a.order > b.order;
    };
    std::vector<Kept> kept;
    std::size_t order = 0;
    if (limit == 0) return std::vector<model::Post>();
    STARLING_RETURN_IF_ERROR(ReadAll([&](model::Post&& p) {
      kept.push_back({std::move(p), order++});
      std::push_heap(kept.begin(), kept.end(), newer);
      if (kept.size() > limit) {
        std::pop_heap(kept.begin(), kept.end(), newer);
        kept.pop_back();
      }
      return Status::Ok();
    }));
    std::sort(kept.begin(), kept.end(), [&](const Kept& a, const Kept& b) { return newer(b, a); });
    std::vector<model::Post> out;
    out.reserve(kept.size());
    for (Kept& k : kept) out.push_back(std::move(k.post));
    return out;
  }

  Status ReadAll(const PostCallback& on_post) override {
    bool stopped = false;  // on_post's own Status is handed back as it is
    Status st = ReadAllPosts(on_post, &stopped);
    if (st.ok() || stopped || st.message().find(path_) != std::string::npos) return st;
    return Status(st.code(), path_ + ": " + st.message());
  }

 private:
  Status ReadAllPosts(const PostCallback& on_post, bool* stopped) {
    hdf5::Silence();
    if (!hdf5::HasObject(file_.get(), "posts")) {
      return NotFound(path_ + " holds no posts (no /posts table)");
    }
    std::vector<hdf5::Handle> tables;
    std::vector<hdf5::RowCursor> cursors;
    for (const TableInfo& t : Tables()) {
      const hdf5::Layout& layout = hdf5::PostLayout(t.table);
      auto ds = hdf5::OpenTable(file_.get(), std::string(t.name), layout);
      if (!ds.ok()) return Status(ds.status().code(), path_ + ": " + ds.status().message());
      STARLING_ASSIGN_OR_RETURN(const hsize_t rows, hdf5::TableRows(ds->get()));
      cursors.emplace_back(ds->get(), &layout, rows);
      tables.push_back(std::move(*ds));
    }
    for (;;) {
      STARLING_ASSIGN_OR_RETURN(const std::vector<Value>* row, cursors[0].Peek());
      if (row == nullptr) break;
      auto post = PostFromRow(*row);
      if (!post.ok()) return Status(post.status().code(), path_ + ": " + post.status().message());
      cursors[0].Advance();
      // The post's rows of each entity table come next in that table.
      for (std::size_t t = 1; t < cursors.size(); ++t) {
        for (;;) {
          STARLING_ASSIGN_OR_RETURN(const std::vector<Value>* e, cursors[t].Peek());
          if (e == nullptr || std::get<std::string>((*e)[0]) != post->id) break;
          Status st = AddEntityRow(Tables()[t].table, *e, &*post);
          if (!st.ok()) return Status(st.code(), path_ + ": " + st.message());
          cursors[t].Advance();
        }
      }
      Status st = on_post(std::move(*post));
      if (!st.ok()) {
        *stopped = true;
        return st;
      }
    }
    for (std::size_t t = 1; t < cursors.size(); ++t) {
      STARLING_ASSIGN_OR_RETURN(const std::vector<Value>* e, cursors[t].Peek());
      if (e != nullptr) {
        return MalformedInput(path_ + ": /" + std::string(Tables()[t].name) + " row " +
                              std::to_string(cursors[t].position()) + " (post_id " +
                              std::get<std::string>((*e)[0]) +
                              ") is not grouped with its post in the order of /posts");
      }
    }
    return Status::Ok();
  }

  std::string path_;
  hdf5::Handle file_;
};

}  // namespace

Result<std::unique_ptr<PostStore>> OpenHdf5PostStore(const std::string& path, const StoreOptions&) {
  STARLING_ASSIGN_OR_RETURN(hdf5::Handle file, hdf5::OpenForReading(path));
  return std::unique_ptr<PostStore>(new Hdf5PostStore(path, std::move(file)));
}

}  // namespace starling::sink
