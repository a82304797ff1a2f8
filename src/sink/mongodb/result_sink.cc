// File: sink/mongodb/result_sink.cc
// Window results into MongoDB: each flush writes the windows since the last
// one: per result kind, ordered bulks that delete each window's old rows,
// then insert its rows (a window written again replaces itself); then the
// windows' heads, upserted by (pipeline, analysis, window_start,
// window_end), with `seq` set only when a window is first stored. A flush
// the server did not take is written again whole on a new client; every
// step is idempotent, so a flush cut short and written again leaves the same
// documents.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <map>
#include <tuple>

#include "model/post_json.h"
#include "model/result_columns.h"
#include "sink/mongodb/client.h"
#include "sink/mongodb/documents.h"
#include "sink/mongodb/schema.h"
#include "sink/mongodb/store.h"

namespace starling::sink::mongodb {
namespace {

std::string Bound(model::TimestampUs t) {
  if (t == INT64_MIN || t == INT64_MAX) return "";
  return model::FormatTimestamp(t);
}

// The window's head: the filter of its rows, and the first fields of each.
void AppendHead(bson_t* doc, const model::WindowResult& r) {
  AppendText(doc, "pipeline", r.pipeline);
  AppendText(doc, "analysis", r.analysis);
  AppendText(doc, "window_start", Bound(r.window_start));
  AppendText(doc, "window_end", Bound(r.window_end));
}

class MongoResultSink final : public ResultSink {
 public:
  explicit MongoResultSink(Options o) : o_(std::move(o)) {}
  ~MongoResultSink() override { (void)Close(); }

  Status Open() {
    STARLING_ASSIGN_OR_RETURN(client_, ConnectRetrying(o_.address, o_.retry));
    return EnsureResultsSchema(client_, o_.replace);
  }

  Status DeclareAnalyses(const std::vector<model::AnalysisMeta>& analyses) override {
    if (analyses.empty()) return Status::Ok();
    return Retrying("declaring analyses", [&]() -> Status {
      Writes writes(client_, "analyses", false);
      for (const model::AnalysisMeta& a : analyses) {
        Bson q = NewBson();
        AppendText(q.get(), "pipeline", a.pipeline);
        AppendText(q.get(), "analysis", a.analysis);
        Bson u = NewBson();
        bson_t set;
        BSON_APPEND_DOCUMENT_BEGIN(u.get(), "$set", &set);
        AppendText(&set, "kind", model::ResultKindName(a.kind));
        AppendText(&set, "by", a.by);
        AppendText(&set, "window", a.window);
        BSON_APPEND_INT64(&set, "k", static_cast<std::int64_t>(a.k));
        AppendText(&set, "of", a.of);
        bson_append_document_end(u.get(), &set);
        STARLING_RETURN_IF_ERROR(writes.UpdateUpsert(*q, *u));
      }
      return writes.Finish();
    });
  }

  Status Write(const model::WindowResult& r) override {
    if (closed_) return Internal("MongoDB result sink: Write after Close");
    pending_.push_back(r);
    return Status::Ok();
  }

  Status Flush() override {
    if (closed_ || pending_.empty()) return Status::Ok();
    // Each window's seq is fixed before the first try, so a try again
    // stores the same numbers: the time it was first written, in
    // microseconds, made strictly increasing within this run.
    seqs_.clear();
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const std::int64_t now = std::chrono::duration_cast<std::chrono::microseconds>(
                                   std::chrono::system_clock::now().time_since_epoch())
                                   .count();
      last_seq_ = std::max(last_seq_ + 1, now);
      seqs_.push_back(last_seq_);
    }
    STARLING_RETURN_IF_ERROR(Retrying("writing " + std::to_string(pending_.size()) + " windows",
                                      [&] { return WritePending(); }));
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

  std::string Describe() const override { return o_.address.display + " (MongoDB results)"; }

 private:
  Status Retrying(const std::string& what, const std::function<Status()>& body) {
    return server::WithRetries(
        o_.retry, what + " to MongoDB " + o_.address.display, [&]() -> Status {
          if (!client_.is_open()) {
            STARLING_ASSIGN_OR_RETURN(client_, Client::Open(o_.address, o_.retry.connect_timeout));
          }
          Status st = body();
          if (server::Retryable(st)) client_ = Client();
          return st;
        });
  }

