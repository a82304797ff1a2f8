#include "dataflow/pipeline_yaml.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <cctype>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <set>
#include <sstream>
#include <unordered_map>

#include "common/duration.h"
#include "dataflow/analysis/kind.h"
#include "sink/store.h"

namespace starling::dataflow {

namespace {

struct Ctx {
  std::string where;
  Status Error(const std::string& key, const std::string& message) const {
    return InvalidArgument(where + (key.empty() ? "" : key + ": ") + message);
  }
};

Result<std::string> Scalar(const YAML::Node& n, const Ctx& ctx, const std::string& key) {
  if (!n.IsScalar()) return ctx.Error(key, "expected a single value");
  return n.Scalar();
}

Result<std::vector<std::string>> Strings(const YAML::Node& n, const Ctx& ctx,
                                         const std::string& key) {
  std::vector<std::string> out;
  if (n.IsScalar()) {
    out.push_back(n.Scalar());
  } else if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) {
      if (!n[i].IsScalar()) return ctx.Error(key, "expected a list of values");
      out.push_back(n[i].Scalar());
    }
  } else {
    return ctx.Error(key, "expected a value or a list of values");
  }
  return out;
}

Result<std::chrono::microseconds> DurationOf(const YAML::Node& n, const Ctx& ctx,
                                             const std::string& key) {
  auto s = Scalar(n, ctx, key);
  if (!s.ok()) return s.status();
  auto d = ParseDuration(*s);
  if (!d.ok()) return ctx.Error(key, d.status().message());
  return *d;
}

// The number a scalar spells, whole (as std::stoll and std::stod read it:
// leading spaces and a '+' allowed), or nullopt.
template <typename T>
std::optional<T> NumberOf(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front()))) {
    text.remove_prefix(1);
  }
  if (text.size() > 1 && text.front() == '+' && text[1] != '-') text.remove_prefix(1);
  T v{};
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return v;
}

Result<long long> IntOf(const YAML::Node& n, const Ctx& ctx, const std::string& key, long long lo,
                        long long hi) {
  auto s = Scalar(n, ctx, key);
  if (!s.ok()) return s.status();
  const std::optional<long long> v = NumberOf<long long>(*s);
  if (!v.has_value() || *v < lo || *v > hi) {
    return ctx.Error(key, "expected an integer in [" + std::to_string(lo) + ", " +
                              std::to_string(hi) + "], got '" + *s + "'");
  }
  return *v;
}

Result<double> DoubleOf(const YAML::Node& n, const Ctx& ctx, const std::string& key, double lo,
                        double hi) {
  auto s = Scalar(n, ctx, key);
  if (!s.ok()) return s.status();
  const std::optional<double> v = NumberOf<double>(*s);
  if (!v.has_value() || !(*v >= lo && *v <= hi)) {
    return ctx.Error(key, "expected a number in [" + std::to_string(lo) + ", " +
                              std::to_string(hi) + "], got '" + *s + "'");
  }
  return *v;
}

Status CheckKeys(const YAML::Node& map, const Ctx& ctx, std::initializer_list<const char*> known) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    const std::string k = it->first.as<std::string>();
    bool ok = false;
    for (const char* kk : known) ok |= k == kk;
    if (!ok) {
      std::string list;
      for (const char* kk : known) list += std::string(list.empty() ? "" : ", ") + kk;
      return ctx.Error(k, "unknown key (known: " + list + ")");
    }
  }
  return Status::Ok();
}

// Bounds on a pipeline file. YAML aliases let a short file name one node
// many times, and nest such lists, so the tree seen with aliases followed can
// be exponentially larger than the text: it is walked once, up front, and
// refused past these bounds before anything copies its values.
constexpr std::size_t kMaxPipelineBytes = 4u << 20;  // the file's text
constexpr std::size_t kMaxExpandedNodes = 100000;    // nodes, aliases followed
constexpr std::size_t kMaxExpandedText = 1u << 20;   // bytes of keys and values, aliases followed

constexpr std::size_t kMaxDepth = 64;  // levels of nesting

struct TreeWalk {
  std::size_t nodes = 0;
  std::size_t text = 0;
  std::size_t depth = 0;
};

std::string LineOf(const YAML::Node& n) {
  const YAML::Mark m = n.Mark();
  return m.is_null() ? "?" : std::to_string(m.line + 1);
}

