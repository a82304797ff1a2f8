// File: app/top_command.cc
// `starling top`: the quick answer, the top keys of one dimension.

#include <algorithm>
#include <cinttypes>
#include <cstdio>

#include "app/cli_util.h"
#include "app/command_support.h"
#include "app/commands.h"
#include "common/log.h"
#include "dataflow/builder.h"
#include "dataflow/projection.h"
#include "dataflow/runtime.h"
#include "model/post_json.h"
#include "sink/registry.h"

namespace starling::app {

namespace {

std::string WindowLabel(const model::WindowResult& r) {
  if (r.window_start == INT64_MIN) return "all";
  return model::FormatTimestamp(r.window_start) + " .. " + model::FormatTimestamp(r.window_end);
}

// Terminal columns of UTF-8 text: East Asian wide characters and emoji
// take two (enough for aligned tables; not a full wcwidth).
std::size_t DisplayWidth(std::string_view s) {
  std::size_t width = 0;
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::uint32_t cp = c;
    std::size_t len = 1;
    if (c >= 0xF0 && i + 3 < s.size()) {
      len = 4;
      cp = ((c & 0x07u) << 18) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 12) |
           ((static_cast<unsigned char>(s[i + 2]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 3]) & 0x3Fu);
    } else if (c >= 0xE0 && i + 2 < s.size()) {
      len = 3;
      cp = ((c & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
           (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
    } else if (c >= 0xC0 && i + 1 < s.size()) {
      len = 2;
      cp = ((c & 0x1Fu) << 6) | (static_cast<unsigned char>(s[i + 1]) & 0x3Fu);
    }
    const bool wide = (cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
                      (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
                      (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
                      (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1FAFF) ||
                      (cp >= 0x20000 && cp <= 0x3FFFD);
    width += wide ? 2 : 1;
    i += len;
  }
  return width;
}

std::string PadRight(const std::string& s, std::size_t width) {
  const std::size_t w = DisplayWidth(s);
  return w >= width ? s : s + std::string(width - w, ' ');
}

void PrintTable(const model::WindowResult& r, const std::string& dim, bool windowed) {
  if (windowed) std::printf("%s\n", WindowLabel(r).c_str());
  std::size_t width = dim.size();
  for (const auto& row : r.rows) width = std::max(width, DisplayWidth(row.key));
  width = std::min<std::size_t>(width, 60);
  std::printf("%4s  %s  %12s\n", "rank", PadRight(dim, width).c_str(), "count");
  for (const auto& row : r.rows) {
    std::string count = Grouped(static_cast<std::uint64_t>(row.count));
    if (row.error > 0) count += " (±" + Grouped(row.error) + ")";
    std::printf("%4d  %s  %12s\n", row.rank, PadRight(row.key, width).c_str(), count.c_str());
  }
  std::printf(
      "(%s %ss counted%s)\n", Grouped(r.total).c_str(), dim.c_str(),
      r.error_bound > 0 ? (", Space-Saving error bound " + Grouped(r.error_bound)).c_str() : "");
}

}  // namespace

int RunTop(const TopArgs& args) {
  auto dim = dataflow::ParseDimension(args.by);
  if (!dim.ok()) return Fail(dim.status());
  if (args.k == 0) return Fail(InvalidArgument("-k must be at least 1"));
  dataflow::AnalysisSpec a;
  a.name = "top";
  a.kind = model::ResultKind::kTopK;
  a.by = *dim;
  a.k = args.k;
  a.space_saving = args.approximate;
  a.capacity = std::max<std::size_t>(10000, args.k * 10);
  if (!args.window.empty()) {
    auto w = dataflow::ParseWindowSpec(args.window);
    if (!w.ok()) return Fail(w.status());
    a.window = *w;
  }
  dataflow::PipelineSpec spec;
  spec.name = "top";
  spec.analyses.push_back(a);
  // Windowed answers wait for stragglers a little; the whole-input answer never needs to.
  spec.watermark_bound = std::chrono::seconds(args.window.empty() ? 0 : 5);
  Status st = spec.Validate();
  if (!st.ok()) return Fail(st);

  CommonInput in = args.in;
  in.keep_raw = false;
  auto po = MakeParseOptions(in);
  if (!po.ok()) return Fail(po.status());
  // Only what the analysis reads is decoded (for --by hashtag: the hashtags).
  po->fields = dataflow::FieldsNeeded(spec);
  // Every record is validated whole (a bad one goes to dead letters) unless
  // the user vouches for the input.
  po->read_whole_record = !args.trust_input;
  auto src = OpenInputs(args.inputs, MakeSourceOptions(args.in));
  if (!src.ok()) return Fail(src.status());
  auto blocks = OpenInputBlocks(args.inputs, MakeSourceOptions(args.in));
  if (!blocks.ok()) return Fail(blocks.status());
  auto duration = args.duration.empty()
                      ? Result<std::chrono::microseconds>(std::chrono::microseconds(0))
                      : ParseDuration(args.duration);
  if (!duration.ok()) return Fail(duration.status());
  const std::string dl_path = args.in.dead_letter;  // empty: counted, not kept
  dataflow::DeadLetterWriter dead_letters(dl_path);

  const bool windowed = !args.window.empty();
  const std::string dim_name = dataflow::DimensionName(*dim);
  std::vector<model::WindowResult> finals;
  dataflow::RunOptions o;
  // The reader looks at the clock several times per record (~6% of a
  // whole-file top with the precise clock); top needs time only for
  // --duration and the progress line.
  o.clock = &CoarseClock::Instance();
  o.workers = args.workers > 0 ? args.workers : DefaultWorkers();
  o.parse = *po;
  o.blocks = blocks->get();
  o.stop = InstallStopHandler();
  o.limit = args.limit;
  o.duration = *duration;
  o.dead_letters = &dead_letters;
  o.on_progress = EngineProgress("top");
  o.on_result = [&](const model::WindowResult& r) {
    if (!r.final) return;
    if (!windowed) {
      finals.push_back(r);
      return;
    }
    // Live: print each window as it closes.
    EndProgressLine();
    if (args.format == "tsv") {
      for (const auto& row : r.rows) {
        std::printf("%s\t%s\t%" PRId64 "\n", model::FormatTimestamp(r.window_start).c_str(),
                    row.key.c_str(), row.count);
      }
    } else if (args.format == "json") {
      std::string line;
      model::AppendResultJson(r, &line);
      std::printf("%s\n", line.c_str());
    } else {
      PrintTable(r, dim_name, true);
      std::printf("\n");
    }
    std::fflush(stdout);
  };
  auto stats = dataflow::RunPipeline(spec, **src, o);
  EndProgressLine();
  if (!stats.ok()) return Fail(stats.status());
  for (const model::WindowResult& r : finals) {
    if (args.format == "tsv") {
      for (const auto& row : r.rows) std::printf("%s\t%" PRId64 "\n", row.key.c_str(), row.count);
    } else if (args.format == "json") {
      std::string line;
      model::AppendResultJson(r, &line);
      std::printf("%s\n", line.c_str());
    } else {
      PrintTable(r, dim_name, false);
    }
  }
  if (!windowed && finals.empty() && args.format == "table") {
    std::printf("(no %ss in %s posts)\n", dim_name.c_str(), Grouped(stats->posts).c_str());
  }
  if (Status w = FlushStdout(); !w.ok()) return Fail(w);
  if (stats->dead_letters > 0 && !GlobalUi().quiet) {
    std::fprintf(
        stderr, "%s records could not be parsed%s%s\n", Grouped(stats->dead_letters).c_str(),
        dl_path.empty() ? " (use --dead-letter FILE to keep them)" : "; kept in ", dl_path.c_str());
  }
  return 0;
}

}  // namespace starling::app
