// Memory of the engine, measured (not asserted):
//   keys:   peak RSS after counting N posts that each carry a new hashtag
//           (N distinct keys), exact counting vs Space-Saving, in one
//           whole-input window: Space-Saving must stay flat.
//   slow:   RSS sampled every 200 ms while the post sink is ~10x slower than
//           the source: bounded queues must keep it flat.
// Usage: engine_memory keys N exact|space-saving [workers]
//        engine_memory slow N [workers]
#include <sys/resource.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <string>
#include <thread>

#include "dataflow/builder.h"
#include "dataflow/runtime.h"

namespace {

using namespace starling;

// Posts in Starling's JSON with one hashtag each: "k<i>" (all distinct) or,
// for the slow-sink run, one of a few tags.
class SyntheticSource final : public source::RecordSource {
 public:
  SyntheticSource(std::uint64_t n, bool distinct) : n_(n), distinct_(distinct) {}
  Result<bool> Next(source::Record* out) override {
    if (i_ >= n_) return false;
    const std::string tag = distinct_ ? "k" + std::to_string(i_) : "t" + std::to_string(i_ % 50);
    line_ = R"({"id":")" + std::to_string(i_) +
            R"(","provider":"x","created_at":"2021-04-01T00:00:00.000Z","text":"post #)" + tag +
            R"(","lang":"en","kind":"post","hashtags":[{"tag":")" + tag + R"(","start":5,"end":)" +
            std::to_string(6 + tag.size()) + "}]}";
    line_.append(source::kRecordPadding, '\0');
    out->bytes = std::string_view(line_.data(), line_.size() - source::kRecordPadding);
    out->origin = "synthetic";
    out->line = ++i_;
    out->padding = source::kRecordPadding;
    return true;
  }
  std::string Describe() const override { return "synthetic"; }

 private:
  std::uint64_t n_;
  bool distinct_;
  std::uint64_t i_ = 0;
  std::string line_;
};

long RssKiB() {
  std::ifstream in("/proc/self/status");
  std::string key;
  while (in >> key) {
    if (key == "VmRSS:") {
      long kb = 0;
      in >> kb;
      return kb;
    }
    in.ignore(1 << 16, '\n');
  }
  return -1;
}

long PeakKiB() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// A post sink that takes `per_post` for every post (a slow database).
class SlowSink final : public sink::PostSink {
 public:
  explicit SlowSink(std::chrono::microseconds per_post) : per_post_(per_post) {}
  Status Write(const model::Post&) override {
    const auto until = std::chrono::steady_clock::now() + per_post_;
    while (std::chrono::steady_clock::now() < until) {
    }
    return Status::Ok();
  }
  Status Flush() override { return Status::Ok(); }
  Status Close() override { return Status::Ok(); }
  std::string Describe() const override { return "slow"; }

 private:
  std::chrono::microseconds per_post_;
};

}  // namespace

int main(int argc, char** argv) {
  if (argc < 3) {
    std::fprintf(stderr,
                 "usage: engine_memory keys N exact|space-saving [workers] | slow N [workers]\n");
    return 2;
  }
  const std::string what = argv[1];
  const std::uint64_t n = std::strtoull(argv[2], nullptr, 10);
  dataflow::RunOptions options;
  if (what == "keys") {
    const bool ss = argc > 3 && std::string(argv[3]) == "space-saving";
    options.workers = argc > 4 ? std::atoi(argv[4]) : 2;
    auto spec = dataflow::PipelineBuilder("memory")
                    .Window("global")
                    .Top("hashtags", "hashtag", 10, ss ? 10000 : 0)
                    .Build();
    SyntheticSource source(n, /*distinct=*/true);
    const long before = RssKiB();
    const auto t0 = std::chrono::steady_clock::now();
    auto stats = dataflow::RunPipeline(spec, source, options);
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!stats.ok()) {
      std::fprintf(stderr, "%s\n", stats.status().ToString().c_str());
      return 1;
    }
    std::printf(
        "keys=%llu mode=%s workers=%d posts=%llu seconds=%.1f rss_before_mib=%.0f "
        "peak_rss_mib=%.0f\n",
        static_cast<unsigned long long>(n), ss ? "space-saving" : "exact", options.workers,
        static_cast<unsigned long long>(stats->posts), secs, before / 1024.0, PeakKiB() / 1024.0);
    return 0;
  }
  if (what == "slow") {
    options.workers = argc > 3 ? std::atoi(argv[3]) : 2;
    auto spec =
        dataflow::PipelineBuilder("slow").Window("1m").Top("hashtags", "hashtag", 10).Build();
    SyntheticSource source(n, /*distinct=*/false);
    SlowSink slow(std::chrono::microseconds(20));
    options.post_sinks = {&slow};
    std::atomic<bool> done{false};
    long lo = 1L << 40, hi = 0;
    int samples = 0;
    std::thread sampler([&] {
      while (!done.load()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
        const long r = RssKiB();
        if (samples++ >= 3) {  // after start-up
          lo = std::min(lo, r);
          hi = std::max(hi, r);
        }
      }
    });
    const auto t0 = std::chrono::steady_clock::now();
    auto stats = dataflow::RunPipeline(spec, source, options);
    done = true;
    sampler.join();
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (!stats.ok()) return 1;
    std::printf(
        "slow sink (20 us/post): posts=%llu seconds=%.1f (%.0f posts/s) workers=%d "
        "rss_min_mib=%.1f rss_max_mib=%.1f samples=%d\n",
        static_cast<unsigned long long>(stats->posts), secs,
        static_cast<double>(stats->posts) / secs, options.workers, lo / 1024.0, hi / 1024.0,
        samples);
    return 0;
  }
  std::fprintf(stderr, "unknown mode %s\n", what.c_str());
  return 2;
}