// Counts the documents of a YAML stream and notes where the first one that
// is not empty starts after the first. yaml-cpp 0.7's LoadAll loops forever
// on some bad input (a stray ',' where a node should start: its parser
// reports an empty document without reading the token, jbeder/yaml-cpp#1040,
// fixed upstream by PR #1319), so the documents are walked here, at most as
// many as the text has document markers ("---", "...") plus two.
class DocumentCounter : public YAML::EventHandler {
 public:
  void OnDocumentStart(const YAML::Mark&) override { empty_ = true; }
  void OnDocumentEnd() override {
    ++documents_;
    if (documents_ > 1 && !empty_ && !second_.has_value()) second_ = start_;
  }
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark& mark, YAML::anchor_t) override { Node(mark); }
  void OnScalar(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                const std::string&) override {
    Node(mark);
  }
  void OnSequenceStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark& mark, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {
    Node(mark);
  }
  void OnMapEnd() override {}

  std::size_t documents() const { return documents_; }
  // Where the second document that holds something starts, if any.
  const std::optional<YAML::Mark>& second() const { return second_; }

 private:
  void Node(const YAML::Mark& mark) {
    if (empty_) start_ = mark;  // the document's first node
    empty_ = false;
  }

  YAML::Mark start_;
  bool empty_ = true;
  std::size_t documents_ = 0;
  std::optional<YAML::Mark> second_;
};

