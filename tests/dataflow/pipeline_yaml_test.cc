#include "dataflow/pipeline_yaml.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "dataflow/builder.h"

namespace starling::dataflow {
namespace {

TEST(PipelineYaml, ReadsEveryPart) {
  auto f = ParsePipelineYaml(R"(
name: t
source: [a.jsonl, "generate:?count=5"]
mode: microbatch
batch_interval: 250ms
time: event
watermark: 10s
allowed_lateness: 1m
workers: 3
checkpoint: {dir: ck, interval: 2s}
filter: {lang: [en], has: hashtags}
analyses:
  - {name: tags, type: top, by: hashtag, k: 5, window: "sliding 10m 1m", mode: space-saving, capacity: 100}
  - {type: count, by: lang}
  - {name: who, type: distinct, of: author, by: lang, precision: 12}
  - {name: s, type: sessions, by: author, window: session 5m}
  - {name: c, type: clusters, k: 4, decay: 0.5, terms: 6}
  - {name: b, type: bursts, z: 4, alpha: 0.2, min_count: 7, warmup: 2}
sinks: {results: [sqlite:r.db, "-"], posts: p.jsonl, late: l.jsonl, dead_letters: d.jsonl}
)");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->spec.name, "t");
  EXPECT_EQ(f->sources.size(), 2u);
  EXPECT_EQ(f->spec.mode, ProcessingMode::kMicroBatch);
  EXPECT_EQ(f->spec.batch_interval, std::chrono::milliseconds(250));
  EXPECT_EQ(f->spec.allowed_lateness, std::chrono::minutes(1));
  EXPECT_EQ(f->workers, 3);
  EXPECT_EQ(f->checkpoint_dir, "ck");
  EXPECT_EQ(f->spec.transforms.size(), 2u);
  ASSERT_EQ(f->spec.analyses.size(), 6u);
  const AnalysisSpec& tags = f->spec.analyses[0];
  EXPECT_TRUE(tags.space_saving);
  EXPECT_EQ(tags.capacity, 100u);
  EXPECT_EQ(tags.window.type, WindowType::kSliding);
  EXPECT_EQ(f->spec.analyses[1].name, "count");
  EXPECT_EQ(f->spec.analyses[2].hll_precision, 12);
  EXPECT_EQ(f->spec.analyses[4].kmeans.k, 4);
  EXPECT_EQ(f->spec.analyses[4].k, 6u);
  EXPECT_EQ(f->spec.analyses[5].bursts.min_count, 7u);
  EXPECT_EQ(f->result_sinks.size(), 2u);
  EXPECT_EQ(f->late_sink, "l.jsonl");
  // The filter works on posts.
  model::Post p;
  p.lang = "en";
  EXPECT_FALSE(f->spec.transforms[1].filter(p));
  p.hashtags.push_back({"x", {}});
  EXPECT_TRUE(f->spec.transforms[0].filter(p) && f->spec.transforms[1].filter(p));
}

TEST(PipelineYaml, ErrorsNameTheKey) {
  struct Case {
    const char* yaml;
    const char* expect;
  };
  for (const Case& c : {
           Case{"name: x\nanalyses: [{type: top, window: weekly}]", "analyses[0]: window"},
           Case{"name: x\nanalyses: [{type: top, window: 'sliding 1h 1ms'}]",
                "analyses[0]: window: window 'sliding 1h 1ms': 3600000 windows per post"},
           Case{"name: x\nanalyses: [{type: nope}]", "type: unknown 'nope'"},
           Case{"name: x\nanalyses: [{type: top, k: -1}]", "k: expected an integer"},
           Case{"name: x\nbogus: 1", "bogus: unknown key"},
           Case{"name: x\nmode: fast", "mode: use record or microbatch"},
           Case{"name: x\nanalyses: [{type: top}, {type: top}]", "two analyses are named 'top'"},
           Case{"name: x\nanalyses: [{type: sessions}]", "session window"},
           Case{"name: x\nanalyses: [{type: top, z: 4}]",
                "analyses[0]: z: not an option of top (its options: k, mode, capacity)"},
           Case{"name: x\nanalyses: [{type: sessions, window: session 5m, k: 3}]",
                "k: not an option of sessions (its options: none)"},
           Case{"name: x\nanalyses: [{type: count, colour: red}]",
                "colour: unknown key (known: name, type, by, of, window, k, mode, capacity)"},
           Case{"name: x\nanalyses: [{type: clusters, dims: 100}]", "dims: must be a power of two"},
           Case{"name: x\nanalyses: [{type: top, k: 0}]", "k: expected an integer in [1, 1000000]"},
           Case{"name: x\nanalyses: [{type: clusters, k: 0}]", "k: expected an integer in [1, "},
           Case{"name: x\nanalyses: [{type: top, mode: space-saving, capacity: 5}]",
                "capacity must be at least k"},
           Case{"name: x\nanalyses: [{type: top, mode: fuzzy}]", "mode: use exact or space-saving"},
           Case{"name: x\nanalyses: [{type: distinct, precision: 3}]",
                "precision: expected an integer in [4, 18], got '3'"},
           Case{"name: x\nfilter: {kind: [tweet]}", "unknown kind 'tweet'"},
           Case{"[1, 2", "not valid YAML"},
           Case{"- a\n- b", "a pipeline file is a YAML map"},
       }) {
    auto f = ParsePipelineYaml(c.yaml);
    ASSERT_FALSE(f.ok()) << c.yaml;
    EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(f.status().message().find(c.expect), std::string::npos)
        << f.status().message() << " should contain " << c.expect;
  }
}

// The key counters take mode and capacity: count and top as before the
// kinds became descriptors; bursts without a `k` to compare capacity with.
TEST(PipelineYaml, KeyCountersTakeModeAndCapacity) {
  auto f = ParsePipelineYaml(
      "name: x\nanalyses:\n  - {type: count, by: hashtag, mode: space-saving, capacity: 50}\n"
      "  - {type: bursts, mode: space-saving, capacity: 5}\n");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  ASSERT_EQ(f->spec.analyses.size(), 2u);
  EXPECT_TRUE(f->spec.analyses[0].space_saving);
  EXPECT_EQ(f->spec.analyses[0].capacity, 50u);
  EXPECT_TRUE(f->spec.analyses[1].space_saving);
  EXPECT_EQ(f->spec.analyses[1].capacity, 5u);
}

// Expects `yaml` to be refused with a message containing `expect`.
void ExpectRefused(const std::string& yaml, const std::string& expect) {
  auto f = ParsePipelineYaml(yaml);
  ASSERT_FALSE(f.ok()) << yaml.substr(0, 200);
  EXPECT_EQ(f.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(f.status().message().find(expect), std::string::npos)
      << f.status().message() << " should contain " << expect;
}

TEST(PipelineYaml, RefusesAKeyGivenTwice) {
  // yaml-cpp keeps both pairs of a map and finds the first: the second value
  // would be ignored without a word.
  ExpectRefused("name: x\nanalyses:\n  - {type: top, window: 1m, k: 3, window: 5m}\n",
                "pipeline: analyses[0]: key 'window' given twice (lines 3 and 3)");
  ExpectRefused("name: x\nworkers: 2\nname: y\n",
                "pipeline: key 'name' given twice (lines 1 and 3)");
  ExpectRefused("name: x\ncheckpoint:\n  dir: a\n  dir: b\n",
                "pipeline: checkpoint: key 'dir' given twice (lines 3 and 4)");
  ExpectRefused("name: x\nfilter: {lang: [en], lang: [fr]}\n", "filter: key 'lang' given twice");
  ExpectRefused("name: x\nsinks: {results: a.db, results: b.db}\n",
                "sinks: key 'results' given twice");
  // The file's name replaces "pipeline" when it is loaded from a file.
  const std::string path = std::string(STARLING_TEST_TMP) + "/twice.yaml";
  {
    std::ofstream out(path);
    out << "name: x\nanalyses:\n  - name: t\n    type: top\n    window: 1m\n    window: 5m\n";
  }
  auto f = LoadPipelineFile(path);
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(), path + ": analyses[0]: key 'window' given twice (lines 5 and 6)");
  // The same key in two maps is no repeat.
  EXPECT_TRUE(ParsePipelineYaml("name: x\nanalyses: [{name: a, type: count, window: 1m}, "
                                "{name: b, type: top, window: 1m}]")
                  .ok());
}

TEST(PipelineYaml, BoundsWhatAliasesExpandTo) {
  // 100,000 aliases of a 1 KiB string: 100 MiB once expanded (214 MB of
  // memory before the bound).
  std::string yaml = "name: x\nfilter:\n  contains: [&a '" + std::string(1024, 'x') + "'";
  for (int i = 0; i < 100000; ++i) yaml += ", *a";
  yaml += "]\n";
  ExpectRefused(yaml,
                "pipeline: filter.contains[1023]: the file holds more than 1 MiB of text "
                "once its aliases are expanded");
  // Nested lists of aliases ("a billion laughs"): 10^9 values from 100
  // lines; refused after the first 100,000, without walking the rest.
  std::string laughs = "name: x\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n";
  for (int i = 1; i < 9; ++i) {
    const std::string prev = "*l" + std::to_string(i - 1);
    laughs += "l" + std::to_string(i) + ": &l" + std::to_string(i) + " [";
    for (int j = 0; j < 10; ++j) laughs += (j == 0 ? "" : ", ") + prev;
    laughs += "]\n";
  }
  ExpectRefused(laughs, "more than 100000 values once its aliases are expanded");
  // A text over the bound is refused before it is parsed.
  ExpectRefused("name: x\n# " + std::string(5u << 20, 'x') + "\n", "the file is larger than 4 MiB");
  // Aliases within the bounds are fine.
  auto f = ParsePipelineYaml(
      "name: x\nanalyses: [{name: a, type: count, window: &w 5m}, {name: b, type: top, window: "
      "*w}]");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_EQ(f->spec.analyses[1].window.size, std::chrono::minutes(5));
}

TEST(PipelineYaml, RefusesASecondDocument) {
  ExpectRefused(
      "name: x\nworkers: 2\n---\nname: y\nworkers: 3\n",
      "pipeline: line 4: a second YAML document (after '---'); a pipeline file holds one");
  ExpectRefused("---\nname: x\n---\n- a\n", "line 4: a second YAML document");
  // A leading "---", or a trailing one with nothing after it, starts no second document.
  EXPECT_TRUE(ParsePipelineYaml("---\nname: x\n").ok());
  EXPECT_TRUE(ParsePipelineYaml("name: x\n---\n").ok());
  EXPECT_TRUE(ParsePipelineYaml("name: x\n...\n").ok());
}

// yaml-cpp 0.7's LoadAll never returns on these (the fuzzer found the first:
// jbeder/yaml-cpp#1040); each is refused at once.
TEST(PipelineYaml, RefusesAStrayCommaWithoutHanging) {
  for (const char* text : {",", ", k: 10, window: 1m}\nsinks:\n  results: x\n", "- a\n,\n",
                           "\"a\" ,", "# c\n,", "---\n,"}) {
    ExpectRefused(text, "pipeline: not valid YAML");
  }
}

TEST(PipelineYaml, ALabelDimensionNeedsAJoinThatAddsIt) {
  ExpectRefused("name: x\nanalyses: [{type: count, by: 'label:team'}]",
                "pipeline: analyses[0]: analysis 'count': by: label:team: labels come from a "
                "join, and the pipeline has none");
  ExpectRefused("name: x\nanalyses: [{type: distinct, of: 'label:team'}]",
                "analyses[0]: analysis 'distinct': of: label:team");
  const std::string path = std::string(STARLING_TEST_TMP) + "/teams.csv";
  {
    std::ofstream out(path);
    out << "handle,group,note\nalice,press,x\n";
  }
  const std::string join = "name: x\njoin: [{file: " + path + ", on: author, column: handle}]\n";
  ExpectRefused(join + "analyses: [{type: count, by: 'label:team'}]",
                "analyses[0]: analysis 'count': by: label:team: no join adds the label 'team' "
                "(they add: group, note)");
  auto f = ParsePipelineYaml(join + "analyses: [{type: count, by: 'label:group'}]");
  EXPECT_TRUE(f.ok()) << f.status().ToString();
  // The join may come after the analyses in the file.
  EXPECT_TRUE(ParsePipelineYaml(
                  "name: x\nanalyses: [{type: top, by: 'label:note'}]\njoin: [{file: " + path +
                  ", on: author, column: handle}]\n")
                  .ok());
  // The same rule for a spec made in C++ (and `top --by label:x`) ...
  PipelineSpec spec;
  AnalysisSpec a;
  a.name = "teams";
  a.kind = model::ResultKind::kCount;
  a.by = ParseDimension("label:team").value();
  spec.analyses.push_back(a);
  EXPECT_NE(spec.Validate().message().find("labels come from a join"), std::string::npos);
  // ... where a join that does not declare its labels may add any.
  Transform custom;
  custom.kind = Transform::Kind::kJoin;
  custom.join = [](const model::Post&, std::vector<std::pair<std::string, std::string>>& l) {
    l.emplace_back("team", "a");
  };
  spec.transforms.push_back(custom);
  EXPECT_TRUE(spec.Validate().ok());
}

TEST(PipelineYaml, ExamplesLoad) {
  const std::filesystem::path examples =
      std::filesystem::path(STARLING_TEST_SOURCE_DIR).parent_path() / "examples";
  int n = 0;
  for (const auto& entry : std::filesystem::directory_iterator(examples)) {
    if (entry.path().extension() != ".yaml") continue;
    auto f = LoadPipelineFile(entry.path().string());
    EXPECT_TRUE(f.ok()) << entry.path() << ": " << f.status().ToString();
    ++n;
  }
  EXPECT_GE(n, 4);
}

TEST(PipelineYaml, CsvJoinAddsLabels) {
  const std::string path = std::string(STARLING_TEST_TMP) + "/authors.csv";
  {
    std::ofstream out(path);
    out << "handle,group,\"note\"\nAlice,press,\"says \"\"hi\"\"\"\nbob,bots,\n";
  }
  auto join = CsvJoin(path, "author", "handle");
  ASSERT_TRUE(join.ok()) << join.status().ToString();
  model::Post p;
  p.author.handle = "alice";
  std::vector<std::pair<std::string, std::string>> labels;
  join->join(p, labels);
  ASSERT_EQ(labels.size(), 2u);
  EXPECT_EQ(labels[0], (std::pair<std::string, std::string>{"group", "press"}));
  EXPECT_EQ(labels[1].second, "says \"hi\"");
  EXPECT_FALSE(CsvJoin(path, "author", "missing").ok());
  EXPECT_EQ(CsvJoin(path + ".nope", "author", "handle").status().code(), StatusCode::kNotFound);
}

TEST(PipelineYaml, SqliteJoinAddsLabelsFromAQuery) {
  const std::string path = std::string(STARLING_TEST_TMP) + "/people.db";
  std::filesystem::remove(path);
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db,
                   "CREATE TABLE people(handle TEXT, org TEXT, country TEXT);"
                   "INSERT INTO people VALUES ('Alice', 'press', 'fr'), ('bob', 'bots', NULL);",
                   nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  auto f = ParsePipelineYaml("name: j\njoin: [{sqlite: " + path +
                             ", query: 'SELECT handle, org AS team FROM people', on: author}]\n"
                             "analyses: [{type: count, by: 'label:team'}]");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  model::Post p;
  p.author.handle = "ALICE";
  std::vector<std::pair<std::string, std::string>> labels;
  f->spec.transforms[0].join(p, labels);
  ASSERT_EQ(labels.size(), 1u);
  EXPECT_EQ(labels[0], (std::pair<std::string, std::string>{"team", "press"}));
  auto bad = ParsePipelineYaml("name: j\njoin: [{sqlite: " + path +
                               ", query: 'SELECT nope FROM people'}]");
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("join[0]"), std::string::npos) << bad.status().message();
}

TEST(Builder, BuildsTheSameSpecAsYaml) {
  using namespace std::chrono_literals;
  PipelineSpec built = PipelineBuilder("p")
                           .EventTime(10s)
                           .AllowedLateness(1min)
                           .Window("1m")
                           .Top("tags", "hashtag", 5)
                           .Count("langs", "lang")
                           .Build();
  auto yaml = ParsePipelineYaml(R"(
name: p
watermark: 10s
allowed_lateness: 1m
analyses:
  - {name: tags, type: top, by: hashtag, k: 5, window: 1m}
  - {name: langs, type: count, by: lang, window: 1m}
)");
  ASSERT_TRUE(yaml.ok());
  EXPECT_EQ(built.Fingerprint(), yaml->spec.Fingerprint());
}

// Any kind by its type name, with a pipeline file's defaults: the same spec.
TEST(Builder, AddsAnyKindByItsTypeName) {
  PipelineSpec built =
      PipelineBuilder("p")
          .Window("1m")
          .Analysis("tags", "trending")
          .Analysis("b", "bursts", [](AnalysisSpec& a) { a.bursts.z_threshold = 4; })
          .Analysis("pairs", "cooccurrence", [](AnalysisSpec& a) { a.k = 3; })
          .Build();
  auto yaml = ParsePipelineYaml(R"(
name: p
analyses:
  - {name: tags, type: top, window: 1m}
  - {name: b, type: bursts, window: 1m, z: 4}
  - {name: pairs, type: cooccurrence, k: 3, window: 1m}
)");
  ASSERT_TRUE(yaml.ok()) << yaml.status().ToString();
  EXPECT_EQ(built.Fingerprint(), yaml->spec.Fingerprint());
  EXPECT_EQ(built.analyses[1].bursts.z_threshold, 4);
  EXPECT_EQ(built.analyses[0].by.dim, Dimension::kHashtag);
  auto unknown = PipelineBuilder("p").Analysis("x", "median").TryBuild();
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("unknown type 'median' (known: count, top"),
            std::string::npos)
      << unknown.status().message();
}

