// File: sink/server/results.h
// What the server stores' result tables share: the text form of a window's
// bounds (as SQLite keeps them: ISO-8601, '' for the global window's open
// ends) and a row's field set from a cell read back.
#pragma once

#include <string>

#include "common/status.h"
#include "model/result_columns.h"
#include "model/time.h"
#include "sink/tables.h"

namespace starling::sink::server {

// A window bound as stored: ISO-8601, '' for INT64_MIN/INT64_MAX.
std::string WindowBound(model::TimestampUs t);
// Its reverse; `start` says which open end '' is. MalformedInput for text
// that is not a time.
Result<model::TimestampUs> ParseWindowBound(const std::string& text, bool start);

// Sets `column`'s field of `row` from a cell a store read (an integer, a
// real or text, converted to the column's type; NULL as 0 or '').
void SetResultField(model::ResultRow* row, const model::ResultColumn& column, const Value& cell);

}  // namespace starling::sink::server
