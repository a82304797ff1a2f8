// File: query/input.cc
#include "query/input.h"

#include <limits>
#include <optional>

#include "common/spec.h"
#include "model/result_columns.h"
#include "sink/registry.h"
#include "source/registry.h"

namespace starling::query {
namespace {

// How a scan that has read enough leaves a reader that only stops on an error.
Status StopScan() { return {StatusCode::kTryAgain, "query: scan stopped"}; }
bool IsStopScan(const Status& st) {
  return st.code() == StatusCode::kTryAgain && st.message() == "query: scan stopped";
}

// A file a store kind reads its posts back from (CSV, HDF5): every post,
// whole; and its window results where a result store kind reads the same
// file (HDF5).
class StorePostInput : public PostInput {
 public:
  StorePostInput(std::string name, sink::Resolved<sink::PostSinkKind> resolved,
                 std::optional<sink::Resolved<sink::ResultSinkKind>> results)
      : name_(std::move(name)), resolved_(std::move(resolved)), results_(std::move(results)) {}
  std::string Describe() const override { return name_; }

  Status ForEachWindow(model::ResultKind kind, const WindowVisitor& on_window,
                       const std::function<bool()>& stop) override {
    if (!results_) return PostInput::ForEachWindow(kind, on_window, stop);
    STARLING_ASSIGN_OR_RETURN(
        auto store,
        results_->kind->open_result_store(results_->spec, results_->params, {.finished = true}));
    auto pipelines = store->Pipelines();
    if (!pipelines.ok() && pipelines.status().code() == StatusCode::kNotFound) {
      // As a database without the table: the query asks for what is not there.
      return InvalidArgument(name_ + " holds no window results (write them with `starling run -o " +
                             name_ + "`)");
    }
    STARLING_RETURN_IF_ERROR(pipelines.status());
    for (const sink::StoredPipeline& p : *pipelines) {
      STARLING_ASSIGN_OR_RETURN(const auto analyses, store->Analyses(p.name));
      for (const model::AnalysisMeta& a : analyses) {
        if (a.kind != kind) continue;
        STARLING_ASSIGN_OR_RETURN(const auto windows,
                                  store->RecentWindows(a, std::numeric_limits<std::size_t>::max()));
        for (const model::WindowResult& w : windows) {
          if (stop()) return Status::Ok();
          STARLING_RETURN_IF_ERROR(on_window(w));
        }
      }
    }
    return Status::Ok();
  }

  Status ForEachPost(const parse::Fields&, bool, const PostVisitor& on_post,
                     const std::function<bool()>& stop) override {
    STARLING_ASSIGN_OR_RETURN(
        auto store,
        resolved_.kind->open_post_store(resolved_.spec, resolved_.params, {.finished = true}));
    Status st = store->ReadAll([&](model::Post&& p) -> Status {
      if (stop()) return StopScan();
      return on_post(p);
    });
    return IsStopScan(st) ? Status::Ok() : st;
  }

 private:
  std::string name_;
  sink::Resolved<sink::PostSinkKind> resolved_;
  std::optional<sink::Resolved<sink::ResultSinkKind>> results_;
};

// Records of a source (JSONL of any provider, normalized JSON, .gz/.zst),
// parsed with only the fields the query reads.
class SourcePostInput : public PostInput {
 public:
  explicit SourcePostInput(std::string spec) : spec_(std::move(spec)) {}
  std::string Describe() const override { return spec_; }
  std::uint64_t skipped() const override { return skipped_; }

  Status ForEachPost(const parse::Fields& fields, bool keep_raw, const PostVisitor& on_post,
                     const std::function<bool()>& stop) override {
    STARLING_ASSIGN_OR_RETURN(auto src, source::OpenSource(spec_));
    parse::ParseOptions po;
    po.fields = fields;
    po.keep_raw = keep_raw;
    parse::PostParser parser(po);
    std::vector<const model::Post*> posts;
    std::vector<parse::ControlMessage> controls;
    source::Record rec;
    while (!stop()) {
      STARLING_ASSIGN_OR_RETURN(const bool more, src->Next(&rec));
      if (!more) break;
      if (rec.truncated) {
        ++skipped_;
        continue;
      }
      controls.clear();
      if (!parser.ParseView(rec.bytes, &posts, &controls, rec.padding).ok()) {
        ++skipped_;  // a record that does not parse is passed over, as convert does
        continue;
      }
      for (const model::Post* p : posts) {
        if (stop()) break;
        STARLING_RETURN_IF_ERROR(on_post(*p));
      }
    }
    return Status::Ok();
  }

 private:
  std::string spec_;
  std::uint64_t skipped_ = 0;
};

}  // namespace

Status PostInput::ForEachWindow(model::ResultKind kind, const WindowVisitor&,
                                const std::function<bool()>&) {
  return InvalidArgument("table '" + std::string(model::ResultKindInfoOf(kind).table) +
                         "' holds window results, which a results store keeps (--on "
                         "sqlite:results.db, --on results.h5); " +
                         Describe() + " holds posts only");
}

Status MemoryPostInput::ForEachPost(const parse::Fields&, bool, const PostVisitor& on_post,
                                    const std::function<bool()>& stop) {
  for (const model::Post& p : posts_) {
    if (stop()) break;
    STARLING_RETURN_IF_ERROR(on_post(p));
  }
  return Status::Ok();
}

Result<Target> OpenTarget(std::string_view spec) {
  Target t;
  auto store = sink::ResolvePostSink(spec);
  if (store.ok() && store->kind->open_queryable) {
    STARLING_ASSIGN_OR_RETURN(t.store, sink::OpenQueryableStore(spec));
    return t;
  }
  if (store.ok() && store->kind->open_post_store) {
    std::optional<sink::Resolved<sink::ResultSinkKind>> results;
    if (auto r = sink::ResolveResultSink(spec); r.ok() && r->kind->open_result_store) {
      results = std::move(*r);
    }
    t.posts =
        std::make_unique<StorePostInput>(spec::Redact(spec), std::move(*store), std::move(results));
    return t;
  }
  STARLING_ASSIGN_OR_RETURN(auto source, source::ResolveSource(spec));
  if (source.kind->caps.live || !source.kind->caps.reads_file) {
    return InvalidArgument("--on " + source.spec.redacted +
                           ": a query reads a store or a file of posts, not a stream");
  }
  t.posts = std::make_unique<SourcePostInput>(std::string(spec));
  return t;
}

}  // namespace starling::query
