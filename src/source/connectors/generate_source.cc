// File: source/connectors/generate_source.cc
// The built-in firehose (source/generator.h) as a source: generate:?rate=N&...
#include <algorithm>
#include <charconv>
#include <limits>
#include <type_traits>
#include <utility>

#include "common/codec.h"
#include "model/time.h"
#include "source/registry.h"

namespace starling::source {
namespace {

// The built-in firehose, paced in real time by its event clock unless pace=0.
// Pacing sleeps in short slices and says TryAgain in between, so that the
// consumer's stop and duration checks run even at a low rate.
class GeneratorSource final : public RecordSource {
 public:
  GeneratorSource(const GeneratorOptions& o, std::uint64_t count, bool pace, Clock* clock)
      : gen_(std::make_unique<PostGenerator>(o)),
        count_(count),
        pace_(pace),
        clock_(clock),
        first_event_(o.start) {}
  Result<bool> Next(Record* out) override {
    if (!Prepare()) return false;
    if (pace_) {
      if (!started_) {
        started_ = true;
        wall_start_ = clock_->Steady();
      }
      const auto due = wall_start_ + std::chrono::microseconds(arrival_ - first_event_);
      const auto now = clock_->Steady();
      if (now < due) {
        clock_->SleepUntil(std::min(due, now + kIdleWait));
        if (clock_->Steady() < due) return TryAgain("pacing");
      }
    }
    pending_ = false;
    *out = Record{};
    out->bytes = std::string_view(line_.data(), size_);
    out->origin = "generate";
    out->line = gen_->sequence();
    out->padding = kRecordPadding;
    return true;
  }
  std::string Describe() const override { return "generator"; }
  // The effective start (it defaults to now) and how many posts were handed
  // out: a resumed run generates the same posts again and goes on after them.
  std::string Position() const override {
    std::string token;
    ByteWriter w(&token);
    w.PutVarint(static_cast<std::uint64_t>(gen_->options().start));
    w.PutVarint(gen_->sequence() - (pending_ ? 1 : 0));
    return token;
  }
  Result<bool> Seek(std::string_view position) override {
    ByteReader r(position);
    std::uint64_t start = 0, delivered = 0;
    if (!r.GetVarint(&start) || !r.GetVarint(&delivered) || r.remaining() != 0) {
      return MalformedInput("generate: not a position of this source");
    }
    GeneratorOptions o = gen_->options();
    o.start = static_cast<model::TimestampUs>(start);
    STARLING_ASSIGN_OR_RETURN(gen_, PostGenerator::Create(o));
    first_event_ = o.start;
    started_ = pending_ = false;
    while (gen_->sequence() < delivered) {
      if (count_ != 0 && gen_->sequence() >= count_) break;
      line_.clear();
      gen_->Next(&line_);
    }
    // Paced, the next post is due after the last one handed out, not after
    // the first post of the first run.
    if (gen_->sequence() > 0) first_event_ = gen_->arrival();
    return true;
  }
  bool WouldWait() override {
    if (!pace_ || !started_ || !Prepare()) return false;
    return clock_->Steady() < wall_start_ + std::chrono::microseconds(arrival_ - first_event_);
  }

 private:
  // Generates the next line unless one is pending; false past `count`.
  bool Prepare() {
    if (pending_) return true;
    if (count_ != 0 && gen_->sequence() >= count_) return false;
    line_.clear();
    gen_->Next(&line_);
    arrival_ = gen_->arrival();
    size_ = line_.size();
    line_.resize(size_ + kRecordPadding, ' ');  // lets the parser work in place
    pending_ = true;
    return true;
  }