  Status WritePending() {
    // A window given twice in one flush: its last rendering, with the seq
    // of its first.
    std::map<std::tuple<std::string_view, std::string_view, std::int64_t, std::int64_t>,
             std::pair<std::size_t, std::int64_t>>
        latest;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const model::WindowResult& r = pending_[i];
      auto [it, fresh] =
          latest.try_emplace({r.pipeline, r.analysis, r.window_start, r.window_end}, i, seqs_[i]);
      if (!fresh) it->second.first = i;
    }
    std::map<model::ResultKind, std::vector<std::size_t>> by_kind;
    for (const auto& [head, which] : latest)
      by_kind[pending_[which.first].kind].push_back(which.first);
    // The rows, kind by kind: one ordered bulk that first deletes the
    // windows' old rows, then inserts their rows (two commands).
    for (const auto& [kind, windows] : by_kind) {
      const model::ResultKindInfo& k = model::ResultKindInfoOf(kind);
      Writes writes(client_, k.table, true);
      for (const std::size_t i : windows) {
        Bson head = NewBson();
        AppendHead(head.get(), pending_[i]);
        STARLING_RETURN_IF_ERROR(writes.RemoveMany(*head));
      }
      for (const std::size_t i : windows) {
        const model::WindowResult& r = pending_[i];
        for (const model::ResultRow& row : r.rows) {
          Bson doc = NewBson();
          AppendHead(doc.get(), r);
          for (const model::ResultColumn& col : k.columns) {
            const int n = static_cast<int>(col.name.size());
            switch (col.type) {
              case model::ColumnType::kInt:
                bson_append_int64(doc.get(), col.name.data(), n, model::IntField(row, col.field));
                break;
              case model::ColumnType::kReal: {
                const double v = model::RealField(row, col.field);
                if (std::isfinite(v)) {
                  bson_append_double(doc.get(), col.name.data(), n, v);
                } else {
                  bson_append_null(doc.get(), col.name.data(), n);
                }
                break;
              }
              case model::ColumnType::kText:
                AppendText(doc.get(), col.name, model::TextField(row, col.field));
                break;
            }
          }
          STARLING_RETURN_IF_ERROR(writes.Insert(*doc));
        }
      }
      STARLING_RETURN_IF_ERROR(writes.Finish());
    }
    // The heads, after their rows: a reader finds a window only once its
    // rows are there.
    Writes heads(client_, "windows", false);
    for (const auto& [head, which] : latest) {
      const model::WindowResult& r = pending_[which.first];
      Bson q = NewBson();
      AppendHead(q.get(), r);
      Bson u = NewBson();
      bson_t set, once;
      BSON_APPEND_DOCUMENT_BEGIN(u.get(), "$set", &set);
      AppendText(&set, "kind", model::ResultKindName(r.kind));
      BSON_APPEND_INT64(&set, "total", static_cast<std::int64_t>(r.total));
      BSON_APPEND_INT64(&set, "error_bound", static_cast<std::int64_t>(r.error_bound));
      BSON_APPEND_INT64(&set, "final", r.final ? 1 : 0);
      BSON_APPEND_INT64(&set, "rows", static_cast<std::int64_t>(r.rows.size()));
      bson_append_document_end(u.get(), &set);
      BSON_APPEND_DOCUMENT_BEGIN(u.get(), "$setOnInsert", &once);
      BSON_APPEND_INT64(&once, "seq", which.second);
      bson_append_document_end(u.get(), &once);
      STARLING_RETURN_IF_ERROR(heads.UpdateUpsert(*q, *u));
    }
    return heads.Finish();
  }

  Options o_;
  Client client_;
  std::vector<model::WindowResult> pending_;
  std::vector<std::int64_t> seqs_;
  std::int64_t last_seq_ = 0;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<ResultSink>> OpenResultSink(const Options& options) {
  auto sink = std::make_unique<MongoResultSink>(options);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ResultSink>(std::move(sink));
}

}  // namespace starling::sink::mongodb