std::size_t Occurrences(std::string_view text, std::string_view what) {
  std::size_t n = 0;
  for (auto at = text.find(what); at != std::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// One document, or InvalidArgument; throws YAML::Exception for bad YAML.
Status CheckOneDocument(const std::string& text) {
  const std::size_t most = Occurrences(text, "---") + Occurrences(text, "...") + 2;
  std::istringstream in(text);
  YAML::Parser parser(in);
  DocumentCounter counter;
  while (counter.documents() <= most && parser.HandleNextDocument(counter)) {
  }
  if (counter.documents() > most) {
    return InvalidArgument(
        "pipeline: not valid YAML: the parser stops making progress (a ',' "
        "outside [...] or {...}?)");
  }
  if (counter.second().has_value()) {
    return InvalidArgument("pipeline: line " + std::to_string(counter.second()->line + 1) +
                           ": a second YAML document (after '---'); a pipeline file holds one");
  }
  return Status::Ok();
}

// Walks the document with aliases followed, as the parser below will read
// it: refuses a map that gives a key twice (yaml-cpp keeps both pairs and
// finds the first), and a tree past the bounds above. `path` names the node
// as errors do ("analyses[0]", "checkpoint.dir"; empty at the top).
Status CheckTree(const YAML::Node& n, const std::string& path, TreeWalk* walk) {
  auto error = [&](const std::string& message) {
    return InvalidArgument("pipeline: " + (path.empty() ? "" : path + ": ") + message);
  };
  // A pipeline is a few levels deep; a deep (or, through an alias, cyclic)
  // tree would make the walk's path names and its stack grow with the depth.
  if (++walk->depth > kMaxDepth) {
    return error("nested more than " + std::to_string(kMaxDepth) + " levels deep");
  }
  struct Leave {
    TreeWalk* w;
    ~Leave() { --w->depth; }
  } leave{walk};
  if (++walk->nodes > kMaxExpandedNodes) {
    return error("the file holds more than " + std::to_string(kMaxExpandedNodes) +
                 " values once its aliases are expanded; a pipeline is smaller");
  }
  auto add_text = [&](const YAML::Node& scalar) {
    walk->text += scalar.Scalar().size();
    return walk->text <= kMaxExpandedText;
  };
  if (n.IsScalar() && !add_text(n)) {
    return error("the file holds more than " + std::to_string(kMaxExpandedText >> 20) +
                 " MiB of text once its aliases are expanded; a pipeline is smaller");
  }
  if (n.IsSequence()) {
    for (std::size_t i = 0; i < n.size(); ++i) {
      STARLING_RETURN_IF_ERROR(CheckTree(n[i], path + "[" + std::to_string(i) + "]", walk));
    }
  } else if (n.IsMap()) {
    std::unordered_map<std::string, std::string> lines;  // key -> the line it was first given on
    for (auto it = n.begin(); it != n.end(); ++it) {
      // Copies: the iterator's pair is a temporary (a reference to it dangles).
      const YAML::Node key = it->first;
      const YAML::Node value = it->second;
      if (!key.IsScalar()) {
        STARLING_RETURN_IF_ERROR(CheckTree(key, path, walk));
        STARLING_RETURN_IF_ERROR(CheckTree(value, path, walk));
        continue;
      }
      if (!add_text(key)) {
        return error("the file holds more than " + std::to_string(kMaxExpandedText >> 20) +
                     " MiB of text once its aliases are expanded; a pipeline is smaller");
      }
      auto [first, fresh] = lines.emplace(key.Scalar(), LineOf(key));
      if (!fresh) {
        return error("key '" + key.Scalar() + "' given twice (lines " + first->second + " and " +
                     LineOf(key) + ")");
      }
      STARLING_RETURN_IF_ERROR(
          CheckTree(value, path.empty() ? key.Scalar() : path + "." + key.Scalar(), walk));
    }
  }
  return Status::Ok();
}

// An analysis's keys beyond its kind's options.
constexpr const char* kAnalysisKeys[] = {"name", "type", "by", "of", "window"};

// Every key of an analysis is one of kAnalysisKeys or an option of its kind;
// an option of another kind is named as such.
Status CheckAnalysisKeys(const YAML::Node& n, const Ctx& ctx, const AnalysisKind& kind) {
  for (auto it = n.begin(); it != n.end(); ++it) {
    const std::string key = it->first.as<std::string>();
    bool known = false;
    for (const char* k : kAnalysisKeys) known |= key == k;
    for (const AnalysisOption& o : kind.options) known |= key == o.name;
    if (known) continue;
    const std::string type(kind.types.front());
    for (const AnalysisKind* other : AnalysisKinds()) {
      for (const AnalysisOption& o : other->options) {
        if (key == o.name) {
          return ctx.Error(
              key, "not an option of " + type + " (its options: " + AnalysisOptionList(kind) + ")");
        }
      }
    }
    std::string list;
    for (const char* k : kAnalysisKeys) list += std::string(list.empty() ? "" : ", ") + k;
    for (const AnalysisOption& o : kind.options) list += ", " + std::string(o.name);
    return ctx.Error(key, "unknown key (known: " + list + ")");
  }
  return Status::Ok();
}

Result<OptionValue> OptionOf(const YAML::Node& n, const Ctx& ctx, const AnalysisOption& o) {
  const std::string key(o.name);
  OptionValue v;
  switch (o.type) {
    case AnalysisOption::Type::kInt: {
      STARLING_ASSIGN_OR_RETURN(v.integer, IntOf(n, ctx, key, static_cast<long long>(o.lo),
                                                 static_cast<long long>(o.hi)));
      break;
    }
    case AnalysisOption::Type::kNumber: {
      STARLING_ASSIGN_OR_RETURN(v.number, DoubleOf(n, ctx, key, o.lo, o.hi));
      break;
    }
    case AnalysisOption::Type::kText: {
      STARLING_ASSIGN_OR_RETURN(v.text, Scalar(n, ctx, key));
      break;
    }
  }
  return v;
}

Result<AnalysisSpec> ParseAnalysis(const YAML::Node& n, const Ctx& ctx) {
  if (!n.IsMap()) return ctx.Error("", "an analysis is a map (name, type, by, window, ...)");
  if (!n["type"]) return ctx.Error("type", "missing (" + AnalysisTypeList() + ")");
  STARLING_ASSIGN_OR_RETURN(const std::string type, Scalar(n["type"], ctx, "type"));
  const AnalysisKind* kind = FindAnalysisType(type);
  if (kind == nullptr) {
    return ctx.Error("type", "unknown '" + type + "' (" + AnalysisTypeList() + ")");
  }
  STARLING_RETURN_IF_ERROR(CheckAnalysisKeys(n, ctx, *kind));
  AnalysisSpec a;
  a.kind = kind->result;
  a.name = n["name"] ? n["name"].Scalar() : type;
  kind->defaults(&a);
  if (n["by"]) {
    STARLING_ASSIGN_OR_RETURN(const std::string by, Scalar(n["by"], ctx, "by"));
    auto d = ParseDimension(by);
    if (!d.ok()) return ctx.Error("by", d.status().message());
    a.by = *d;
  }
  if (n["of"]) {
    STARLING_ASSIGN_OR_RETURN(const std::string of, Scalar(n["of"], ctx, "of"));
    auto d = ParseDimension(of);
    if (!d.ok()) return ctx.Error("of", d.status().message());
    a.of = *d;
  }
  if (n["window"]) {
    STARLING_ASSIGN_OR_RETURN(const std::string w, Scalar(n["window"], ctx, "window"));
    auto spec = ParseWindowSpec(w);
    if (!spec.ok()) return ctx.Error("window", spec.status().message());
    a.window = *spec;
  } else if (!kind->session_windows) {
    a.window = ParseWindowSpec("1m").value();
  }
  for (const AnalysisOption& o : kind->options) {
    const YAML::Node v = n[std::string(o.name)];
    if (!v) continue;
    STARLING_ASSIGN_OR_RETURN(const OptionValue value, OptionOf(v, ctx, o));
    if (Status st = o.apply(value, &a); !st.ok())
      return ctx.Error(std::string(o.name), st.message());
  }
  Status st = ValidateAnalysis(a);
  if (!st.ok()) return ctx.Error("", st.message());
  return a;
}

Result<std::vector<Transform>> ParseFilter(const YAML::Node& n, const Ctx& ctx) {
  if (!n.IsMap())
    return ctx.Error("filter", "expected a map (lang, kind, provider, has, contains)");
  STARLING_RETURN_IF_ERROR(
      CheckKeys(n, Ctx{ctx.where + "filter."}, {"lang", "kind", "provider", "has", "contains"}));
  std::vector<Transform> out;
  auto set_of = [&](const char* key) -> Result<std::shared_ptr<std::set<std::string>>> {
    auto v = Strings(n[key], ctx, std::string("filter.") + key);
    if (!v.ok()) return v.status();
    return std::make_shared<std::set<std::string>>(v->begin(), v->end());
  };
  if (n["lang"]) {
    auto s = set_of("lang");
    if (!s.ok()) return s.status();
    Transform t;
    t.description = "filter lang";
    t.filter = [langs = *s](const model::Post& p) { return langs->count(p.lang) > 0; };
    out.push_back(std::move(t));
  }
  if (n["kind"]) {
    auto s = set_of("kind");
    if (!s.ok()) return s.status();
    for (const std::string& k : **s) {
      if (!model::PostKindFromName(k)) {
        return ctx.Error("filter.kind", "unknown kind '" + k + "' (post, repost, reply, quote)");
      }
    }
    Transform t;
    t.description = "filter kind";
    t.filter = [kinds = *s](const model::Post& p) {
      return kinds->count(std::string(model::PostKindName(p.kind))) > 0;
    };
    out.push_back(std::move(t));
  }
  if (n["provider"]) {
    auto s = set_of("provider");
    if (!s.ok()) return s.status();
    Transform t;
    t.description = "filter provider";
    t.filter = [providers = *s](const model::Post& p) {
      return providers->count(std::string(model::ProviderName(p.provider))) > 0;
    };
    out.push_back(std::move(t));
  }
  if (n["has"]) {
    auto s = set_of("has");
    if (!s.ok()) return s.status();
    for (const std::string& h : **s) {
      if (h != "hashtags" && h != "mentions" && h != "urls" && h != "cashtags" && h != "geo") {
        return ctx.Error("filter.has",
                         "unknown '" + h + "' (hashtags, mentions, urls, cashtags, geo)");
      }
    }
    Transform t;
    t.description = "filter has";
    t.filter = [has = *s](const model::Post& p) {
      for (const std::string& h : *has) {
        if (h == "hashtags" && p.hashtags.empty()) return false;
        if (h == "mentions" && p.mentions.empty()) return false;
        if (h == "urls" && p.urls.empty()) return false;
        if (h == "cashtags" && p.cashtags.empty()) return false;
        if (h == "geo" && p.geo.empty()) return false;
      }
      return true;
    };
    out.push_back(std::move(t));
  }
  if (n["contains"]) {
    auto s = Strings(n["contains"], ctx, "filter.contains");
    if (!s.ok()) return s.status();
    Transform t;
    t.description = "filter contains";
    t.filter = [words = *s](const model::Post& p) {
      for (const std::string& w : words) {
        if (p.text.find(w) != std::string::npos) return true;
      }
      return false;
    };
    out.push_back(std::move(t));
  }
  return out;
}

}  // namespace

using JoinTable = std::unordered_map<std::string, std::vector<std::pair<std::string, std::string>>>;

// A join of posts (keyed along `dim`, lower-cased) with a loaded table.
Transform TableJoin(std::shared_ptr<const JoinTable> table, const DimensionRef& dim,
                    std::string description);

Result<Transform> CsvJoin(const std::string& path, const std::string& key,
                          const std::string& key_column) {
  auto dim = ParseDimension(key);
  if (!dim.ok()) return dim.status();
  std::ifstream in(path);
  if (!in) return NotFound("join table " + path + " cannot be opened");
  auto split = [](const std::string& line) {
    std::vector<std::string> cells;
    std::string cell;
    bool quoted = false;
    for (std::size_t i = 0; i < line.size(); ++i) {
      const char ch = line[i];
      if (quoted) {
        if (ch == '"' && i + 1 < line.size() && line[i + 1] == '"') {
          cell += '"';
          ++i;
        } else if (ch == '"') {
          quoted = false;
        } else {
          cell += ch;
        }
      } else if (ch == '"') {
        quoted = true;
      } else if (ch == ',') {
        cells.push_back(std::move(cell));
        cell.clear();
      } else if (ch != '\r') {
        cell += ch;
      }
    }
    cells.push_back(std::move(cell));
    return cells;
  };
  std::string line;
  if (!std::getline(in, line)) return InvalidArgument("join table " + path + " is empty");
  const std::vector<std::string> header = split(line);
  std::size_t key_index = header.size();
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == key_column) key_index = i;
  }
  if (key_index == header.size()) {
    return InvalidArgument("join table " + path + " has no column '" + key_column + "'");
  }
  using Labels = std::vector<std::pair<std::string, std::string>>;
  auto table = std::make_shared<std::unordered_map<std::string, Labels>>();
  std::size_t row = 1;
  while (std::getline(in, line)) {
    ++row;
    if (line.empty()) continue;
    std::vector<std::string> cells = split(line);
    if (cells.size() != header.size()) {
      return InvalidArgument("join table " + path + " row " + std::to_string(row) + " has " +
                             std::to_string(cells.size()) + " cells, the header has " +
                             std::to_string(header.size()));
    }
    Labels labels;
    for (std::size_t i = 0; i < cells.size(); ++i) {
      if (i != key_index) labels.emplace_back(header[i], cells[i]);
    }
    std::string k;
    LowerInto(cells[key_index], &k);
    (*table)[k] = std::move(labels);
  }
  Transform join = TableJoin(std::move(table), *dim, "join " + path + " on " + key);
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (i != key_index) join.labels.push_back(header[i]);
  }
  return join;
}

