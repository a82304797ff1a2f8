// libFuzzer target: the dashboard API's request handling (serve/api.h). The
// input is a request target ("/api/v1/windows?analysis=x&limit=3"): its path
// is percent-decoded, its query parsed, and the API answers from a populated
// state. Every answer must be valid JSON with a 2xx or 4xx status.
#include <simdjson.h>

#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "dataflow/builder.h"
#include "serve/api.h"

namespace {

using namespace starling;

serve::DashboardState& State() {
  static serve::DashboardState* state = [] {
    auto* s = new serve::DashboardState(50, 20);
    s->SetPipeline(dataflow::PipelineBuilder("fuzz")
                       .Window("1m")
                       .Top("hashtags", "hashtag", 5)
                       .Count("languages", "lang")
                       .Sentiment("mood", "hashtag", 3)
                       .Bursts("bursts", "hashtag")
                       .Clusters("topics", 2)
                       .Build(),
                   "fuzz");
    for (int i = 0; i < 3; ++i) {
      model::WindowResult r;
      r.pipeline = "fuzz";
      r.analysis = i == 2 ? "mood" : "hashtags";
      r.kind = i == 2 ? model::ResultKind::kSentiment : model::ResultKind::kTopK;
      r.window_start = 1617235200000000 + i * 60000000LL;
      r.window_end = r.window_start + 60000000;
      model::ResultRow row;
      row.rank = 1;
      row.key = i == 2 ? "*" : "bts\"\\\x01";
      row.count = 3 + i;
      row.value = 0.5;
      r.rows.push_back(row);
      s->bus().Publish(r);
    }
    model::Post p;
    p.id = "1";
    p.text = "hello #bts \xF0\x9F\x98\x80 \xFF";
    p.hashtags.push_back({"bts", {6, 10}});
    s->AddPost(p);
    return s;
  }();
  return *state;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view target(reinterpret_cast<const char*>(data), size);
  const std::size_t q = target.find('?');
  auto path = serve::PercentDecode(target.substr(0, q), false);
  auto query = serve::ParseQuery(q == std::string_view::npos ? "" : target.substr(q + 1));
  if (!path || !query) return 0;
  auto response = serve::HandleApi(State(), *path, *query);
  if (!response) return 0;
  if (response->status < 200 || response->status >= 500) std::abort();
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(response->body).get(doc) != simdjson::SUCCESS) std::abort();
  return 0;
}
