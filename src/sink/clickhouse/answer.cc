// File: sink/clickhouse/answer.cc
#include "sink/clickhouse/answer.h"

#include <charconv>
#include <cstdlib>

namespace starling::sink::clickhouse {
namespace {

Result<Value> Scalar(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::NULL_VALUE:
      return Value{};
    case simdjson::dom::element_type::INT64:
      return Value{std::int64_t(e)};
    case simdjson::dom::element_type::UINT64:
      return Value{static_cast<double>(std::uint64_t(e))};
    case simdjson::dom::element_type::DOUBLE:
      return Value{double(e)};
    case simdjson::dom::element_type::BOOL:
      return Value{std::int64_t{bool(e) ? 1 : 0}};
    case simdjson::dom::element_type::STRING:
      return Value{std::string(std::string_view(e))};
    default:
      return MalformedInput("ClickHouse answer: a nested value where a scalar was expected");
  }
}

std::string Unescape(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\' || i + 1 == s.size()) {
      out.push_back(s[i]);
      continue;
    }
    switch (const char c = s[++i]) {
      case 'b':
        out.push_back('\b');
        break;
      case 'f':
        out.push_back('\f');
        break;
      case 'r':
        out.push_back('\r');
        break;
      case 'n':
        out.push_back('\n');
        break;
      case 't':
        out.push_back('\t');
        break;
      case '0':
        out.push_back('\0');
        break;
      default:  // \\ \' and anything else: the character itself
        out.push_back(c);
    }
  }
  return out;
}

std::string_view Unwrap(std::string_view type, std::string_view wrapper) {
  if (type.size() > wrapper.size() + 1 && type.substr(0, wrapper.size()) == wrapper &&
      type[wrapper.size()] == '(' && type.back() == ')') {
    return type.substr(wrapper.size() + 1, type.size() - wrapper.size() - 2);
  }
  return type;
}

}  // namespace

const Settings& JsonReadSettings() {
  static const Settings settings = {{"output_format_json_quote_64bit_integers", "0"},
                                    {"output_format_json_quote_denormals", "1"}};
  return settings;
}

bool IsErrorLine(std::string_view line) {
  return line.rfind("Code: ", 0) == 0 && line.find("DB::Exception") != std::string_view::npos;
}

Status JsonRowReader::Read(std::string_view line, std::vector<JsonField>* fields) {
  if (IsErrorLine(line)) {
    return IoError("ClickHouse stopped its answer: " + std::string(line.substr(0, 1000)));
  }
  simdjson::dom::object o;
  if (parser_.parse(line.data(), line.size()).get(o) != simdjson::SUCCESS) {
    return MalformedInput("ClickHouse answer: a line is not a JSON object: " +
                          std::string(line.substr(0, 200)));
  }
  std::size_t n = 0;
  for (auto [key, value] : o) {
    if (fields->size() <= n) fields->emplace_back();
    JsonField& f = (*fields)[n++];
    f.items.clear();
    f.array = value.type() == simdjson::dom::element_type::ARRAY;
    if (!f.array) {
      STARLING_ASSIGN_OR_RETURN(f.value, Scalar(value));
      continue;
    }
    for (simdjson::dom::element item : simdjson::dom::array(value)) {
      STARLING_ASSIGN_OR_RETURN(Value v, Scalar(item));
      f.items.push_back(std::move(v));
    }
  }
  fields->resize(n);
  return Status::Ok();
}

TsvReader::TsvReader(std::function<Status(std::vector<std::string>)> on_columns,
                     std::function<Status(std::span<const Value>)> on_row)
    : on_columns_(std::move(on_columns)), on_row_(std::move(on_row)) {}

Status TsvReader::Line(std::string_view line) {
  if (IsErrorLine(line)) {
    return IoError("ClickHouse stopped its answer: " + std::string(line.substr(0, 1000)));
  }
  std::vector<std::string_view> cells;
  for (std::size_t at = 0;;) {
    const auto tab = line.find('\t', at);
    cells.push_back(line.substr(at, tab == std::string_view::npos ? line.npos : tab - at));
    if (tab == std::string_view::npos) break;
    at = tab + 1;
  }
  if (header_lines_ == 0) {
    ++header_lines_;
    for (std::string_view c : cells) names_.push_back(Unescape(c));
    return Status::Ok();
  }
  if (header_lines_ == 1) {
    ++header_lines_;
    if (cells.size() != names_.size()) {
      return MalformedInput("ClickHouse answer: the types line does not match the names");
    }
    for (std::string_view c : cells) {
      const std::string type = Unescape(c);
      std::string_view t = Unwrap(Unwrap(type, "LowCardinality"), "Nullable");
      // Decimal stays text: a sum past 64 bits must not become a rounded real.
      kinds_.push_back(t.rfind("Int", 0) == 0 || t.rfind("UInt", 0) == 0 ? Kind::kInt
                       : t.rfind("Float", 0) == 0                        ? Kind::kReal
                                                                         : Kind::kText);
    }
    return on_columns_(names_);
  }
  if (cells.size() != kinds_.size()) {
    return MalformedInput("ClickHouse answer: a row has " + std::to_string(cells.size()) +
                          " cells; the answer has " + std::to_string(kinds_.size()) + " columns");
  }
  row_.clear();
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const std::string_view c = cells[i];
    if (c == "\\N") {
      row_.emplace_back();
      continue;
    }
    switch (kinds_[i]) {
      case Kind::kInt: {
        std::int64_t v = 0;
        const auto [p, ec] = std::from_chars(c.data(), c.data() + c.size(), v);
        if (ec == std::errc() && p == c.data() + c.size()) {
          row_.emplace_back(v);
        } else {  // UInt64 above INT64_MAX
          row_.emplace_back(std::strtod(std::string(c).c_str(), nullptr));
        }
        break;
      }
      case Kind::kReal:
        // strtod: ClickHouse writes inf, -inf and nan as words.
        row_.emplace_back(std::strtod(std::string(c).c_str(), nullptr));
        break;
      case Kind::kText:
        row_.emplace_back(Unescape(c));
        break;
    }
  }
  return on_row_(row_);
}

Status TsvReader::Finish() {
  if (header_lines_ < 2) {
    return MalformedInput(
        "ClickHouse answer: no column names and types (a statement with its own FORMAT "
        "clause, or one that returns nothing?)");
  }
  return Status::Ok();
}

}  // namespace starling::sink::clickhouse
