// File: sink/mongodb/result_store.cc
// Window results read back from MongoDB (sink/store.h's ResultStore), and
// the store as `starling query` runs it: an aggregation pipeline. FerretDB
// lacks $min and $lookup, so what SQL stores do in one statement (an
// analysis's first window, windows with their rows) is a few finds here,
// combined in C++.
#include <algorithm>
#include <map>
#include <unordered_map>

#include "model/result_columns.h"
#include "sink/mongodb/client.h"
#include "sink/mongodb/documents.h"
#include "sink/mongodb/store.h"

namespace starling::sink::mongodb {
namespace {

Result<model::TimestampUs> Time(const std::string& text, bool start) {
  if (text.empty()) return start ? INT64_MIN : INT64_MAX;
  return model::ParseTimestamp(text);
}

// A document's fields by name, as cells.
std::unordered_map<std::string, Value> Fields(const bson_t& doc) {
  std::unordered_map<std::string, Value> out;
  bson_iter_t it;
  if (!bson_iter_init(&it, &doc)) return out;
  while (bson_iter_next(&it)) {
    out.emplace(std::string(bson_iter_key(&it), bson_iter_key_len(&it)), CellOf(it));
  }
  return out;
}

std::int64_t Int(const std::unordered_map<std::string, Value>& f, const std::string& k) {
  const auto it = f.find(k);
  if (it == f.end()) return 0;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return *i;
  if (const auto* d = std::get_if<double>(&it->second)) return static_cast<std::int64_t>(*d);
  return 0;
}

double Real(const std::unordered_map<std::string, Value>& f, const std::string& k) {
  const auto it = f.find(k);
  if (it == f.end()) return 0;
  if (const auto* d = std::get_if<double>(&it->second)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&it->second)) return static_cast<double>(*i);
  return 0;
}

std::string Text(const std::unordered_map<std::string, Value>& f, const std::string& k) {
  const auto it = f.find(k);
  if (it == f.end()) return {};
  if (const auto* s = std::get_if<std::string>(&it->second)) return *s;
  return {};
}

class MongoResultStore final : public ResultStore {
 public:
  MongoResultStore(Options o, Client client) : o_(std::move(o)), client_(std::move(client)) {}

  const std::string& Name() const override { return o_.address.display; }

  Result<std::vector<StoredPipeline>> Pipelines() override {
    STARLING_RETURN_IF_ERROR(Present());
    // $group by a field with $sum: what FerretDB has.
    Bson pipeline = NewBson();
    bson_t stages, stage, group, count;
    BSON_APPEND_ARRAY_BEGIN(pipeline.get(), "pipeline", &stages);
    BSON_APPEND_DOCUMENT_BEGIN(&stages, "0", &stage);
    BSON_APPEND_DOCUMENT_BEGIN(&stage, "$group", &group);
    BSON_APPEND_UTF8(&group, "_id", "$pipeline");
    BSON_APPEND_DOCUMENT_BEGIN(&group, "n", &count);
    BSON_APPEND_INT32(&count, "$sum", 1);
    bson_append_document_end(&group, &count);
    bson_append_document_end(&stage, &group);
    bson_append_document_end(&stages, &stage);
    bson_append_array_end(pipeline.get(), &stages);
    Collection windows = client_.Get("windows");
    Cursor cursor(mongoc_collection_aggregate(windows.get(), MONGOC_QUERY_NONE, pipeline.get(),
                                              nullptr, nullptr));
    std::vector<StoredPipeline> out;
    STARLING_RETURN_IF_ERROR(
        client_.Walk(cursor.get(), "counting windows", [&](const bson_t& doc) -> Status {
          const auto f = Fields(doc);
          out.push_back({Text(f, "_id"), static_cast<std::uint64_t>(Int(f, "n"))});
          return Status::Ok();
        }));
    std::sort(out.begin(), out.end(), [](const StoredPipeline& a, const StoredPipeline& b) {
      return a.windows != b.windows ? a.windows > b.windows : a.name < b.name;
    });
    return out;
  }

