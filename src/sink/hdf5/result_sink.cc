// File: sink/hdf5/result_sink.cc
#include "sink/hdf5/result_sink.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <unordered_map>
#include <vector>

#include "model/result_columns.h"
#include "sink/hdf5/internal/results.h"
#include "sink/hdf5/schema.h"

namespace starling::sink {
namespace {

using hdf5::Handle;
using hdf5::RecordBuffer;
using hdf5::StoredWindow;
using model::WindowResult;

// An analysis's k as kept in analyses_ (its text); 0 when it is not a number.
std::int64_t KOf(const std::string& text) {
  std::int64_t k = 0;
  std::from_chars(text.data(), text.data() + text.size(), k);
  return k;
}

class Hdf5ResultSink final : public ResultSink {
 public:
  explicit Hdf5ResultSink(Hdf5ResultSinkOptions options)
      : options_(std::move(options)), what_("HDF5 results " + options_.path) {}
  ~Hdf5ResultSink() override { (void)Close(); }

  Status Open() {
    hdf5::Silence();
    STARLING_ASSIGN_OR_RETURN(file_, hdf5::OpenForWriting(options_.path, hdf5::kResultsContent));
    STARLING_ASSIGN_OR_RETURN(windows_, hdf5::ReadWindows(file_.get()));
    for (std::size_t i = 0; i < windows_.size(); ++i) {
      const StoredWindow& w = windows_[i];
      index_[hdf5::WindowKey(w.pipeline, w.analysis, w.start, w.end)] = i;
    }
    STARLING_ASSIGN_OR_RETURN(windows_table_,
                              hdf5::OpenOrCreateTable(file_.get(), std::string(hdf5::kWindowsTable),
                                                      hdf5::WindowsLayout(), options_.dataset));
    STARLING_ASSIGN_OR_RETURN(
        analyses_table_, hdf5::OpenOrCreateTable(file_.get(), std::string(hdf5::kAnalysesTable),
                                                 hdf5::AnalysesLayout(), options_.dataset));
    return hdf5::ReadRows(analyses_table_.get(), hdf5::AnalysesLayout(), 0, 0,
                          [&](std::span<const Value> c) {
                            analyses_.emplace_back();
                            for (std::size_t i = 0; i < c.size() && i < 7; ++i) {
                              if (const auto* s = std::get_if<std::string>(&c[i])) {
                                analyses_.back()[i] = *s;
                              } else if (const auto* v = std::get_if<std::int64_t>(&c[i])) {
                                analyses_.back()[i] = std::to_string(*v);
                              }
                            }
                            return Status::Ok();
                          });
  }

  Status DeclareAnalyses(const std::vector<model::AnalysisMeta>& analyses) override {
    if (!file_.valid()) return IoError(what_ + " is closed");
    for (const model::AnalysisMeta& a : analyses) {
      std::array<std::string, 7> row = {
          a.pipeline, a.analysis, std::string(model::ResultKindName(a.kind)),
          a.by,       a.window,   std::to_string(a.k),
          a.of};
      auto same = [&](const std::array<std::string, 7>& r) {
        return r[0] == a.pipeline && r[1] == a.analysis;
      };
      auto it = std::find_if(analyses_.begin(), analyses_.end(), same);
      if (it != analyses_.end()) {
        *it = std::move(row);
      } else {
        analyses_.push_back(std::move(row));
      }
    }
    hdf5::Silence();
    RecordBuffer buf(&hdf5::AnalysesLayout());
    for (const auto& r : analyses_) {
      const Cell cells[] = {std::string_view(r[0]), std::string_view(r[1]), std::string_view(r[2]),
                            std::string_view(r[3]), std::string_view(r[4]), KOf(r[5]),
                            std::string_view(r[6])};
      STARLING_RETURN_IF_ERROR(buf.Add(cells));
    }
    return hdf5::WriteRows(analyses_table_.get(), hdf5::AnalysesLayout(), 0, buf.rows(),
                           buf.Records(), buf.rows());
  }

  Status Write(const WindowResult& r) override {
    if (!file_.valid()) return IoError(what_ + " is closed");
    if (failed_) return IoError(what_ + ": an earlier write failed");
    const std::string key = hdf5::WindowKey(r.pipeline, r.analysis, hdf5::BoundText(r.window_start),
                                            hdf5::BoundText(r.window_end));
    auto [it, added] = pending_index_.try_emplace(key, pending_.size());
    if (added) {
      pending_.push_back(r);
    } else {
      pending_[it->second] = r;  // the latest emission replaces the earlier one
    }
    if (pending_.size() >= static_cast<std::size_t>(options_.batch)) return WritePending();
    return Status::Ok();
  }

  Status Flush() override {
    if (!file_.valid() || failed_) return Status::Ok();
    STARLING_RETURN_IF_ERROR(WritePending());
    return hdf5::Check(H5Fflush(file_.get(), H5F_SCOPE_LOCAL), "HDF5 flush of " + options_.path);
  }

