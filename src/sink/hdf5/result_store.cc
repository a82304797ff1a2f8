// File: sink/hdf5/result_store.cc
#include "sink/hdf5/result_store.h"

#include <algorithm>
#include <map>

#include "model/result_columns.h"
#include "sink/hdf5/internal/results.h"
#include "sink/hdf5/schema.h"

namespace starling::sink {
namespace {

using hdf5::StoredWindow;

// Compares two rows of a kind by one of its columns.
int CompareBy(const model::ResultKindInfo& k, std::string_view column, const model::ResultRow& a,
              const model::ResultRow& b) {
  for (const model::ResultColumn& c : k.columns) {
    if (c.name != column) continue;
    switch (c.type) {
      case model::ColumnType::kInt: {
        const auto x = model::IntField(a, c.field), y = model::IntField(b, c.field);
        return x < y ? -1 : x > y ? 1 : 0;
      }
      case model::ColumnType::kReal: {
        const auto x = model::RealField(a, c.field), y = model::RealField(b, c.field);
        return x < y ? -1 : x > y ? 1 : 0;
      }
      case model::ColumnType::kText:
        return model::TextField(a, c.field).compare(model::TextField(b, c.field));
    }
  }
  return 0;
}

class Hdf5ResultStore final : public ResultStore {
 public:
  Hdf5ResultStore(std::string path, hdf5::Handle file, std::vector<StoredWindow> windows,
                  bool has_windows)
      : path_(std::move(path)),
        file_(std::move(file)),
        windows_(std::move(windows)),
        has_windows_(has_windows) {}

  const std::string& Name() const override { return path_; }

  Result<std::vector<StoredPipeline>> Pipelines() override {
    if (!has_windows_) return NotFound(path_ + " holds no window results (no /windows table)");
    std::map<std::string, std::uint64_t> counts;
    for (const StoredWindow& w : windows_) ++counts[w.pipeline];
    std::vector<StoredPipeline> out;
    for (const auto& [name, n] : counts) out.push_back({name, n});
    std::stable_sort(out.begin(), out.end(), [](const StoredPipeline& a, const StoredPipeline& b) {
      return a.windows > b.windows;
    });
    return out;
  }

  Result<std::vector<model::AnalysisMeta>> Analyses(const std::string& pipeline) override {
    if (!has_windows_) return NotFound(path_ + " holds no window results (no /windows table)");
    std::vector<model::AnalysisMeta> out;
    for (const StoredWindow& w : windows_) {  // in the order first stored
      if (w.pipeline != pipeline) continue;
      const auto kind = model::ResultKindFromName(w.kind);
      if (!kind) continue;
      auto seen = std::find_if(out.begin(), out.end(), [&](const model::AnalysisMeta& a) {
        return a.analysis == w.analysis && a.kind == *kind;
      });
      if (seen != out.end()) continue;
      model::AnalysisMeta a;
      a.pipeline = pipeline;
      a.analysis = w.analysis;
      a.kind = *kind;
      out.push_back(std::move(a));
    }
    const std::string name(hdf5::kAnalysesTable);
    if (!hdf5::HasObject(file_.get(), name)) return out;
    STARLING_ASSIGN_OR_RETURN(hdf5::Handle ds,
                              hdf5::OpenTable(file_.get(), name, hdf5::AnalysesLayout()));
    STARLING_RETURN_IF_ERROR(
        hdf5::ReadRows(ds.get(), hdf5::AnalysesLayout(), 0, 0, [&](std::span<const Value> c) {
          if (std::get<std::string>(c[0]) != pipeline) return Status::Ok();
          for (model::AnalysisMeta& a : out) {
            if (a.analysis != std::get<std::string>(c[1])) continue;
            a.by = std::get<std::string>(c[3]);
            a.window = std::get<std::string>(c[4]);
            a.k =
                static_cast<std::uint64_t>(std::max<std::int64_t>(0, std::get<std::int64_t>(c[5])));
            a.of = std::get<std::string>(c[6]);
          }
          return Status::Ok();
        }));
    return out;
  }

