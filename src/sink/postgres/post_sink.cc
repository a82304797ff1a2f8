// File: sink/postgres/post_sink.cc
// Posts into PostgreSQL. Posts are kept until a batch is full or the run
// flushes (a checkpoint, the end), then written in one transaction: COPY
// straight into the tables when none of the batch's posts is there yet
// (a fresh load runs at COPY's speed), else COPY into a staging table, the
// old entity rows deleted and the posts upserted by id. A batch the server
// did not take is written again whole on a new connection (the transaction
// was rolled back), so nothing is lost and nothing doubled; after the
// retries the run stops with the error, and its last checkpoint never
// passed what the server acknowledged.
#include <charconv>
#include <future>
#include <unordered_map>

#include "common/log.h"
#include "sink/postgres/connection.h"
#include "sink/postgres/schema.h"
#include "sink/postgres/store.h"

namespace starling::sink::postgres {
namespace {

constexpr std::string_view kUniqueViolation = "23505";

// Whether jsonb takes this JSON text: it refuses the escape \u0000 and a
// UTF-16 surrogate escape that is not a high one followed by a low one
// (simdjson On-Demand never looked at the fields the parser skipped).
bool JsonbTakes(std::string_view json) {
  auto hex = [&](std::size_t at) -> int {
    if (at + 4 > json.size()) return -1;
    int v = 0;
    for (std::size_t i = at; i < at + 4; ++i) {
      const char c = json[i];
      const int d = c >= '0' && c <= '9'   ? c - '0'
                    : c >= 'a' && c <= 'f' ? c - 'a' + 10
                    : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                           : -1;
      if (d < 0) return -1;
      v = v * 16 + d;
    }
    return v;
  };
  for (std::size_t i = json.find('\\'); i != std::string_view::npos; i = json.find('\\', i)) {
    if (i + 1 >= json.size()) return false;
    if (json[i + 1] != 'u') {
      i += 2;  // \\, \" and the others: the next character is not an escape
      continue;
    }
    const int v = hex(i + 2);
    if (v < 0 || v == 0) return false;
    if (v >= 0xDC00 && v <= 0xDFFF) return false;  // a low surrogate alone
    if (v >= 0xD800 && v <= 0xDBFF) {
      const std::size_t next = i + 6;
      if (next + 1 >= json.size() || json[next] != '\\' || json[next + 1] != 'u') return false;
      const int low = hex(next + 2);
      if (low < 0xDC00 || low > 0xDFFF) return false;
      i = next + 6;
      continue;
    }
    i += 6;
  }
  return true;
}

void AppendCell(std::string* out, const Cell& c) {
  if (std::holds_alternative<std::monostate>(c)) {
    AppendCopyNull(out);
  } else if (const auto* i = std::get_if<std::int64_t>(&c)) {
    char buf[24];
    const auto r = std::to_chars(buf, buf + sizeof buf, *i);
    out->append(buf, r.ptr);
  } else if (const auto* d = std::get_if<double>(&c)) {
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof buf, *d);
    out->append(buf, r.ptr);
  } else {
    server::AppendEscapedText(out, std::get<std::string_view>(c));
  }
}

class PgPostSink final : public PostSink {
 public:
  explicit PgPostSink(Options o) : o_(std::move(o)) {}
  ~PgPostSink() override { (void)Close(); }

  Status Open() {
    STARLING_ASSIGN_OR_RETURN(conn_, ConnectRetrying(o_.address, o_.retry));
    STARLING_RETURN_IF_ERROR(conn_.Exec(PostsSchemaSql()));
    STARLING_ASSIGN_OR_RETURN(PgResult v,
                              conn_.Query("SELECT value FROM meta WHERE key = 'schema_version'"));
    if (PQntuples(v.get()) == 1 && std::string_view(PQgetvalue(v.get(), 0, 0)) != kSchemaVersion) {
      return Unsupported("PostgreSQL " + o_.address.display + " has Starling schema version " +
                         PQgetvalue(v.get(), 0, 0) + "; this build writes version " +
                         std::string(kSchemaVersion));
    }
    if (o_.replace) {
      std::string sql = "TRUNCATE";
      for (const TableInfo& t : Tables()) {
        sql += std::string(t.table == LogicalTable::kPosts ? " " : ", ") + std::string(t.name);
      }
      STARLING_RETURN_IF_ERROR(conn_.Exec(sql));
    }
    return Status::Ok();
  }

