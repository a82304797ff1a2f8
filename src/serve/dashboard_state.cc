// File: serve/dashboard_state.cc
#include "serve/dashboard_state.h"

#include <algorithm>

#include "model/post_json.h"

namespace starling::serve {
namespace {

std::string LowerAscii(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

}  // namespace

class DashboardState::FeedSink final : public sink::PostSink {
 public:
  explicit FeedSink(DashboardState* state) : state_(state) {}
  Status Write(const model::Post& post) override {
    state_->AddPost(post);
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  std::string Describe() const override { return "dashboard feed"; }

 private:
  DashboardState* state_;
};

DashboardState::DashboardState(std::size_t keep_posts, std::size_t keep_windows)
    : bus_(keep_windows), keep_posts_(keep_posts) {}

DashboardState::~DashboardState() = default;

void DashboardState::SetPipeline(const dataflow::PipelineSpec& spec, std::string source) {
  std::vector<AnalysisInfo> infos;
  for (model::AnalysisMeta& m : dataflow::DescribeAnalyses(spec)) {
    infos.push_back({std::move(m.analysis), m.kind, std::move(m.by), std::move(m.window), m.k,
                     std::move(m.of)});
  }
  SetPipeline(spec.name, std::move(infos), std::move(source));
}

void DashboardState::SetPipeline(std::string name, std::vector<AnalysisInfo> analyses,
                                 std::string source) {
  std::lock_guard lock(mu_);
  pipeline_ = std::move(name);
  analyses_ = std::move(analyses);
  source_ = std::move(source);
  stats_.source = source_;
}

std::string DashboardState::pipeline() const {
  std::lock_guard lock(mu_);
  return pipeline_;
}

std::vector<AnalysisInfo> DashboardState::analyses() const {
  std::lock_guard lock(mu_);
  return analyses_;
}

std::optional<AnalysisInfo> DashboardState::FindAnalysis(std::string_view name) const {
  std::lock_guard lock(mu_);
  for (const AnalysisInfo& a : analyses_) {
    if (a.name == name) return a;
  }
  return std::nullopt;
}

std::optional<AnalysisInfo> DashboardState::FirstOf(model::ResultKind kind,
                                                    std::string_view by) const {
  std::lock_guard lock(mu_);
  for (const AnalysisInfo& a : analyses_) {
    if (a.kind == kind && (by.empty() || a.by == by)) return a;
  }
  return std::nullopt;
}

void DashboardState::UpdateStats(const dataflow::RunStats& stats) {
  const auto now = std::chrono::steady_clock::now();
  std::lock_guard lock(mu_);
  if (stats_.has_stats && now > last_update_) {
    const double secs = std::chrono::duration<double>(now - last_update_).count();
    const std::uint64_t before = stats_.stats.posts;
    stats_.posts_per_second =
        stats.posts >= before && secs > 0 ? static_cast<double>(stats.posts - before) / secs : 0;
  } else if (!stats_.has_stats && stats.elapsed.count() > 0) {
    stats_.posts_per_second =
        static_cast<double>(stats.posts) / (static_cast<double>(stats.elapsed.count()) / 1e6);
  }
  last_update_ = now;
  stats_.stats = stats;
  stats_.has_stats = true;
}

void DashboardState::SetRunning(bool running) {
  std::lock_guard lock(mu_);
  stats_.running = running;
  if (!running) stats_.posts_per_second = 0;
}

StatsSnapshot DashboardState::stats() const {
  std::function<std::optional<source::SourceHealth>()> probe;
  StatsSnapshot snap;
  {
    std::lock_guard lock(mu_);
    snap = stats_;
    probe = health_probe_;
  }
  if (probe) snap.stats.source_health = probe();
  return snap;
}

void DashboardState::SetSourceHealth(std::function<std::optional<source::SourceHealth>()> probe) {
  std::lock_guard lock(mu_);
  health_probe_ = std::move(probe);
}

void DashboardState::AddPost(const model::Post& post) {
  FeedPost f;
  model::AppendPostJson(post, &f.json);
  f.text_lower = LowerAscii(post.text);
  for (const auto& h : post.hashtags) f.hashtags.push_back(LowerAscii(h.tag));
  for (const auto& m : post.mentions) f.mentions.push_back(LowerAscii(m.handle));
  f.lang = post.lang;
  std::lock_guard lock(mu_);
  posts_.push_back(std::move(f));
  while (posts_.size() > keep_posts_) posts_.pop_front();
}

std::vector<std::string> DashboardState::FindPosts(const PostQuery& query) const {
  const std::string text = LowerAscii(query.text);
  const std::string tag = LowerAscii(query.hashtag);
  const std::string mention = LowerAscii(query.mention);
  std::vector<std::string> out;
  std::lock_guard lock(mu_);
  for (auto it = posts_.rbegin(); it != posts_.rend() && out.size() < query.limit; ++it) {
    if (!text.empty() && it->text_lower.find(text) == std::string::npos) continue;
    if (!tag.empty() &&
        std::find(it->hashtags.begin(), it->hashtags.end(), tag) == it->hashtags.end()) {
      continue;
    }
    if (!mention.empty() &&
        std::find(it->mentions.begin(), it->mentions.end(), mention) == it->mentions.end()) {
      continue;
    }
    if (!query.lang.empty() && it->lang != query.lang) continue;
    out.push_back(it->json);
  }
  return out;
}

std::size_t DashboardState::post_count() const {
  std::lock_guard lock(mu_);
  return posts_.size();
}

sink::PostSink* DashboardState::post_sink() {
  std::lock_guard lock(mu_);
  if (!feed_sink_) feed_sink_ = std::make_unique<FeedSink>(this);
  return feed_sink_.get();
}

}  // namespace starling::serve
