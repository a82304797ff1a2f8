// File: sink/mysql/post_sink.cc
// Posts into MariaDB. Posts are kept until a batch is full or the run
// flushes, then written in one transaction: LOAD DATA LOCAL of one
// in-memory file per table (measured faster than INSERTs: docs/stores.md),
// or, where the server does not allow LOCAL, multi-row INSERTs (each up to
// kStatementBytes). When some of the batch's posts are stored already, their
// entity rows are deleted first and the posts replace theirs (REPLACE, ON
// DUPLICATE KEY UPDATE). A batch the server did not take is written again whole on a new
// connection (the transaction was rolled back): nothing lost, nothing
// doubled; after the retries the run stops with the error.
#include <charconv>
#include <unordered_map>

#include "common/log.h"
#include "sink/mysql/connection.h"
#include "sink/mysql/schema.h"
#include "sink/mysql/store.h"

namespace starling::sink::mysql {
namespace {

// Well under the server's default max_allowed_packet (16 MiB).
constexpr std::size_t kStatementBytes = 4u << 20;

class MyPostSink final : public PostSink {
 public:
  explicit MyPostSink(Options o) : o_(std::move(o)) {}
  ~MyPostSink() override { (void)Close(); }

  Status Open() {
    STARLING_ASSIGN_OR_RETURN(conn_, ConnectRetrying(o_.address, o_.retry));
    for (const std::string& sql : PostsSchema()) STARLING_RETURN_IF_ERROR(conn_.Exec(sql));
    STARLING_ASSIGN_OR_RETURN(Rows v,
                              conn_.Query("SELECT value FROM meta WHERE `key` = 'schema_version'"));
    if (v.rows.size() == 1 && v.rows[0][0] != Value{std::string(kSchemaVersion)}) {
      return Unsupported("MariaDB " + o_.address.display +
                         " has another Starling schema version; this build writes version " +
                         std::string(kSchemaVersion));
    }
    if (o_.replace) {
      // Entity tables first: a stop half-way leaves posts, never entity
      // rows without their post.
      for (auto t = Tables().rbegin(); t != Tables().rend(); ++t) {
        STARLING_RETURN_IF_ERROR(conn_.Exec("TRUNCATE TABLE " + std::string(t->name)));
      }
    }
    return Status::Ok();
  }

  Status Write(const model::Post& post) override {
    if (closed_) return Internal("MariaDB sink: Write after Close");
    pending_.push_back(post);
    if (pending_.size() >= o_.batch) return Flush();
    return Status::Ok();
  }

  Status Flush() override {
    // After the retries gave up, the run stops: not the whole cycle again.
    if (!failed_.ok()) return failed_;
    if (closed_ || pending_.empty()) return Status::Ok();
    // The last rendering of a post given twice wins.
    std::unordered_map<std::string_view, std::size_t> last;
    for (std::size_t i = 0; i < pending_.size(); ++i) last[pending_[i].id] = i;
    batch_.clear();
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      if (last[pending_[i].id] == i) batch_.push_back(&pending_[i]);
    }
    const std::string what =
        "writing " + std::to_string(batch_.size()) + " posts to MariaDB " + o_.address.display;
    failed_ = server::WriteRetrying(o_, what, conn_, [&] { return WriteBatch(); });
    STARLING_RETURN_IF_ERROR(failed_);
    pending_.clear();
    batch_.clear();
    return Status::Ok();
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    Status st = Flush();
    closed_ = true;
    conn_ = Connection();
    return st;
  }

  std::string Describe() const override { return o_.address.display + " (MariaDB)"; }

 private:
  void AppendCell(std::string* out, const TableColumn& col, const Cell& c, Status* bad) {
    if (std::holds_alternative<std::monostate>(c)) {
      out->append("NULL");
    } else if (const auto* i = std::get_if<std::int64_t>(&c)) {
      if (col.timestamp) {
        auto t = server::FormatSqlTime(*i, 1000, 9999, "MariaDB's DATETIME");
        if (!t.ok()) {
          *bad = t.status();
          out->append("NULL");
          return;
        }
        out->push_back('\'');
        out->append(*t);
        out->push_back('\'');
        return;
      }
      char buf[24];
      const auto r = std::to_chars(buf, buf + sizeof buf, *i);
      out->append(buf, r.ptr);
    } else if (const auto* d = std::get_if<double>(&c)) {
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, *d);
      out->append(buf, r.ptr);
    } else {
      conn_.AppendLiteral(out, std::get<std::string_view>(c));
    }
  }

  // INSERTs of `table`'s rows of the batch, cut at kStatementBytes.
  Status InsertRows(const TableInfo& t, std::string_view tail) {
    const std::string head =
        "INSERT INTO " + std::string(t.name) + " (" + ColumnList(t, true) + ") VALUES ";
    std::string sql;
    Status bad = Status::Ok();
    for (const model::Post* p : batch_) {
      std::int64_t ordinal = 0;
      STARLING_RETURN_IF_ERROR(PostRows(t.table, *p, [&](std::span<const Cell> cells) -> Status {
        sql += sql.empty() ? head + "(" : ",(";
        for (std::size_t c = 0; c < cells.size(); ++c) {
          if (c > 0) sql += ',';
          AppendCell(&sql, t.columns[c], cells[c], &bad);
        }
        if (t.table != LogicalTable::kPosts) sql += "," + std::to_string(ordinal++);
        sql += ')';
        STARLING_RETURN_IF_ERROR(bad);
        if (sql.size() >= kStatementBytes) {
          STARLING_RETURN_IF_ERROR(conn_.Exec(sql + std::string(tail)));
          sql.clear();
        }
        return Status::Ok();
      }));
    }
    if (!sql.empty()) STARLING_RETURN_IF_ERROR(conn_.Exec(sql + std::string(tail)));
    return Status::Ok();
  }

