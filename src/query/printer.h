// File: query/printer.h
// The one way an answer is written, whichever executor or store gave it:
// integers in decimal, floats in their shortest round-trip form
// (std::to_chars), booleans as true/false, text as its bytes.
//
//   table  aligned columns under a header, NULL shown as NULL, numbers
//          right-aligned; tab, CR and LF in text shown as \t \r \n; then
//          "(N rows)"
//   tsv    a header line, then a line per row, fields split by tabs; NULL is
//          an empty field; in text \ is written \\, tab \t, LF \n, CR \r
//          (as PostgreSQL's COPY text format), so every row is one line
//   csv    RFC 4180 (sink/csv_format's quoting): a header, NULL an empty field
//   jsonl  an object per row, keys in column order; NULL is null; a float
//          that is not finite is null
#pragma once

#include <string>
#include <string_view>

#include "common/status.h"
#include "query/value.h"

namespace starling::query {

enum class OutputFormat { kTable, kTsv, kCsv, kJsonl };
// "table", "tsv", "csv", "jsonl"; InvalidArgument otherwise.
Result<OutputFormat> OutputFormatFromName(std::string_view name);

// One cell as text in the table/tsv form before escaping ("" for NULL).
std::string FormatCell(const Value& v);

// The whole answer in `format`.
std::string FormatAnswer(const Answer& answer, OutputFormat format);

}  // namespace starling::query