  Result<std::vector<model::AnalysisMeta>> Analyses(const std::string& pipeline) override {
    STARLING_RETURN_IF_ERROR(Present());
    // Each analysis's first seq (FerretDB has no $min: the windows' heads
    // in seq order, first seen wins).
    std::vector<std::pair<std::string, std::string>> order;  // (analysis, kind)
    std::map<std::string, bool> seen;
    {
      Bson filter = NewBson();
      AppendText(filter.get(), "pipeline", pipeline);
      Bson opts = NewBson();
      bson_t sort, projection;
      BSON_APPEND_DOCUMENT_BEGIN(opts.get(), "sort", &sort);
      BSON_APPEND_INT32(&sort, "seq", 1);
      bson_append_document_end(opts.get(), &sort);
      BSON_APPEND_DOCUMENT_BEGIN(opts.get(), "projection", &projection);
      BSON_APPEND_INT32(&projection, "analysis", 1);
      BSON_APPEND_INT32(&projection, "kind", 1);
      bson_append_document_end(opts.get(), &projection);
      Collection windows = client_.Get("windows");
      Cursor cursor(
          mongoc_collection_find_with_opts(windows.get(), filter.get(), opts.get(), nullptr));
      STARLING_RETURN_IF_ERROR(
          client_.Walk(cursor.get(), "reading windows", [&](const bson_t& doc) -> Status {
            const auto f = Fields(doc);
            std::string analysis = Text(f, "analysis");
            if (seen.emplace(analysis, true).second) order.emplace_back(analysis, Text(f, "kind"));
            return Status::Ok();
          }));
    }
    std::map<std::string, std::unordered_map<std::string, Value>> declared;
    {
      Bson filter = NewBson();
      AppendText(filter.get(), "pipeline", pipeline);
      Collection analyses = client_.Get("analyses");
      Cursor cursor(
          mongoc_collection_find_with_opts(analyses.get(), filter.get(), nullptr, nullptr));
      STARLING_RETURN_IF_ERROR(
          client_.Walk(cursor.get(), "reading analyses", [&](const bson_t& doc) -> Status {
            auto f = Fields(doc);
            declared[Text(f, "analysis")] = std::move(f);
            return Status::Ok();
          }));
    }
    std::vector<model::AnalysisMeta> out;
    for (const auto& [analysis, kind_name] : order) {
      const auto kind = model::ResultKindFromName(kind_name);
      if (!kind) continue;
      model::AnalysisMeta a;
      a.pipeline = pipeline;
      a.analysis = analysis;
      a.kind = *kind;
      if (const auto d = declared.find(analysis); d != declared.end()) {
        a.by = Text(d->second, "by");
        a.window = Text(d->second, "window");
        a.k = static_cast<std::uint64_t>(std::max<std::int64_t>(0, Int(d->second, "k")));
        a.of = Text(d->second, "of");
      }
      out.push_back(std::move(a));
    }
    return out;
  }