Transform TableJoin(std::shared_ptr<const JoinTable> table, const DimensionRef& dim,
                    std::string description) {
  using Labels = std::vector<std::pair<std::string, std::string>>;
  Transform t;
  t.kind = Transform::Kind::kJoin;
  t.description = std::move(description);
  t.join = [table, d = dim](const model::Post& post, Labels& labels) {
    PostFeatures none;
    std::string scratch;
    std::string lowered;
    ForEachKey(post, none, d, &scratch, [&](std::string_view k) {
      LowerInto(k, &lowered);
      auto it = table->find(lowered);
      if (it != table->end()) labels.insert(labels.end(), it->second.begin(), it->second.end());
    });
  };
  return t;
}

Result<Transform> SqliteJoin(const std::string& path, const std::string& query,
                             const std::string& key) {
  auto dim = ParseDimension(key);
  if (!dim.ok()) return dim.status();
  STARLING_ASSIGN_OR_RETURN(sink::JoinRows rows, sink::ReadSqliteJoin(path, query));
  using Labels = std::vector<std::pair<std::string, std::string>>;
  auto table = std::make_shared<std::unordered_map<std::string, Labels>>();
  for (auto& [row_key, values] : rows.rows) {
    Labels labels;
    for (std::size_t c = 0; c < values.size(); ++c) {
      labels.emplace_back(rows.label_columns[c], std::move(values[c]));
    }
    std::string k;
    LowerInto(row_key, &k);
    (*table)[k] = std::move(labels);
  }
  Transform join = TableJoin(std::move(table), *dim, "join " + path + " on " + key);
  join.labels = std::move(rows.label_columns);
  return join;
}

