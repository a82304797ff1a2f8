// File: sink/clickhouse/result_store.cc
// Window results read back from ClickHouse (sink/store.h's ResultStore), and
// the store as `starling query` runs it (QueryableStore).
#include <algorithm>
#include <map>

#include "model/post_json.h"
#include "model/result_columns.h"
#include "sink/clickhouse/answer.h"
#include "sink/clickhouse/client.h"
#include "sink/clickhouse/schema.h"
#include "sink/clickhouse/store.h"
#include "sink/server/results.h"

namespace starling::sink::clickhouse {
namespace {

std::int64_t Int(const Value& v) {
  if (const auto* i = std::get_if<std::int64_t>(&v)) return *i;
  if (const auto* d = std::get_if<double>(&v)) return static_cast<std::int64_t>(*d);
  return 0;
}

double Real(const Value& v) {
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* s = std::get_if<std::string>(&v)) return std::strtod(s->c_str(), nullptr);
  return 0.0;
}

std::string Text(const Value& v) {
  if (const auto* s = std::get_if<std::string>(&v)) return *s;
  return {};
}

// True when row a comes before row b in the kind's read order.
bool Before(const model::ResultKindInfo& k, const model::ResultRow& a, const model::ResultRow& b) {
  for (const model::SortTerm& t : k.order) {
    const auto c = std::find_if(k.columns.begin(), k.columns.end(),
                                [&](const model::ResultColumn& rc) { return rc.name == t.column; });
    if (c == k.columns.end()) continue;
    int cmp = 0;
    switch (c->type) {
      case model::ColumnType::kInt: {
        const auto x = model::IntField(a, c->field), y = model::IntField(b, c->field);
        cmp = x < y ? -1 : x > y ? 1 : 0;
        break;
      }
      case model::ColumnType::kReal: {
        const double x = model::RealField(a, c->field), y = model::RealField(b, c->field);
        cmp = x < y ? -1 : x > y ? 1 : 0;
        break;
      }
      case model::ColumnType::kText:
        cmp = model::TextField(a, c->field).compare(model::TextField(b, c->field));
        break;
    }
    if (cmp != 0) return t.descending ? cmp > 0 : cmp < 0;
  }
  return false;
}

class ChResultStore final : public ResultStore {
 public:
  ChResultStore(Options o, Client client) : o_(std::move(o)), client_(std::move(client)) {}

  const std::string& Name() const override { return o_.address.display; }

  Result<std::vector<StoredPipeline>> Pipelines() override {
    STARLING_RETURN_IF_ERROR(Present());
    std::vector<StoredPipeline> out;
    STARLING_RETURN_IF_ERROR(Rows(
        "SELECT pipeline, count() AS n FROM windows GROUP BY pipeline ORDER BY n DESC, pipeline",
        [&](std::vector<JsonField>& f) {
          out.push_back({Text(f[0].value), static_cast<std::uint64_t>(Int(f[1].value))});
        }));
    return out;
  }

  Result<std::vector<model::AnalysisMeta>> Analyses(const std::string& pipeline) override {
    STARLING_RETURN_IF_ERROR(Present());
    std::string p;
    AppendLiteral(&p, pipeline);
    std::vector<model::AnalysisMeta> out;
    STARLING_RETURN_IF_ERROR(
        Rows("SELECT analysis, argMin(kind, first) AS first_kind, min(first) AS first_at FROM "
             "analysis_order WHERE pipeline = " +
                 p + " GROUP BY analysis ORDER BY first_at, analysis",
             [&](std::vector<JsonField>& f) {
               const auto kind = model::ResultKindFromName(Text(f[1].value));
               if (!kind) return;
               model::AnalysisMeta a;
               a.pipeline = pipeline;
               a.analysis = Text(f[0].value);
               a.kind = *kind;
               out.push_back(std::move(a));
             }));
    STARLING_RETURN_IF_ERROR(
        Rows("SELECT analysis, `by`, `window`, k, `of` FROM analyses WHERE pipeline = " + p,
             [&](std::vector<JsonField>& f) {
               for (model::AnalysisMeta& a : out) {
                 if (a.analysis != Text(f[0].value)) continue;
                 a.by = Text(f[1].value);
                 a.window = Text(f[2].value);
                 a.k = static_cast<std::uint64_t>(std::max<std::int64_t>(0, Int(f[3].value)));
                 a.of = Text(f[4].value);
               }
             }));
    return out;
  }

