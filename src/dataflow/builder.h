// File: dataflow/builder.h
// The C++ way to describe a pipeline; it builds the same PipelineSpec as a
// YAML file. Callables are checked by concepts, so a wrong signature is one
// readable error at the call site:
//
//   auto spec = PipelineBuilder("trending")
//                   .Filter([](const model::Post& p) { return p.lang == "en"; })
//                   .Window("1m")
//                   .Top("hashtags", "hashtag", 10)
//                   .KeyBy([](const model::Post& p, KeyEmitter& out) { out.Emit(p.lang); })
//                   .Count("by_lang")
//                   .Build();
//
// Window(), Watermark(), ... apply to the analyses added after them. A bad
// argument (an unknown window or dimension) is kept and reported, with
// validation's errors, by TryBuild(); Build() is for specs written in code,
// where a bad one is a bug, and aborts with the error.
#pragma once

#include <concepts>
#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "dataflow/analysis/kind.h"
#include "dataflow/pipeline.h"

namespace starling::dataflow {

template <typename F>
concept PostPredicate = std::predicate<F&, const model::Post&>;

template <typename F>
concept PostMapper = std::invocable<F&, model::Post&>;

template <typename F>
concept PostFlatMapper = std::invocable < F&,
        const model::Post&, std::vector<model::Post>
& > ;

// A key extractor emits zero or more keys per post (e.g. one per hashtag).
template <typename F>
concept KeyExtractor = std::invocable<F&, const model::Post&, KeyEmitter&>;

class PipelineBuilder {
 public:
  explicit PipelineBuilder(std::string name) { spec_.name = std::move(name); }

  // ----- post-to-post stages, in order -----
  template <PostPredicate F>
  PipelineBuilder& Filter(F f, std::string description = "filter") {
    Transform t;
    t.kind = Transform::Kind::kFilter;
    t.filter = std::move(f);
    t.description = std::move(description);
    spec_.transforms.push_back(std::move(t));
    return *this;
  }
  template <PostMapper F>
  PipelineBuilder& Map(F f, std::string description = "map") {
    Transform t;
    t.kind = Transform::Kind::kMap;
    t.map = std::move(f);
    t.description = std::move(description);
    spec_.transforms.push_back(std::move(t));
    return *this;
  }
  template <PostFlatMapper F>
  PipelineBuilder& FlatMap(F f, std::string description = "flat_map") {
    Transform t;
    t.kind = Transform::Kind::kFlatMap;
    t.flat_map = std::move(f);
    t.description = std::move(description);
    spec_.transforms.push_back(std::move(t));
    return *this;
  }
  // A stream-table join (see CsvJoin in pipeline_yaml.h).
  PipelineBuilder& Join(Transform join) {
    spec_.transforms.push_back(std::move(join));
    return *this;
  }

  // ----- timing -----
  PipelineBuilder& Mode(ProcessingMode m,
                        std::chrono::milliseconds batch = std::chrono::milliseconds(500)) {
    spec_.mode = m;
    spec_.batch_interval = batch;
    return *this;
  }
  PipelineBuilder& EventTime(std::chrono::microseconds watermark_bound) {
    spec_.time = TimeMode::kEvent;
    spec_.watermark_bound = watermark_bound;
    return *this;
  }
  PipelineBuilder& ProcessingTime() {
    spec_.time = TimeMode::kProcessing;
    spec_.watermark_bound = std::chrono::microseconds(0);
    return *this;
  }
  PipelineBuilder& AllowedLateness(std::chrono::microseconds lateness) {
    spec_.allowed_lateness = lateness;
    return *this;
  }
  // The window of the analyses added next ("1m", "sliding 10m 1m", "session 5m").
  PipelineBuilder& Window(const std::string& window) {
    auto w = ParseWindowSpec(window);
    if (w.ok()) {
      window_ = *w;
    } else {
      Fail(w.status());
    }
    return *this;
  }

  // ----- keyed analyses with a custom key -----
  template <KeyExtractor F>
  PipelineBuilder& KeyBy(F f) {
    key_ = std::move(f);
    return *this;
  }

