// File: source/provider/jetstream_api.cc
#include "source/provider/jetstream_api.h"

#include <simdjson.h>

namespace starling::source::provider::jetstream {

EventKey KeyOf(std::string_view message) {
  EventKey k;
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(message.data(), message.size()).get(doc) != simdjson::SUCCESS) return k;
  auto str = [](simdjson::dom::element e, std::string_view field) {
    std::string_view v;
    return e[field].get_string().get(v) == simdjson::SUCCESS ? std::string(v) : std::string();
  };
  if (doc["time_us"].get_int64().get(k.time_us) != simdjson::SUCCESS) k.time_us = 0;
  const std::string did = str(doc, "did");
  if (did.empty()) return k;  // not an event: nothing to tell it by
  const std::string kind = str(doc, "kind");
  simdjson::dom::element commit;
  if (kind == "commit" && doc["commit"].get(commit) == simdjson::SUCCESS) {
    k.key = did + '|' + str(commit, "rev") + '|' + str(commit, "operation") + '|' +
            str(commit, "collection") + '|' + str(commit, "rkey");
  } else {
    k.key = did + '|' + kind + '|' + std::to_string(k.time_us);
  }
  return k;
}

}  // namespace starling::source::provider::jetstream