  Result<std::vector<model::WindowResult>> RecentWindows(const model::AnalysisMeta& a,
                                                         std::size_t limit) override {
    const std::string kind_name(model::ResultKindName(a.kind));
    std::vector<const StoredWindow*> picked;
    for (const StoredWindow& w : windows_) {
      if (w.pipeline == a.pipeline && w.analysis == a.analysis && w.kind == kind_name) {
        picked.push_back(&w);
      }
    }
    // Newest first, by end then start, as stored text (as SQLite orders them).
    std::stable_sort(picked.begin(), picked.end(),
                     [](const StoredWindow* x, const StoredWindow* y) {
                       return x->end != y->end ? x->end > y->end : x->start > y->start;
                     });
    if (picked.size() > limit) picked.resize(limit);
    const model::ResultKindInfo& info = model::ResultKindInfoOf(a.kind);
    const std::string table(info.table);
    hdf5::Handle ds;
    if (!picked.empty()) {
      if (!hdf5::HasObject(file_.get(), table)) {
        return NotFound(path_ + " has windows of " + a.analysis + " but no /" + table + " table");
      }
      STARLING_ASSIGN_OR_RETURN(ds,
                                hdf5::OpenTable(file_.get(), table, hdf5::ResultLayout(a.kind)));
    }
    std::vector<model::WindowResult> out;
    for (const StoredWindow* w : picked) {
      model::WindowResult r;
      r.pipeline = a.pipeline;
      r.analysis = a.analysis;
      r.kind = a.kind;
      auto s = hdf5::BoundTime(w->start, true);
      auto e = hdf5::BoundTime(w->end, false);
      if (!s.ok() || !e.ok()) {
        return MalformedInput(path_ + ": window of " + a.analysis + " has a bad time '" + w->start +
                              "'..'" + w->end + "'");
      }
      r.window_start = *s;
      r.window_end = *e;
      r.total = static_cast<std::uint64_t>(w->total);
      r.error_bound = static_cast<std::uint64_t>(w->error_bound);
      r.final = w->final != 0;
      if (w->rows > 0) {
        STARLING_RETURN_IF_ERROR(
            hdf5::ReadRows(ds.get(), hdf5::ResultLayout(a.kind), static_cast<hsize_t>(w->first_row),
                           static_cast<hsize_t>(w->rows), [&](std::span<const Value> c) {
                             r.rows.push_back(hdf5::ResultRowOf(a.kind, c));
                             return Status::Ok();
                           }));
      }
      std::stable_sort(r.rows.begin(), r.rows.end(),
                       [&](const model::ResultRow& x, const model::ResultRow& y) {
                         for (const model::SortTerm& t : info.order) {
                           const int c = CompareBy(info, t.column, x, y);
                           if (c != 0) return t.descending ? c > 0 : c < 0;
                         }
                         return false;
                       });
      if (info.rank_by_order) {
        std::int32_t rank = 0;
        for (model::ResultRow& row : r.rows) row.rank = ++rank;
      }
      out.push_back(std::move(r));
    }
    return out;
  }

 private:
  std::string path_;
  hdf5::Handle file_;
  std::vector<StoredWindow> windows_;
  bool has_windows_;
};

}  // namespace

Result<std::unique_ptr<ResultStore>> OpenHdf5ResultStore(const std::string& path,
                                                         const StoreOptions&) {
  STARLING_ASSIGN_OR_RETURN(hdf5::Handle file, hdf5::OpenForReading(path));
  const bool has = hdf5::HasObject(file.get(), std::string(hdf5::kWindowsTable));
  auto windows = hdf5::ReadWindows(file.get());
  if (!windows.ok()) {
    return Status(windows.status().code(), path + ": " + windows.status().message());
  }
  return std::unique_ptr<ResultStore>(
      new Hdf5ResultStore(path, std::move(file), std::move(*windows), has));
}

std::vector<std::string> Hdf5DemoQueries(const std::string& path) {
  return {"h5dump -H " + path, "h5dump -d /trending -c 10 " + path};
}

}  // namespace starling::sink