  // A full batch is written in the background while the caller parses the
  // next one (one batch in flight at most); its outcome is waited for
  // before the next batch, at Flush and at Close.
  Status Write(const model::Post& post) override {
    if (closed_) return Internal("PostgreSQL sink: Write after Close");
    pending_.push_back(post);
    if (pending_.size() < o_.batch) return Status::Ok();
    STARLING_RETURN_IF_ERROR(Wait());
    STARLING_RETURN_IF_ERROR(Encode());
    pending_.clear();
    inflight_ = std::async(std::launch::async, [this] { return WriteEncoded(); });
    return Status::Ok();
  }

  // Durable when it returns: the batch in flight and what is pending are
  // committed (checkpoints count on it).
  Status Flush() override {
    STARLING_RETURN_IF_ERROR(Wait());
    if (closed_ || pending_.empty()) return Status::Ok();
    STARLING_RETURN_IF_ERROR(Encode());
    pending_.clear();
    failed_ = WriteEncoded();
    return failed_;
  }

  Status Close() override {
    if (closed_) return Status::Ok();
    Status st = Flush();
    closed_ = true;
    conn_ = Connection();
    return st;
  }

  std::string Describe() const override { return o_.address.display + " (PostgreSQL)"; }

 private:
  // The batch in flight's outcome, kept: after the retries gave up, the run
  // stops (and Close does not go through the retries again).
  Status Wait() {
    if (inflight_.valid()) failed_ = inflight_.get();
    return failed_;
  }

  // Writes the encoded batch (data_) by the retry rule. Runs on the
  // background thread or the caller's, never both: data_ and conn_ belong
  // to whichever runs it.
  Status WriteEncoded() {
    const std::string what =
        "writing " + std::to_string(batch_posts_) + " posts to PostgreSQL " + o_.address.display;
    return server::WriteRetrying(o_, what, conn_, [&] { return WriteBatch(); });
  }

  // The batch as COPY text, one buffer per table; the last rendering of a
  // post given twice wins (one COPY may not hold an id twice).
  Status Encode() {
    std::unordered_map<std::string_view, std::size_t> last;
    for (std::size_t i = 0; i < pending_.size(); ++i) last[pending_[i].id] = i;
    for (std::string& d : data_) d.clear();
    batch_posts_ = 0;
    for (std::size_t i = 0; i < pending_.size(); ++i) {
      const model::Post& p = pending_[i];
      if (last[p.id] != i) continue;
      ++batch_posts_;
      for (const TableInfo& t : Tables()) {
        std::string& out = data_[static_cast<std::size_t>(t.table)];
        std::int64_t ordinal = 0;
        STARLING_RETURN_IF_ERROR(PostRows(t.table, p, [&](std::span<const Cell> cells) -> Status {
          for (std::size_t c = 0; c < cells.size(); ++c) {
            if (c > 0) out += '\t';
            const TableColumn& col = t.columns[c];
            if (col.timestamp) {
              STARLING_ASSIGN_OR_RETURN(const std::string ts,
                                        FormatTimestamptz(std::get<std::int64_t>(cells[c])));
              out += ts;
            } else if (t.table == LogicalTable::kPosts && col.name == "raw" &&
                       std::holds_alternative<std::string_view>(cells[c]) &&
                       !JsonbTakes(std::get<std::string_view>(cells[c]))) {
              // jsonb cannot hold U+0000 or a lone surrogate (docs/stores.md).
              AppendCopyNull(&out);
            } else {
              const auto* text = std::get_if<std::string_view>(&cells[c]);
              if (text != nullptr && text->find('\0') != std::string_view::npos) {
                return InvalidArgument("post " + p.id + ": PostgreSQL text cannot hold U+0000 " +
                                       "(NUL), and " + std::string(t.name) + "." +
                                       std::string(col.name) + " has one (docs/stores.md)");
              }
              AppendCell(&out, cells[c]);
            }
          }
          if (t.table != LogicalTable::kPosts) {
            out += '\t';
            out += std::to_string(ordinal++);
          }
          out += '\n';
          return Status::Ok();
        }));
      }
    }
    return Status::Ok();
  }

