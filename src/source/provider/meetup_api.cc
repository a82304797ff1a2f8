// File: source/provider/meetup_api.cc
#include "source/provider/meetup_api.h"

#include <simdjson.h>

namespace starling::source::provider::meetup {
namespace {

constexpr std::string_view kEventFields =
    "id title description dateTime eventUrl createdTime "
    "venues { name address city state country lat lon } group { id urlname name }";

}  // namespace

std::string GroupQuery() {
  return "query ($urlname: String!, $after: String) { groupByUrlname(urlname: $urlname) { id "
         "name urlname events(first: 50, after: $after) { pageInfo { hasNextPage endCursor } "
         "edges { node { " +
         std::string(kEventFields) + " } } } } }";
}

std::string SearchQuery() {
  return "query ($query: String!, $lat: Float, $lon: Float, $radius: Float, $after: String) { "
         "eventSearch(filter: {query: $query, lat: $lat, lon: $lon, radius: $radius}, first: 50, "
         "after: $after) { pageInfo { hasNextPage endCursor } edges { node { " +
         std::string(kEventFields) + " } } } }";
}

Result<Page> ReadPage(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(body.data(), body.size()).get(doc) != simdjson::SUCCESS) {
    return MalformedInput("the answer is not JSON");
  }
  Page page;
  simdjson::dom::array errors;
  if (doc["errors"].get_array().get(errors) == simdjson::SUCCESS) {
    for (simdjson::dom::element e : errors) {
      std::string_view m, code;
      page.errors.emplace_back(e["message"].get_string().get(m) == simdjson::SUCCESS ? m : "?");
      page.codes.emplace_back(
          e["extensions"]["code"].get_string().get(code) == simdjson::SUCCESS ? code : "");
    }
  }
  simdjson::dom::object data;
  if (doc["data"].get_object().get(data) != simdjson::SUCCESS) return page;
  // The connection: data.F.edges, or data.F.X.edges (a group's events).
  simdjson::dom::object connection;
  bool found = false;
  for (auto [key, field] : data) {
    simdjson::dom::object f;
    if (field.get_object().get(f) != simdjson::SUCCESS) continue;
    page.has_data = true;
    if (f["edges"].error() == simdjson::SUCCESS) {
      connection = f;
      found = true;
      break;
    }
    for (auto [k2, inner] : f) {
      simdjson::dom::object g;
      if (inner.get_object().get(g) == simdjson::SUCCESS &&
          g["edges"].error() == simdjson::SUCCESS) {
        connection = g;
        found = true;
        break;
      }
    }
    if (found) break;
  }
  if (!found) return page;
  simdjson::dom::array edges;
  if (connection["edges"].get_array().get(edges) == simdjson::SUCCESS) {
    for (simdjson::dom::element edge : edges) {
      simdjson::dom::element node;
      if (edge["node"].get(node) != simdjson::SUCCESS) continue;
      simdjson::dom::element result;
      if (node["result"].get(result) == simdjson::SUCCESS) node = result;  // search results
      std::string_view id;
      if (node["id"].get_string().get(id) != simdjson::SUCCESS) id = {};
      page.events.emplace_back(std::string(id), simdjson::minify(node));
    }
  }
  bool next = false;
  std::string_view cursor;
  if (connection["pageInfo"]["hasNextPage"].get_bool().get(next) == simdjson::SUCCESS) {
    page.has_next = next;
  }
  if (connection["pageInfo"]["endCursor"].get_string().get(cursor) == simdjson::SUCCESS) {
    page.end_cursor = std::string(cursor);
  }
  return page;
}

}  // namespace starling::source::provider::meetup
