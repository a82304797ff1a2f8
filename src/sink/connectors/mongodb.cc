// File: sink/connectors/mongodb.cc
// MongoDB (sink/mongodb/): posts as documents with their entities embedded
// (bulk upserts by _id) and window results, in a database named by
// mongodb://USER@HOST:PORT/DB; the password from MONGODB_PASSWORD or
// `starling configure` (none: no login); the user is looked up in DB (the
// MongoDB URI's default authSource).
#include "sink/connectors/server_kind.h"
#include "sink/mongodb/store.h"

namespace starling::sink {
namespace {

ServerKind Mongodb() {
  return {.scheme = "mongodb",
          .aliases = {},
          .engine = "MongoDB",
          .default_port = 27017,
          .credential = "MONGODB_PASSWORD",
          .post_usage = "mongodb://USER@HOST:PORT/DB[?batch=N]",
          .post_help =
              "MongoDB (or FerretDB): a document per post, entities embedded, bulk upsert by "
              "_id; password from MONGODB_PASSWORD (docs/stores.md)",
          .result_help = "MongoDB: a collection per result kind, windows replaced in place",
          .open_post_sink = mongodb::OpenPostSink,
          .open_result_sink = mongodb::OpenResultSink,
          .open_post_store = mongodb::OpenPostStore,
          .open_result_store = mongodb::OpenResultStore,
          .open_queryable = mongodb::OpenQueryable,
          .demo_queries = [](const spec::Spec& s) {
            return std::vector<std::string>{
                "mongosh 'mongodb://" + (s.user.empty() ? "" : s.user + "@") +
                (s.hosts.empty() ? "" : s.hosts.front()) + "/" + s.path +
                "' --eval 'db.trending.find({analysis: \"hashtags\"}).sort({window_start: -1, "
                "rank: 1}).limit(10)'"};
          }};
}

}  // namespace

PostSinkKind MongodbPostSinkKind() { return MakeServerPostSinkKind(Mongodb()); }
ResultSinkKind MongodbResultSinkKind() { return MakeServerResultSinkKind(Mongodb()); }

}  // namespace starling::sink