  Result<std::vector<model::WindowResult>> RecentWindows(const model::AnalysisMeta& a,
                                                         std::size_t limit) override {
    STARLING_RETURN_IF_ERROR(Present());
    std::vector<model::WindowResult> out;
    if (limit == 0) return out;
    std::vector<std::pair<std::string, std::string>> bounds;
    {
      Bson filter = NewBson();
      AppendText(filter.get(), "pipeline", a.pipeline);
      AppendText(filter.get(), "analysis", a.analysis);
      Bson opts = NewBson();
      bson_t sort;
      BSON_APPEND_DOCUMENT_BEGIN(opts.get(), "sort", &sort);
      BSON_APPEND_INT32(&sort, "window_end", -1);
      BSON_APPEND_INT32(&sort, "window_start", -1);
      bson_append_document_end(opts.get(), &sort);
      BSON_APPEND_INT64(opts.get(), "limit",
                        static_cast<std::int64_t>(std::min<std::size_t>(limit, INT64_MAX)));
      Collection windows = client_.Get("windows");
      Cursor cursor(
          mongoc_collection_find_with_opts(windows.get(), filter.get(), opts.get(), nullptr));
      STARLING_RETURN_IF_ERROR(
          client_.Walk(cursor.get(), "reading windows", [&](const bson_t& doc) -> Status {
            const auto f = Fields(doc);
            model::WindowResult r;
            r.pipeline = a.pipeline;
            r.analysis = a.analysis;
            r.kind = a.kind;
            const std::string start = Text(f, "window_start"), end = Text(f, "window_end");
            auto s = Time(start, true);
            auto e = Time(end, false);
            if (!s.ok() || !e.ok()) {
              return MalformedInput(Name() + ": window of " + a.analysis + " has a bad time '" +
                                    start + "'..'" + end + "'");
            }
            r.window_start = *s;
            r.window_end = *e;
            r.total = static_cast<std::uint64_t>(Int(f, "total"));
            r.error_bound = static_cast<std::uint64_t>(Int(f, "error_bound"));
            r.final = Int(f, "final") != 0;
            out.push_back(std::move(r));
            bounds.emplace_back(start, end);
            return Status::Ok();
          }));
    }
    const model::ResultKindInfo& k = model::ResultKindInfoOf(a.kind);
    Collection rows = client_.Get(k.table);
    for (std::size_t w = 0; w < out.size(); ++w) {
      Bson filter = NewBson();
      AppendText(filter.get(), "pipeline", a.pipeline);
      AppendText(filter.get(), "analysis", a.analysis);
      AppendText(filter.get(), "window_start", bounds[w].first);
      AppendText(filter.get(), "window_end", bounds[w].second);
      Bson opts = NewBson();
      bson_t sort;
      BSON_APPEND_DOCUMENT_BEGIN(opts.get(), "sort", &sort);
      for (const model::SortTerm& t : k.order) {
        bson_append_int32(&sort, t.column.data(), static_cast<int>(t.column.size()),
                          t.descending ? -1 : 1);
      }
      bson_append_document_end(opts.get(), &sort);
      Cursor cursor(
          mongoc_collection_find_with_opts(rows.get(), filter.get(), opts.get(), nullptr));
      std::int32_t rank = 0;
      STARLING_RETURN_IF_ERROR(client_.Walk(
          cursor.get(), "reading " + std::string(k.table), [&](const bson_t& doc) -> Status {
            const auto f = Fields(doc);
            model::ResultRow row;
            for (const model::ResultColumn& col : k.columns) {
              const std::string name(col.name);
              switch (col.type) {
                case model::ColumnType::kInt:
                  model::SetIntField(&row, col.field, Int(f, name));
                  break;
                case model::ColumnType::kReal:
                  model::SetRealField(&row, col.field, Real(f, name));
                  break;
                case model::ColumnType::kText:
                  model::SetTextField(&row, col.field, Text(f, name));
                  break;
              }
            }
            if (k.rank_by_order) row.rank = ++rank;
            out[w].rows.push_back(std::move(row));
            return Status::Ok();
          }));
    }
    return out;
  }

 private:
  Status Present() {
    STARLING_ASSIGN_OR_RETURN(const bool has, client_.Has("windows"));
    if (!has) return NotFound("MongoDB " + o_.address.display + " holds no results collections");
    return Status::Ok();
  }

  Options o_;
  Client client_;
};

// The answer's columns come from the first documents (a pipeline's answer
// has no schema): the fields of the first kColumnDocs documents, in the
// order first seen, subdocuments flattened ("hashtags.tag"); a field a
// later document adds is not shown, one it lacks is NULL.
constexpr std::size_t kColumnDocs = 256;

class MongoQueryable final : public QueryableStore {
 public:
  MongoQueryable(Options o, Client client) : o_(std::move(o)), client_(std::move(client)) {}
  const std::string& Name() const override { return o_.address.display; }
  std::string_view Dialect() const override { return "mongodb"; }

  // created_at is a BSON date (milliseconds); its logical value, UTC
  // microseconds, is the field beside it.
  std::string ColumnSql(std::string_view table, std::string_view column,
                        std::string_view qualifier) const override {
    if (table != "posts" || column != "created_at") return {};
    return (qualifier.empty() ? "" : std::string(qualifier) + ".") + std::string(kCreatedAtUs);
  }

