// File: sink/hdf5/post_sink.h
// The HDF5 store's post writer: one row per post in /posts and one per
// entity in the entity tables (sink/hdf5/schema.h, docs/formats/hdf5.md),
// appended in batches. HDF5 has no upsert: a post whose id the file (or
// this run) already holds is skipped, so re-running the same input never
// doubles a row; the first rendering of a post is the one kept. The reader
// is sink/hdf5/post_store.h.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <unordered_set>
#include <vector>

#include "common/status.h"
#include "model/post.h"
#include "sink/hdf5/internal/h5.h"
#include "sink/sink.h"

namespace starling::sink {

struct Hdf5SinkOptions {
  std::string path;
  int batch = 1000;  // posts buffered before they are written; >= 1
  hdf5::DatasetOptions dataset;
};

// Owned by one thread (the handles and the library's error switch are per thread).
class Hdf5PostSink final : public PostSink {
 public:
  // Opens or creates the file and its tables, and reads the ids of the
  // posts it holds. InvalidArgument for a file that is not HDF5;
  // MalformedInput for an HDF5 file that is not a Starling store (or whose
  // tables lack columns); Unsupported for another schema version; IoError
  // when the library cannot open it.
  static Result<std::unique_ptr<Hdf5PostSink>> Open(Hdf5SinkOptions options);
  ~Hdf5PostSink() override;

  // Buffers the post's rows (skipping a post whose id is already stored or
  // buffered), writing the batch every `batch` posts. InvalidArgument for
  // text with a NUL character (an HDF5 string ends at one; the post is not
  // written); IoError when a batch cannot be written: the sink then refuses
  // every later write (a failed batch may have left a table longer than
  // the others).
  Status Write(const model::Post& post) override;
  // Writes the open batch and flushes the file.
  Status Flush() override;
  Status Close() override;
  std::string Describe() const override;

  // Posts skipped because their id was already there.
  std::uint64_t skipped() const { return skipped_; }

 private:
  explicit Hdf5PostSink(Hdf5SinkOptions options) : options_(std::move(options)) {}
  Status Init();
  Status WriteBatch();

  Hdf5SinkOptions options_;
  hdf5::Handle file_;
  std::vector<hdf5::Handle> tables_;         // in LogicalTable order
  std::vector<hdf5::RecordBuffer> buffers_;  // the batch, per table
  std::unordered_set<std::string> ids_;      // every post id stored or buffered
  int pending_ = 0;
  std::uint64_t skipped_ = 0;
  bool failed_ = false;
  bool closed_ = false;
};

}  // namespace starling::sink
