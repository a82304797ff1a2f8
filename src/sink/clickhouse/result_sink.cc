// File: sink/clickhouse/result_sink.cc
// Window results into ClickHouse: each flush sends the windows since the
// last one, one RowBinary INSERT per result kind, a window as one row (its
// head and its rows as arrays) with a version that grows with every window
// written. A window emitted again is a new row with a higher version, and
// the views read only the newest (FINAL), so it replaces itself whole,
// rows that it no longer has included. A flush the server did not take is
// sent again whole; the same rows with the same versions do not double.
#include <chrono>
#include <map>
#include <set>

#include "model/post_json.h"
#include "model/result_columns.h"
#include "sink/clickhouse/client.h"
#include "sink/clickhouse/row_binary.h"
#include "sink/clickhouse/schema.h"
#include "sink/clickhouse/store.h"
#include "sink/server/results.h"

namespace starling::sink::clickhouse {
namespace {

namespace rb = row_binary;

std::uint64_t NowMicros() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

class ChResultSink final : public ResultSink {
 public:
  explicit ChResultSink(Options o) : o_(std::move(o)) {}
  ~ChResultSink() override { (void)Close(); }

  Status Open() {
    STARLING_ASSIGN_OR_RETURN(client_, ConnectRetrying(o_.address, o_.retry));
    for (const std::string& sql : ResultsSchema()) {
      STARLING_RETURN_IF_ERROR(client_.Exec(sql, SchemaSettings()));
    }
    std::vector<std::string> tables = {"analyses_data", "analysis_order"};
    for (const model::ResultKindInfo& k : model::ResultKinds()) {
      tables.push_back(ResultDataTable(k));
    }
    if (o_.replace) {
      for (const std::string& t : tables) {
        STARLING_RETURN_IF_ERROR(client_.Exec("TRUNCATE TABLE " + t));
      }
    }
    // Versions only grow, whatever this machine's clock did since the last run.
    std::string sql;
    for (const std::string& t : tables) {
      if (t == "analysis_order") continue;
      sql += (sql.empty() ? "SELECT max(v) FROM (" : " UNION ALL ") +
             std::string("SELECT max(version) AS v FROM ") + t;
    }
    STARLING_ASSIGN_OR_RETURN(const std::string max, client_.Fetch(sql + ")"));
    last_version_ = std::strtoull(max.c_str(), nullptr, 10);
    return Status::Ok();
  }

  Status DeclareAnalyses(const std::vector<model::AnalysisMeta>& analyses) override {
    if (analyses.empty()) return Status::Ok();
    const std::uint64_t version = NextVersion();
    std::string sql =
        "INSERT INTO analyses_data (pipeline, analysis, kind, `by`, `window`, k, `of`, version) "
        "VALUES ";
    bool first = true;
    for (const model::AnalysisMeta& a : analyses) {
      sql += first ? "(" : ", (";
      first = false;
      for (const std::string& v :
           {a.pipeline, a.analysis, std::string(model::ResultKindName(a.kind)), a.by, a.window}) {
        AppendLiteral(&sql, v);
        sql += ", ";
      }
      sql += std::to_string(a.k) + ", ";
      AppendLiteral(&sql, a.of);
      sql += ", " + std::to_string(version) + ")";
    }
    return server::WithRetries(o_.retry, "declaring analyses to ClickHouse " + o_.address.display,
                               [&]() -> Status { return client_.Exec(sql); });
  }

  Status Write(const model::WindowResult& r) override {
    if (closed_) return Internal("ClickHouse result sink: Write after Close");
    pending_.push_back(r);
    return Status::Ok();
  }

  Status Flush() override {
    if (closed_ || pending_.empty()) return Status::Ok();
    // A body per kind; each window its own version, in the order written.
    std::map<model::ResultKind, std::string> bodies;
    std::string order;  // analysis_order rows of analyses not recorded yet
    std::vector<std::pair<std::string, std::string>> recorded;
    for (const model::WindowResult& r : pending_) {
      const std::uint64_t version = NextVersion();
      AppendWindow(r, version, &bodies[r.kind]);
      std::pair<std::string, std::string> key{r.pipeline, r.analysis};
      if (ordered_.count(key) != 0) continue;
      ordered_.insert(key);
      recorded.push_back(std::move(key));
      order += order.empty() ? "INSERT INTO analysis_order VALUES (" : ", (";
      AppendLiteral(&order, r.pipeline);
      order += ", ";
      AppendLiteral(&order, r.analysis);
      order += ", '" + std::string(model::ResultKindName(r.kind)) + "', " +
               std::to_string(version) + ")";
    }
    Status st = server::WithRetries(
        o_.retry,
        "writing " + std::to_string(pending_.size()) + " windows to ClickHouse " +
            o_.address.display,
        [&]() -> Status {
          for (const auto& [kind, body] : bodies) {
            const model::ResultKindInfo& k = model::ResultKindInfoOf(kind);
            STARLING_RETURN_IF_ERROR(client_.Insert("INSERT INTO " + ResultDataTable(k) + " (" +
                                                        ResultDataColumns(k) + ") FORMAT RowBinary",
                                                    body));
          }
          if (!order.empty()) STARLING_RETURN_IF_ERROR(client_.Exec(order));
          return Status::Ok();
        });
    if (!st.ok()) {
      for (const auto& key : recorded) ordered_.erase(key);  // written by the next flush
      return st;
    }
    pending_.clear();
    return Status::Ok();
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    Status st = Flush();
    closed_ = true;
    client_ = Client();
    return st;
  }

  std::string Describe() const override { return o_.address.display + " (ClickHouse results)"; }

 private:
  std::uint64_t NextVersion() {
    last_version_ = std::max(NowMicros(), last_version_ + 1);
    return last_version_;
  }

  static void AppendWindow(const model::WindowResult& r, std::uint64_t version, std::string* out) {
    const model::ResultKindInfo& k = model::ResultKindInfoOf(r.kind);
    rb::String(out, r.pipeline);
    rb::String(out, r.analysis);
    rb::String(out, server::WindowBound(r.window_start));
    rb::String(out, server::WindowBound(r.window_end));
    rb::Int64(out, static_cast<std::int64_t>(r.total));
    rb::Int64(out, static_cast<std::int64_t>(r.error_bound));
    rb::UInt8(out, r.final ? 1 : 0);
    rb::Int64(out, static_cast<std::int64_t>(r.rows.size()));
    rb::UInt64(out, version);
    for (const model::ResultColumn& c : k.columns) {
      rb::Varint(out, r.rows.size());
      for (const model::ResultRow& row : r.rows) {
        switch (c.type) {
          case model::ColumnType::kInt:
            rb::Int64(out, model::IntField(row, c.field));
            break;
          case model::ColumnType::kReal:
            rb::Float64(out, model::RealField(row, c.field));
            break;
          case model::ColumnType::kText:
            rb::String(out, model::TextField(row, c.field));
            break;
        }
      }
    }
  }

  Options o_;
  Client client_;
  std::vector<model::WindowResult> pending_;
  // Analyses this sink has recorded in analysis_order.
  std::set<std::pair<std::string, std::string>> ordered_;
  std::uint64_t last_version_ = 0;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<ResultSink>> OpenResultSink(const Options& options) {
  auto sink = std::make_unique<ChResultSink>(options);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ResultSink>(std::move(sink));
}

}  // namespace starling::sink::clickhouse