  Status Query(std::string_view statement,
               const std::function<Status(std::vector<std::string>)>& on_columns,
               const std::function<Status(std::span<const Value>)>& on_row) override {
    bson_error_t error;
    Bson command(bson_new_from_json(reinterpret_cast<const std::uint8_t*>(statement.data()),
                                    static_cast<ssize_t>(statement.size()), &error));
    if (!command) {
      return InvalidArgument("MongoDB statement is not JSON: " + std::string(error.message));
    }
    bson_iter_t it;
    std::string collection;
    if (bson_iter_init_find(&it, command.get(), "aggregate") && BSON_ITER_HOLDS_UTF8(&it)) {
      collection = bson_iter_utf8(&it, nullptr);
    }
    bson_iter_t stages;
    if (collection.empty() || !bson_iter_init_find(&stages, command.get(), "pipeline") ||
        !BSON_ITER_HOLDS_ARRAY(&stages)) {
      return InvalidArgument(
          "a MongoDB statement is {\"aggregate\": COLLECTION, \"pipeline\": [...]}");
    }
    // Read-only: a query never changes the store.
    bson_iter_t stage;
    bson_iter_recurse(&stages, &stage);
    while (bson_iter_next(&stage)) {
      bson_iter_t op;
      if (BSON_ITER_HOLDS_DOCUMENT(&stage) && bson_iter_recurse(&stage, &op) &&
          bson_iter_next(&op)) {
        const std::string_view name = bson_iter_key(&op);
        if (name == "$out" || name == "$merge") {
          return InvalidArgument("a query may not write: " + std::string(name));
        }
      }
    }
    Bson pipeline = NewBson();
    bson_append_iter(pipeline.get(), "pipeline", 8, &stages);
    Collection c = client_.Get(collection);
    Cursor cursor(
        mongoc_collection_aggregate(c.get(), MONGOC_QUERY_NONE, pipeline.get(), nullptr, nullptr));
    std::vector<std::vector<std::pair<std::string, Value>>> first;
    std::vector<std::string> columns;
    std::unordered_map<std::string, std::size_t> index;
    std::vector<Value> row;
    bool started = false;
    auto emit = [&](std::vector<std::pair<std::string, Value>>& fields) -> Status {
      row.assign(columns.size(), Value{});
      for (auto& [name, v] : fields) {
        if (const auto c = index.find(name); c != index.end()) row[c->second] = std::move(v);
      }
      return on_row(row);
    };
    auto start = [&]() -> Status {
      started = true;
      for (const auto& doc : first) {
        for (const auto& [name, v] : doc) {
          if (index.emplace(name, columns.size()).second) columns.push_back(name);
        }
      }
      STARLING_RETURN_IF_ERROR(on_columns(columns));
      for (auto& doc : first) STARLING_RETURN_IF_ERROR(emit(doc));
      first.clear();
      return Status::Ok();
    };
    std::vector<std::pair<std::string, Value>> fields;
    STARLING_RETURN_IF_ERROR(
        client_.Walk(cursor.get(), "running the query", [&](const bson_t& doc) -> Status {
          FlattenDocument(doc, &fields);
          if (started) return emit(fields);
          first.push_back(std::move(fields));
          if (first.size() == kColumnDocs) return start();
          return Status::Ok();
        }));
    if (!started) STARLING_RETURN_IF_ERROR(start());
    return Status::Ok();
  }

 private:
  Options o_;
  Client client_;
};

}  // namespace

Result<std::unique_ptr<ResultStore>> OpenResultStore(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Client client, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<ResultStore>(new MongoResultStore(options, std::move(client)));
}

Result<std::unique_ptr<QueryableStore>> OpenQueryable(const Options& options) {
  STARLING_ASSIGN_OR_RETURN(Client client, ConnectRetrying(options.address, options.retry));
  return std::unique_ptr<QueryableStore>(new MongoQueryable(options, std::move(client)));
}

}  // namespace starling::sink::mongodb
