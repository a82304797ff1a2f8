// File: sink/connectors/postgres.cc
// PostgreSQL (sink/postgres/): posts with entity tables (COPY, upsert by id)
// and window results, on a server named by postgres://USER@HOST:PORT/DB;
// the password from POSTGRES_PASSWORD or `starling configure` (libpq's own
// PGPASSWORD and ~/.pgpass work too).
#include "sink/connectors/server_kind.h"
#include "sink/postgres/store.h"

namespace starling::sink {
namespace {

ServerKind Postgres() {
  return {.scheme = "postgres",
          .aliases = {"postgresql"},
          .engine = "PostgreSQL",
          .default_port = 5432,
          .credential = "POSTGRES_PASSWORD",
          .post_usage = "postgres://USER@HOST:PORT/DB[?batch=N]",
          .post_help =
              "PostgreSQL: posts and entity tables, COPY, upsert by id; password from "
              "POSTGRES_PASSWORD (docs/stores.md)",
          .result_help = "PostgreSQL: one table per result kind, windows replaced in place",
          .open_post_sink = postgres::OpenPostSink,
          .open_result_sink = postgres::OpenResultSink,
          .open_post_store = postgres::OpenPostStore,
          .open_result_store = postgres::OpenResultStore,
          .open_queryable = postgres::OpenQueryable,
          .demo_queries = [](const spec::Spec& s) {
            return std::vector<std::string>{
                "psql 'postgresql://" + (s.user.empty() ? "" : s.user + "@") +
                (s.hosts.empty() ? "" : s.hosts.front()) + "/" + s.path +
                "' -c \"SELECT window_start, rank, key, count FROM trending WHERE "
                "analysis='hashtags' ORDER BY window_start DESC, rank LIMIT 10\""};
          }};
}

}  // namespace

PostSinkKind PostgresPostSinkKind() { return MakeServerPostSinkKind(Postgres()); }
ResultSinkKind PostgresResultSinkKind() { return MakeServerResultSinkKind(Postgres()); }

}  // namespace starling::sink
