// File: sink/registry.h
// Every kind of post sink and result sink registers here, with its scheme,
// file extensions, parameters, help and capabilities; OpenSink and
// OpenResultSink read a spec (common/spec.h) through them. A kind whose store
// can be read back also registers its reader (open_post_store,
// open_result_store: sink/store.h), which OpenPostStore and OpenResultStore
// resolve the same way, so `serve`, `report`, `convert` and the demo never
// name a store. Adding a store is its module (like sink/sqlite/), one file
// under connectors/ that defines its kinds, and one line each in
// registry.cc's lists (docs/extending.md).
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/registry.h"
#include "common/spec.h"
#include "model/post.h"
#include "sink/result_sink.h"
#include "sink/sink.h"
#include "sink/store.h"

namespace starling::sink {

struct SinkCapabilities {
  bool idempotent = false;     // writing a post or window twice keeps it once (upsert by key)
  bool readable_back = false;  // `convert` and the store readers can read it again
  bool resumable = false;      // CheckpointCommit/RestoreCommit give exactly-once files
};

struct PostSinkKind {
  ConnectorInfo info;
  SinkCapabilities caps;
  // Whole specs that mean this kind without a scheme ("-": standard output).
  std::vector<std::string_view> bare_names;
  // Whether a sink of this spec needs the provider's JSON of each post
  // (Post::raw). Unset: never.
  std::function<bool(const spec::Params&)> needs_raw;
  std::function<Result<std::unique_ptr<PostSink>>(const spec::Spec&, const spec::Params&,
                                                  const OpenOptions&)>
      open;
  // Opens what a sink of this kind wrote for reading (`convert`, `serve
  // --posts`). Unset: it is read back as a source instead (JSONL).
  std::function<Result<std::unique_ptr<PostStore>>(const spec::Spec&, const spec::Params&,
                                                   const StoreOptions&)>
      open_post_store;
  // Opens the store this kind writes for `starling query` (its posts and,
  // where it keeps them, its results). Unset: the query layer reads it as a
  // file (JSONL, CSV) or not at all.
  std::function<Result<std::unique_ptr<QueryableStore>>(const spec::Spec&, const spec::Params&)>
      open_queryable;
};

struct ResultSinkKind {
  ConnectorInfo info;
  SinkCapabilities caps;
  std::vector<std::string_view> bare_names;
  std::function<Result<std::unique_ptr<ResultSink>>(const spec::Spec&, const spec::Params&,
                                                    const OpenOptions&)>
      open;
  // Opens what a sink of this kind wrote for reading (`serve`, `report`,
  // the demo's summary). Unset: it cannot be read back as a store.
  std::function<Result<std::unique_ptr<ResultStore>>(const spec::Spec&, const spec::Params&,
                                                     const StoreOptions&)>
      open_result_store;
  // Shell commands that query a store of this spec with the store's own
  // tools, over the demo pipeline's analyses; `demo` prints them last.
  // Unset: none.
  std::function<std::vector<std::string>(const spec::Spec&)> demo_queries;
};

const Registry<PostSinkKind>& PostSinks();
const Registry<ResultSinkKind>& ResultSinks();

// A spec resolved to its kind: a bare name ("-"), a scheme, or a bare path
// typed by its extension (any case). InvalidArgument for a spec that does not
// parse, an unknown scheme, a path whose extension names no kind (each
// listing the valid ones), a spec without a path, or a bad parameter.
template <typename Kind>
struct Resolved {
  const Kind* kind = nullptr;
  spec::Spec spec;
  spec::Params params;
};
Result<Resolved<PostSinkKind>> ResolvePostSink(std::string_view text);
Result<Resolved<ResultSinkKind>> ResolveResultSink(std::string_view text);

// Opens a post sink from its spec (see `starling collect --help`).
Result<std::unique_ptr<PostSink>> OpenSink(std::string_view text, const OpenOptions& open = {});
// Opens a result sink from its spec (see `starling run --help`).
Result<std::unique_ptr<ResultSink>> OpenResultSink(std::string_view text,
                                                   const OpenOptions& open = {});

// Opens the store a post sink spec names for reading (`serve --posts`,
// `convert`), resolved like OpenSink among the kinds that register a reader.
// InvalidArgument for a spec that does not resolve, or names a kind that
// cannot be read back; the store's own errors (NotFound for a missing file).
Result<std::unique_ptr<PostStore>> OpenPostStore(std::string_view text,
                                                 const StoreOptions& options = {});
// Opens the store a result sink spec names for reading (`serve --db`,
// `report --db`, the demo's summary); as OpenPostStore.
Result<std::unique_ptr<ResultStore>> OpenResultStore(std::string_view text,
                                                     const StoreOptions& options = {});

// Opens the store a post sink spec names for `starling query`, resolved like
// OpenSink among the kinds that register open_queryable. InvalidArgument for
// a spec that does not resolve or names a kind that runs no queries; the
// store's own errors (NotFound for a missing file, Unavailable for a server
// that does not answer).
Result<std::unique_ptr<QueryableStore>> OpenQueryableStore(std::string_view text);

// The file a post or result sink spec writes; nullopt for standard output and
// specs that do not resolve.
std::optional<std::string> OutputFile(std::string_view text);

// True when the spec names a store that replaces what it holds by key
// (SQLite), so writing it again never doubles anything; false for files
// written record by record (JSONL, CSV), standard output and bad specs.
bool ReplacesByKey(std::string_view text);

// True when a post sink of this spec keeps the provider's JSON (so the parser must).
bool NeedsRaw(std::string_view text);

// The "Sink specs:" and "Result sink specs:" blocks of --help.
std::string SinkHelp();
std::string ResultSinkHelp();
// The same as Markdown sections with each kind's capabilities (docs/specs.md).
std::string SinkMarkdown();
std::string ResultSinkMarkdown();

}  // namespace starling::sink