  std::unique_ptr<PostGenerator> gen_;
  std::uint64_t count_;
  bool pace_;
  Clock* clock_;
  model::TimestampUs first_event_;
  model::TimestampUs arrival_ = 0;  // of the pending post (us; paces it)
  bool started_ = false;
  bool pending_ = false;  // a generated line waits for its time
  std::size_t size_ = 0;
  std::chrono::steady_clock::time_point wall_start_;
  std::string line_;
};

std::vector<spec::ParamDecl> GeneratorParams() {
  using T = spec::ParamType;
  return {
      {"rate", T::kNumber, "mean posts per second of event time (default 1000)"},
      {"seed", T::kUint, "random seed: the same seed gives the same posts (default 7)"},
      {"count", T::kUint, "stop after N posts (default: no end)"},
      {"pace", T::kBool, "deliver posts at their event time (default 1; 0: as fast as asked)"},
      {"start", T::kString,
       "event time of the first post, ISO-8601 or epoch seconds (default now)"},
      {"users", T::kUint, "accounts posting"},
      {"hashtags", T::kUint, "hashtag vocabulary"},
      {"diurnal", T::kBool, "a daily rate cycle"},
      {"burst_every", T::kNumber, "seconds between injected hashtag bursts (0: none)"},
      {"burst_duration", T::kNumber, "seconds a burst lasts"},
      {"burst_share", T::kNumber, "share of posts in a burst that carry its tag"},
  };
}

// The generator's options from checked parameters; start 0 (now) when absent.
Result<GeneratorOptions> OptionsFrom(const spec::Spec& s, const spec::Params& p) {
  GeneratorOptions o;
  o.seed = p.Uint("seed", o.seed);
  o.rate = p.Number("rate", o.rate);
  for (auto [name, field] : {std::pair{"users", &o.users}, std::pair{"hashtags", &o.hashtags}}) {
    const std::uint64_t v = p.Uint(name, *field);
    if (v > std::numeric_limits<std::remove_reference_t<decltype(*field)>>::max()) {
      return InvalidArgument("generate: " + std::string(name) +
                             " is too large: " + std::to_string(v));
    }
    *field = static_cast<std::remove_reference_t<decltype(*field)>>(v);
  }
  o.burst_every_s = p.Number("burst_every", o.burst_every_s);
  o.burst_duration_s = p.Number("burst_duration", o.burst_duration_s);
  o.burst_share = p.Number("burst_share", o.burst_share);
  o.diurnal = p.Bool("diurnal", o.diurnal);
  if (const std::string* start = s.Find("start")) {
    std::int64_t seconds = 0;
    const auto r = std::from_chars(start->data(), start->data() + start->size(), seconds);
    if (!start->empty() && r.ec == std::errc() && r.ptr == start->data() + start->size()) {
      if (!(seconds > -4102444800 && seconds < 4102444800)) {
        return InvalidArgument("generate: bad value for start: '" + *start + "'");
      }
      o.start = seconds * 1000000;
    } else {
      Result<model::TimestampUs> ts = model::ParseTimestamp(*start);
      if (!ts.ok()) return InvalidArgument("generate: bad value for start: '" + *start + "'");
      o.start = *ts;
    }
  } else {
    o.start = 0;  // now, by the source's clock
  }
  return o;
}

}  // namespace

Result<std::unique_ptr<RecordSource>> OpenGenerator(GeneratorOptions generator, std::uint64_t count,
                                                    bool pace, const SourceOptions& options) {
  if (generator.start == 0) generator.start = options.clock->Now().time_since_epoch().count();
  Status valid = PostGenerator::Validate(generator);
  if (!valid.ok()) return Status(valid.code(), "generate: " + valid.message());
  return std::unique_ptr<RecordSource>(
      std::make_unique<GeneratorSource>(generator, count, pace, options.clock));
}

Result<GeneratorOptions> PostGenerator::ParseQuery(std::string_view query) {
  if (query.starts_with('?')) query.remove_prefix(1);
  STARLING_ASSIGN_OR_RETURN(spec::Spec s, spec::Parse("generate:?" + std::string(query)));
  const std::vector<spec::ParamDecl> decls = GeneratorParams();
  STARLING_ASSIGN_OR_RETURN(spec::Params p, spec::Params::Check(s, decls, "source generate"));
  STARLING_ASSIGN_OR_RETURN(GeneratorOptions o, OptionsFrom(s, p));
  if (!s.Find("start")) o.start = GeneratorOptions().start;
  STARLING_RETURN_IF_ERROR(Validate(o));
  return o;
}

SourceKind GenerateSourceKind() {
  SourceKind k;
  k.info = {.scheme = "generate",
            .usage = "generate:?rate=N&seed=S&count=N&pace=0&start=ISO",
            .help =
                "the built-in firehose: X v2 stream lines in several languages and scripts, "
                "Zipf-distributed hashtags and users, replies, retweets and quotes, a daily "
                "rate curve and injected hashtag bursts",
            .params = GeneratorParams()};
  k.bare_names = {"generate"};
  k.caps = {.live = true, .seekable = true, .replayable = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const SourceOptions& options) -> Result<std::unique_ptr<RecordSource>> {
    STARLING_ASSIGN_OR_RETURN(GeneratorOptions o, OptionsFrom(s, p));
    return OpenGenerator(o, p.Uint("count", 0), p.Bool("pace", true), options);
  };
  return k;
}

}  // namespace starling::source
