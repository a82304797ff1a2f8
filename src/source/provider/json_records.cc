// File: source/provider/json_records.cc
#include "source/provider/json_records.h"

#include <simdjson.h>

namespace starling::source::provider {

Result<std::string> Minify(std::string_view json) {
  std::string out(json.size(), '\0');
  std::size_t len = 0;
  if (simdjson::minify(json.data(), json.size(), out.data(), len) != simdjson::SUCCESS) {
    return MalformedInput("not JSON");
  }
  out.resize(len);
  return out;
}

Result<std::vector<std::string>> ArrayElements(std::string_view body) {
  simdjson::ondemand::parser parser;
  const simdjson::padded_string padded(body);
  simdjson::ondemand::document doc;
  simdjson::ondemand::array array;
  if (parser.iterate(padded).get(doc) != simdjson::SUCCESS ||
      doc.get_array().get(array) != simdjson::SUCCESS) {
    return MalformedInput("not a JSON array");
  }
  std::vector<std::string> out;
  for (auto item : array) {
    simdjson::ondemand::value value;
    simdjson::ondemand::json_type type;
    std::string_view raw;
    bool ok = item.get(value) == simdjson::SUCCESS && value.type().get(type) == simdjson::SUCCESS;
    if (ok && type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object o;
      ok = value.get_object().get(o) == simdjson::SUCCESS &&
           o.raw_json().get(raw) == simdjson::SUCCESS;
    } else if (ok && type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array a;
      ok = value.get_array().get(a) == simdjson::SUCCESS &&
           a.raw_json().get(raw) == simdjson::SUCCESS;
    } else if (ok) {
      raw = value.raw_json_token();
    }
    if (!ok) return MalformedInput("a JSON array with a bad element");
    STARLING_ASSIGN_OR_RETURN(std::string element, Minify(raw));
    out.push_back(std::move(element));
  }
  return out;
}

std::string TopField(std::string_view object, std::string_view key) {
  simdjson::dom::parser parser;
  simdjson::dom::element doc;
  if (parser.parse(object.data(), object.size()).get(doc) != simdjson::SUCCESS) return {};
  simdjson::dom::element v;
  if (doc[key].get(v) != simdjson::SUCCESS) return {};
  std::string_view s;
  if (v.get_string().get(s) == simdjson::SUCCESS) return std::string(s);
  std::int64_t i = 0;
  if (v.get_int64().get(i) == simdjson::SUCCESS) return std::to_string(i);
  std::uint64_t u = 0;
  if (v.get_uint64().get(u) == simdjson::SUCCESS) return std::to_string(u);
  return {};
}

}  // namespace starling::source::provider