  // ----- analyses (a KeyBy before one of these replaces its `by`) -----
  PipelineBuilder& Count(std::string name, const std::string& by = "all") {
    return Add(std::move(name), ResultKind::kCount, by, 0);
  }
  PipelineBuilder& Top(std::string name, const std::string& by, std::size_t k,
                       std::size_t space_saving_capacity = 0) {
    AnalysisSpec& a = Add(std::move(name), ResultKind::kTopK, by, k).last();
    a.space_saving = space_saving_capacity > 0;
    if (a.space_saving) a.capacity = space_saving_capacity;
    return *this;
  }
  PipelineBuilder& Distinct(std::string name, const std::string& of = "author",
                            const std::string& by = "all") {
    AnalysisSpec& a = Add(std::move(name), ResultKind::kDistinct, by, 0).last();
    a.of = Dim(of);
    return *this;
  }
  PipelineBuilder& Sentiment(std::string name, const std::string& by = "all", std::size_t k = 10) {
    return Add(std::move(name), ResultKind::kSentiment, by, k);
  }
  PipelineBuilder& Bursts(std::string name, const std::string& by = "hashtag",
                          analytics::BurstOptions options = {}) {
    Add(std::move(name), ResultKind::kBurst, by, 10).last().bursts = options;
    return *this;
  }
  PipelineBuilder& Clusters(std::string name, int k = 8, double decay = 0.9) {
    AnalysisSpec& a = Add(std::move(name), ResultKind::kCluster, "all", 10).last();
    a.kmeans.k = k;
    a.kmeans.decay = decay;
    return *this;
  }
  PipelineBuilder& Cooccurrence(std::string name, std::size_t k = 10) {
    return Add(std::move(name), ResultKind::kCooccurrence, "hashtag", k);
  }
  // Any kind by its pipeline-file `type:` ("top", "bursts", ...), with the
  // defaults a pipeline file gives it; `set` adjusts the spec after (its
  // options, `by`): what the methods above do for one kind each.
  PipelineBuilder& Analysis(std::string name, std::string_view type,
                            const std::function<void(AnalysisSpec&)>& set = nullptr) {
    const AnalysisKind* kind = FindAnalysisType(type);
    if (kind == nullptr) {
      Fail(InvalidArgument("analysis '" + name + "': unknown type '" + std::string(type) +
                           "' (known: " + AnalysisTypeList() + ")"));
      return *this;
    }
    AnalysisSpec& a = Add(std::move(name), kind->result, "all", AnalysisSpec{}.k).last();
    kind->defaults(&a);
    if (set) set(a);
    return *this;
  }
  PipelineBuilder& Sessions(std::string name, const std::string& by, const std::string& gap) {
    const WindowSpec saved = window_;
    Window("session " + gap);
    Add(std::move(name), ResultKind::kSession, by, 0);
    window_ = saved;
    return *this;
  }

  // The spec, or the first error: of a call above (an unknown window or
  // dimension) or of validation.
  Result<PipelineSpec> TryBuild() const {
    STARLING_RETURN_IF_ERROR(error_);
    STARLING_RETURN_IF_ERROR(spec_.Validate());
    return spec_;
  }
  // For a spec written in code, where a bad one is a bug: aborts with the
  // error (see DieInvalid).
  PipelineSpec Build() const {
    auto spec = TryBuild();
    if (!spec.ok()) DieInvalid("PipelineBuilder", spec.status());
    return std::move(spec).value();
  }

 private:
  DimensionRef Dim(const std::string& name) {
    auto d = ParseDimension(name);
    if (!d.ok()) {
      Fail(d.status());
      return {};
    }
    return *d;
  }
  void Fail(const Status& st) {
    if (error_.ok()) error_ = st;
  }
  PipelineBuilder& Add(std::string name, ResultKind kind, const std::string& by, std::size_t k) {
    AnalysisSpec a;
    a.name = std::move(name);
    a.kind = kind;
    a.by = Dim(by);
    a.k = k;
    a.window = window_;
    if (key_) {
      a.custom_keys = std::move(key_);
      key_ = nullptr;
    }
    spec_.analyses.push_back(std::move(a));
    return *this;
  }
  AnalysisSpec& last() { return spec_.analyses.back(); }

  PipelineSpec spec_;
  Status error_;  // the first error of a call, reported by TryBuild
  WindowSpec window_ = ParseWindowSpec("1m").value();
  CustomKeyFn key_;
};

}  // namespace starling::dataflow
