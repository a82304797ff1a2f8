// File: sink/hdf5/post_sink.cc
#include "sink/hdf5/post_sink.h"

#include "sink/hdf5/schema.h"

namespace starling::sink {

Result<std::unique_ptr<Hdf5PostSink>> Hdf5PostSink::Open(Hdf5SinkOptions options) {
  if (options.path.empty()) return InvalidArgument("hdf5 sink: empty path");
  if (options.batch < 1) return InvalidArgument("hdf5 sink: batch must be >= 1");
  std::unique_ptr<Hdf5PostSink> sink(new Hdf5PostSink(std::move(options)));
  STARLING_RETURN_IF_ERROR(sink->Init());
  return sink;
}

Status Hdf5PostSink::Init() {
  hdf5::Silence();
  STARLING_ASSIGN_OR_RETURN(file_, hdf5::OpenForWriting(options_.path, hdf5::kPostsContent));
  for (const TableInfo& t : Tables()) {
    const hdf5::Layout& layout = hdf5::PostLayout(t.table);
    STARLING_ASSIGN_OR_RETURN(
        hdf5::Handle ds,
        hdf5::OpenOrCreateTable(file_.get(), std::string(t.name), layout, options_.dataset));
    tables_.push_back(std::move(ds));
    buffers_.emplace_back(&layout);
  }
  // The ids already stored: only the id member is read.
  STARLING_ASSIGN_OR_RETURN(const hdf5::Layout id_only,
                            hdf5::Layout::Make({{"id", model::ColumnType::kText, false}}));
  return hdf5::ReadRows(tables_[0].get(), id_only, 0, 0, [&](std::span<const Value> row) {
    ids_.insert(std::get<std::string>(row[0]));
    return Status::Ok();
  });
}

Hdf5PostSink::~Hdf5PostSink() { (void)Close(); }

Status Hdf5PostSink::Write(const model::Post& post) {
  if (closed_) return Internal("hdf5 sink: Write after Close");
  if (failed_) return IoError("hdf5 sink " + options_.path + ": an earlier write failed");
  if (ids_.contains(post.id)) {
    ++skipped_;
    return Status::Ok();
  }
  hdf5::Silence();
  for (std::size_t t = 0; t < buffers_.size(); ++t) {
    const std::size_t before = buffers_[t].rows();
    Status st = PostRows(static_cast<LogicalTable>(t), post,
                         [&](std::span<const Cell> cells) { return buffers_[t].Add(cells); });
    if (!st.ok()) {
      // The post is left out whole: its rows in the tables before this one too.
      buffers_[t].Truncate(before);
      for (std::size_t u = 0; u < t; ++u) {
        std::size_t rows = 0;
        (void)PostRows(static_cast<LogicalTable>(u), post, [&](std::span<const Cell>) {
          ++rows;
          return Status::Ok();
        });
        buffers_[u].Truncate(buffers_[u].rows() - rows);
      }
      return Status(st.code(), "hdf5 sink: post " + post.id + ": " + st.message());
    }
  }
  ids_.insert(post.id);
  if (++pending_ >= options_.batch) return WriteBatch();
  return Status::Ok();
}

Status Hdf5PostSink::WriteBatch() {
  if (pending_ == 0) return Status::Ok();
  hdf5::Silence();
  Status st;
  for (std::size_t t = 0; t < tables_.size() && st.ok(); ++t) {
    st = hdf5::AppendRows(tables_[t].get(), *hdf5::LayoutOf(Tables()[t].name), buffers_[t]);
  }
  for (hdf5::RecordBuffer& b : buffers_) b.Clear();
  pending_ = 0;
  if (!st.ok()) {
    failed_ = true;
    return Status(st.code(), "hdf5 sink " + options_.path + ": " + st.message());
  }
  return Status::Ok();
}

Status Hdf5PostSink::Flush() {
  if (closed_ || failed_) return Status::Ok();
  STARLING_RETURN_IF_ERROR(WriteBatch());
  return hdf5::Check(H5Fflush(file_.get(), H5F_SCOPE_LOCAL), "HDF5 flush of " + options_.path);
}

Status Hdf5PostSink::Close() {
  if (closed_) return Status::Ok();
  Status st = failed_ ? Status::Ok() : WriteBatch();
  closed_ = true;
  tables_.clear();
  hdf5::Silence();
  if (file_.valid() && !file_.Reset() && st.ok()) {
    st = IoError("HDF5 close of " + options_.path + " failed");
  }
  return st;
}

std::string Hdf5PostSink::Describe() const { return options_.path + " (HDF5)"; }

}  // namespace starling::sink
