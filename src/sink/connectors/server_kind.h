// File: sink/connectors/server_kind.h
// The registration every store on a database server shares: its spec
// (scheme://USER@HOST:PORT/DB), parameters (batch, retries, retry_wait,
// connect_timeout), the password's credential, and which of its module's
// openers serve as post sink, result sink, stores and query target. Each
// server store's file under connectors/ fills a ServerKind and calls these.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sink/registry.h"
#include "sink/server/server.h"

namespace starling::sink {

struct ServerKind {
  std::string_view scheme;  // "postgres"
  std::vector<std::string_view> aliases;
  std::string_view engine;  // "PostgreSQL", for help and messages
  int default_port = 0;
  std::string_view credential;  // "POSTGRES_PASSWORD"
  std::string_view post_usage;
  std::string_view post_help;
  std::string_view result_help;
  // Posts per batch unless the spec says (batch=), and its help.
  std::size_t default_batch = 5000;
  std::string_view batch_help = "posts per transaction (default 5000)";
  std::function<Result<std::unique_ptr<PostSink>>(const server::Options&)> open_post_sink;
  std::function<Result<std::unique_ptr<ResultSink>>(const server::Options&)> open_result_sink;
  std::function<Result<std::unique_ptr<PostStore>>(const server::Options&)> open_post_store;
  std::function<Result<std::unique_ptr<ResultStore>>(const server::Options&)> open_result_store;
  std::function<Result<std::unique_ptr<QueryableStore>>(const server::Options&)> open_queryable;
  // The demo's closing hint: a shell command over the results (see
  // ResultSinkKind::demo_queries); unset: none.
  std::function<std::vector<std::string>(const spec::Spec&)> demo_queries;
};

PostSinkKind MakeServerPostSinkKind(const ServerKind& kind);
ResultSinkKind MakeServerResultSinkKind(const ServerKind& kind);

}  // namespace starling::sink
