// Micro benchmarks of the parsers, the extractor and the JSON writer on the
// real recorded data in ../shared/data. Run: build/release/bench/starling_bench
#include <benchmark/benchmark.h>

#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "model/post_json.h"
#include "parse/post_parser.h"
#include "sink/csv_format.h"
#include "source/generator.h"
#include "text/extract.h"
#include "text/tweet_length.h"

namespace {

std::string ReadFile(const std::string& rel) {
  std::ifstream f(std::string(STARLING_SHARED_DATA) + "/" + rel, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

std::vector<std::string> Lines(const std::string& rel) {
  std::vector<std::string> out;
  std::istringstream in(ReadFile(rel));
  for (std::string l; std::getline(in, l);) {
    if (!l.empty()) out.push_back(l);
  }
  return out;
}

void ParseRecords(benchmark::State& state, const std::vector<std::string>& records,
                  starling::parse::ParseOptions o = {}) {
  starling::parse::PostParser parser(o);
  std::vector<starling::model::Post> posts;
  std::vector<starling::parse::ControlMessage> controls;
  std::size_t bytes = 0, n = 0;
  for (auto _ : state) {
    for (const auto& r : records) {
      posts.clear();
      controls.clear();
      (void)parser.Parse(r, &posts, &controls);
      bytes += r.size();
      n += posts.size();
      benchmark::DoNotOptimize(posts.data());
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}

void BM_ParseXV2StreamLines(benchmark::State& state) {
  ParseRecords(state, Lines("twarc-csv/streaming_output.jsonl"));
}
BENCHMARK(BM_ParseXV2StreamLines);

void BM_ParseXV2SearchPage(benchmark::State& state) {
  ParseRecords(state, Lines("twarc-csv/kpop.jsonl"));
}
BENCHMARK(BM_ParseXV2SearchPage);

void BM_ParseXV11SearchDocument(benchmark::State& state) {
  ParseRecords(state, {ReadFile("simdjson/twitter.json")});
}
BENCHMARK(BM_ParseXV11SearchDocument);

void BM_ParseXV11EnterpriseStatuses(benchmark::State& state) {
  ParseRecords(state, Lines("tweet_parser/original_format_examples.json"));
}
BENCHMARK(BM_ParseXV11EnterpriseStatuses);

void BM_ParseXV11StreamControl(benchmark::State& state) {
  ParseRecords(state, Lines("twitter4j/streamingapi-testcase.json"));
}
BENCHMARK(BM_ParseXV11StreamControl);

std::vector<std::string> PostTexts() {
  starling::parse::ParseOptions o;
  o.extract_missing_entities = false;
  starling::parse::PostParser parser(o);
  std::vector<starling::model::Post> posts;
  std::vector<starling::parse::ControlMessage> controls;
  (void)parser.Parse(ReadFile("simdjson/twitter.json"), &posts, &controls);
  for (const auto& l : Lines("twarc-csv/kpop.jsonl")) (void)parser.Parse(l, &posts, &controls);
  std::vector<std::string> texts;
  for (const auto& p : posts) texts.push_back(p.text);
  return texts;
}

void BM_ExtractEntities(benchmark::State& state) {
  static const std::vector<std::string> texts = PostTexts();
  std::size_t bytes = 0, n = 0;
  for (auto _ : state) {
    for (const auto& t : texts) {
      auto e = starling::text::ExtractEntities(t);
      benchmark::DoNotOptimize(e.data());
      bytes += t.size();
      n += 1;
    }
  }
  state.SetBytesProcessed(static_cast<std::int64_t>(bytes));
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_ExtractEntities);

void BM_WritePostJson(benchmark::State& state) {
  starling::parse::PostParser parser;
  std::vector<starling::model::Post> posts;
  std::vector<starling::parse::ControlMessage> controls;
  for (const auto& l : Lines("twarc-csv/kpop.jsonl")) (void)parser.Parse(l, &posts, &controls);
  std::string out;
  std::size_t n = 0;
  for (auto _ : state) {
    for (const auto& p : posts) {
      out.clear();
      starling::model::AppendPostJson(p, &out);
      benchmark::DoNotOptimize(out.data());
      ++n;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_WritePostJson);

void BM_WeightedTweetLength(benchmark::State& state) {
  static const std::vector<std::string> texts = PostTexts();
  std::size_t n = 0;
  for (auto _ : state) {
    for (const auto& t : texts) {
      auto r = starling::text::ParseTweet(t, starling::text::TweetLengthConfig::V3());
      benchmark::DoNotOptimize(r);
      ++n;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_WeightedTweetLength);

void BM_ParseTimestamp(benchmark::State& state) {
  const std::vector<std::string> stamps = {"2021-04-01T15:52:31.000Z",
                                           "Sun Aug 31 00:29:15 +0000 2014",
                                           "2021-04-01T17:52:31.123456+02:00"};
  std::size_t n = 0;
  for (auto _ : state) {
    for (const auto& t : stamps) {
      auto r = starling::model::ParseTimestamp(t);
      benchmark::DoNotOptimize(r);
      ++n;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_ParseTimestamp);

// CSV reader on the kpop page written as CSV (a temp file), read back in full.
void BM_ReadCsvPosts(benchmark::State& state) {
  starling::parse::PostParser parser;
  std::vector<starling::model::Post> posts;
  std::vector<starling::parse::ControlMessage> controls;
  for (const auto& l : Lines("twarc-csv/kpop.jsonl")) (void)parser.Parse(l, &posts, &controls);
  std::string csv;
  starling::sink::AppendCsvHeader(&csv);
  for (int rep = 0; rep < 10; ++rep) {
    for (const auto& p : posts) starling::sink::AppendCsvRow(p, &csv);
  }
  char path[] = "/tmp/starling_bench_csv_XXXXXX";
  int fd = mkstemp(path);
  std::FILE* f = fdopen(fd, "wb");
  std::fwrite(csv.data(), 1, csv.size(), f);
  std::fclose(f);
  std::size_t n = 0;
  for (auto _ : state) {
    (void)starling::sink::ReadCsvPosts(path, [&](starling::model::Post&& p) {
      benchmark::DoNotOptimize(p.id.data());
      ++n;
      return starling::Status::Ok();
    });
  }
  std::remove(path);
  state.SetBytesProcessed(static_cast<std::int64_t>(csv.size() * state.iterations()));
  state.SetItemsProcessed(static_cast<std::int64_t>(n));
}
BENCHMARK(BM_ReadCsvPosts);

void BM_GeneratePosts(benchmark::State& state) {
  starling::source::GeneratorOptions o;
  starling::source::PostGenerator gen(o);
  std::string line;
  for (auto _ : state) {
    line.clear();
    benchmark::DoNotOptimize(gen.Next(&line));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}
BENCHMARK(BM_GeneratePosts);

}  // namespace

BENCHMARK_MAIN();