  Result<std::vector<model::WindowResult>> RecentWindows(const model::AnalysisMeta& a,
                                                         std::size_t limit) override {
    STARLING_RETURN_IF_ERROR(Present());
    const model::ResultKindInfo& k = model::ResultKindInfoOf(a.kind);
    std::string sql = "SELECT window_start, window_end, total, error_bound, `final`";
    for (const model::ResultColumn& c : k.columns) sql += ", " + Quote(c.name);
    sql += " FROM " + ResultDataTable(k) + " FINAL WHERE pipeline = ";
    AppendLiteral(&sql, a.pipeline);
    sql += " AND analysis = ";
    AppendLiteral(&sql, a.analysis);
    sql += " ORDER BY window_end DESC, window_start DESC LIMIT " +
           std::to_string(std::min<std::size_t>(limit, INT64_MAX));
    std::vector<model::WindowResult> out;
    Status bad = Status::Ok();
    STARLING_RETURN_IF_ERROR(Rows(sql, [&](std::vector<JsonField>& f) {
      if (!bad.ok()) return;
      if (f.size() != 5 + k.columns.size()) {
        bad = MalformedInput(Name() + ": a window of " + a.analysis + " lacks columns");
        return;
      }
      model::WindowResult r;
      r.pipeline = a.pipeline;
      r.analysis = a.analysis;
      r.kind = a.kind;
      const std::string start = Text(f[0].value), end = Text(f[1].value);
      auto s = server::ParseWindowBound(start, true);
      auto e = server::ParseWindowBound(end, false);
      if (!s.ok() || !e.ok()) {
        bad = MalformedInput(Name() + ": window of " + a.analysis + " has a bad time '" + start +
                             "'..'" + end + "'");
        return;
      }
      r.window_start = *s;
      r.window_end = *e;
      r.total = static_cast<std::uint64_t>(Int(f[2].value));
      r.error_bound = static_cast<std::uint64_t>(Int(f[3].value));
      r.final = Int(f[4].value) != 0;
      const std::size_t n = f[5].items.size();
      r.rows.resize(n);
      for (std::size_t c = 0; c < k.columns.size(); ++c) {
        const model::ResultColumn& col = k.columns[c];
        const std::vector<Value>& items = f[5 + c].items;
        for (std::size_t i = 0; i < n && i < items.size(); ++i) {
          server::SetResultField(&r.rows[i], col, items[i]);
        }
      }
      std::stable_sort(
          r.rows.begin(), r.rows.end(),
          [&](const model::ResultRow& x, const model::ResultRow& y) { return Before(k, x, y); });
      if (k.rank_by_order) {
        std::int32_t rank = 0;
        for (model::ResultRow& row : r.rows) row.rank = ++rank;
      }
      out.push_back(std::move(r));
    }));
    STARLING_RETURN_IF_ERROR(bad);
    return out;
  }

 private:
  // Runs `sql` as JSONEachRow and passes each row's fields.
  Status Rows(const std::string& sql, const std::function<void(std::vector<JsonField>&)>& on_row) {
    std::vector<JsonField> fields;
    return client_.Lines(sql + " FORMAT JSONEachRow", JsonReadSettings(),
                         [&](std::string_view line) -> Status {
                           if (line.empty()) return Status::Ok();
                           STARLING_RETURN_IF_ERROR(reader_.Read(line, &fields));
                           on_row(fields);
                           return Status::Ok();
                         });
  }

  Status Present() {
    STARLING_ASSIGN_OR_RETURN(const std::string exists, client_.Fetch("EXISTS TABLE windows"));
    if (exists.rfind('1', 0) != 0) {
      return NotFound("ClickHouse " + o_.address.display + " holds no results tables");
    }
    return Status::Ok();
  }

  Options o_;
  Client client_;
  JsonRowReader reader_;
};

class ChQueryable final : public QueryableStore {
 public:
  ChQueryable(Options o, Client client) : o_(std::move(o)), client_(std::move(client)) {}
  const std::string& Name() const override { return o_.address.display; }
  std::string_view Dialect() const override { return "clickhouse"; }
  // The logical tables are views that already give every column as its
  // logical type (created_at: Int64 microseconds), so ColumnSql stays empty.

  Status Query(std::string_view statement,
               const std::function<Status(std::vector<std::string>)>& on_columns,
               const std::function<Status(std::span<const Value>)>& on_row) override {
    // readonly=1: the server refuses anything that writes, and any change
    // of settings within the statement.
    static const Settings settings = {{"default_format", "TabSeparatedWithNamesAndTypes"},
                                      {"readonly", "1"}};
    TsvReader reader(on_columns, on_row);
    STARLING_RETURN_IF_ERROR(client_.Lines(
        statement, settings, [&](std::string_view line) { return reader.Line(line); }));
    return reader.Finish();
  }

 private:
  Options o_;
  Client client_;
};

}  // namespace

Result<std::unique_ptr<ResultStore>> OpenResultStore(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Client client, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<ResultStore>(new ChResultStore(options, std::move(client)));
}

Result<std::unique_ptr<QueryableStore>> OpenQueryable(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Client client, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<QueryableStore>(new ChQueryable(options, std::move(client)));
}

}  // namespace starling::sink::clickhouse
