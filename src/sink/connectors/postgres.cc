// File: sink/connectors/postgres.cc
// PostgreSQL (sink/postgres/): posts with entity tables (COPY, upsert by id)
// and window results, on a server named by postgres://USER@HOST:PORT/DB;
// the password from POSTGRES_PASSWORD or `starling configure` (libpq's own
// PGPASSWORD and ~/.pgpass work too), never from the spec's text shown.
#include <limits>

#include "sink/postgres/store.h"
#include "sink/registry.h"

namespace starling::sink {
namespace {

constexpr int kDefaultPort = 5432;

std::vector<spec::ParamDecl> Params(bool batch) {
  std::vector<spec::ParamDecl> p;
  if (batch) {
    p.push_back({"batch", spec::ParamType::kUint, "posts per COPY and transaction (default 5000)"});
  }
  for (const spec::ParamDecl& d : server::RetryParams()) p.push_back(d);
  return p;
}

Result<postgres::Options> OptionsOf(const spec::Spec& s, const spec::Params& p) {
  postgres::Options o;
  STARLING_ASSIGN_OR_RETURN(o.address,
                            server::AddressOf(s, kDefaultPort, "POSTGRES_PASSWORD", "starling"));
  o.retry = server::RetryPolicyOf(p);
  const std::uint64_t batch = p.Has("batch") ? p.Uint("batch", 0) : o.batch;
  if (batch < 1 || batch > 1'000'000) {
    return InvalidArgument("store spec '" + s.redacted + "': batch must be 1 to 1000000");
  }
  o.batch = batch;
  return o;
}

ConnectorInfo Info(bool posts) {
  static const std::vector<spec::ParamDecl> post_params = Params(true);
  static const std::vector<spec::ParamDecl> result_params = Params(false);
  return {
      .scheme = "postgres",
      .aliases = {"postgresql"},
      .usage = posts ? "postgres://USER@HOST:PORT/DB[?batch=N]" : "postgres://USER@HOST:PORT/DB",
      .help = posts ? "PostgreSQL: posts and entity tables, COPY, upsert by id; password "
                      "from POSTGRES_PASSWORD (docs/stores.md)"
                    : "PostgreSQL: one table per result kind, windows replaced in place",
      .params = posts ? post_params : result_params,
      .takes_hosts = true};
}

}  // namespace

PostSinkKind PostgresPostSinkKind() {
  PostSinkKind k;
  k.info = Info(true);
  k.caps = {.idempotent = true, .readable_back = true};
  k.needs_raw = [](const spec::Params&) { return true; };  // the raw column
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const OpenOptions& open) -> Result<std::unique_ptr<PostSink>> {
    STARLING_ASSIGN_OR_RETURN(postgres::Options o, OptionsOf(s, p));
    o.replace = open.replace;
    return postgres::OpenPostSink(o);
  };
  k.open_post_store = [](const spec::Spec& s, const spec::Params& p,
                         const StoreOptions&) -> Result<std::unique_ptr<PostStore>> {
    STARLING_ASSIGN_OR_RETURN(postgres::Options o, OptionsOf(s, p));
    return postgres::OpenPostStore(o);
  };
  k.open_queryable = [](const spec::Spec& s,
                        const spec::Params& p) -> Result<std::unique_ptr<QueryableStore>> {
    STARLING_ASSIGN_OR_RETURN(postgres::Options o, OptionsOf(s, p));
    return postgres::OpenQueryable(o);
  };
  return k;
}

ResultSinkKind PostgresResultSinkKind() {
  ResultSinkKind k;
  k.info = Info(false);
  k.caps = {.idempotent = true, .readable_back = true};
  k.open = [](const spec::Spec& s, const spec::Params& p,
              const OpenOptions& open) -> Result<std::unique_ptr<ResultSink>> {
    STARLING_ASSIGN_OR_RETURN(postgres::Options o, OptionsOf(s, p));
    o.replace = open.replace;
    return postgres::OpenResultSink(o);
  };
  k.open_result_store = [](const spec::Spec& s, const spec::Params& p,
                           const StoreOptions&) -> Result<std::unique_ptr<ResultStore>> {
    STARLING_ASSIGN_OR_RETURN(postgres::Options o, OptionsOf(s, p));
    return postgres::OpenResultStore(o);
  };
  k.demo_queries = [](const spec::Spec& s) {
    const std::string url = "postgresql://" + (s.user.empty() ? "" : s.user + "@") +
                            (s.hosts.empty() ? "" : s.hosts.front()) + "/" + s.path;
    return std::vector<std::string>{
        "psql '" + url +
        "' -c \"SELECT window_start, rank, key, count FROM trending WHERE analysis='hashtags' "
        "ORDER BY window_start DESC, rank LIMIT 10\""};
  };
  return k;
}

}  // namespace starling::sink