TEST(Builder, CustomKeysAndTransforms) {
  PipelineSpec spec =
      PipelineBuilder("p")
          .Filter([](const model::Post& p) { return !p.text.empty(); })
          .Map([](model::Post& p) { p.lang = "xx"; })
          .KeyBy([](const model::Post& p, KeyEmitter& out) { out.Emit(p.text.substr(0, 1)); })
          .Count("first_letter")
          .Build();
  ASSERT_EQ(spec.transforms.size(), 2u);
  ASSERT_TRUE(spec.analyses[0].custom_keys);
  // Errors wait for TryBuild: the first one is reported.
  auto bad_window = PipelineBuilder("p").Window("fortnightly").Top("a", "nope", 1).TryBuild();
  ASSERT_FALSE(bad_window.ok());
  EXPECT_NE(bad_window.status().message().find("fortnightly"), std::string::npos);
  auto bad_dim = PipelineBuilder("p").Top("a", "nope", 1).TryBuild();
  ASSERT_FALSE(bad_dim.ok());
  EXPECT_NE(bad_dim.status().message().find("nope"), std::string::npos);
  auto twice = PipelineBuilder("p").Top("a", "hashtag", 1).Top("a", "hashtag", 1).TryBuild();
  EXPECT_EQ(twice.status().code(), StatusCode::kInvalidArgument);
  EXPECT_TRUE(PipelineBuilder("p").Top("a", "hashtag", 1).TryBuild().ok());
  // Build() is for specs in code: a bad one is a bug, and says so.
  EXPECT_DEATH(PipelineBuilder("p").Window("fortnightly").Build(),
               "starling: bug: PipelineBuilder: .*fortnightly");
}

}  // namespace
}  // namespace starling::dataflow
