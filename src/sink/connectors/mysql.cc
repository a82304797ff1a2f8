// File: sink/connectors/mysql.cc
// MariaDB and MySQL (sink/mysql/): posts with entity tables (multi-row
// INSERT, upsert by id) and window results, on a server named by
// mysql://USER@HOST:PORT/DB (or mariadb://); the password from
// MYSQL_PASSWORD or `starling configure`.
#include "sink/connectors/server_kind.h"
#include "sink/mysql/store.h"

namespace starling::sink {
namespace {

ServerKind Mysql() {
  return {.scheme = "mysql",
          .aliases = {"mariadb"},
          .engine = "MariaDB",
          .default_port = 3306,
          .credential = "MYSQL_PASSWORD",
          .post_usage = "mysql://USER@HOST:PORT/DB[?batch=N]",
          .post_help =
              "MariaDB/MySQL: posts and entity tables (utf8mb4, binary collation), "
              "upsert by id; password from MYSQL_PASSWORD (docs/stores.md)",
          .result_help = "MariaDB/MySQL: one table per result kind, windows replaced in place",
          .open_post_sink = mysql::OpenPostSink,
          .open_result_sink = mysql::OpenResultSink,
          .open_post_store = mysql::OpenPostStore,
          .open_result_store = mysql::OpenResultStore,
          .open_queryable = mysql::OpenQueryable,
          .demo_queries = [](const spec::Spec& s) {
            std::string host = s.hosts.empty() ? "127.0.0.1" : s.hosts.front();
            std::string port = "3306";
            if (const auto c = host.rfind(':'); c != std::string::npos) {
              port = host.substr(c + 1);
              host = host.substr(0, c);
            }
            return std::vector<std::string>{
                "mariadb -h " + host + " -P " + port + (s.user.empty() ? "" : " -u " + s.user) +
                " -p " + s.path +
                " -e \"SELECT window_start, \\`rank\\`, \\`key\\`, count FROM trending WHERE "
                "analysis='hashtags' ORDER BY window_start DESC, \\`rank\\` LIMIT 10\""};
          }};
}

}  // namespace

PostSinkKind MysqlPostSinkKind() { return MakeServerPostSinkKind(Mysql()); }
ResultSinkKind MysqlResultSinkKind() { return MakeServerResultSinkKind(Mysql()); }

}  // namespace starling::sink
