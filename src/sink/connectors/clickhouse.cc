// File: sink/connectors/clickhouse.cc
// ClickHouse (sink/clickhouse/): posts with their entities and window
// results in ReplacingMergeTree tables, read through views that give the
// logical tables, on a server's HTTP interface named by
// clickhouse://USER@HOST:PORT/DB (default port 8123); the password from
// CLICKHOUSE_PASSWORD or `starling configure`.
#include "sink/clickhouse/store.h"
#include "sink/connectors/server_kind.h"

namespace starling::sink {
namespace {

ServerKind ClickHouse() {
  return {.scheme = "clickhouse",
          .aliases = {},
          .engine = "ClickHouse",
          .default_port = 8123,
          .credential = "CLICKHOUSE_PASSWORD",
          .post_usage = "clickhouse://USER@HOST:PORT/DB[?batch=N]",
          .post_help =
              "ClickHouse (HTTP interface): posts with their entities in a ReplacingMergeTree, "
              "RowBinary batches, the newest rendering wins; password from CLICKHOUSE_PASSWORD "
              "(docs/stores.md)",
          .result_help = "ClickHouse: one table per result kind, a window replaced whole",
          // Each insert is a part on disk: fewer, larger ones load faster.
          .default_batch = 20000,
          .batch_help = "posts per INSERT (default 20000)",
          .open_post_sink = clickhouse::OpenPostSink,
          .open_result_sink = clickhouse::OpenResultSink,
          .open_post_store = clickhouse::OpenPostStore,
          .open_result_store = clickhouse::OpenResultStore,
          .open_queryable = clickhouse::OpenQueryable,
          .demo_queries = [](const spec::Spec& s) {
            const std::string host = s.hosts.empty() ? "127.0.0.1:8123" : s.hosts.front();
            return std::vector<std::string>{
                "curl -sS -H \"X-ClickHouse-User: " + (s.user.empty() ? "default" : s.user) +
                "\" -H \"X-ClickHouse-Key: $CLICKHOUSE_PASSWORD\" 'http://" + host +
                "/?database=" + s.path +
                "' -d \"SELECT window_start, rank, key, count FROM trending WHERE "
                "analysis='hashtags' ORDER BY window_start DESC, rank LIMIT 10\""};
          }};
}

}  // namespace

PostSinkKind ClickHousePostSinkKind() { return MakeServerPostSinkKind(ClickHouse()); }
ResultSinkKind ClickHouseResultSinkKind() { return MakeServerResultSinkKind(ClickHouse()); }

}  // namespace starling::sink
