// File: model/result_columns.h
// What a result kind's rows hold, as data: its name, the table a store keeps
// it in, the columns of that table (name, type, the ResultRow field each
// holds, which identify a row within its window), the order rows are read
// back in, and the fields of its JSON form. Stores derive their tables
// (DDL, inserts, readers) from this; AppendResultJson derives the JSON form.
// A new kind adds its entry in result_columns.cc.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/window_result.h"

namespace starling::model {

// A field of ResultRow.
enum class RowField : std::uint8_t {
  kRank,
  kKey,
  kKey2,
  kCount,
  kError,
  kValue,
  kValue2,
  kPos,
  kNeu,
  kNeg,
  kText,
};

enum class ColumnType : std::uint8_t { kInt, kReal, kText };

// A column of a kind's table. Every table also has the window's head:
// pipeline, analysis, window_start and window_end (text; '' for the global
// window's open bounds), which with the `key` columns identify a row.
struct ResultColumn {
  std::string_view name;
  RowField field = RowField::kKey;
  ColumnType type = ColumnType::kInt;
  bool key = false;          // part of the row's identity within its window
  std::string_view meaning;  // for the docs: "1 = most" (may be empty)
};

// A field of the JSON form of a row ("rank":1,"key":"#a",...).
struct JsonField {
  std::string_view name;
  RowField field = RowField::kKey;
  ColumnType type = ColumnType::kInt;  // kReal prints %.6g, kText a JSON string
  bool omit_zero = false;              // left out when 0
};

// One term of the order a store reads a window's rows back in.
struct SortTerm {
  std::string_view column;
  bool descending = false;
};

struct ResultKindInfo {
  ResultKind kind = ResultKind::kCount;
  std::string_view name;   // ResultKindName: "top"
  std::string_view table;  // "trending"
  std::vector<ResultColumn> columns;
  std::vector<SortTerm> order;
  // Read back, rows are ranked 1, 2, ... in `order` (clusters: a live row's
  // rank is its cluster id; stored, the id is the key and the rank is the
  // position by posts).
  bool rank_by_order = false;
  std::vector<JsonField> json;
  std::string_view note;  // for the docs: what else a row says (may be empty)
};

// Every kind, in ResultKind order.
std::span<const ResultKindInfo> ResultKinds();
const ResultKindInfo& ResultKindInfoOf(ResultKind kind);
// The kinds' tables as a Markdown table (docs/formats/results.md holds it).
std::string ResultTablesMarkdown();

// A row's field as a number (kInt, kReal) or text (kText). The key as a
// number is its integer text (clusters keep their id so), else 0; a number
// set into the key becomes its text.
std::int64_t IntField(const ResultRow& row, RowField field);
double RealField(const ResultRow& row, RowField field);
const std::string& TextField(const ResultRow& row, RowField field);
// Sets a field from what a store read.
void SetIntField(ResultRow* row, RowField field, std::int64_t v);
void SetRealField(ResultRow* row, RowField field, double v);
void SetTextField(ResultRow* row, RowField field, std::string v);

}  // namespace starling::model