  Status CopyTable(const TableInfo& t, std::string_view into) {
    const std::string& data = data_[static_cast<std::size_t>(t.table)];
    if (data.empty()) return Status::Ok();
    return conn_.CopyIn("COPY " + std::string(into) + " (" + ColumnList(t, true) + ") FROM STDIN",
                        data);
  }

  Status WriteBatch() {
    const TableInfo& posts = TableInfoOf(LogicalTable::kPosts);
    STARLING_RETURN_IF_ERROR(conn_.Exec("BEGIN; SAVEPOINT fresh"));
    Status fresh = CopyTable(posts, "posts");
    if (fresh.ok()) fresh = CopyEntities();
    if (fresh.ok()) return conn_.Exec("COMMIT");
    {
      if (conn_.last_state() != kUniqueViolation) return fresh;
      // Some of the batch is there already: upsert through a staging table.
      STARLING_RETURN_IF_ERROR(
          conn_.Exec("ROLLBACK TO SAVEPOINT fresh; CREATE TEMP TABLE IF NOT EXISTS starling_stage "
                     "(LIKE posts) ON COMMIT DELETE ROWS"));
      STARLING_RETURN_IF_ERROR(CopyTable(posts, "starling_stage"));
      std::string sql;
      for (const TableInfo& t : Tables()) {
        if (t.table == LogicalTable::kPosts) continue;
        sql += "DELETE FROM " + std::string(t.name) +
               " e USING starling_stage s WHERE e.post_id = s.id;\n";
      }
      sql += "INSERT INTO posts (" + ColumnList(posts, false) + ") SELECT " +
             ColumnList(posts, false) + " FROM starling_stage ON CONFLICT (id) DO UPDATE SET ";
      bool first = true;
      for (const TableColumn& c : posts.columns) {
        if (c.name == "id") continue;
        sql += std::string(first ? "" : ", ") + Quote(c.name) + " = EXCLUDED." + Quote(c.name);
        first = false;
      }
      STARLING_RETURN_IF_ERROR(conn_.Exec(sql));
    }
    STARLING_RETURN_IF_ERROR(CopyEntities());
    return conn_.Exec("COMMIT");
  }

  Status CopyEntities() {
    for (const TableInfo& t : Tables()) {
      if (t.table != LogicalTable::kPosts) STARLING_RETURN_IF_ERROR(CopyTable(t, t.name));
    }
    return Status::Ok();
  }

  Options o_;
  Connection conn_;
  std::vector<model::Post> pending_;
  std::future<Status> inflight_;  // the batch written in the background
  std::array<std::string, 7> data_;
  std::size_t batch_posts_ = 0;
  Status failed_;  // the last flush's retries gave up (Close does not try again)
  bool closed_ = false;
};

}  // namespace

Result<std::unique_ptr<PostSink>> OpenPostSink(const Options& options) {
  auto sink = std::make_unique<PgPostSink>(options);
  STARLING_RETURN_IF_ERROR(sink->Open());
  return std::unique_ptr<PostSink>(std::move(sink));
}

}  // namespace starling::sink::postgres
