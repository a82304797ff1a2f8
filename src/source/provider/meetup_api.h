// File: source/provider/meetup_api.h
// Meetup's GraphQL API: the built-in queries, and reading an answer's events,
// page cursor and errors without parsing posts.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/status.h"

namespace starling::source::provider::meetup {

// A group's events ($urlname, $after) and an event search ($query, $lat,
// $lon, $radius, $after), 50 a page.
std::string GroupQuery();
std::string SearchQuery();

struct Page {
  std::vector<std::pair<std::string, std::string>> events;  // (id, node JSON, minified)
  std::string end_cursor;
  bool has_next = false;
  std::vector<std::string> errors;  // messages
  std::vector<std::string> codes;   // extensions.code of each error ("" when none)
  bool has_data = false;
};

// The connection at data.F.edges or data.F.X.edges (a search result's
// node.result is the event). MalformedInput when `body` is not JSON.
Result<Page> ReadPage(std::string_view body);

}  // namespace starling::source::provider::meetup
