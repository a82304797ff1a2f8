// File: sink/mysql/result_sink.cc
// Window results into MariaDB: each flush writes the windows since the last
// one in a transaction (a window's old rows deleted, its rows inserted, its
// head upserted), so a window written again replaces itself. A flush the
// server did not take is written again whole on a new connection.
#include <charconv>

#include "model/post_json.h"
#include "model/result_columns.h"
#include "sink/mysql/connection.h"
#include "sink/mysql/schema.h"
#include "sink/mysql/store.h"
#include "sink/server/results.h"

namespace starling::sink::mysql {
namespace {

constexpr std::size_t kStatementBytes = 4u << 20;

class MyResultSink final : public ResultSink {
 public:
  explicit MyResultSink(Options o) : o_(std::move(o)) {}
  ~MyResultSink() override { (void)Close(); }

  Status Open() {
    STARLING_ASSIGN_OR_RETURN(conn_, ConnectRetrying(o_.address, o_.retry));
    for (const std::string& sql : ResultsSchema()) STARLING_RETURN_IF_ERROR(conn_.Exec(sql));
    if (o_.replace) {
      STARLING_RETURN_IF_ERROR(conn_.Exec("TRUNCATE TABLE analyses"));
      STARLING_RETURN_IF_ERROR(conn_.Exec("TRUNCATE TABLE windows"));
      for (const model::ResultKindInfo& k : model::ResultKinds()) {
        STARLING_RETURN_IF_ERROR(conn_.Exec("TRUNCATE TABLE " + std::string(k.table)));
      }
    }
    return Status::Ok();
  }

  Status DeclareAnalyses(const std::vector<model::AnalysisMeta>& analyses) override {
    return Retrying("declaring analyses", [&]() -> Status {
      for (const model::AnalysisMeta& a : analyses) {
        std::string sql =
            "INSERT INTO analyses (pipeline, analysis, kind, `by`, `window`, k, `of`) VALUES (";
        for (const std::string& v :
             {a.pipeline, a.analysis, std::string(model::ResultKindName(a.kind)), a.by, a.window}) {
          conn_.AppendLiteral(&sql, v);
          sql += ',';
        }
        sql += std::to_string(a.k) + ",";
        conn_.AppendLiteral(&sql, a.of);
        sql +=
            ") ON DUPLICATE KEY UPDATE kind = VALUES(kind), `by` = VALUES(`by`), `window` = "
            "VALUES(`window`), k = VALUES(k), `of` = VALUES(`of`)";
        STARLING_RETURN_IF_ERROR(conn_.Exec(sql));
      }
      return Status::Ok();
    });
  }

  Status Write(const model::WindowResult& r) override {
    if (closed_) return Internal("MariaDB result sink: Write after Close");
    pending_.push_back(r);
    return Status::Ok();
  }

  Status Flush() override {
    // After the retries gave up, the run stops: not the whole cycle again.
    if (!failed_.ok()) return failed_;
    if (closed_ || pending_.empty()) return Status::Ok();
    failed_ = Retrying("writing " + std::to_string(pending_.size()) + " windows", [&]() -> Status {
      STARLING_RETURN_IF_ERROR(conn_.Exec("START TRANSACTION"));
      for (const model::WindowResult& r : pending_) STARLING_RETURN_IF_ERROR(WriteOne(r));
      return conn_.Exec("COMMIT");
    });
    STARLING_RETURN_IF_ERROR(failed_);
    pending_.clear();
    return Status::Ok();
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    Status st = Flush();
    closed_ = true;
    conn_ = Connection();
    return st;
  }

  std::string Describe() const override { return o_.address.display + " (MariaDB results)"; }

 private:
  Status Retrying(const std::string& what, const std::function<Status()>& body) {
    return server::WriteRetrying(o_, what + " to MariaDB " + o_.address.display, conn_, body);
  }

  Status WriteOne(const model::WindowResult& r) {
    const model::ResultKindInfo& k = model::ResultKindInfoOf(r.kind);
    std::string head;
    for (const std::string& v : {r.pipeline, r.analysis, server::WindowBound(r.window_start),
                                 server::WindowBound(r.window_end)}) {
      conn_.AppendLiteral(&head, v);
      head += ',';
    }
    std::string where = " WHERE pipeline = ";
    conn_.AppendLiteral(&where, r.pipeline);
    where += " AND analysis = ";
    conn_.AppendLiteral(&where, r.analysis);
    where += " AND window_start = ";
    conn_.AppendLiteral(&where, server::WindowBound(r.window_start));
    where += " AND window_end = ";
    conn_.AppendLiteral(&where, server::WindowBound(r.window_end));
    STARLING_RETURN_IF_ERROR(conn_.Exec("DELETE FROM " + std::string(k.table) + where));
    if (!r.rows.empty()) {
      const std::string insert = "INSERT INTO " + std::string(k.table) +
                                 " (pipeline, analysis, window_start, window_end, " +
                                 ResultColumnList(r.kind) + ") VALUES ";
      std::string sql;
      for (const model::ResultRow& row : r.rows) {
        // Cut well under the server's max_allowed_packet (16 MiB by
        // default): a window of many long keys is several statements.
        if (sql.size() >= kStatementBytes) {
          STARLING_RETURN_IF_ERROR(conn_.Exec(sql));
          sql.clear();
        }
        sql += sql.empty() ? insert + "(" : ",(";
        sql += head;
        for (std::size_t i = 0; i < k.columns.size(); ++i) {
          const model::ResultColumn& c = k.columns[i];
          if (i > 0) sql += ',';
          switch (c.type) {
            case model::ColumnType::kInt:
              sql += std::to_string(model::IntField(row, c.field));
              break;
            case model::ColumnType::kReal: {
              char buf[32];
              const auto e = std::to_chars(buf, buf + sizeof buf, model::RealField(row, c.field));
              sql.append(buf, e.ptr);
              break;
            }
            case model::ColumnType::kText:
              conn_.AppendLiteral(&sql, model::TextField(row, c.field));
              break;
          }
        }
        sql += ')';
      }
      STARLING_RETURN_IF_ERROR(conn_.Exec(sql));
    }
    std::string w =
        "INSERT INTO windows (pipeline, analysis, kind, window_start, window_end, total, "
        "error_bound, final, `rows`) VALUES (";
    conn_.AppendLiteral(&w, r.pipeline);
    w += ',';
    conn_.AppendLiteral(&w, r.analysis);
    w += ",'" + std::string(model::ResultKindName(r.kind)) + "',";
    conn_.AppendLiteral(&w, server::WindowBound(r.window_start));
    w += ',';
    conn_.AppendLiteral(&w, server::WindowBound(r.window_end));
    w += "," + std::to_string(r.total) + "," + std::to_string(r.error_bound) + "," +
         (r.final ? "1" : "0") + "," + std::to_string(r.rows.size()) +
         ") ON DUPLICATE KEY UPDATE kind = VALUES(kind), total = VALUES(total), error_bound = "
         "VALUES(error_bound), final = VALUES(final), `rows` = VALUES(`rows`)";
    return conn_.Exec(w);
  }

  Options o_;
  Connection conn_;
  std::vector<model::WindowResult> pending_;
  Status failed_;  // the last flush's retries gave up (Close does not try again)
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<ResultSink>> OpenResultSink(const Options& options) {
  auto sink = std::make_unique<MyResultSink>(options);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ResultSink>(std::move(sink));
}

}  // namespace starling::sink::mysql
