// File: serve/stored_run.cc
#include "serve/stored_run.h"

#include <sqlite3.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <vector>

#include "model/time.h"

namespace starling::serve {
namespace {

using model::ResultKind;

struct Db {
  sqlite3* db = nullptr;
  ~Db() { sqlite3_close(db); }
};

struct Stmt {
  sqlite3_stmt* st = nullptr;
  ~Stmt() { sqlite3_finalize(st); }
};

Status Open(const std::string& path, Db* db) {
  if (!std::filesystem::exists(path)) return NotFound("no such database: " + path);
  if (sqlite3_open_v2(path.c_str(), &db->db, SQLITE_OPEN_READONLY, nullptr) != SQLITE_OK) {
    return IoError("cannot open " + path + ": " + sqlite3_errmsg(db->db));
  }
  sqlite3_busy_timeout(db->db, 2000);
  return Status::Ok();
}

Status Prepare(Db& db, const std::string& sql, Stmt* st, const std::string& path) {
  if (sqlite3_prepare_v2(db.db, sql.c_str(), -1, &st->st, nullptr) != SQLITE_OK) {
    const std::string msg = sqlite3_errmsg(db.db);
    if (msg.find("no such table") != std::string::npos) {
      return NotFound(path + " is not a Starling " +
                      (sql.find("posts") != std::string::npos ? "posts" : "results") +
                      " database (" + msg + ")");
    }
    return IoError(path + ": " + msg);
  }
  return Status::Ok();
}

std::string Text(sqlite3_stmt* st, int col) {
  const unsigned char* t = sqlite3_column_text(st, col);
  return t == nullptr ? std::string() : std::string(reinterpret_cast<const char*>(t));
}

// An entity offset, -1 when NULL (unknown).
std::int32_t ColumnOr(sqlite3_stmt* st, int col) {
  return sqlite3_column_type(st, col) == SQLITE_NULL ? -1 : sqlite3_column_int(st, col);
}

void Bind(sqlite3_stmt* st, int i, const std::string& s) {
  sqlite3_bind_text(st, i, s.data(), static_cast<int>(s.size()), SQLITE_TRANSIENT);
}

std::optional<ResultKind> KindFromName(std::string_view name) {
  for (ResultKind k : {ResultKind::kCount, ResultKind::kTopK, ResultKind::kDistinct,
                       ResultKind::kSentiment, ResultKind::kBurst, ResultKind::kCluster,
                       ResultKind::kCooccurrence, ResultKind::kSession}) {
    if (model::ResultKindName(k) == name) return k;
  }
  return std::nullopt;
}

// Per kind: its table, the columns after the window (in ResultRow order
// below), and how they fill a row.
const char* RowsSql(ResultKind kind) {
  switch (kind) {
    case ResultKind::kCount:
      return "SELECT rank, key, count FROM counts";
    case ResultKind::kTopK:
      return "SELECT rank, key, count, error FROM trending";
    case ResultKind::kDistinct:
      return "SELECT 0, key, 0, estimate, relative_error FROM distinct_counts";
    case ResultKind::kSentiment:
      return "SELECT rank, key, posts, mean_compound, positive, neutral, negative FROM sentiment";
    case ResultKind::kBurst:
      return "SELECT rank, term, count, baseline, z FROM bursts";
    case ResultKind::kCluster:
      return "SELECT 0, CAST(cluster AS TEXT), posts, weight, top_terms FROM clusters";
    case ResultKind::kCooccurrence:
      return "SELECT rank, tag_a, count, tag_b, error FROM cooccurrence";
    case ResultKind::kSession:
      return "SELECT 0, key, posts FROM sessions";
  }
  return "";
}

const char* RowsOrder(ResultKind kind) {
  switch (kind) {
    case ResultKind::kCluster:
      return " ORDER BY posts DESC, cluster";
    case ResultKind::kDistinct:
    case ResultKind::kSession:
      return " ORDER BY key";
    case ResultKind::kBurst:
      return " ORDER BY rank, term";
    case ResultKind::kCooccurrence:
      return " ORDER BY rank, tag_a, tag_b";
    default:
      return " ORDER BY rank, key";
  }
}

model::ResultRow ReadRow(ResultKind kind, sqlite3_stmt* st) {
  model::ResultRow r;
  r.rank = sqlite3_column_int(st, 0);
  r.key = Text(st, 1);
  r.count = sqlite3_column_int64(st, 2);
  switch (kind) {
    case ResultKind::kTopK:
      r.error = static_cast<std::uint64_t>(sqlite3_column_int64(st, 3));
      break;
    case ResultKind::kDistinct:
    case ResultKind::kBurst:
      r.value = sqlite3_column_double(st, 3);
      r.value2 = sqlite3_column_double(st, 4);
      break;
    case ResultKind::kSentiment:
      r.value = sqlite3_column_double(st, 3);
      r.pos = sqlite3_column_int64(st, 4);
      r.neu = sqlite3_column_int64(st, 5);
      r.neg = sqlite3_column_int64(st, 6);
      break;
    case ResultKind::kCluster:
      r.value = sqlite3_column_double(st, 3);
      r.text = Text(st, 4);
      break;
    case ResultKind::kCooccurrence:
      r.key2 = Text(st, 3);
      r.error = static_cast<std::uint64_t>(sqlite3_column_int64(st, 4));
      break;
    default:
      break;
  }
  return r;
}

Result<model::TimestampUs> Time(const std::string& text, bool start) {
  if (text.empty()) return start ? INT64_MIN : INT64_MAX;  // the global window
  return model::ParseTimestamp(text);
}

}  // namespace

Status LoadStoredResults(const std::string& path, const std::string& pipeline, std::size_t windows,
                         DashboardState* state) {
  Db db;
  STARLING_RETURN_IF_ERROR(Open(path, &db));
  std::string name = pipeline;
  {
    Stmt st;
    STARLING_RETURN_IF_ERROR(
        Prepare(db, "SELECT pipeline, COUNT(*) FROM windows GROUP BY pipeline ORDER BY 2 DESC, 1",
                &st, path));
    std::vector<std::string> found;
    while (sqlite3_step(st.st) == SQLITE_ROW) found.push_back(Text(st.st, 0));
    if (found.empty()) return NotFound(path + " holds no window results yet");
    if (name.empty()) {
      name = found.front();
    } else if (std::find(found.begin(), found.end(), name) == found.end()) {
      std::string list;
      for (const auto& f : found) list += (list.empty() ? "" : ", ") + f;
      return NotFound("no pipeline '" + name + "' in " + path + " (it holds: " + list + ")");
    }
  }
  std::vector<AnalysisInfo> analyses;
  {
    Stmt st;
    STARLING_RETURN_IF_ERROR(Prepare(db,
                                     "SELECT analysis, kind FROM windows WHERE pipeline = ?1 "
                                     "GROUP BY analysis, kind ORDER BY MIN(rowid)",
                                     &st, path));
    Bind(st.st, 1, name);
    while (sqlite3_step(st.st) == SQLITE_ROW) {
      auto kind = KindFromName(Text(st.st, 1));
      if (!kind) continue;
      analyses.push_back({Text(st.st, 0), *kind, "", "", 0, ""});
    }
  }
  // What the run declared of its analyses (databases written before the
  // analyses table existed lack it: then by and window stay empty; before
  // k and of were declared, those stay 0 and empty).
  {
    Stmt st;
    const bool full = sqlite3_prepare_v2(db.db,
                                         "SELECT analysis, \"by\", window, k, \"of\" FROM analyses "
                                         "WHERE pipeline = ?1",
                                         -1, &st.st, nullptr) == SQLITE_OK;
    if (full || sqlite3_prepare_v2(db.db,
                                   "SELECT analysis, \"by\", window FROM analyses "
                                   "WHERE pipeline = ?1",
                                   -1, &st.st, nullptr) == SQLITE_OK) {
      Bind(st.st, 1, name);
      while (sqlite3_step(st.st) == SQLITE_ROW) {
        const std::string analysis = Text(st.st, 0);
        for (AnalysisInfo& a : analyses) {
          if (a.name != analysis) continue;
          a.by = Text(st.st, 1);
          a.window = Text(st.st, 2);
          if (full) {
            a.k = static_cast<std::uint64_t>(
                std::max<sqlite3_int64>(0, sqlite3_column_int64(st.st, 3)));
            a.of = Text(st.st, 4);
          }
        }
      }
    }
  }
  dataflow::RunStats stats;
  for (const AnalysisInfo& a : analyses) {
    Stmt ws;
    STARLING_RETURN_IF_ERROR(Prepare(
        db,
        "SELECT window_start, window_end, total, error_bound, final FROM windows WHERE pipeline = "
        "?1 AND analysis = ?2 ORDER BY window_end DESC, window_start DESC LIMIT ?3",
        &ws, path));
    Bind(ws.st, 1, name);
    Bind(ws.st, 2, a.name);
    sqlite3_bind_int64(ws.st, 3, static_cast<sqlite3_int64>(windows));
    Stmt rows;
    STARLING_RETURN_IF_ERROR(Prepare(db,
                                     std::string(RowsSql(a.kind)) +
                                         " WHERE pipeline = ?1 AND analysis = ?2 AND "
                                         "window_start = ?3 AND window_end = ?4" +
                                         RowsOrder(a.kind),
                                     &rows, path));
    std::vector<model::WindowResult> loaded;
    while (sqlite3_step(ws.st) == SQLITE_ROW) {
      model::WindowResult r;
      r.pipeline = name;
      r.analysis = a.name;
      r.kind = a.kind;
      const std::string start = Text(ws.st, 0), end = Text(ws.st, 1);
      auto s = Time(start, true);
      auto e = Time(end, false);
      if (!s.ok() || !e.ok()) {
        std::string message = path;
        message += ": window of ";
        message += a.name;
        message += " has a bad time '";
        message += start;
        message += "'..'";
        message += end;
        message += "'";
        return MalformedInput(std::move(message));
      }
      r.window_start = *s;
      r.window_end = *e;
      r.total = static_cast<std::uint64_t>(sqlite3_column_int64(ws.st, 2));
      r.error_bound = static_cast<std::uint64_t>(sqlite3_column_int64(ws.st, 3));
      r.final = sqlite3_column_int(ws.st, 4) != 0;
      sqlite3_reset(rows.st);
      Bind(rows.st, 1, name);
      Bind(rows.st, 2, a.name);
      Bind(rows.st, 3, start);
      Bind(rows.st, 4, end);
      int rank = 0;
      while (sqlite3_step(rows.st) == SQLITE_ROW) {
        r.rows.push_back(ReadRow(a.kind, rows.st));
        if (a.kind == ResultKind::kCluster) r.rows.back().rank = ++rank;
      }
      loaded.push_back(std::move(r));
    }
    for (auto it = loaded.rbegin(); it != loaded.rend(); ++it) {
      ++stats.results;
      if (it->final) ++stats.final_results;
      stats.watermark = std::max(stats.watermark, it->window_end == INT64_MAX ? 0 : it->window_end);
      state->bus().Publish(*it);
    }
  }
  state->SetPipeline(name, std::move(analyses), "stored: " + path);
  state->UpdateStats(stats);
  state->SetRunning(false);
  return Status::Ok();
}

Status LoadStoredPosts(const std::string& path, std::size_t limit, DashboardState* state) {
  Db db;
  STARLING_RETURN_IF_ERROR(Open(path, &db));
  Stmt st;
  STARLING_RETURN_IF_ERROR(Prepare(db,
                                   "SELECT id, provider, created_at, author_id, author_handle, "
                                   "author_name, text, lang, kind FROM posts ORDER BY created_at "
                                   "DESC LIMIT ?1",
                                   &st, path));
  sqlite3_bind_int64(st.st, 1, static_cast<sqlite3_int64>(limit));
  Stmt tags, mentions;
  STARLING_RETURN_IF_ERROR(
      Prepare(db, "SELECT tag, start, \"end\" FROM hashtags WHERE post_id = ?1", &tags, path));
  STARLING_RETURN_IF_ERROR(
      Prepare(db, "SELECT handle, user_id, start, \"end\" FROM mentions WHERE post_id = ?1",
              &mentions, path));
  std::vector<model::Post> posts;
  while (sqlite3_step(st.st) == SQLITE_ROW) {
    model::Post p;
    p.id = Text(st.st, 0);
    const std::string provider = Text(st.st, 1);
    for (model::Provider v :
         {model::Provider::kX, model::Provider::kGitHub, model::Provider::kBluesky,
          model::Provider::kMastodon, model::Provider::kMeetup}) {
      if (model::ProviderName(v) == provider) p.provider = v;
    }
    p.created_at = sqlite3_column_int64(st.st, 2);
    p.author.id = Text(st.st, 3);
    p.author.handle = Text(st.st, 4);
    p.author.name = Text(st.st, 5);
    p.text = Text(st.st, 6);
    p.lang = Text(st.st, 7);
    p.kind = model::PostKindFromName(Text(st.st, 8)).value_or(model::PostKind::kPost);
    sqlite3_reset(tags.st);
    Bind(tags.st, 1, p.id);
    while (sqlite3_step(tags.st) == SQLITE_ROW) {
      model::Hashtag h;
      h.tag = Text(tags.st, 0);
      h.range = {ColumnOr(tags.st, 1), ColumnOr(tags.st, 2)};
      p.hashtags.push_back(std::move(h));
    }
    sqlite3_reset(mentions.st);
    Bind(mentions.st, 1, p.id);
    while (sqlite3_step(mentions.st) == SQLITE_ROW) {
      model::Mention m;
      m.handle = Text(mentions.st, 0);
      m.user_id = Text(mentions.st, 1);
      m.range = {ColumnOr(mentions.st, 2), ColumnOr(mentions.st, 3)};
      p.mentions.push_back(std::move(m));
    }
    posts.push_back(std::move(p));
  }
  for (auto it = posts.rbegin(); it != posts.rend(); ++it) state->AddPost(*it);
  return Status::Ok();
}

}  // namespace starling::serve
