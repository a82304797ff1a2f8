// File: dataflow/analysis/builtin_analyses.cc
// The list of analysis kinds. A new kind adds its file beside this one and
// one line to kBuiltins below (then its tests, docs/pipelines.md and, where
// it shows on the dashboard, the page).
#include <array>
#include <cstdio>
#include <cstdlib>

#include "analytics/hash.h"
#include "dataflow/analysis/kind.h"

namespace starling::dataflow {

// Each defined in <name>.cc beside this file.
AnalysisKind CountAnalysisKind();
AnalysisKind TopAnalysisKind();
AnalysisKind DistinctAnalysisKind();
AnalysisKind SentimentAnalysisKind();
AnalysisKind BurstsAnalysisKind();
AnalysisKind ClustersAnalysisKind();
AnalysisKind CooccurrenceAnalysisKind();
AnalysisKind SessionsAnalysisKind();

namespace {

constexpr AnalysisKind (*kBuiltins[])() = {
    CountAnalysisKind,  TopAnalysisKind,      DistinctAnalysisKind,     SentimentAnalysisKind,
    BurstsAnalysisKind, ClustersAnalysisKind, CooccurrenceAnalysisKind, SessionsAnalysisKind,
};
constexpr std::size_t kCount = std::size(kBuiltins);

struct Table {
  std::array<AnalysisKind, kCount> kinds;
  std::array<const AnalysisKind*, kCount> list{};
  std::array<const AnalysisKind*, 256> by_result{};  // indexed by ResultKind
};

const Table& Kinds() {
  static const Table table = [] {
    Table t;
    for (std::size_t i = 0; i < kCount; ++i) {
      t.kinds[i] = kBuiltins[i]();
      t.list[i] = &t.kinds[i];
      const auto r = static_cast<std::size_t>(t.kinds[i].result);
      // Two kinds with one result kind, or one with no state: a bug every test catches.
      if (t.by_result[r] != nullptr || !t.kinds[i].new_state || !t.kinds[i].new_merger) {
        std::abort();
      }
      t.by_result[r] = &t.kinds[i];
    }
    return t;
  }();
  return table;
}

}  // namespace

std::span<const AnalysisKind* const> AnalysisKinds() { return Kinds().list; }

const AnalysisKind& AnalysisKindOf(ResultKind result) {
  const AnalysisKind* k = Kinds().by_result[static_cast<std::size_t>(result)];
  if (k == nullptr) std::abort();  // every ResultKind is registered
  return *k;
}

const AnalysisKind* FindAnalysisType(std::string_view type) {
  for (const AnalysisKind* k : AnalysisKinds()) {
    for (std::string_view t : k->types) {
      if (t == type) return k;
    }
  }
  return nullptr;
}

std::string AnalysisTypeList() {
  std::string out;
  for (const AnalysisKind* k : AnalysisKinds()) {
    if (!out.empty()) out += ", ";
    out += k->types.front();
  }
  return out;
}

std::string AnalysisOptionList(const AnalysisKind& kind) {
  std::string out;
  for (const AnalysisOption& o : kind.options) {
    if (!out.empty()) out += ", ";
    out += o.name;
  }
  return out.empty() ? "none" : out;
}

namespace {

std::string OptionType(const AnalysisOption& o) {
  auto num = [](double v) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.15g", v);
    return std::string(buf);
  };
  switch (o.type) {
    case AnalysisOption::Type::kInt:
      return "integer " + std::to_string(static_cast<long long>(o.lo)) + ".." +
             std::to_string(static_cast<long long>(o.hi));
    case AnalysisOption::Type::kNumber:
      return "number " + num(o.lo) + ".." + num(o.hi);
    case AnalysisOption::Type::kText:
      return "text";
  }
  return "";
}

std::string Types(const AnalysisKind& k, std::string_view quote) {
  std::string out = std::string(quote) + std::string(k.types.front()) + std::string(quote);
  for (std::size_t i = 1; i < k.types.size(); ++i) {
    out +=
        (i == 1 ? " (" : ", ") + std::string(quote) + std::string(k.types[i]) + std::string(quote);
  }
  if (k.types.size() > 1) out += ")";
  return out;
}

}  // namespace

std::string AnalysisKindsHelp() {
  std::string out =
      "Analyses (`type:` in a pipeline file; each also takes name, by, of and window):\n";
  for (const AnalysisKind* k : AnalysisKinds()) {
    std::string head = "  " + Types(*k, "");
    if (head.size() < 20) head.append(20 - head.size(), ' ');
    out += head + "  " + std::string(k->rows) + "\n";
    if (k->session_windows) out += std::string(24, ' ') + "window: session GAP (only)\n";
    for (const AnalysisOption& o : k->options) {
      out += std::string(24, ' ') + std::string(o.name) + " (" + OptionType(o) +
             "): " + std::string(o.help) + "\n";
    }
  }
  return out;
}

std::string AnalysisKindsMarkdown() {
  auto cell = [](std::string_view text) {
    std::string out;
    for (char c : text) out += c == '|' ? std::string("\\|") : std::string(1, c);
    return out;
  };
  std::string out =
      "## Analyses\n\nThe `type:` of an analysis in a pipeline file (docs/pipelines.md), from "
      "the analysis kinds (src/dataflow/analysis/). Every type also takes `name`, `by`, `of` "
      "and `window`; an option of another type is refused.\n\n"
      "| type | rows per window | options |\n|---|---|---|\n";
  for (const AnalysisKind* k : AnalysisKinds()) {
    std::string options;
    if (k->session_windows) options = "`window: session GAP` (only)";
    for (const AnalysisOption& o : k->options) {
      if (!options.empty()) options += "<br>";
      options += "`" + std::string(o.name) + "` (" + OptionType(o) + "): " + cell(o.help);
    }
    out += "| " + Types(*k, "`") + " | " + cell(k->rows) + " | " +
           (options.empty() ? "none" : options) + " |\n";
  }
  return out;
}

void ItemSink::Emit(std::string_view key) { Add(key, 0, 0, analytics::Hash64(key)); }

void ItemSink::Add(std::string_view key, double value, std::uint64_t hash, std::uint64_t route) {
  Item item;
  item.analysis = index_;
  item.key_offset = static_cast<std::uint32_t>(arena_->size());
  item.key_size = static_cast<std::uint32_t>(key.size());
  item.route = route;
  item.value = value;
  item.hash = hash;
  arena_->append(key);
  items_->push_back(item);
}

void ExtractKeys(const AnalysisSpec& spec, const model::Post& post, const PostFeatures& f,
                 ItemSink& sink) {
  if (spec.custom_keys) {
    spec.custom_keys(post, sink);
    return;
  }
  thread_local std::string scratch;
  ForEachKey(post, f, spec.by, &scratch, [&](std::string_view k) { sink.Emit(k); });
}

}  // namespace starling::dataflow