  Status Close() override {
    if (!file_.valid()) return Status::Ok();
    Status st = failed_ ? Status::Ok() : WritePending();
    windows_table_.Reset();
    analyses_table_.Reset();
    kind_tables_.clear();
    hdf5::Silence();
    if (!file_.Reset() && st.ok()) st = IoError("HDF5 close of " + options_.path + " failed");
    return st;
  }

  std::string Describe() const override { return options_.path + " (HDF5 results)"; }

 private:
  Result<hid_t> KindTable(model::ResultKind kind) {
    auto it = kind_tables_.find(kind);
    if (it != kind_tables_.end()) return it->second.get();
    const std::string name(model::ResultKindInfoOf(kind).table);
    STARLING_ASSIGN_OR_RETURN(
        Handle ds,
        hdf5::OpenOrCreateTable(file_.get(), name, hdf5::ResultLayout(kind), options_.dataset));
    const hid_t id = ds.get();
    kind_tables_.emplace(kind, std::move(ds));
    return id;
  }

  Status WritePending() {
    if (pending_.empty()) return Status::Ok();
    hdf5::Silence();
    Status st = WritePendingUnchecked();
    pending_.clear();
    pending_index_.clear();
    if (!st.ok()) {
      failed_ = true;
      return Status(st.code(), what_ + ": " + st.message());
    }
    return Status::Ok();
  }

  Status WritePendingUnchecked() {
    // Each pending result's window: an existing row of /windows, or a new one.
    const std::size_t stored = windows_.size();
    std::vector<std::size_t> slot(pending_.size());
    std::vector<bool> changed(stored, false);
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const WindowResult& r = pending_[i];
      StoredWindow w{r.pipeline, r.analysis, std::string(model::ResultKindName(r.kind)),
                     hdf5::BoundText(r.window_start), hdf5::BoundText(r.window_end)};
      const std::string key = hdf5::WindowKey(w.pipeline, w.analysis, w.start, w.end);
      auto [it, added] = index_.try_emplace(key, windows_.size());
      if (added) {
        windows_.push_back(std::move(w));
      } else if (windows_[it->second].kind != w.kind) {
        return InvalidArgument("window " + w.start + ".." + w.end + " of " + w.pipeline + "/" +
                               w.analysis + " is stored as " + windows_[it->second].kind +
                               ", not " + w.kind + " (write another file, or --replace)");
      }
      slot[i] = it->second;
      if (it->second < stored) changed[it->second] = true;
    }
    // Their rows, kind by kind.
    std::map<model::ResultKind, std::vector<std::size_t>> by_kind;  // pending indexes
    for (std::size_t i = 0; i < pending_.size(); ++i) by_kind[pending_[i].kind].push_back(i);
    for (const auto& [kind, items] : by_kind) {
      STARLING_RETURN_IF_ERROR(WriteKind(kind, items, slot, stored, &changed));
    }
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      StoredWindow& w = windows_[slot[i]];
      w.total = static_cast<std::int64_t>(pending_[i].total);
      w.error_bound = static_cast<std::int64_t>(pending_[i].error_bound);
      w.final = pending_[i].final ? 1 : 0;
    }
    // /windows: changed rows in place, new ones appended.
    const hdf5::Layout& layout = hdf5::WindowsLayout();
    RecordBuffer rewrite(&layout);
    std::vector<hsize_t> at;
    for (std::size_t i = 0; i < stored; ++i) {
      if (!changed[i]) continue;
      STARLING_RETURN_IF_ERROR(hdf5::AddWindowRow(windows_[i], &rewrite));
      at.push_back(i);
    }
    STARLING_RETURN_IF_ERROR(hdf5::WriteRowsAt(windows_table_.get(), layout, rewrite, at));
    RecordBuffer added(&layout);
    for (std::size_t i = stored; i < windows_.size(); ++i) {
      STARLING_RETURN_IF_ERROR(hdf5::AddWindowRow(windows_[i], &added));
    }
    return hdf5::WriteRows(windows_table_.get(), layout, stored, added.rows(), added.Records(),
                           windows_.size());
  }

