// What the provider sources decode themselves (sources never parse posts,
// but they read framing, ids and cursors): server-sent events, a Link
// header, position tokens, an API's JSON array cut into records, the X
// stream's line and page inspection, Jetstream event keys and Meetup's
// GraphQL pages. The first byte picks the decoder; each must take any bytes
// without crashing, and keep its invariants.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "source/http_client.h"
#include "source/provider/jetstream_api.h"
#include "source/provider/json_records.h"
#include "source/provider/meetup_api.h"
#include "source/provider/seen_ids.h"
#include "source/provider/sse.h"
#include "source/provider/x_api.h"

using namespace starling::source;
using namespace starling::source::provider;

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view in(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 8) {
    case 0: {  // SSE: every event's data is made of the input's data lines
      SseParser p;
      std::size_t at = 0;
      while (at <= in.size()) {
        const std::size_t nl = in.find('\n', at);
        const std::string_view line =
            in.substr(at, nl == std::string_view::npos ? in.npos : nl - at);
        if (auto e = p.Line(line)) {
          if (e->event.empty() || e->data.size() > in.size()) std::abort();
        }
        if (nl == std::string_view::npos) break;
        at = nl + 1;
      }
      break;
    }
    case 1: {  // Link: the next target lies inside the header, between < and >
      const std::string next = NextLink(in);
      if (!next.empty() && in.find("<" + next + ">") == std::string_view::npos) std::abort();
      break;
    }
    case 2: {  // position tokens: what Add writes, Get reads back
      auto got = PositionToken::Get(in, "github", "ids");
      (void)got;
      const std::string value(in);
      const std::string token = PositionToken("k").Add("a", "1").Add("v", value).str();
      auto back = PositionToken::Get(token, "k", "v");
      if (!back.ok() || *back != value) std::abort();
      SeenIds ids(16);
      ids.Load(in);
      if (ids.size() > 16) std::abort();
      break;
    }
    case 3: {  // an API's array: each element is one line of valid JSON
      auto elements = ArrayElements(in);
      if (elements.ok()) {
        for (const std::string& e : *elements) {
          if (e.find('\n') != std::string::npos) std::abort();
          (void)TopField(e, "id");
        }
      }
      break;
    }
    case 4: {
      (void)x::InspectLine(in);
      (void)x::InspectPage(in);
      break;
    }
    case 5: {
      (void)jetstream::KeyOf(in);
      break;
    }
    case 6: {
      auto page = meetup::ReadPage(in);
      if (page.ok() && page->has_next && page->end_cursor.size() > in.size()) std::abort();
      break;
    }
    default: {
      auto m = Minify(in);
      if (m.ok() && m->size() > in.size()) std::abort();
      break;
    }
  }
  return 0;
}
