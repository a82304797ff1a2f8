// Tests for OpenSink (sink/registry.h): the spec grammar and its error messages.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "sink/post_fixtures.h"
#include "sink/registry.h"
#include "sink/result_sink.h"

namespace starling::sink {
namespace {

using testing::TempPath;

std::string Slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// What a crashed run wrote after its checkpoint is cut off on resume: a
// post sink writes posts 0..n, checkpoints after `at`, writes on (and
// "crashes"); a resumed sink restores the token and writes from `at` again.
// The file must equal one uninterrupted run's, for every file post sink
// (with a rotation in the replayed part, too).
TEST(OpenSink, FileSinksResumeExactlyOnce) {
  std::vector<model::Post> posts;
  for (int round = 0; round < 40; ++round) {
    for (model::Post p : testing::SamplePosts()) {
      p.id += "-" + std::to_string(round);
      posts.push_back(p);
    }
  }
  const std::size_t at = 50;
  for (const char* kind_name : {"jsonl", "csv", "rotating"}) {
    const std::string kind = kind_name;
    const std::string ref = TempPath("-ref." + std::string(kind == "csv" ? "csv" : "jsonl"));
    const std::string out = TempPath("-out." + std::string(kind == "csv" ? "csv" : "jsonl"));
    auto spec = [&](const std::string& path) {
      if (kind == "csv") return "csv:" + path;
      if (kind == "rotating") return "jsonl:" + path + "?rotate=20K";
      return "jsonl:" + path;
    };
    auto files = [&](const std::string& path) {
      std::string all;
      all += Slurp(path);
      for (int i = 1; std::filesystem::exists(path + "." + std::to_string(i)); ++i) {
        all += "|" + Slurp(path + "." + std::to_string(i));
      }
      return all;
    };
    for (int i = 1; i < 20; ++i) std::filesystem::remove(out + "." + std::to_string(i));
    {
      auto s = OpenSink(spec(ref));
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      for (const auto& p : posts) ASSERT_TRUE((*s)->Write(p).ok());
      ASSERT_TRUE((*s)->Close().ok());
    }
    std::string token, name;
    {
      auto s = OpenSink(spec(out));
      ASSERT_TRUE(s.ok());
      for (std::size_t i = 0; i < posts.size(); ++i) {
        ASSERT_TRUE((*s)->Write(posts[i]).ok());
        if (i + 1 == at) {
          auto t = (*s)->CheckpointCommit();
          ASSERT_TRUE(t.ok()) << t.status().ToString();
          token = *t;
          name = (*s)->CommitName();
        }
        if (i == posts.size() * 3 / 4) break;  // the crash: written, never checkpointed
      }
      ASSERT_TRUE((*s)->Flush().ok());
    }
    ASSERT_FALSE(token.empty()) << kind;
    ASSERT_NE(files(out), files(ref)) << kind;
    {
      auto s = OpenSink(spec(out), {.resume = true});
      ASSERT_TRUE(s.ok());
      // The name a checkpoint matches on is stable: not changed by the
      // rotations the crashed run made, and the same for ./PATH.
      EXPECT_EQ((*s)->CommitName(), name) << kind;
      auto dotted = OpenSink(spec("./" + std::filesystem::path(out)
                                             .lexically_relative(std::filesystem::current_path())
                                             .string()),
                             {.resume = true});
      ASSERT_TRUE(dotted.ok());
      EXPECT_EQ((*dotted)->CommitName(), name) << kind;
      ASSERT_TRUE((*dotted)->Close().ok());
      ASSERT_TRUE((*s)->RestoreCommit(token).ok()) << kind;
      for (std::size_t i = at; i < posts.size(); ++i) ASSERT_TRUE((*s)->Write(posts[i]).ok());
      ASSERT_TRUE((*s)->Close().ok());
    }
    EXPECT_EQ(files(out), files(ref)) << kind;
    if (kind == "rotating") {
      EXPECT_TRUE(std::filesystem::exists(out + ".1"));
    }
    // A fresh (not resumed) open starts the file afresh.
    {
      auto s = OpenSink(spec(out));
      ASSERT_TRUE(s.ok());
      ASSERT_TRUE((*s)->Close().ok());
    }
    EXPECT_LT(Slurp(out).size(), 2000u) << kind;
    // A token that does not fit the file (longer than it) is refused.
    {
      auto s = OpenSink(spec(out), {.resume = true});
      ASSERT_TRUE(s.ok());
      const std::string too_far = kind == "csv" ? "999999" : "0:999999";
      EXPECT_EQ((*s)->RestoreCommit(too_far).code(), StatusCode::kInvalidArgument) << kind;
      EXPECT_EQ((*s)->RestoreCommit("nonsense").code(), StatusCode::kInvalidArgument) << kind;
    }
  }
  // Standard output and SQLite need nothing restored.
  auto out = OpenSink("-");
  ASSERT_TRUE(out.ok());
  EXPECT_TRUE((*out)->CommitName().empty());
  auto db = OpenSink("sqlite:" + TempPath(".db"));
  ASSERT_TRUE(db.ok());
  EXPECT_TRUE((*db)->CommitName().empty());
}

TEST(OpenResultSink, JsonlResultsResumeExactlyOnce) {
  const std::string path = TempPath("-results.jsonl");
  model::WindowResult r;
  r.pipeline = "p";
  r.analysis = "a";
  r.kind = model::ResultKind::kCount;
  auto write = [&](ResultSink& s, int from, int to) {
    for (int i = from; i < to; ++i) {
      r.window_start = i * 60'000'000LL;
      r.window_end = r.window_start + 60'000'000LL;
      ASSERT_TRUE(s.Write(r).ok());
    }
  };
  std::string token;
  {
    auto s = OpenResultSink("jsonl:" + path);
    ASSERT_TRUE(s.ok());
    write(**s, 0, 10);
    auto t = (*s)->CheckpointCommit();
    ASSERT_TRUE(t.ok());
    token = *t;
    write(**s, 10, 15);  // after the checkpoint; then a crash
    ASSERT_TRUE((*s)->Flush().ok());
  }
  {
    auto s = OpenResultSink("jsonl:" + path, {.resume = true});
    ASSERT_TRUE(s.ok());
    ASSERT_TRUE((*s)->RestoreCommit(token).ok());
    write(**s, 10, 20);
    ASSERT_TRUE((*s)->Close().ok());
  }
  const std::string got = Slurp(path);
  EXPECT_EQ(std::count(got.begin(), got.end(), '\n'), 20);
  std::remove(path.c_str());
  auto s = OpenResultSink("jsonl:" + path);
  ASSERT_TRUE(s.ok());
  write(**s, 0, 20);
  ASSERT_TRUE((*s)->Close().ok());
  EXPECT_EQ(Slurp(path), got);
}

TEST(OpenSink, OpensEachScheme) {
  const std::string jsonl = TempPath(".jsonl"), csv = TempPath(".csv"), db = TempPath(".db");
  struct Case {
    std::string spec;
    std::string describe;
  } cases[] = {
      {"jsonl:" + jsonl + "?raw=0&rotate=64M", jsonl + " (JSON lines)"},
      {"csv:" + csv, csv + " (CSV)"},
      {"sqlite:" + db + "?batch=10", db + " (SQLite)"},
      {jsonl + "?raw=1", jsonl + " (JSON lines, raw)"},  // bare path typed by extension
      {csv, csv + " (CSV)"},
      {db, db + " (SQLite)"},
      {"-", "stdout (JSON lines)"},
      {"jsonl:-", "stdout (JSON lines)"},
  };
  for (const auto& c : cases) {
    auto sink = OpenSink(c.spec);
    ASSERT_TRUE(sink.ok()) << c.spec << ": " << sink.status().ToString();
    EXPECT_EQ((*sink)->Describe(), c.describe);
    EXPECT_TRUE((*sink)->Close().ok());
  }
  EXPECT_TRUE(std::filesystem::exists(jsonl));
  EXPECT_TRUE(std::filesystem::exists(csv));
  EXPECT_TRUE(std::filesystem::exists(db));
}

TEST(OpenSink, RejectsBadSpecsWithClearMessages) {
  const std::string dir = STARLING_TEST_TMP;
  struct Case {
    std::string spec;
    std::string message_part;
  } cases[] = {
      {"", "valid schemes: jsonl"},
      {"parquet:out.parquet", "unknown sink scheme 'parquet'"},
      {"cassandra://host/keyspace", "valid schemes: jsonl"},
      {dir + "/out.txt", "cannot tell the sink type"},
      {"jsonl:", "has no path"},
      {"jsonl:" + dir + "/a.jsonl?rotate=lots", "rotate must be a size"},
      {"jsonl:" + dir + "/a.jsonl?rotate=0", "rotate must be a size"},
      {"jsonl:" + dir + "/a.jsonl?raw=maybe", "raw must be a boolean"},
      {"jsonl:" + dir + "/a.jsonl?gzip=1", "unknown parameter 'gzip' (valid: raw, rotate)"},
      {"jsonl:" + dir + "/a.jsonl?raw", "is not key=value"},
      {"-?rotate=1M", "rotate needs a file"},
      {"sqlite:" + dir + "/a.db?batch=0", "batch must be a positive integer"},
      {"sqlite:" + dir + "/a.db?batch=10x", "batch must be a whole number"},
      {"csv:" + dir + "/a.csv?raw=1", "unknown parameter 'raw' (valid: none)"},
      {"jsonl:" + dir + "/a.jsonl?raw=1&raw=0", "given twice"},
      {"PARQUET:x", "unknown sink scheme 'parquet'"},
      {"jsonl://host/x.jsonl", "jsonl takes a path"},
  };
  for (const auto& c : cases) {
    auto sink = OpenSink(c.spec);
    ASSERT_FALSE(sink.ok()) << c.spec;
    EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument) << c.spec;
    EXPECT_NE(sink.status().message().find(c.message_part), std::string::npos)
        << c.spec << " -> " << sink.status().message();
  }
}

TEST(OpenResultSink, ResolvesLikePostSinks) {
  const std::string dir = STARLING_TEST_TMP;
  // Extensions in any case, as for post sinks.
  for (const std::string& spec : {dir + "/R.DB", dir + "/r.JSONL", std::string("-")}) {
    auto sink = OpenResultSink(spec);
    ASSERT_TRUE(sink.ok()) << spec << ": " << sink.status().ToString();
    EXPECT_TRUE((*sink)->Close().ok());
  }
  struct Case {
    std::string spec;
    std::string message_part;
  } cases[] = {
      {"", "valid schemes: sqlite, jsonl"},
      {dir + "/r.csv", "cannot tell the result sink type"},
      {"parquet:x", "unknown result sink scheme 'parquet'"},
      {"sqlite:", "has no path"},
      {"sqlite:" + dir + "/r.db?batch=5", "unknown parameter 'batch' (valid: none)"},
      {"sqlite:-", "SQLite needs a file"},
  };
  for (const auto& c : cases) {
    auto sink = OpenResultSink(c.spec);
    ASSERT_FALSE(sink.ok()) << c.spec;
    EXPECT_EQ(sink.status().code(), StatusCode::kInvalidArgument) << c.spec;
    EXPECT_NE(sink.status().message().find(c.message_part), std::string::npos)
        << c.spec << " -> " << sink.status().message();
  }
}

TEST(SinkRegistry, EveryKindDeclaresItselfAndSecretsStayHidden) {
  for (const auto& k : PostSinks().kinds()) {
    EXPECT_FALSE(k.info.usage.empty()) << k.info.scheme;
    EXPECT_FALSE(k.info.help.empty()) << k.info.scheme;
    EXPECT_TRUE(k.open) << k.info.scheme;
    EXPECT_NE(SinkHelp().find(k.info.usage), std::string::npos) << k.info.scheme;
  }
  for (const auto& k : ResultSinks().kinds()) {
    EXPECT_NE(ResultSinkHelp().find(k.info.usage), std::string::npos) << k.info.scheme;
  }
  EXPECT_TRUE(NeedsRaw("sqlite:x.db"));
  EXPECT_TRUE(NeedsRaw("x.SQLITE"));
  EXPECT_TRUE(NeedsRaw("jsonl:x?raw=yes"));
  EXPECT_FALSE(NeedsRaw("jsonl:x?raw=0"));
  EXPECT_FALSE(NeedsRaw("x.csv"));
  EXPECT_EQ(OutputFile("sqlite:a/b.db?batch=3"), "a/b.db");
  EXPECT_EQ(OutputFile("x.csv"), "x.csv");
  EXPECT_EQ(OutputFile("-"), std::nullopt);
  EXPECT_EQ(OutputFile("jsonl:-"), std::nullopt);
  auto secret = OpenSink("jsonl:x.jsonl?token=hunter2");
  ASSERT_FALSE(secret.ok());
  EXPECT_EQ(secret.status().message().find("hunter2"), std::string::npos)
      << secret.status().message();
}

TEST(OpenSink, UnwritablePathIsAnIoError) {
  auto sink = OpenSink("csv:/dev/null/no/such/dir/a.csv");
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), StatusCode::kIoError);
}

TEST(OpenSink, RotationSizeSuffixes) {
  const std::string path = TempPath(".jsonl");
  for (const char* size : {"1", "512K", "64M", "64MiB", "64mb", "1G"}) {
    auto sink = OpenSink("jsonl:" + path + "?rotate=" + size);
    EXPECT_TRUE(sink.ok()) << size << ": " << sink.status().ToString();
  }
}

}  // namespace
}  // namespace starling::sink