  // Writes the rows of the pending results `items` (of one kind) into its
  // table, setting rows and first_row of their windows (and of the stored
  // windows a rewrite moves, marked in `changed`).
  Status WriteKind(model::ResultKind kind, const std::vector<std::size_t>& items,
                   const std::vector<std::size_t>& slot, std::size_t stored,
                   std::vector<bool>* changed) {
    const hdf5::Layout& layout = hdf5::ResultLayout(kind);
    STARLING_ASSIGN_OR_RETURN(const hid_t table, KindTable(kind));
    STARLING_ASSIGN_OR_RETURN(const hsize_t size, hdf5::TableRows(table));
    std::unordered_map<std::size_t, const WindowResult*> replaced;  // stored window -> result
    std::vector<std::size_t> fresh;                                 // pending, new windows
    for (std::size_t i : items) {
      if (slot[i] < stored) {
        replaced[slot[i]] = &pending_[i];
      } else {
        fresh.push_back(i);
      }
    }
    // Where the table must be rewritten from: the first stored window whose
    // row count changes. Windows before it are rewritten in place.
    hsize_t cut = size;
    bool rewrite = false;
    for (const auto& [w, r] : replaced) {
      if (static_cast<std::int64_t>(r->rows.size()) != windows_[w].rows) {
        cut = std::min<hsize_t>(cut, static_cast<hsize_t>(windows_[w].first_row));
        rewrite = true;
      }
    }
    for (const auto& [w, r] : replaced) {
      StoredWindow& sw = windows_[w];
      if (rewrite && static_cast<hsize_t>(sw.first_row) >= cut) continue;
      RecordBuffer buf(&layout);
      for (const model::ResultRow& row : r->rows) {
        STARLING_RETURN_IF_ERROR(hdf5::AddResultRow(kind, sw, row, &buf));
      }
      STARLING_RETURN_IF_ERROR(hdf5::WriteRows(table, layout, static_cast<hsize_t>(sw.first_row),
                                               buf.rows(), buf.Records(), size));
    }
    // The stored windows of this kind from the cut on, in table order.
    std::vector<std::size_t> tail;
    const std::string kind_name(model::ResultKindName(kind));
    for (std::size_t w = 0; w < stored; ++w) {
      if (rewrite && windows_[w].kind == kind_name &&
          static_cast<hsize_t>(windows_[w].first_row) >= cut) {
        tail.push_back(w);
      }
    }
    std::stable_sort(tail.begin(), tail.end(), [&](std::size_t a, std::size_t b) {
      return windows_[a].first_row < windows_[b].first_row;
    });
    std::vector<std::vector<Value>> old_rows;  // rows [cut, size), for windows kept as they are
    if (cut < size) {
      STARLING_RETURN_IF_ERROR(
          hdf5::ReadRows(table, layout, cut, size - cut, [&](std::span<const Value> row) {
            old_rows.emplace_back(row.begin(), row.end());
            return Status::Ok();
          }));
    }
    RecordBuffer buf(&layout);
    for (std::size_t w : tail) {
      StoredWindow& sw = windows_[w];
      const hsize_t first = cut + buf.rows();
      if (auto r = replaced.find(w); r != replaced.end()) {
        for (const model::ResultRow& row : r->second->rows) {
          STARLING_RETURN_IF_ERROR(hdf5::AddResultRow(kind, sw, row, &buf));
        }
      } else {
        const std::size_t from = static_cast<std::size_t>(sw.first_row) - cut;
        for (std::size_t i = from; i < from + static_cast<std::size_t>(sw.rows); ++i) {
          if (i >= old_rows.size()) return MalformedInput("/windows points past its kind's table");
          STARLING_RETURN_IF_ERROR(buf.Add(hdf5::CellsOf(old_rows[i])));
        }
      }
      sw.first_row = static_cast<std::int64_t>(first);
      sw.rows = static_cast<std::int64_t>(cut + buf.rows() - first);
      (*changed)[w] = true;
    }
    for (std::size_t i : fresh) {
      StoredWindow& sw = windows_[slot[i]];
      sw.first_row = static_cast<std::int64_t>(cut + buf.rows());
      sw.rows = static_cast<std::int64_t>(pending_[i].rows.size());
      for (const model::ResultRow& row : pending_[i].rows) {
        STARLING_RETURN_IF_ERROR(hdf5::AddResultRow(kind, sw, row, &buf));
      }
    }
    if (!rewrite && buf.empty()) return Status::Ok();
    return hdf5::WriteRows(table, layout, cut, buf.rows(), buf.Records(), cut + buf.rows());
  }

  Hdf5ResultSinkOptions options_;
  std::string what_;  // "HDF5 results PATH": how failures begin
  Handle file_;
  Handle windows_table_;
  Handle analyses_table_;
  std::map<model::ResultKind, Handle> kind_tables_;
  std::vector<StoredWindow> windows_;                   // /windows, as stored (and about to be)
  std::unordered_map<std::string, std::size_t> index_;  // WindowKey -> windows_
  std::vector<std::array<std::string, 7>> analyses_;    // /analyses, as text
  std::vector<WindowResult> pending_;                   // in order of first emission
  std::unordered_map<std::string, std::size_t> pending_index_;
  bool failed_ = false;
};

}  // namespace

Result<std::unique_ptr<ResultSink>> OpenHdf5ResultSink(Hdf5ResultSinkOptions options) {
  if (options.batch < 1) return InvalidArgument("hdf5 results: batch must be >= 1");
  auto sink = std::make_unique<Hdf5ResultSink>(std::move(options));
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<ResultSink>(std::move(sink));
}

}  // namespace starling::sink
