// File: sink/clickhouse/answer.h
// Reading ClickHouse's answers line by line (Client::Lines): JSONEachRow
// (the store's own reads: one object per row, fields in SELECT order,
// Int64 unquoted with output_format_json_quote_64bit_integers=0) and
// TabSeparatedWithNamesAndTypes (`starling query`: names, types, then rows,
// each cell typed by its column's type). An error that happens after the
// answer started comes as a last line "Code: N, e.displayText() = ...",
// which both readers turn into an error instead of a row.
#pragma once

#include <simdjson.h>

#include <functional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/status.h"
#include "sink/clickhouse/client.h"
#include "sink/tables.h"

namespace starling::sink::clickhouse {

// The settings of a JSONEachRow read.
const Settings& JsonReadSettings();

// A field of a JSONEachRow row: a value, or an array's items.
struct JsonField {
  Value value;
  std::vector<Value> items;
  bool array = false;
};

class JsonRowReader {
 public:
  // Reads one line into `fields`, in the row's order (resized to its
  // width). MalformedInput for a line that is not a JSON object of
  // scalars and arrays of scalars; IoError with the server's message for
  // an error line.
  Status Read(std::string_view line, std::vector<JsonField>* fields);

 private:
  simdjson::dom::parser parser_;
};

// Reads a TabSeparatedWithNamesAndTypes answer: the names to on_columns,
// then each row's cells typed by the column types: (U)Int* as int64 (a
// UInt64 above INT64_MAX as a double), Float* as double, \N as NULL,
// everything else (String, DateTime, Date, arrays, Decimal) as its text.
class TsvReader {
 public:
  TsvReader(std::function<Status(std::vector<std::string>)> on_columns,
            std::function<Status(std::span<const Value>)> on_row);
  Status Line(std::string_view line);
  // After the last line: MalformedInput when the answer lacked its two
  // header lines.
  Status Finish();

 private:
  enum class Kind { kInt, kReal, kText };
  std::function<Status(std::vector<std::string>)> on_columns_;
  std::function<Status(std::span<const Value>)> on_row_;
  std::vector<std::string> names_;
  std::vector<Kind> kinds_;
  std::vector<Value> row_;
  int header_lines_ = 0;
};

// True for "Code: N, e.displayText() = ...": the server's error after the
// answer began.
bool IsErrorLine(std::string_view line);

}  // namespace starling::sink::clickhouse