Result<PipelineFile> ParsePipelineYaml(std::string_view text, const std::string& base_dir) {
  if (text.size() > kMaxPipelineBytes) {
    return InvalidArgument("pipeline: the file is larger than " +
                           std::to_string(kMaxPipelineBytes >> 20) +
                           " MiB, the most a pipeline file may be");
  }
  YAML::Node root;
  try {
    const std::string whole(text);
    STARLING_RETURN_IF_ERROR(CheckOneDocument(whole));
    // "---" starts another document: refused above rather than ignored (a
    // trailing "---" with nothing after it is harmless).
    root = YAML::Load(whole);
    TreeWalk walk;
    STARLING_RETURN_IF_ERROR(CheckTree(root, "", &walk));
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("pipeline: not valid YAML: ") + e.what());
  }
  Ctx ctx{"pipeline: "};
  if (!root.IsMap())
    return ctx.Error("", "a pipeline file is a YAML map (name, source, analyses, sinks)");
  try {
    STARLING_RETURN_IF_ERROR(
        CheckKeys(root, ctx,
                  {"name", "source", "sources", "mode", "batch_interval", "time", "watermark",
                   "allowed_lateness", "idle_timeout", "workers", "checkpoint", "filter", "join",
                   "analyses", "sinks"}));
    PipelineFile f;
    if (root["name"]) {
      auto v = Scalar(root["name"], ctx, "name");
      if (!v.ok()) return v.status();
      f.spec.name = *v;
    }
    for (const char* key : {"source", "sources"}) {
      if (!root[key]) continue;
      auto v = Strings(root[key], ctx, key);
      if (!v.ok()) return v.status();
      f.sources.insert(f.sources.end(), v->begin(), v->end());
    }
    if (root["mode"]) {
      auto v = Scalar(root["mode"], ctx, "mode");
      if (!v.ok()) return v.status();
      if (*v == "record") {
        f.spec.mode = ProcessingMode::kRecord;
      } else if (*v == "microbatch" || *v == "micro-batch") {
        f.spec.mode = ProcessingMode::kMicroBatch;
      } else {
        return ctx.Error("mode", "use record or microbatch");
      }
    }
    if (root["batch_interval"]) {
      auto d = DurationOf(root["batch_interval"], ctx, "batch_interval");
      if (!d.ok()) return d.status();
      f.spec.batch_interval = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
    }
    if (root["time"]) {
      auto v = Scalar(root["time"], ctx, "time");
      if (!v.ok()) return v.status();
      if (*v == "event") {
        f.spec.time = TimeMode::kEvent;
      } else if (*v == "processing") {
        f.spec.time = TimeMode::kProcessing;
      } else {
        return ctx.Error("time", "use event or processing");
      }
    }
    if (root["watermark"]) {
      auto d = DurationOf(root["watermark"], ctx, "watermark");
      if (!d.ok()) return d.status();
      f.spec.watermark_bound = *d;
    }
    if (root["allowed_lateness"]) {
      auto d = DurationOf(root["allowed_lateness"], ctx, "allowed_lateness");
      if (!d.ok()) return d.status();
      f.spec.allowed_lateness = *d;
    }
    if (root["idle_timeout"]) {
      auto d = DurationOf(root["idle_timeout"], ctx, "idle_timeout");
      if (!d.ok()) return d.status();
      f.spec.idle_timeout = *d;
    }
    if (root["workers"]) {
      auto w = IntOf(root["workers"], ctx, "workers", 1, 256);
      if (!w.ok()) return w.status();
      f.workers = static_cast<int>(*w);
    }
    if (const YAML::Node c = root["checkpoint"]) {
      Ctx cc{ctx.where + "checkpoint."};
      if (!c.IsMap()) return ctx.Error("checkpoint", "expected a map (dir, interval)");
      STARLING_RETURN_IF_ERROR(CheckKeys(c, cc, {"dir", "interval"}));
      if (c["dir"]) {
        auto v = Scalar(c["dir"], cc, "dir");
        if (!v.ok()) return v.status();
        f.checkpoint_dir = *v;
      }
      if (c["interval"]) {
        auto d = DurationOf(c["interval"], cc, "interval");
        if (!d.ok()) return d.status();
        f.checkpoint_interval = std::chrono::duration_cast<std::chrono::milliseconds>(*d);
      }
    }
    if (root["filter"]) {
      auto t = ParseFilter(root["filter"], ctx);
      if (!t.ok()) return t.status();
      for (Transform& tr : *t) f.spec.transforms.push_back(std::move(tr));
    }
    if (const YAML::Node joins = root["join"]) {
      if (!joins.IsSequence()) return ctx.Error("join", "expected a list of {file, on, column}");
      for (std::size_t i = 0; i < joins.size(); ++i) {
        Ctx jc{ctx.where + "join[" + std::to_string(i) + "]."};
        const YAML::Node j = joins[i];
        if (!j.IsMap() || (!j["file"] && !j["sqlite"])) {
          return jc.Error("", "a join needs file: (CSV) or sqlite: with query:");
        }
        STARLING_RETURN_IF_ERROR(CheckKeys(j, jc, {"file", "sqlite", "query", "on", "column"}));
        std::string file = j["file"] ? j["file"].Scalar() : j["sqlite"].Scalar();
        if (!file.empty() && file[0] != '/') file = base_dir + "/" + file;
        const std::string on = j["on"] ? j["on"].Scalar() : "author";
        const std::string column = j["column"] ? j["column"].Scalar() : on;
        if (j["sqlite"] && !j["query"])
          return jc.Error("query", "missing (" + std::string(sink::SqliteJoinQueryShape()) + ")");
        auto t =
            j["sqlite"] ? SqliteJoin(file, j["query"].Scalar(), on) : CsvJoin(file, on, column);
        if (!t.ok()) return jc.Error("", t.status().message());
        f.spec.transforms.push_back(std::move(*t));
      }
    }
    if (const YAML::Node as = root["analyses"]) {
      if (!as.IsSequence()) return ctx.Error("analyses", "expected a list");
      for (std::size_t i = 0; i < as.size(); ++i) {
        const Ctx ac{ctx.where + "analyses[" + std::to_string(i) + "]: "};
        auto a = ParseAnalysis(as[i], ac);
        if (!a.ok()) return a.status();
        // (Joins are read above, wherever the file puts them.)
        Status labels = CheckLabelDimensions(*a, f.spec.transforms);
        if (!labels.ok()) return ac.Error("", labels.message());
        f.spec.analyses.push_back(std::move(*a));
      }
    }
    if (const YAML::Node s = root["sinks"]) {
      Ctx sc{ctx.where + "sinks."};
      if (!s.IsMap())
        return ctx.Error("sinks", "expected a map (results, posts, late, dead_letters)");
      STARLING_RETURN_IF_ERROR(CheckKeys(s, sc, {"results", "posts", "late", "dead_letters"}));
      if (s["results"]) {
        auto v = Strings(s["results"], sc, "results");
        if (!v.ok()) return v.status();
        f.result_sinks = *v;
      }
      if (s["posts"]) {
        auto v = Strings(s["posts"], sc, "posts");
        if (!v.ok()) return v.status();
        f.post_sinks = *v;
      }
      if (s["late"]) {
        auto v = Scalar(s["late"], sc, "late");
        if (!v.ok()) return v.status();
        f.late_sink = *v;
      }
      if (s["dead_letters"]) {
        auto v = Scalar(s["dead_letters"], sc, "dead_letters");
        if (!v.ok()) return v.status();
        f.dead_letters = *v;
      }
    }
    Status st = f.spec.Validate();
    if (!st.ok()) return ctx.Error("", st.message());
    return f;
  } catch (const YAML::Exception& e) {
    return InvalidArgument(std::string("pipeline: ") + e.what());
  }
}

Result<PipelineFile> LoadPipelineFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound("cannot open pipeline file " + path);
  // Read no more than the bound and one byte: ParsePipelineYaml refuses a
  // longer text without a huge file being read whole first.
  std::string text(kMaxPipelineBytes + 1, '\0');
  in.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<std::size_t>(in.gcount()));
  const std::string dir = std::filesystem::path(path).parent_path().string();
  auto f = ParsePipelineYaml(text, dir.empty() ? "." : dir);
  if (!f.ok()) {
    std::string m = f.status().message();
    if (m.starts_with("pipeline")) m = path + m.substr(8);
    return InvalidArgument(m);
  }
  return f;
}

}  // namespace starling::dataflow
