// File: sink/connectors/server_kind.cc
#include "sink/connectors/server_kind.h"

namespace starling::sink {
namespace {

std::vector<spec::ParamDecl> Params(const ServerKind& k, bool batch) {
  std::vector<spec::ParamDecl> p;
  if (batch) p.push_back({"batch", spec::ParamType::kUint, k.batch_help});
  for (const spec::ParamDecl& d : server::RetryParams()) p.push_back(d);
  return p;
}

Result<server::Options> OptionsOf(const ServerKind& k, const spec::Spec& s, const spec::Params& p,
                                  bool replace) {
  server::Options o;
  STARLING_ASSIGN_OR_RETURN(o.address,
                            server::AddressOf(s, k.default_port, k.credential, "starling"));
  o.retry = server::RetryPolicyOf(p);
  const std::uint64_t batch = p.Has("batch") ? p.Uint("batch", 0) : k.default_batch;
  if (batch < 1 || batch > 1'000'000) {
    return InvalidArgument("store spec '" + s.redacted + "': batch must be 1 to 1000000");
  }
  o.batch = batch;
  o.replace = replace;
  return o;
}

ConnectorInfo Info(const ServerKind& k, bool posts) {
  return {.scheme = k.scheme,
          .aliases = k.aliases,
          .usage = posts ? k.post_usage : k.post_usage.substr(0, k.post_usage.find('[')),
          .help = posts ? k.post_help : k.result_help,
          .params = Params(k, posts),
          .takes_hosts = true};
}

}  // namespace

PostSinkKind MakeServerPostSinkKind(const ServerKind& kind) {
  PostSinkKind k;
  k.info = Info(kind, true);
  k.caps = {.idempotent = true, .readable_back = true};
  k.needs_raw = [](const spec::Params&) { return true; };  // the raw column
  k.open = [kind](const spec::Spec& s, const spec::Params& p,
                  const OpenOptions& open) -> Result<std::unique_ptr<PostSink>> {
    STARLING_ASSIGN_OR_RETURN(server::Options o, OptionsOf(kind, s, p, open.replace));
    return kind.open_post_sink(o);
  };
  k.open_post_store = [kind](const spec::Spec& s, const spec::Params& p,
                             const StoreOptions&) -> Result<std::unique_ptr<PostStore>> {
    STARLING_ASSIGN_OR_RETURN(server::Options o, OptionsOf(kind, s, p, false));
    return kind.open_post_store(o);
  };
  if (kind.open_queryable) {
    k.open_queryable = [kind](const spec::Spec& s,
                              const spec::Params& p) -> Result<std::unique_ptr<QueryableStore>> {
      STARLING_ASSIGN_OR_RETURN(server::Options o, OptionsOf(kind, s, p, false));
      return kind.open_queryable(o);
    };
  }
  return k;
}

ResultSinkKind MakeServerResultSinkKind(const ServerKind& kind) {
  ResultSinkKind k;
  k.info = Info(kind, false);
  k.caps = {.idempotent = true, .readable_back = true};
  k.open = [kind](const spec::Spec& s, const spec::Params& p,
                  const OpenOptions& open) -> Result<std::unique_ptr<ResultSink>> {
    STARLING_ASSIGN_OR_RETURN(server::Options o, OptionsOf(kind, s, p, open.replace));
    return kind.open_result_sink(o);
  };
  k.open_result_store = [kind](const spec::Spec& s, const spec::Params& p,
                               const StoreOptions&) -> Result<std::unique_ptr<ResultStore>> {
    STARLING_ASSIGN_OR_RETURN(server::Options o, OptionsOf(kind, s, p, false));
    return kind.open_result_store(o);
  };
  k.demo_queries = kind.demo_queries;
  return k;
}

}  // namespace starling::sink