  Status WriteBatch() {
    STARLING_RETURN_IF_ERROR(conn_.Exec("START TRANSACTION"));
    // Which of the batch are stored already (their entity rows go first).
    std::string ids;
    for (const model::Post* p : batch_) {
      ids += ids.empty() ? "" : ",";
      conn_.AppendLiteral(&ids, p->id);
    }
    STARLING_ASSIGN_OR_RETURN(Rows stored,
                              conn_.Query("SELECT COUNT(*) FROM posts WHERE id IN (" + ids + ")"));
    const bool upsert = !stored.rows.empty() && stored.rows[0][0] != Value{std::int64_t{0}};
    // A stored post's entity rows go first (its new rendering may have
    // fewer). Without stored posts, LOAD DATA REPLACEs entity rows (an
    // entity row left without its post is replaced, never a collision), so
    // a fresh load skips the deletes; INSERTs cannot, so they delete too.
    if (upsert || !load_data_) {
      for (const TableInfo& t : Tables()) {
        if (t.table == LogicalTable::kPosts) continue;
        STARLING_RETURN_IF_ERROR(
            conn_.Exec("DELETE FROM " + std::string(t.name) + " WHERE post_id IN (" + ids + ")"));
      }
    }
    std::string tail;
    if (upsert) {
      tail = " ON DUPLICATE KEY UPDATE ";
      bool first = true;
      for (const TableColumn& c : TableInfoOf(LogicalTable::kPosts).columns) {
        if (c.name == "id") continue;
        tail += std::string(first ? "" : ", ") + Quote(c.name) + " = VALUES(" + Quote(c.name) + ")";
        first = false;
      }
    }
    if (load_data_) {
      Status loaded = LoadRows(upsert);
      if (loaded.code() == StatusCode::kUnsupported) {
        // The server does not allow LOCAL: INSERTs from now on.
        log::Info("{}; writing with INSERTs instead", loaded.message());
        load_data_ = false;
        STARLING_RETURN_IF_ERROR(conn_.Exec("ROLLBACK"));
        return WriteBatch();
      }
      STARLING_RETURN_IF_ERROR(loaded);
      return conn_.Exec("COMMIT");
    }
    for (const TableInfo& t : Tables()) {
      STARLING_RETURN_IF_ERROR(InsertRows(t, t.table == LogicalTable::kPosts ? tail : ""));
    }
    return conn_.Exec("COMMIT");
  }

  // The batch through LOAD DATA LOCAL, one in-memory file per table (posts
  // REPLACE their stored rendering; the stored entity rows were deleted).
  Status LoadRows(bool upsert) {
    for (const TableInfo& t : Tables()) {
      std::string data;
      for (const model::Post* p : batch_) {
        std::int64_t ordinal = 0;
        STARLING_RETURN_IF_ERROR(PostRows(t.table, *p, [&](std::span<const Cell> cells) -> Status {
          for (std::size_t c = 0; c < cells.size(); ++c) {
            if (c > 0) data += '\t';
            const Cell& cell = cells[c];
            if (std::holds_alternative<std::monostate>(cell)) {
              data += "\\N";
            } else if (const auto* i = std::get_if<std::int64_t>(&cell)) {
              if (t.columns[c].timestamp) {
                STARLING_ASSIGN_OR_RETURN(
                    const std::string time,
                    server::FormatSqlTime(*i, 1000, 9999, "MariaDB's DATETIME"));
                data += time;
              } else {
                data += std::to_string(*i);
              }
            } else if (const auto* d = std::get_if<double>(&cell)) {
              char buf[32];
              const auto r = std::to_chars(buf, buf + sizeof buf, *d);
              data.append(buf, r.ptr);
            } else {
              server::AppendEscapedText(&data, std::get<std::string_view>(cell));
            }
          }
          if (t.table != LogicalTable::kPosts) data += "\t" + std::to_string(ordinal++);
          data += '\n';
          return Status::Ok();
        }));
      }
      if (data.empty()) continue;
      STARLING_RETURN_IF_ERROR(conn_.LoadData(
          "LOAD DATA LOCAL INFILE 'starling' " +
              std::string(upsert || t.table != LogicalTable::kPosts ? "REPLACE " : "") +
              "INTO TABLE " + std::string(t.name) + " CHARACTER SET utf8mb4 (" +
              ColumnList(t, true) + ")",
          data));
    }
    return Status::Ok();
  }

  Options o_;
  Connection conn_;
  std::vector<model::Post> pending_;
  std::vector<const model::Post*> batch_;
  bool load_data_ = true;  // LOAD DATA LOCAL until the server refuses it
  Status failed_;          // the last flush's retries gave up (Close does not try again)
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<PostSink>> OpenPostSink(const Options& options) {
  auto sink = std::make_unique<MyPostSink>(options);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<PostSink>(std::move(sink));
}

}  // namespace starling::sink::mysql
