// File: sink/postgres/result_sink.cc
// Window results into PostgreSQL: each flush writes the windows since the
// last one in a transaction (a window's old rows deleted, its rows COPYed,
// its head upserted), so a window written again replaces itself. A flush the
// server did not take is written again whole on a new connection.
#include <charconv>

#include "model/post_json.h"
#include "model/result_columns.h"
#include "sink/postgres/connection.h"
#include "sink/postgres/schema.h"
#include "sink/postgres/store.h"
#include "sink/server/results.h"

namespace starling::sink::postgres {
namespace {

class PgResultSink final : public ResultSink {
 public:
  explicit PgResultSink(Options o) : o_(std::move(o)) {}
  ~PgResultSink() override { (void)Close(); }

  Status Open() {
    STARLING_ASSIGN_OR_RETURN(conn_, ConnectRetrying(o_.address, o_.retry));
    STARLING_RETURN_IF_ERROR(conn_.Exec(ResultsSchemaSql()));
    if (o_.replace) {
      std::string sql = "TRUNCATE analyses, windows";
      for (const model::ResultKindInfo& k : model::ResultKinds()) {
        sql += ", " + std::string(k.table);
      }
      STARLING_RETURN_IF_ERROR(conn_.Exec(sql));
    }
    return Status::Ok();
  }

  Status DeclareAnalyses(const std::vector<model::AnalysisMeta>& analyses) override {
    return Retrying("declaring analyses", [&]() -> Status {
      for (const model::AnalysisMeta& a : analyses) {
        const std::array<std::optional<std::string>, 7> p{
            a.pipeline, a.analysis, std::string(model::ResultKindName(a.kind)),
            a.by,       a.window,   std::to_string(a.k),
            a.of};
        STARLING_RETURN_IF_ERROR(
            conn_
                .Query("INSERT INTO analyses (pipeline, analysis, kind, \"by\", \"window\", k, "
                       "\"of\") VALUES ($1,$2,$3,$4,$5,$6,$7) ON CONFLICT (pipeline, analysis) "
                       "DO UPDATE SET kind = EXCLUDED.kind, \"by\" = EXCLUDED.\"by\", "
                       "\"window\" = EXCLUDED.\"window\", k = EXCLUDED.k, \"of\" = EXCLUDED.\"of\"",
                       p)
                .status());
      }
      return Status::Ok();
    });
  }

  Status Write(const model::WindowResult& r) override {
    if (closed_) return Internal("PostgreSQL result sink: Write after Close");
    pending_.push_back(r);
    return Status::Ok();
  }

  Status Flush() override {
    // After the retries gave up, the run stops: not the whole cycle again.
    if (!failed_.ok()) return failed_;
    if (closed_ || pending_.empty()) return Status::Ok();
    failed_ = Retrying("writing " + std::to_string(pending_.size()) + " windows", [&]() -> Status {
      STARLING_RETURN_IF_ERROR(conn_.Exec("BEGIN"));
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

  std::string Describe() const override { return o_.address.display + " (PostgreSQL results)"; }

 private:
  Status Retrying(const std::string& what, const std::function<Status()>& body) {
    return server::WriteRetrying(o_, what + " to PostgreSQL " + o_.address.display, conn_, body);
  }

  Status WriteOne(const model::WindowResult& r) {
    const model::ResultKindInfo& k = model::ResultKindInfoOf(r.kind);
    const std::string table(k.table);
    const std::array<std::optional<std::string>, 4> head{r.pipeline, r.analysis,
                                                         server::WindowBound(r.window_start),
                                                         server::WindowBound(r.window_end)};
    STARLING_RETURN_IF_ERROR(conn_
                                 .Query("DELETE FROM " + table +
                                            " WHERE pipeline = $1 AND analysis = $2 AND "
                                            "window_start = $3 AND window_end = $4",
                                        head)
                                 .status());
    if (!r.rows.empty()) {
      std::string data;
      for (const model::ResultRow& row : r.rows) {
        for (const auto& h : head) {
          server::AppendEscapedText(&data, *h);
          data += '\t';
        }
        for (std::size_t i = 0; i < k.columns.size(); ++i) {
          const model::ResultColumn& c = k.columns[i];
          if (i > 0) data += '\t';
          switch (c.type) {
            case model::ColumnType::kInt:
              data += std::to_string(model::IntField(row, c.field));
              break;
            case model::ColumnType::kReal: {
              char buf[32];
              const auto e = std::to_chars(buf, buf + sizeof buf, model::RealField(row, c.field));
              data.append(buf, e.ptr);
              break;
            }
            case model::ColumnType::kText:
              server::AppendEscapedText(&data, model::TextField(row, c.field));
              break;
          }
        }
        data += '\n';
      }
      STARLING_RETURN_IF_ERROR(conn_.CopyIn("COPY " + table +
                                                " (pipeline, analysis, window_start, window_end, " +
                                                ResultColumnList(r.kind) + ") FROM STDIN",
                                            data));
    }
    const std::array<std::optional<std::string>, 9> w{r.pipeline,
                                                      r.analysis,
                                                      std::string(model::ResultKindName(r.kind)),
                                                      *head[2],
                                                      *head[3],
                                                      std::to_string(r.total),
                                                      std::to_string(r.error_bound),
                                                      std::string(r.final ? "1" : "0"),
                                                      std::to_string(r.rows.size())};
    return conn_
        .Query(
            "INSERT INTO windows (pipeline, analysis, kind, window_start, window_end, total, "
            "error_bound, final, rows) VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9) ON CONFLICT "
            "(pipeline, analysis, window_start, window_end) DO UPDATE SET kind = "
            "EXCLUDED.kind, total = EXCLUDED.total, error_bound = EXCLUDED.error_bound, "
            "final = EXCLUDED.final, rows = EXCLUDED.rows",
            w)
        .status();
  }

  Options o_;
  Connection conn_;
  std::vector<model::WindowResult> pending_;
  Status failed_;  // the last flush's retries gave up (Close does not try again)
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<ResultSink>> OpenResultSink(const Options& options) {
  auto sink = std::make_unique<PgResultSink>(options);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ResultSink>(std::move(sink));
}

}  // namespace starling::sink::postgres
