// File: sink/clickhouse/post_sink.cc
// Posts into ClickHouse. Posts are kept until a batch is full or the run
// flushes, then sent as one INSERT ... FORMAT RowBinary into posts_data: one
// row per post, its entities in arrays, all with the batch's `version`.
// ClickHouse writes an insert of up to max_insert_block_size (1,048,576)
// rows as one part, whole or not at all. A batch the server did not take is
// sent again whole; if the first try had landed after all (the connection
// broke after the server took it), the second is the same rows with the
// same version, and ReplacingMergeTree keeps one: nothing doubles. A post
// written again by a later batch or run gets a higher version and replaces
// the earlier row, entities included.
#include <chrono>
#include <unordered_map>

#include "sink/clickhouse/client.h"
#include "sink/clickhouse/row_binary.h"
#include "sink/clickhouse/schema.h"
#include "sink/clickhouse/store.h"

namespace starling::sink::clickhouse {
namespace {

namespace rb = row_binary;

void AppendCell(std::string* out, const TableColumn& col, const Cell& c) {
  const bool null = std::holds_alternative<std::monostate>(c);
  if (col.nullable && rb::Null(out, null)) return;
  switch (col.type) {
    case model::ColumnType::kInt:
      rb::Int64(out, null ? 0 : std::get<std::int64_t>(c));
      return;
    case model::ColumnType::kReal:
      rb::Float64(out, null ? 0.0 : std::get<double>(c));
      return;
    case model::ColumnType::kText:
      rb::String(out, null ? std::string_view() : std::get<std::string_view>(c));
      return;
  }
}

std::uint64_t NowMicros() {
  return static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::microseconds>(
                                        std::chrono::system_clock::now().time_since_epoch())
                                        .count());
}

class ChPostSink final : public PostSink {
 public:
  explicit ChPostSink(Options o) : o_(std::move(o)) {}
  ~ChPostSink() override { (void)Close(); }

  Status Open() {
    STARLING_ASSIGN_OR_RETURN(client_, ConnectRetrying(o_.address, o_.retry));
    for (const std::string& sql : PostsSchema()) {
      STARLING_RETURN_IF_ERROR(client_.Exec(sql, SchemaSettings()));
    }
    STARLING_ASSIGN_OR_RETURN(
        const std::string stored,
        client_.Fetch("SELECT value FROM meta FINAL WHERE key = 'schema_version'"));
    if (stored.empty()) {
      STARLING_RETURN_IF_ERROR(client_.Exec("INSERT INTO meta VALUES ('schema_version', '" +
                                            std::string(kSchemaVersion) + "', 0)"));
    } else if (stored != std::string(kSchemaVersion) + "\n") {
      return Unsupported("ClickHouse " + o_.address.display +
                         " has another Starling schema version; this build writes version " +
                         std::string(kSchemaVersion));
    }
    if (o_.replace) {
      STARLING_RETURN_IF_ERROR(client_.Exec("TRUNCATE TABLE " + std::string(kPostsData)));
    }
    // Versions only grow, whatever this machine's clock did since the last
    // run: the newest write must win.
    STARLING_ASSIGN_OR_RETURN(const std::string max,
                              client_.Fetch("SELECT max(version) FROM " + std::string(kPostsData)));
    last_version_ = std::strtoull(max.c_str(), nullptr, 10);
    insert_ =
        "INSERT INTO " + std::string(kPostsData) + " (" + PostsDataColumns() + ") FORMAT RowBinary";
    return Status::Ok();
  }

  Status Write(const model::Post& post) override {
    if (closed_) return Internal("ClickHouse sink: Write after Close");
    pending_.push_back(post);
    if (pending_.size() >= o_.batch) return Flush();
    return Status::Ok();
  }

  Status Flush() override {
    if (closed_ || pending_.empty()) return Status::Ok();
    // The last rendering of a post given twice in a batch wins (both would
    // carry the same version, and ClickHouse would keep either).
    std::unordered_map<std::string_view, std::size_t> last;
    for (std::size_t i = 0; i < pending_.size(); ++i) last[pending_[i].id] = i;
    const std::uint64_t version = std::max(NowMicros(), last_version_ + 1);
    body_.clear();
    std::size_t rows = 0;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      if (last[pending_[i].id] != i) continue;
      STARLING_RETURN_IF_ERROR(AppendPost(pending_[i], version));
      ++rows;
    }
    const std::string what =
        "writing " + std::to_string(rows) + " posts to ClickHouse " + o_.address.display;
    STARLING_RETURN_IF_ERROR(server::WithRetries(
        o_.retry, what, [&]() -> Status { return client_.Insert(insert_, body_); }));
    last_version_ = version;
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

  std::string Describe() const override { return o_.address.display + " (ClickHouse)"; }

 private:
  // One posts_data row: the posts columns, then each entity table's columns
  // as arrays (one pass over its rows, a buffer per column), then version.
  Status AppendPost(const model::Post& p, std::uint64_t version) {
    for (const TableInfo& t : Tables()) {
      const std::size_t width = t.columns.size();
      if (t.table == LogicalTable::kPosts) {
        STARLING_RETURN_IF_ERROR(PostRows(t.table, p, [&](std::span<const Cell> cells) {
          for (std::size_t c = 0; c < width; ++c) AppendCell(&body_, t.columns[c], cells[c]);
          return Status::Ok();
        }));
        continue;
      }
      columns_.resize(std::max(columns_.size(), width));
      for (std::size_t c = 1; c < width; ++c) columns_[c].clear();
      std::uint64_t n = 0;
      STARLING_RETURN_IF_ERROR(PostRows(t.table, p, [&](std::span<const Cell> cells) {
        ++n;
        for (std::size_t c = 1; c < width; ++c) AppendCell(&columns_[c], t.columns[c], cells[c]);
        return Status::Ok();
      }));
      for (std::size_t c = 1; c < width; ++c) {  // column 0 is post_id: the row's id
        rb::Varint(&body_, n);
        body_.append(columns_[c]);
      }
    }
    rb::UInt64(&body_, version);
    return Status::Ok();
  }

  Options o_;
  Client client_;
  std::string insert_;
  std::vector<model::Post> pending_;
  std::string body_;
  std::vector<std::string> columns_;
  std::uint64_t last_version_ = 0;
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<PostSink>> OpenPostSink(const Options& options) {
  auto sink = std::make_unique<ChPostSink>(options);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<PostSink>(std::move(sink));
}

}  // namespace starling::sink::clickhouse
