// File: sink/registry.cc
// The sink registries: resolution of a spec to its kind (or to a kind
// whose store reads back), and the lists of built-in kinds. A new store adds
// its module (like sqlite/), its file under connectors/ and one line to each
// list it belongs to below.
#include "sink/registry.h"

namespace starling::sink {

// Each defined in connectors/<store>.cc.
PostSinkKind JsonlPostSinkKind();
PostSinkKind CsvPostSinkKind();
PostSinkKind SqlitePostSinkKind();
ResultSinkKind SqliteResultSinkKind();
ResultSinkKind JsonlResultSinkKind();
PostSinkKind PostgresPostSinkKind();
ResultSinkKind PostgresResultSinkKind();
PostSinkKind MysqlPostSinkKind();
ResultSinkKind MysqlResultSinkKind();
PostSinkKind MongodbPostSinkKind();
ResultSinkKind MongodbResultSinkKind();
PostSinkKind Hdf5PostSinkKind();
ResultSinkKind Hdf5ResultSinkKind();
PostSinkKind ClickHousePostSinkKind();
ResultSinkKind ClickHouseResultSinkKind();
PostSinkKind KafkaPostSinkKind();
ResultSinkKind KafkaResultSinkKind();

namespace {

constexpr PostSinkKind (*kPostSinks[])() = {
    JsonlPostSinkKind,    CsvPostSinkKind,   SqlitePostSinkKind,
    PostgresPostSinkKind, MysqlPostSinkKind, ClickHousePostSinkKind,
    MongodbPostSinkKind,  Hdf5PostSinkKind,  KafkaPostSinkKind};
constexpr ResultSinkKind (*kResultSinks[])() = {
    SqliteResultSinkKind,     JsonlResultSinkKind,   PostgresResultSinkKind, MysqlResultSinkKind,
    ClickHouseResultSinkKind, MongodbResultSinkKind, Hdf5ResultSinkKind,     KafkaResultSinkKind};

template <typename Kind, std::size_t N>
Registry<Kind> Build(Kind (*const (&makers)[N])()) {
  Registry<Kind> r;
  for (auto make : makers) {
    Status st = r.Add(make());
    if (!st.ok()) std::abort();  // two built-ins claim one scheme: a bug caught by every test
  }
  return r;
}

// Resolves `text` among the kinds of `registry` that `usable` accepts (all
// when unset); `what` names the spec in messages ("sink", "results store").
template <typename Kind>
Result<Resolved<Kind>> Resolve(const Registry<Kind>& registry, std::string_view text,
                               std::string_view what, bool (*usable)(const Kind&) = nullptr) {
  auto ok = [&](const Kind& k) { return usable == nullptr || usable(k); };
  std::string schemes, exts;
  bool dash = false;
  for (const Kind& k : registry.kinds()) {
    if (!ok(k)) continue;
    schemes += (schemes.empty() ? "" : ", ") + std::string(k.info.scheme);
    for (std::string_view e : k.info.extensions) {
      exts += (exts.empty() ? "" : ", ") + std::string(e);
    }
    for (std::string_view b : k.bare_names) dash |= b == "-";
  }
  const std::string valid = "valid schemes: " + schemes + (dash ? ", '-' for stdout" : "") +
                            ", or a bare path ending in " + exts;
  if (text.empty()) return InvalidArgument("empty " + std::string(what) + " spec; " + valid);
  Resolved<Kind> r;
  STARLING_ASSIGN_OR_RETURN(r.spec, spec::Parse(text));
  if (r.spec.scheme.empty()) {
    for (const Kind& k : registry.kinds()) {
      for (std::string_view b : k.bare_names) {
        if (b == r.spec.path && ok(k)) r.kind = &k;
      }
    }
    if (r.kind == nullptr) {
      for (const Kind& k : registry.kinds()) {
        for (std::string_view e : k.info.extensions) {
          if (r.kind == nullptr && ok(k) && HasExtension(r.spec.path, e)) r.kind = &k;
        }
      }
    }
    if (r.kind == nullptr) {
      return InvalidArgument("cannot tell the " + std::string(what) + " type of '" +
                             r.spec.redacted + "' from its extension; " + valid);
    }
  } else {
    r.kind = registry.Find(r.spec.scheme);
    if (r.kind != nullptr && !ok(*r.kind)) {
      return InvalidArgument(std::string(what) + " spec '" + r.spec.redacted +
                             "': " + r.spec.scheme + " cannot be read back as a store; " + valid);
    }
    if (r.kind == nullptr) {
      return InvalidArgument("unknown " + std::string(what) + " scheme '" + r.spec.scheme +
                             "' in '" + r.spec.redacted + "'; " + valid);
    }
  }
  STARLING_RETURN_IF_ERROR(CheckHosts(r.kind->info, r.spec, what));
  if (r.spec.path.empty() && !r.kind->info.takes_hosts) {
    return InvalidArgument(std::string(what) + " spec '" + r.spec.redacted + "' has no path (use " +
                           std::string(r.kind->info.scheme) + ":PATH)");
  }
  STARLING_ASSIGN_OR_RETURN(
      r.params, spec::Params::Check(r.spec, r.kind->info.params,
                                    std::string(what) + " " + std::string(r.kind->info.scheme)));
  return r;
}

bool HasPostStore(const PostSinkKind& k) { return static_cast<bool>(k.open_post_store); }
bool HasResultStore(const ResultSinkKind& k) { return static_cast<bool>(k.open_result_store); }
bool HasQueryableStore(const PostSinkKind& k) { return static_cast<bool>(k.open_queryable); }

}  // namespace

const Registry<PostSinkKind>& PostSinks() {
  static const Registry<PostSinkKind> registry = Build(kPostSinks);
  return registry;
}

const Registry<ResultSinkKind>& ResultSinks() {
  static const Registry<ResultSinkKind> registry = Build(kResultSinks);
  return registry;
}

Result<Resolved<PostSinkKind>> ResolvePostSink(std::string_view text) {
  return Resolve(PostSinks(), text, "sink");
}

Result<Resolved<ResultSinkKind>> ResolveResultSink(std::string_view text) {
  return Resolve(ResultSinks(), text, "result sink");
}

Result<std::unique_ptr<PostSink>> OpenSink(std::string_view text, const OpenOptions& open) {
  STARLING_ASSIGN_OR_RETURN(auto r, ResolvePostSink(text));
  return r.kind->open(r.spec, r.params, open);
}

Result<std::unique_ptr<ResultSink>> OpenResultSink(std::string_view text, const OpenOptions& open) {
  STARLING_ASSIGN_OR_RETURN(auto r, ResolveResultSink(text));
  return r.kind->open(r.spec, r.params, open);
}

Result<std::unique_ptr<PostStore>> OpenPostStore(std::string_view text,
                                                 const StoreOptions& options) {
  STARLING_ASSIGN_OR_RETURN(auto r, Resolve(PostSinks(), text, "posts store", HasPostStore));
  return r.kind->open_post_store(r.spec, r.params, options);
}

Result<std::unique_ptr<ResultStore>> OpenResultStore(std::string_view text,
                                                     const StoreOptions& options) {
  STARLING_ASSIGN_OR_RETURN(auto r, Resolve(ResultSinks(), text, "results store", HasResultStore));
  return r.kind->open_result_store(r.spec, r.params, options);
}

Result<std::unique_ptr<QueryableStore>> OpenQueryableStore(std::string_view text) {
  STARLING_ASSIGN_OR_RETURN(auto r,
                            Resolve(PostSinks(), text, "queryable store", HasQueryableStore));
  return r.kind->open_queryable(r.spec, r.params);
}

std::optional<std::string> OutputFile(std::string_view text) {
  // A kind that takes hosts (a server) writes no file here.
  std::optional<std::string> path;
  if (auto r = ResolvePostSink(text); r.ok()) {
    if (!r->kind->info.takes_hosts) path = r->spec.path;
  } else if (auto rr = ResolveResultSink(text); rr.ok()) {
    if (!rr->kind->info.takes_hosts) path = rr->spec.path;
  }
  if (path && (path->empty() || *path == "-")) return std::nullopt;
  return path;
}

bool ReplacesByKey(std::string_view text) {
  if (auto r = ResolvePostSink(text); r.ok()) return r->kind->caps.idempotent;
  if (auto r = ResolveResultSink(text); r.ok()) return r->kind->caps.idempotent;
  return false;
}

bool NeedsRaw(std::string_view text) {
  auto r = ResolvePostSink(text);
  return r.ok() && r->kind->needs_raw && r->kind->needs_raw(r->params);
}

namespace {
template <typename Kind>
std::string Markdown(std::string_view title, const Registry<Kind>& registry, bool raw) {
  std::vector<std::string> caps;
  for (const Kind& k : registry.kinds()) {
    std::string c;
    auto add = [&](bool on, std::string_view word) {
      if (on) c += (c.empty() ? "" : ", ") + std::string(word);
    };
    add(k.caps.idempotent, "idempotent (upsert by key)");
    add(k.caps.readable_back, "readable back");
    add(k.caps.resumable, "exactly-once files across --resume");
    if constexpr (requires { k.needs_raw; }) {
      if (raw && k.needs_raw != nullptr) {
        add(true, k.needs_raw(spec::Params{}) ? "keeps the provider JSON"
                                              : "keeps the provider JSON when asked");
      }
    }
    caps.push_back(c.empty() ? "-" : c);
  }
  return FormatConnectorMarkdown(title, registry.Infos(), caps);
}
}  // namespace

std::string SinkMarkdown() { return Markdown("Post sinks", PostSinks(), true); }
std::string ResultSinkMarkdown() { return Markdown("Result sinks", ResultSinks(), false); }

std::string SinkHelp() {
  return FormatConnectorHelp("Sink specs", PostSinks().Infos()) +
         "A bare path is typed by its extension (any case).\n";
}

std::string ResultSinkHelp() {
  return FormatConnectorHelp("Result sink specs", ResultSinks().Infos()) +
         "A bare path is typed by its extension (any case).\n";
}

}  // namespace starling::sink
