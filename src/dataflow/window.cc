#include "dataflow/window.h"

#include <sstream>

#include "common/duration.h"

namespace starling::dataflow {

namespace {

constexpr std::string_view kGrammar =
    "expected 'global', '1m' or 'tumbling 1m', 'sliding 10m 1m' (size, slide), or 'session 5m'";

std::vector<std::string_view> Words(std::string_view text) {
  std::vector<std::string_view> words;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t' || text[i] == ',')) ++i;
    std::size_t j = i;
    while (j < text.size() && text[j] != ' ' && text[j] != '\t' && text[j] != ',') ++j;
    if (j > i) words.push_back(text.substr(i, j - i));
    i = j;
  }
  return words;
}

Result<std::chrono::microseconds> Positive(std::string_view word, std::string_view text) {
  auto d = ParseDuration(word);
  if (!d.ok()) {
    return InvalidArgument("window '" + std::string(text) + "': " + d.status().message());
  }
  if (d->count() <= 0)
    return InvalidArgument("window '" + std::string(text) + "': size must be > 0");
  return *d;
}

// A sliding window's slide divides its size, and a post falls in at most
// kMaxWindowsPerPost of them. Both are > 0.
Status CheckSlide(std::chrono::microseconds size, std::chrono::microseconds slide,
                  std::string_view text) {
  if (size.count() % slide.count() != 0) {
    return InvalidArgument("window '" + std::string(text) +
                           "': the slide must divide the size (e.g. sliding 10m 1m)");
  }
  if (size.count() / slide.count() > kMaxWindowsPerPost) {
    return InvalidArgument("window '" + std::string(text) +
                           "': " + std::to_string(size.count() / slide.count()) +
                           " windows per post (size / slide); at most " +
                           std::to_string(kMaxWindowsPerPost) + " (use a longer slide)");
  }
  return Status::Ok();
}

}  // namespace

Result<WindowSpec> ParseWindowSpec(std::string_view text) {
  std::vector<std::string_view> w = Words(text);
  WindowSpec spec;
  auto bad = [&] {
    return InvalidArgument("window '" + std::string(text) + "': " + std::string(kGrammar));
  };
  if (w.empty()) return bad();
  if (w.size() == 1 && (w[0] == "global" || w[0] == "all")) return spec;
  if (w.size() == 1 || (w.size() == 2 && w[0] == "tumbling")) {
    auto size = Positive(w.back(), text);
    if (!size.ok()) return size.status();
    spec.type = WindowType::kTumbling;
    spec.size = *size;
    return spec;
  }
  if (w[0] == "sliding" && (w.size() == 3 || (w.size() == 4 && w[2] == "every"))) {
    auto size = Positive(w[1], text);
    if (!size.ok()) return size.status();
    auto slide = Positive(w.back(), text);
    if (!slide.ok()) return slide.status();
    STARLING_RETURN_IF_ERROR(CheckSlide(*size, *slide, text));
    spec.type = WindowType::kSliding;
    spec.size = *size;
    spec.slide = *slide;
    if (spec.size == spec.slide) spec.type = WindowType::kTumbling;
    return spec;
  }
  if (w[0] == "session" && w.size() == 2) {
    auto gap = Positive(w[1], text);
    if (!gap.ok()) return gap.status();
    spec.type = WindowType::kSession;
    spec.gap = *gap;
    return spec;
  }
  return bad();
}

Status ValidateWindowSpec(const WindowSpec& spec) {
  const std::string text = "window '" + FormatWindowSpec(spec) + "': ";
  switch (spec.type) {
    case WindowType::kGlobal:
      return Status::Ok();
    case WindowType::kTumbling:
      if (spec.size.count() <= 0) return InvalidArgument(text + "size must be > 0");
      return Status::Ok();
    case WindowType::kSliding:
      if (spec.size.count() <= 0 || spec.slide.count() <= 0) {
        return InvalidArgument(text + "size and slide must be > 0");
      }
      return CheckSlide(spec.size, spec.slide, FormatWindowSpec(spec));
    case WindowType::kSession:
      if (spec.gap.count() <= 0) return InvalidArgument(text + "gap must be > 0");
      return Status::Ok();
  }
  return Status::Ok();
}

std::string FormatWindowSpec(const WindowSpec& spec) {
  switch (spec.type) {
    case WindowType::kGlobal:
      return "global";
    case WindowType::kTumbling:
      return "tumbling " + FormatDuration(spec.size);
    case WindowType::kSliding:
      return "sliding " + FormatDuration(spec.size) + " " + FormatDuration(spec.slide);
    case WindowType::kSession:
      return "session " + FormatDuration(spec.gap);
  }
  return "?";
}

void AssignWindows(const WindowSpec& spec, TimestampUs t, std::vector<Window>* out) {
  switch (spec.type) {
    case WindowType::kGlobal:
      out->push_back({kMinTime, kMaxTime});
      return;
    case WindowType::kTumbling: {
      const TimestampUs start = FloorTo(t, spec.size.count());
      out->push_back({start, SaturatingAdd(start, spec.size.count())});
      return;
    }
    case WindowType::kSliding: {
      const std::int64_t slide = spec.slide.count();
      const TimestampUs last = FloorTo(t, slide);
      const std::int64_t n = spec.size.count() / slide;
      for (std::int64_t i = n - 1; i >= 0; --i) {
        const TimestampUs start = last - i * slide;
        out->push_back({start, SaturatingAdd(start, spec.size.count())});
      }
      return;
    }
    case WindowType::kSession:
      out->push_back({t, SaturatingAdd(t, spec.gap.count())});
      return;
  }
}

TimestampUs LatestWindowEnd(const WindowSpec& spec, TimestampUs t) {
  switch (spec.type) {
    case WindowType::kGlobal:
      return kMaxTime;
    case WindowType::kTumbling:
      return SaturatingAdd(FloorTo(t, spec.size.count()), spec.size.count());
    case WindowType::kSliding:
      return SaturatingAdd(FloorTo(t, spec.slide.count()), spec.size.count());
    case WindowType::kSession:
      return SaturatingAdd(t, spec.gap.count());
  }
  return kMaxTime;
}

}  // namespace starling::dataflow
