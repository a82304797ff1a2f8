// File: sink/connectors/csv.cc
// CSV in twarc-csv style: one row per post; read back by `convert` (and
// `serve --posts`) through a PostStore over ReadCsvPosts.
#include <algorithm>
#include <tuple>

#include "sink/csv_format.h"
#include "sink/csv_sink.h"
#include "sink/registry.h"

namespace starling::sink {
namespace {

class CsvPostStore final : public PostStore {
 public:
  explicit CsvPostStore(std::string path) : path_(std::move(path)) {}

  const std::string& Name() const override { return path_; }

  // The whole file is read; the newest `limit` posts are kept as it goes.
  Result<std::vector<model::Post>> RecentPosts(std::size_t limit) override {
    struct Kept {
      model::Post post;
      std::size_t seq;  // file order, for ties
    };
    auto newer = [](const Kept& a, const Kept& b) {
      return std::tie(a.post.created_at, a.seq) > std::tie(b.post.created_at, b.seq);
    };
    std::vector<Kept> kept;
    std::size_t seq = 0;
    auto trim = [&] {
      if (kept.size() <= limit) return;
      std::nth_element(kept.begin(), kept.begin() + static_cast<std::ptrdiff_t>(limit), kept.end(),
                       newer);
      kept.resize(limit);
    };
    STARLING_RETURN_IF_ERROR(ReadCsvPosts(path_, [&](model::Post&& p) {
      kept.push_back({std::move(p), seq++});
      if (kept.size() >= 2 * limit + 1024) trim();
      return Status::Ok();
    }));
    trim();
    std::sort(kept.begin(), kept.end(), [&](const Kept& a, const Kept& b) { return newer(b, a); });
    std::vector<model::Post> out;
    out.reserve(kept.size());
    for (Kept& k : kept) out.push_back(std::move(k.post));
    return out;
  }

  Status ReadAll(const PostCallback& on_post) override { return ReadCsvPosts(path_, on_post); }

 private:
  std::string path_;
};

}  // namespace

PostSinkKind CsvPostSinkKind() {
  PostSinkKind k;
  k.info = {.scheme = "csv",
            .extensions = {".csv"},
            .usage = "csv:PATH",
            .help = "one row per post in twarc-csv style (docs/formats/csv.md)"};
  k.caps = {.readable_back = true, .resumable = true};
  k.open = [](const spec::Spec& s, const spec::Params&,
              const OpenOptions& open) -> Result<std::unique_ptr<PostSink>> {
    STARLING_ASSIGN_OR_RETURN(auto sink, CsvSink::Open({s.path, open.resume}));
    return std::unique_ptr<PostSink>(std::move(sink));
  };
  k.open_post_store = [](const spec::Spec& s, const spec::Params&,
                         const StoreOptions&) -> Result<std::unique_ptr<PostStore>> {
    return std::unique_ptr<PostStore>(new CsvPostStore(s.path));
  };
  return k;
}

}  // namespace starling::sink
