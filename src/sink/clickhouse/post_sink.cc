// File: sink/clickhouse/post_sink.cc
// Posts into ClickHouse. Each post is encoded as it comes (RowBinary: one
// posts_data row, its entities in arrays) into the current batch; a full
// batch is sent as one INSERT by a helper thread while the next one fills
// (one batch in flight: parsing and the server's insert overlap), and Flush
// sends what is left and waits for both. ClickHouse writes an insert of up
// to max_insert_block_size (1,048,576) rows as one part, whole or not at
// all. Every row has its own version, growing in the order posts were
// written (across runs too), so the newest rendering of a post wins,
// entities included. A batch the server did not take is sent again whole;
// if the first try had landed after all (the connection broke after the
// server took it), the second is the same rows with the same versions, and
// ReplacingMergeTree keeps one: nothing doubles, nothing is lost (a batch
// that failed is kept and sent again by the next Flush).
#include <chrono>
#include <future>

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
    if (rows_ == 0) next_version_ = std::max(NowMicros(), last_version_ + 1);
    STARLING_RETURN_IF_ERROR(AppendPost(post, next_version_++));
    ++rows_;
    if (rows_ < o_.batch) return Status::Ok();
    // The batch before this one must have landed before this one goes.
    STARLING_RETURN_IF_ERROR(Wait());
    STARLING_RETURN_IF_ERROR(SendFailed());
    Seal();
    in_flight_ = std::async(std::launch::async, [this] { return Send(sending_, sending_rows_); });
    return Status::Ok();
  }

  Status Flush() override {
    if (closed_) return Status::Ok();
    STARLING_RETURN_IF_ERROR(Wait());
    STARLING_RETURN_IF_ERROR(SendFailed());
    if (rows_ == 0) return Status::Ok();
    Seal();
    return SendFailed();
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    Status st = Flush();
    closed_ = true;
    if (in_flight_.valid()) (void)in_flight_.get();
    client_ = Client();
    return st;
  }

  std::string Describe() const override { return o_.address.display + " (ClickHouse)"; }

 private:
  // Appends one posts_data row to the current batch: the posts columns,
  // then each entity table's columns as arrays (one pass over its rows, a
  // buffer per column), then version.
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

  // The current batch becomes the one to send.
  void Seal() {
    sending_.swap(body_);
    body_.clear();
    sending_rows_ = rows_;
    rows_ = 0;
    last_version_ = next_version_ - 1;
  }

  // Waits for the batch in flight; when it landed, it is dropped, else kept.
  Status Wait() {
    if (!in_flight_.valid()) return Status::Ok();
    Status st = in_flight_.get();
    if (st.ok()) {
      sending_.clear();
      sending_rows_ = 0;
    }
    return st;
  }

  // Sends a sealed batch that is not in flight (the last one, or one that
  // failed before), in this thread.
  Status SendFailed() {
    if (sending_rows_ == 0) return Status::Ok();
    STARLING_RETURN_IF_ERROR(Send(sending_, sending_rows_));
    sending_.clear();
    sending_rows_ = 0;
    return Status::Ok();
  }

  Status Send(const std::string& body, std::size_t rows) {
    const std::string what =
        "writing " + std::to_string(rows) + " posts to ClickHouse " + o_.address.display;
    return server::WithRetries(o_.retry, what,
                               [&]() -> Status { return client_.Insert(insert_, body); });
  }

  Options o_;
  Client client_;  // used by the batch in flight, or by this thread when none is
  std::string insert_;
  std::string body_;  // the batch being filled
  std::size_t rows_ = 0;
  std::string sending_;  // the batch in flight, or one that failed
  std::size_t sending_rows_ = 0;
  std::future<Status> in_flight_;
  std::vector<std::string> columns_;
  std::uint64_t last_version_ = 0;  // of the last sealed batch's last row
  std::uint64_t next_version_ = 0;
  bool closed_ = false;
};
}  // namespace

Result<std::unique_ptr<PostSink>> OpenPostSink(const Options& options) {
  auto sink = std::make_unique<ChPostSink>(options);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<PostSink>(std::move(sink));
}

}  // namespace starling::sink::clickhouse
